"""The pairing family: both Network Operator cells hold one organisation's certificates."""

from __future__ import annotations

import pytest

from certcheck.demo.payloads import CORRECT, DUIS_HANDOVER, GBCS_NO_BY_NO, PAIR_MISMATCH
from tests.checks.casebook import PLACED_AT, CaseBook, sha

FAMILY = "pairing"
FORMS = (DUIS_HANDOVER, GBCS_NO_BY_NO)


@pytest.mark.parametrize("form", FORMS)
def test_one_organisation_s_pair_passes(book: CaseBook, form: str) -> None:
    assert book.findings(book.case(CORRECT, form), FAMILY) == []


@pytest.mark.parametrize("form", FORMS)
def test_two_organisations(book: CaseBook, form: str) -> None:
    """The finding sits on the second certificate, the one that differs from the first."""
    case = book.case(PAIR_MISMATCH, form)
    _, second = case.placements
    assert book.findings(case, FAMILY) == [
        ("NO_CERT_PAIR_MISMATCH", sha(second), PLACED_AT[form][1])
    ]
