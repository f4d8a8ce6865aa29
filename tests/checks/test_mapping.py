"""The mapping family: is the target device in meters.csv, and where its network came from."""

from __future__ import annotations

from certcheck.demo.payloads import CORRECT, DUIS_HANDOVER, GBCS_NO_BY_NO, NOT_IN_MAPPING
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
