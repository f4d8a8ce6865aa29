"""Shared by the DUIS reader's tests: a small PKI and DUIS 6.21 handover requests over it."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from certcheck.demo.duis_build import build_duis_request
from certcheck.demo.pki import Issued, issue_organisation, make_issuing_ca, make_root

NETWORK_OPERATOR = 3
OPERATOR = bytes.fromhex("90b3d51f30020000")
OTHER_OPERATOR = bytes.fromhex("90b3d51f30020001")

HandoverRequest = Callable[..., bytes]


@pytest.fixture(scope="session")
def handover_pki() -> dict[str, Issued]:
    """An OCA and a Network Operator's certificates: ``ds`` and ``ka``, and ``ka2`` of
    another operator."""
    root = make_root("handover", "Handover Root")
    oca = make_issuing_ca("handover", root, "Handover OCA")
    return {
        "oca": oca,
        "ds": issue_organisation("handover", oca, OPERATOR, NETWORK_OPERATOR, "digitalSignature"),
        "ka": issue_organisation("handover", oca, OPERATOR, NETWORK_OPERATOR, "keyAgreement"),
        "ka2": issue_organisation(
            "handover", oca, OTHER_OPERATOR, NETWORK_OPERATOR, "keyAgreement"
        ),
    }


@pytest.fixture(scope="session")
def handover_request(handover_pki: dict[str, Issued]) -> HandoverRequest:
    """A DUIS 6.21 request placing ``ds`` and ``ka`` (or another key-agreement certificate)
    on device 00-DB-12-34-56-78-90-``device``, RequestID counter ``counter``."""

    def build(ka: str = "ka", counter: int = 1, device: str = "01") -> bytes:
        pki = handover_pki
        return build_duis_request(
            "6.21",
            "90b3d51f30010000",
            f"00:db:12:34:56:78:90:{device}",
            counter,
            "NetworkOperator",
            {"DigitalSigningCertificate": pki["ds"].der, "KeyAgreementCertificate": pki[ka].der},
            [pki["oca"].der],
        )

    return build
