"""The signature family: GBCS command signatures checked with the signer's certificates."""

from __future__ import annotations

from dataclasses import replace

from certcheck.audit.keystore import KeyStore
from certcheck.checks.registry import run_checks
from certcheck.checks.subject import Subject, verify_signatures
from certcheck.demo.payloads import (
    BAD_SIGNATURE,
    CORRECT,
    DUIS_HANDOVER,
    GBCS_NO_BY_NO,
    render_case,
)
from certcheck.formats.sniff import decode_item
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


def test_signatures_verified_ahead_as_each_check_would(book: CaseBook) -> None:
    """verify_signatures gives each subject the state its signature check would find; a
    state that raises is left unset, for the check to meet and report (CHECK_FAILED)."""
    context = book.context()
    ahead = [
        Subject(decode_item(render_case(book.case(kind, GBCS_NO_BY_NO)), kind), context)
        for kind in (CORRECT, BAD_SIGNATURE)
    ]
    verify_signatures(ahead)
    assert [subject.__dict__.get("signature_state") for subject in ahead] == ["valid", "invalid"]

    class Faulty(dict):  # type: ignore[type-arg]
        def get(self, *_args):  # type: ignore[no-untyped-def]
            raise ZeroDivisionError("planted fault")

    faulty = Subject(ahead[0].item, replace(context, signers=KeyStore(by_entity=Faulty())))
    verify_signatures([faulty])
    assert "signature_state" not in faulty.__dict__
    assert "CHECK_FAILED" in [finding.code for finding in run_checks(faulty)]
