"""The mapping family: is the target device in meters.csv, and where its network came from."""

from __future__ import annotations

from dataclasses import replace

from certcheck.checks.registry import run_checks
from certcheck.checks.subject import Subject, find_meters
from certcheck.demo.payloads import (
    CORRECT,
    DUIS_HANDOVER,
    GBCS_NO_BY_NO,
    NOT_IN_MAPPING,
    render_case,
)
from certcheck.formats.sniff import decode_item
from tests.checks.casebook import CaseBook

FAMILY = "mapping"


def test_a_mapped_device_with_a_registered_network_passes(book: CaseBook) -> None:
    case = next(
        c
        for c in book.cases
        if c.kind == CORRECT and book.meter(c).network and not book.meter(c).prefix_disagrees
    )
    assert book.findings(case, FAMILY) == []


def test_a_device_missing_from_the_mapping(book: CaseBook) -> None:
    for form in (DUIS_HANDOVER, GBCS_NO_BY_NO):
        found = book.findings(book.case(NOT_IN_MAPPING, form), FAMILY)
        assert found == [("DEVICE_NOT_IN_MAPPING", None, None)], form


def test_a_registered_network_that_is_not_the_mpan_s_home_distributor(book: CaseBook) -> None:
    case = next(c for c in book.cases if c.kind == CORRECT and book.meter(c).prefix_disagrees)
    assert book.findings(case, FAMILY) == [("MPAN_PREFIX_DISAGREES", None, None)]


def test_a_network_taken_from_the_mpan_prefix_is_noted(book: CaseBook) -> None:
    case = next(c for c in book.cases if c.kind == CORRECT and book.meter(c).network_from_prefix)
    assert book.findings(case, FAMILY) == [("NETWORK_FROM_MPAN_PREFIX", None, None)]


def test_meters_found_ahead_as_the_checks_would_find_them(book: CaseBook) -> None:
    """find_meters gives each subject the meter its checks would look up; a lookup that
    raises is left unset, for the checks to meet and report (CHECK_FAILED)."""
    context = book.context()
    ahead = [
        Subject(decode_item(render_case(book.case(kind, DUIS_HANDOVER)), kind), context)
        for kind in (CORRECT, NOT_IN_MAPPING)
    ]
    find_meters(ahead)
    assert [subject.__dict__["meter"] is not None for subject in ahead] == [True, False]
    mapping = context.mapping
    assert mapping is not None
    assert ahead[0].__dict__["meter"] == mapping.by_device(ahead[0].item.device_id or "")

    class Faulty:
        def by_device(self, _eui: str) -> None:
            raise ZeroDivisionError("planted fault")

    faulty = Subject(ahead[0].item, replace(context, mapping=Faulty()))  # type: ignore[arg-type]
    find_meters([faulty])
    assert "meter" not in faulty.__dict__
    assert "CHECK_FAILED" in [finding.code for finding in run_checks(faulty)]
