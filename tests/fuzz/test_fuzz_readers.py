"""Property: whatever the bytes, decoding gives an Item and auditing it never raises.

An Item is either decoded (``kind`` set) or ``kind`` None with at least one Problem. Inputs:
random bytes; byte flips, insertions, deletions and truncations of every reference sample and
every demo payload; GBCS frames built with random fields around random DER; DER with random
nesting and lengths. ``CERTCHECK_FUZZ_SCALE`` multiplies the example counts for longer runs.
By default the examples are derived from a fixed seed, so a run is repeatable and CI stays
green until the code changes; ``CERTCHECK_FUZZ_RANDOM=1`` draws new inputs on every run.
"""

from __future__ import annotations

import json
import os
from datetime import UTC, datetime
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from certcheck.audit.decoding import decode_raw
from certcheck.audit.model import Item
from certcheck.audit.pipeline import audit_item
from certcheck.audit.serialise import dumps
from certcheck.audit.sources import RawInput
from certcheck.formats.gbcs import messages as mc
from certcheck.formats.gbcs.builder import build_frame
from certcheck.formats.hexb64 import text_to_bytes
from certcheck.formats.sniff import decode_item
from fuzz.contract import check_item

SCALE = float(os.environ.get("CERTCHECK_FUZZ_SCALE", "1"))
RANDOM = os.environ.get("CERTCHECK_FUZZ_RANDOM", "") not in ("", "0")


def fuzz_settings(examples: int):  # type: ignore[no-untyped-def]
    return settings(
        max_examples=max(1, int(examples * SCALE)),
        deadline=None,
        derandomize=not RANDOM,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large,
                               HealthCheck.function_scoped_fixture],
    )


def seed_files(root: Path, limit: int = 200_000) -> list[bytes]:
    """Every file under ``root`` up to ``limit`` bytes, in a stable order."""
    return [
        path.read_bytes()
        for path in sorted(root.rglob("*"))
        if path.is_file() and path.stat().st_size <= limit
    ]


def check(data: bytes, world, name: str) -> Item:  # type: ignore[no-untyped-def]
    """Decode and audit ``data``; assert the reader's contract."""
    world.examples[name] += 1
    context = world.context
    item = decode_item(data, "fuzz")
    check_item(item)  # an Item saying why when unreadable, no defect, every where in grammar
    assert item.kind is None or item.kind.value
    record = audit_item(item, context)
    json.loads(dumps(record.as_dict()))
    return item


# --- mutations -------------------------------------------------------------------------------


@st.composite
def mutations(draw, seeds: list[bytes]) -> bytes:  # type: ignore[no-untyped-def]
    """A seed with a few byte flips, insertions, deletions, overwrites, or a truncation."""
    data = bytearray(draw(st.sampled_from(seeds)))
    for _ in range(draw(st.integers(1, 6))):
        where = draw(st.integers(0, max(len(data) - 1, 0)))
        operation = draw(st.sampled_from(["flip", "insert", "delete", "set", "truncate"]))
        if operation == "truncate":
            del data[where:]
        elif operation == "insert":
            data[where:where] = draw(st.binary(min_size=1, max_size=8))
        elif not data:
            continue
        elif operation == "flip":
            data[where] ^= 1 << draw(st.integers(0, 7))
        elif operation == "delete":
            del data[where : where + draw(st.integers(1, 8))]
        else:
            data[where] = draw(st.sampled_from([0x00, 0x30, 0x80, 0x81, 0x84, 0xFF, 0x3C]))
    return bytes(data)


def binary_forms(seeds: list[bytes]) -> list[bytes]:
    """The seeds plus the raw bytes behind any hex or base64 seed (GBCS, DER)."""
    forms = list(seeds)
    for seed in seeds:
        if seed.lstrip()[:1] not in (b"<", b"-"):
            raw = text_to_bytes(seed)
            if raw:
                forms.append(raw)
    return forms


# --- structure-aware generators --------------------------------------------------------------


