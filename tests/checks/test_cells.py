"""The cells family: does each certificate fit the trust-anchor cell it is placed in?"""

from __future__ import annotations

import pytest

from certcheck.demo.payloads import (
    CORRECT,
    DUIS_HANDOVER,
    GBCS_NO_BY_NO,
    SUPPLIER_IN_NO_CELL,
    USAGE_SWAPPED,
)
from tests.checks.casebook import CaseBook, on_each

FAMILY = "cells"
FORMS = (DUIS_HANDOVER, GBCS_NO_BY_NO)


@pytest.mark.parametrize("form", FORMS)
def test_each_certificate_in_its_own_cell_passes(book: CaseBook, form: str) -> None:
    assert book.findings(book.case(CORRECT, form), FAMILY) == []


@pytest.mark.parametrize("form", FORMS)
def test_supplier_certificates_in_network_operator_cells(book: CaseBook, form: str) -> None:
    case = book.case(SUPPLIER_IN_NO_CELL, form)
    assert book.findings(case, FAMILY) == on_each("CELL_ROLE_MISMATCH", case)


@pytest.mark.parametrize("form", FORMS)
def test_signing_and_key_agreement_swapped(book: CaseBook, form: str) -> None:
    """The key-agreement certificate goes to the signing cell and the reverse."""
    case = book.case(USAGE_SWAPPED, form)
    assert book.findings(case, FAMILY) == on_each("CELL_KEY_USAGE_MISMATCH", case)
