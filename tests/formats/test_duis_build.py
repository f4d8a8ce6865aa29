"""DUIS requests built by certcheck.demo.duis_build read back through decode_duis."""

from __future__ import annotations

import base64
import hashlib
import re
from datetime import UTC, datetime
from pathlib import Path

import pytest

from certcheck.audit.model import ItemKind
from certcheck.demo.duis_build import build_duis_request
from certcheck.formats.duis import decode_duis

KEYSTORE = "payloads/certs/rtds-keystore"


def _der(reference_dir: Path, name: str) -> bytes:
    pem = (reference_dir / KEYSTORE / name).read_text()
    body = re.search(r"-----BEGIN CERTIFICATE-----(.+?)-----END", pem, re.S).group(1)
    return base64.b64decode("".join(body.split()))


def _z1(reference_dir: Path) -> bytes:
    text = (
        reference_dir
        / "payloads/duis/templates-HEAD/CS02bNOByNOHandover_6.21_SUCCESS_REQUEST_DUIS.XML"
    ).read_text()
    return base64.b64decode(re.search(r"<sr:Certificate>([^<]+)<", text).group(1))


def _sha(der: bytes) -> str:
    return hashlib.sha256(der).hexdigest()


def test_6_21_round_trip_with_signature(reference_dir: Path) -> None:
    ds = _der(reference_dir, "90b3d51f30020000-ds.pem")
    ka = _der(reference_dir, "90b3d51f30020000-ka.pem")
    z1 = _z1(reference_dir)
    data = build_duis_request(
        "6.21",
        "90b3d51f30010000",
        "00:db:12:34:56:78:90:a3",
        4242,
        "NetworkOperator",
        {"KeyAgreementCertificate": ka, "DigitalSigningCertificate": ds},
        [z1],
        signature=True,
    )
    assert 3300 <= len(data) <= 4600  # a realistic 6.21 size
    item = decode_duis(data, "built.xml")
    assert item.kind == ItemKind.DUIS_REQUEST
    assert item.problems == ()
    assert (item.service, item.originator, item.device_id, item.counter) == (
        "6.21",
        "90-B3-D5-1F-30-01-00-00",
        "00-DB-12-34-56-78-90-A3",
        4242,
    )
    assert item.remote_party_role == 3
    assert item.details["signed_xml"] is True
    assert item.details["command_variant"] == 1
    cells = [(p.certificate.sha256, p.cell.key_usage) for p in item.replacements]
    assert cells == [(_sha(ds), "digitalSignature"), (_sha(ka), "keyAgreement")]
    assert [p.certificate.sha256 for p in item.path_certificates] == [_sha(z1)]
    assert item.execution_time is None


def test_6_15_1_round_trip_unsigned_future_dated(reference_dir: Path) -> None:
    certs = {
        "DigitalSigningCertificate": _der(reference_dir, "90b3d51f30010000-ds.pem"),
        "KeyAgreementCertificate": _der(reference_dir, "90b3d51f30010000-ka.pem"),
        "KeyAgreementTopUpCertificate": _der(reference_dir, "90b3d51f30010000-pp-ka.pem"),
    }
    data = build_duis_request(
        "6.15.1",
        "90-B3-D5-1F-30-01-00-00",
        "00-DB-12-34-56-78-90-A0",
        1,
        "Supplier",
        certs,
        [_z1(reference_dir)],
        datetime(2030, 1, 15, tzinfo=UTC),
    )
    assert b"Signature" not in data
    item = decode_duis(data, "b.xml")
    assert item.problems == ()
    assert item.details["signed_xml"] is False
    assert item.details["command_variant"] == 4
    assert item.execution_time == "2030-01-15T00:00:00Z"
    assert [
        (p.cell.role, p.cell.key_usage, p.cell.cell_usage, p.certificate.sha256)
        for p in item.replacements
    ] == [
        (2, "digitalSignature", "management", _sha(certs["DigitalSigningCertificate"])),
        (2, "keyAgreement", "management", _sha(certs["KeyAgreementCertificate"])),
        (2, "keyAgreement", "prepaymentTopUp", _sha(certs["KeyAgreementTopUpCertificate"])),
    ]
    assert "SupplierOrNetworkOperatorCertificates" in item.replacements[0].where


def test_6_23_and_8_5_round_trip(reference_dir: Path) -> None:
    ds = _der(reference_dir, "90b3d51f30030000-ds.pem")
    cos = decode_duis(
        build_duis_request(
            "6.23", "90b3d51f30030000", "00db1234567890a0", 9, None,
            {"DigitalSigningCertificate": ds}, import_mpxn="1312345678333",
        ),
        "cos.xml",
    )
    assert cos.problems == ()
    assert cos.details["import_mpxn"] == "1312345678333"
    assert cos.replacements[0].cell.role == 2
    ka = _der(reference_dir, "90b3d51f30000002-ka.pem")
    acb = decode_duis(
        build_duis_request(
            "8.5", "90b3d51f30010000", "00db1234567890a0", 10, None,
            {"KeyAgreementCertificate": ka}, execution_time=datetime(2031, 2, 3, 4, 5, 6),
        ),
        "acb.xml",
    )
    assert acb.problems == ()
    assert acb.execution_time == "2031-02-03T04:05:06Z"
    assert acb.replacements[0].cell.role == 4


def test_builder_refuses_what_the_schema_would_not_accept(reference_dir: Path) -> None:
    ds = _der(reference_dir, "90b3d51f30020000-ds.pem")
    with pytest.raises(ValueError, match="RemotePartyRole"):
        build_duis_request("6.21", "90b3d51f30010000", "00db1234567890a0", 1, "Nobody",
                           {"DigitalSigningCertificate": ds})
    with pytest.raises(ValueError, match="unknown replacement"):
        build_duis_request("6.21", "90b3d51f30010000", "00db1234567890a0", 1, "Supplier",
                           {"SigningCert": ds})
    with pytest.raises(ValueError, match="ImportMPxN"):
        build_duis_request("6.23", "90b3d51f30010000", "00db1234567890a0", 1, None,
                           {"DigitalSigningCertificate": ds})
    with pytest.raises(ValueError, match="cannot build"):
        build_duis_request("6.17", "90b3d51f30010000", "00db1234567890a0", 1, None,
                           {"DigitalSigningCertificate": ds})
