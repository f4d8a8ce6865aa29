"""Plans (checks.registry.run_checks): an item whose plan key was met before runs only the
checks that found something then, and must get exactly the findings every check gives it.

The reference is every check run on the item one by one (``_run_guarded``, what a run does
after a check raised), with no memo of any kind.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from certcheck.audit.context import AuditContext, build_context, parse_instant
from certcheck.audit.decoding import decode_raw
from certcheck.audit.model import Item, ItemKind, Problem
from certcheck.audit.sources import iter_raw
from certcheck.checks.registry import _every_check, _run_guarded, check_items, run_checks
from certcheck.checks.subject import Subject
from certcheck.demo.payloads import render_case
from certcheck.demo.world import verify_options
from certcheck.formats.sniff import decode_item
from tests.checks.casebook import CaseBook
from tests.conftest import FIXTURES

WORLD = FIXTURES / "world"


def _context(directory: Path, trust: bool, signers: bool) -> AuditContext:
    options = verify_options(directory)
    return build_context(
        mapping=options["mapping"],
        operators=options["operators"],
        trust=options["trust"] if trust else (),
        certs=options["certs"] if signers else (),
        at=parse_instant(options["at"]),
    )


def _world_items() -> list[Item]:
    """The shipped world's items, and each file item cut short (unreadable, or partly read)."""
    raws = list(iter_raw([str(WORLD / "payloads")]))
    cut = [
        decode_item(raw.data[: len(raw.data) * 2 // 3], f"{raw.source} (cut)")
        for raw in raws
        if raw.data and not raw.jsonl
    ]
    tampered = [
        decode_item(_last_byte_changed(raw.data), f"{raw.source} (tampered)")
        for raw in raws
        if raw.data and raw.data[:1] not in b"<{-"
    ]
    return [decode_raw(raw) for raw in raws] + cut + tampered


def _last_byte_changed(data: bytes) -> bytes:
    """A GBCS message with the last byte of its signature changed (hex or binary)."""
    body = data.rstrip()
    last = body[-1:]
    if last.isalnum():  # hex text: another digit
        return body[:-1] + (b"1" if last == b"0" else b"0")
    return body[:-1] + bytes([body[-1] ^ 1])


def _assert_plans_agree(items: list[Item], context: AuditContext) -> None:
    expected = [_run_guarded(Subject(item, context), _every_check()) for item in items]
    runs = 0
    for order in (list(range(len(items))), list(reversed(range(len(items)))), range(len(items))):
        for index in order:
            found = run_checks(Subject(items[index], context))
            runs += 1
            assert found == expected[index], items[index].source
    assert 0 < len(context.plans) < runs  # plans were made, and met again


@pytest.mark.parametrize(("trust", "signers"), [(True, True), (False, False), (True, False)])
def test_world_findings_equal_with_plans(trust: bool, signers: bool) -> None:
    items = _world_items()
    assert any(item.outcomes for item in items)  # responses and reads report cells
    assert any(item.problems for item in items)  # and some items are unreadable
    _assert_plans_agree(items, _context(WORLD, trust, signers))


def test_a_block_checked_in_one_loop_as_item_by_item() -> None:
    """check_items (a block's loop) gives each subject the findings every check gives it, in
    two passes over the world's items: plans made, then met."""
    items = _world_items()
    context = _context(WORLD, True, True)
    expected = [_run_guarded(Subject(item, context), _every_check()) for item in items]
    for _ in range(2):
        checked = check_items([Subject(item, context) for item in items])
        assert [list(findings) for findings, _ in checked] == expected


def test_a_set_of_placements_has_one_key() -> None:
    """Equal tuples of placements (distinct objects) share a key; another set has its own."""
    items = [item for item in _world_items() if item.placements]
    context = _context(WORLD, True, True)
    for item in items:
        key = context.placement_set(item.placements)
        assert context.placement_set(tuple(list(item.placements))) is key
    sets = {item.placements for item in items}
    assert len({id(context.placement_set(placements)) for placements in sets}) == len(sets)


def test_case_book_findings_equal_with_plans(book: CaseBook) -> None:
    items = [decode_item(render_case(case), f"case-{n}") for n, case in enumerate(book.cases)]
    _assert_plans_agree(items, book.context())


def test_a_plan_still_words_each_finding_for_its_own_device() -> None:
    """Two meters of one profile given the same wrong certificates: one plan, two wordings."""
    items = _world_items()
    context = _context(WORLD, True, True)
    worded = {}
    for item in items:
        for finding in run_checks(Subject(item, context)):
            if item.device_id and item.device_id in finding.message:
                worded.setdefault(finding.code, set()).add(item.device_id)
    assert any(len(devices) > 1 for devices in worded.values())


@pytest.mark.parametrize("first", ["clean", "unreadable"])
def test_each_key_part_decides_on_its_own(first: str) -> None:
    """Items alike but for one part of the key, the one finding nothing met first."""
    clean = Item(source="read", kind=ItemKind.DUIS_RESPONSE)
    unreadable = Item(source="unread", kind=None, problems=(Problem("unread: bad", "Body"),))
    items = [clean, unreadable] if first == "clean" else [unreadable, clean]
    context = _context(WORLD, True, True)
    expected = [_run_guarded(Subject(item, context), _every_check()) for item in items]
    assert [run_checks(Subject(item, context)) for item in items] == expected
    assert sum(map(bool, expected)) == 1