def _tlv(tag: int, content: bytes, long_form: bool) -> bytes:
    size = len(content)
    if size < 0x80 and not long_form:
        return bytes([tag, size]) + content
    octets = size.to_bytes(max(1, (size.bit_length() + 7) // 8), "big")
    return bytes([tag, 0x80 | len(octets)]) + octets + content


der_values = st.recursive(
    st.builds(
        _tlv,
        st.sampled_from([0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x0C, 0x13, 0x17, 0x18, 0x80, 0x81]),
        st.binary(max_size=24),
        st.booleans(),
    ),
    lambda children: st.builds(
        lambda tag, parts, long_form: _tlv(tag, b"".join(parts), long_form),
        st.sampled_from([0x30, 0x31, 0xA0, 0xA1, 0xA2, 0xA3, 0xBF]),
        st.lists(children, max_size=4),
        st.booleans(),
    ),
    max_leaves=20,
)


@st.composite
def broken_der(draw) -> bytes:  # type: ignore[no-untyped-def]
    """Valid-looking DER, deep nesting, or DER with a length byte changed."""
    shape = draw(st.sampled_from(["tree", "deep", "bad-length"]))
    if shape == "deep":
        data = draw(der_values)
        for _ in range(draw(st.integers(1, 80))):
            data = _tlv(draw(st.sampled_from([0x30, 0xA0, 0x31])), data, draw(st.booleans()))
        return data
    data = bytearray(draw(der_values))
    if shape == "bad-length" and len(data) > 1:
        data[draw(st.integers(1, len(data) - 1))] = draw(
            st.sampled_from([0x00, 0x7F, 0x80, 0x81, 0x82, 0x84, 0x85, 0x89, 0xFF])
        )
    return bytes(data)


@st.composite
def gbcs_frames(draw, contents: list[bytes]) -> bytes:  # type: ignore[no-untyped-def]
    """A GBCS frame from the builder with random header fields around some content."""
    content = draw(
        st.one_of(broken_der(), st.sampled_from(contents) if contents else broken_der(),
                  mutations(contents) if contents else broken_der(), st.binary(max_size=64))
    )
    return build_frame(
        cra_flag=draw(st.sampled_from([1, 2, 3, 0, 4, 0xFF])),
        counter=draw(st.integers(0, 2**64 - 1)),
        originator=draw(st.binary(min_size=8, max_size=8)),
        recipient=draw(st.binary(min_size=8, max_size=8)),
        message_code=draw(st.one_of(st.sampled_from(sorted(mc.MESSAGES)),
                                    st.integers(0, 0xFFFF))),
        content=content,
        date_time=draw(st.one_of(st.none(), st.binary(min_size=12, max_size=12))),
        null_signature=draw(st.booleans()),
        mac_header=draw(st.booleans()),
    )


def _gbcs_contents(payloads: list[bytes]) -> list[bytes]:
    """The content octets of the demo GBCS messages (decoded to get their offsets)."""
    from certcheck.formats.gbcs.frame import parse_frame

    contents = []
    for payload in binary_forms(payloads):
        if payload[:1] in (b"\xdd", b"\xdf"):
            contents.append(parse_frame(payload).content)
    return contents


# --- the tests -------------------------------------------------------------------------------


@fuzz_settings(1500)
@given(data=st.binary(max_size=2048))
def test_random_bytes(fuzz_world, data: bytes) -> None:
    check(data, fuzz_world, "random-bytes")


@fuzz_settings(600)
@given(data=st.one_of(
    st.binary(max_size=64).map(lambda b: b"\x30\x82" + b),
    st.binary(max_size=64).map(lambda b: b"\xdf\x09" + b),
    st.binary(max_size=64).map(lambda b: b"<?xml version='1.0'?><" + b),
    st.text(alphabet="0123456789ABCDEFabcdef \n", max_size=200).map(str.encode),
))
def test_random_bytes_behind_format_markers(fuzz_world, data: bytes) -> None:
    check(data, fuzz_world, "random-behind-markers")


def test_mutated_reference_samples(fuzz_world, reference_dir) -> None:
    seeds = binary_forms(seed_files(reference_dir / "payloads"))
    assert len(seeds) > 100

    @fuzz_settings(2500)
    @given(data=mutations(seeds))
    def run(data: bytes) -> None:
        check(data, fuzz_world, "mutated-reference")

    for seed in seeds:  # every sample, unmutated, first
        check(seed, fuzz_world, "reference-as-is")
    run()


def test_mutated_demo_payloads(fuzz_world) -> None:
    seeds = binary_forms(fuzz_world.payloads)

    @fuzz_settings(2000)
    @given(data=mutations(seeds))
    def run(data: bytes) -> None:
        check(data, fuzz_world, "mutated-demo")

    for seed in fuzz_world.payloads:
        assert check(seed, fuzz_world, "demo-as-is").kind is not None
    run()


def test_structured_gbcs_frames(fuzz_world) -> None:
    contents = _gbcs_contents([p for p in fuzz_world.payloads if p.lstrip()[:1] != b"<"])
    assert contents

    @fuzz_settings(1500)
    @given(data=gbcs_frames(contents))
    def run(data: bytes) -> None:
        check(data, fuzz_world, "structured-gbcs")

    run()


@fuzz_settings(1200)
@given(data=broken_der())
def test_structured_der(fuzz_world, data: bytes) -> None:
    check(data, fuzz_world, "structured-der")


@fuzz_settings(800)
@given(line=st.one_of(
    st.binary(max_size=256),
    st.builds(lambda p: json.dumps({"id": "x", "payload": p}).encode(), st.text(max_size=200)),
    st.builds(lambda v: json.dumps(v).encode(), st.recursive(
        st.none() | st.booleans() | st.integers() | st.text(max_size=10),
        lambda c: st.lists(c, max_size=3) | st.dictionaries(st.text(max_size=8), c, max_size=3),
        max_leaves=6,
    )),
))
def test_json_lines_entries(fuzz_world, line: bytes) -> None:
    fuzz_world.examples["json-lines"] += 1
    item = decode_raw(RawInput("batch.jsonl#1", line, jsonl=True))
    assert isinstance(item, Item)
    assert item.kind is not None or item.problems
    audit_item(item, fuzz_world.context)


def test_context_time_is_fixed(fuzz_world) -> None:
    assert fuzz_world.context.at == datetime(2026, 6, 1, tzinfo=UTC)


@pytest.mark.parametrize("depth", [31, 32, 33, 64, 1000])
def test_nesting_around_the_limit_never_raises(fuzz_world, depth: int) -> None:
    data = b"\x05\x00"
    for _ in range(depth):
        data = _tlv(0x30, data, False)
    item = check(data, fuzz_world, "nesting-boundary")
    assert item.kind is None


@fuzz_settings(2000)
@given(data=st.one_of(broken_der(), st.binary(max_size=64)))
def test_der_guard_agrees_with_the_gbcs_recursive_check(fuzz_world, data: bytes) -> None:
    """Differential: the package's iterative guard and a plain recursive walk accept the same
    DER (one element tree, definite lengths of at most 4 octets, at most 32 levels deep)."""
    from certcheck.formats.derguard import DerRefused, element_end, guard_der

    fuzz_world.examples["der-differential"] += 1
    try:
        guard_der(data, ORACLE_DEPTH)
        guarded = element_end(data) == len(data)
    except DerRefused:
        guarded = False
    assert guarded == _oracle_accepts(data)


ORACLE_DEPTH = 32


def _oracle_accepts(data: bytes) -> bool:
    """A recursive BER/DER walk, written independently of certcheck.formats.derguard."""

    def element(pos: int, end: int, depth: int) -> int:
        if pos >= end:
            raise ValueError("no tag")
        tag = data[pos]
        pos += 1
        if tag & 0x1F == 0x1F:  # high tag number form
            while True:
                if pos >= end:
                    raise ValueError("tag runs out")
                more = data[pos] & 0x80
                pos += 1
                if not more:
                    break
        if pos >= end:
            raise ValueError("no length")
        first = data[pos]
        pos += 1
        length = first
        if first >= 0x80:
            count = first & 0x7F
            if count == 0 or count > 4 or pos + count > end:
                raise ValueError("bad length")
            length = int.from_bytes(data[pos : pos + count], "big")
            pos += count
        if pos + length > end:
            raise ValueError("overrun")
        if tag & 0x20:
            if depth >= ORACLE_DEPTH:
                raise ValueError("too deep")
            inner = pos
            while inner < pos + length:
                inner = element(inner, pos + length, depth + 1)
        return pos + length

    try:
        return element(0, len(data), 0) == len(data)
    except ValueError:
        return False
