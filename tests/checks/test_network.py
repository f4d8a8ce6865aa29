"""The network family: whose Network Operator certificates sit on the meter (SECMP0063)."""

from __future__ import annotations

import pytest

from certcheck.demo.payloads import (
    CORRECT,
    DUIS_HANDOVER,
    DUIS_KRP,
    ELECTRICITY_ON_GAS,
    GAS_ON_ESME,
    GBCS_NO_BY_NO,
    PAIR_MISMATCH,
    SUPPLIER_IN_NO_CELL,
    UNKNOWN_ORGANISATION,
    WRONG_NETWORK,
)
from tests.checks.casebook import PLACED_AT, CaseBook, on_each, sha

FAMILY = "network"
FORMS = (DUIS_HANDOVER, DUIS_KRP, GBCS_NO_BY_NO)


@pytest.mark.parametrize("form", FORMS)
def test_the_registered_network_s_own_certificates_pass(book: CaseBook, form: str) -> None:
    assert book.findings(book.case(CORRECT, form), FAMILY) == []


@pytest.mark.parametrize("form", FORMS)
def test_another_distributor_s_certificates(book: CaseBook, form: str) -> None:
    case = book.case(WRONG_NETWORK, form)
    assert book.findings(case, FAMILY) == on_each("NO_CERT_WRONG_NETWORK", case)


@pytest.mark.parametrize("form", FORMS)
def test_gas_transporter_on_an_esme_is_a_crossing_not_a_wrong_network(
    book: CaseBook, form: str
) -> None:
    case = book.case(GAS_ON_ESME, form)
    assert book.findings(case, FAMILY) == on_each("NO_CERT_GAS_ON_ESME", case)


@pytest.mark.parametrize("form", FORMS)
def test_electricity_distributor_on_a_gas_device(book: CaseBook, form: str) -> None:
    case = book.case(ELECTRICITY_ON_GAS, form)
    assert book.findings(case, FAMILY) == on_each("NO_CERT_ELECTRICITY_ON_GAS_DEVICE", case)


def test_unregistered_organisation(book: CaseBook) -> None:
    case = book.case(UNKNOWN_ORGANISATION, DUIS_HANDOVER)
    assert book.findings(case, FAMILY) == on_each("NO_CERT_UNKNOWN_ORGANISATION", case)


@pytest.mark.parametrize("form", (DUIS_HANDOVER, GBCS_NO_BY_NO))
def test_half_a_foreign_pair_is_a_wrong_network_for_that_half_only(
    book: CaseBook, form: str
) -> None:
    case = book.case(PAIR_MISMATCH, form)
    owner = book.world.network_owner(book.meter(case).expected_network)
    (foreign,) = [p for p in case.placements if p.holder != owner]
    where = PLACED_AT[form][case.placements.index(foreign)]
    assert book.findings(case, FAMILY) == [("NO_CERT_WRONG_NETWORK", sha(foreign), where)]


def test_supplier_certificates_are_not_network_operators(book: CaseBook) -> None:
    """A Supplier's certificates in NO cells are a cells finding, not a network one."""
    assert book.findings(book.case(SUPPLIER_IN_NO_CELL, DUIS_HANDOVER), FAMILY) == []
