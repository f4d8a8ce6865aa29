"""The signature family: GBCS command signatures checked with the signer's certificates."""

from __future__ import annotations

from certcheck.demo.payloads import BAD_SIGNATURE, CORRECT, DUIS_HANDOVER, GBCS_NO_BY_NO
from tests.checks.casebook import CaseBook

FAMILY = "signature"


def test_a_valid_signature_passes(book: CaseBook) -> None:
    assert book.findings(book.case(CORRECT, GBCS_NO_BY_NO), FAMILY) == []


def test_a_corrupted_signature(book: CaseBook) -> None:
    case = book.case(BAD_SIGNATURE, GBCS_NO_BY_NO)
    assert book.findings(case, FAMILY) == [("COMMAND_SIGNATURE_INVALID", None, "signature")]


def test_without_the_signer_s_certificates_it_says_so(book: CaseBook) -> None:
    context = book.context(signers=False)
    for kind in (CORRECT, BAD_SIGNATURE):
        found = book.findings(book.case(kind, GBCS_NO_BY_NO), FAMILY, context)
        assert found == [("SIGNATURE_NOT_CHECKED", None, "signature")], kind


def test_a_duis_request_carries_no_gbcs_signature(book: CaseBook) -> None:
    context = book.context(signers=False)
    assert book.findings(book.case(CORRECT, DUIS_HANDOVER), FAMILY, context) == []
