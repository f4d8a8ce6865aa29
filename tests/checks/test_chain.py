"""The chain family: trust anchors and validity periods of the placed certificates."""

from __future__ import annotations

import pytest

from certcheck.demo.payloads import CORRECT, DUIS_HANDOVER, DUIS_KRP, GBCS_NO_BY_NO, UNTRUSTED_CA
from tests.checks.casebook import CaseBook, on_each

FAMILY = "chain"
FORMS = (DUIS_HANDOVER, DUIS_KRP, GBCS_NO_BY_NO)


@pytest.mark.parametrize("form", FORMS)
def test_certificates_that_chain_to_the_anchors_pass(book: CaseBook, form: str) -> None:
    assert book.findings(book.case(CORRECT, form), FAMILY) == []


@pytest.mark.parametrize("form", FORMS)
def test_certificates_of_an_untrusted_ca(book: CaseBook, form: str) -> None:
    case = book.case(UNTRUSTED_CA, form)
    assert book.findings(case, FAMILY) == on_each("CERT_CHAIN_UNTRUSTED", case)


def test_without_trust_anchors_the_item_says_so_once(book: CaseBook) -> None:
    context = book.context(trust=False)
    case = book.case(UNTRUSTED_CA, DUIS_HANDOVER)
    assert book.findings(case, FAMILY, context) == [("CHAIN_NOT_CHECKED", None, None)]


@pytest.mark.parametrize("form", FORMS)
def test_expired_after_the_organisation_certificates_end(book: CaseBook, form: str) -> None:
    case = book.case(CORRECT, form)
    found = book.findings(case, FAMILY, book.context(at="2036-01-01"))
    assert found == on_each("CERT_EXPIRED", case)


@pytest.mark.parametrize("form", FORMS)
def test_not_yet_valid_before_they_begin(book: CaseBook, form: str) -> None:
    case = book.case(CORRECT, form)
    found = book.findings(case, FAMILY, book.context(at="2025-08-31"))
    assert found == on_each("CERT_NOT_YET_VALID", case)
