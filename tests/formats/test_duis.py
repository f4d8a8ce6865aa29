"""The DUIS reader against the public DCC reference samples (read from ../shared/reference)."""

from __future__ import annotations

import base64
import hashlib
import re
from pathlib import Path

import pytest

from certcheck.audit.model import ItemKind
from certcheck.formats.duis import decode_duis

TEMPLATES = "payloads/duis/templates-HEAD"
RESPONSES = "payloads/duis/responses"

# Facts from payloads/INDEX.md's DUIS table: per file, the replacement certificates as
# (element, subject EUI, serial prefix). The 6.23 rows are not in the table; payloads.md names
# the gaining supplier 90-B3-D5-1F-30-03-00-00, so only the EUI is checked (serial None).
SUPPLIER = "90-B3-D5-1F-30-01-00-00"
NO = "90-B3-D5-1F-30-02-00-00"
LC = "90-B3-D5-1F-30-01-00-08"
ACB = "90-B3-D5-1F-30-00-00-02"
SUPPLIER_2 = "90-B3-D5-1F-30-03-00-00"
DS = "DigitalSigningCertificate"
KA = "KeyAgreementCertificate"
TOPUP = "KeyAgreementTopUpCertificate"
_SUPPLIER_15 = [
    (DS, SUPPLIER, "4e046ad0"),
    (KA, SUPPLIER, "669437cf"),
    (TOPUP, SUPPLIER, "208bb593"),
]
_LC_15 = [(DS, LC, "3e5e439c"), (KA, LC, "28a674a0")]
_COS = [(DS, SUPPLIER_2, None), (KA, SUPPLIER_2, None), (TOPUP, SUPPLIER_2, None)]
INDEX_FACTS: dict[str, list[tuple[str, str, str | None]]] = {
    "CS02bNOByNO_6.15.1_SUCCESS_REQUEST_DUIS.XML": [(DS, NO, "4a08e1d3"), (KA, NO, "5d9a1dca")],
    "CS02bNOByNOHandover_6.21_SUCCESS_REQUEST_DUIS.XML": [
        (DS, NO, "179c2f05"),
        (KA, NO, "3d3e3c5e"),
    ],
    "CS02bSupplierBySupplier_6.15.1_IMMEDIATE_SUCCESS_REQUEST_DUIS.XML": _SUPPLIER_15,
    "CS02bSupplierBySupplier_6.15.1_FUTURE_DATED_SUCCESS_REQUEST_DUIS.XML": _SUPPLIER_15,
    "CS02bSupplierBySupplier_6.15.1_CANCELLATION_SUCCESS_REQUEST_DUIS.XML": _SUPPLIER_15,
    "CS02gLoadControllerBySupplier_6.15.1_IMMEDIATE_SUCCESS_REQUEST_DUIS.XML": _LC_15,
    "CS02gLoadControllerBySupplier_6.15.1_FUTURE_DATED_SUCCESS_REQUEST_DUIS.XML": _LC_15,
    "CS02gLoadControllerBySupplier_6.15.1_CANCELLATION_SUCCESS_REQUEST_DUIS.XML": _LC_15,
    "CS02bSupplierBySupplierHandover_6.21_SUCCESS_REQUEST_DUIS.XML": [
        (DS, SUPPLIER, "26db10e8"),
        (KA, SUPPLIER, "4a3f7bf8"),
        (TOPUP, SUPPLIER, "12581aff"),
    ],
    "CS02bACBByACB_8.5_SUCCESS_REQUEST_DUIS.XML": [(KA, ACB, "4aa34f15")],
    "CS02bSupplierByTransCoS_6.23_IMMEDIATE_SUCCESS_REQUEST_DUIS.XML": _COS,
    "CS02bSupplierByTransCoS_6.23_FUTURE_DATED_SUCCESS_REQUEST_DUIS.XML": _COS,
    "CS02bSupplierByTransCoS_6.23_CANCELLATION_SUCCESS_REQUEST_DUIS.XML": _COS,
    "CS02d_6.15.2_SUCCESS_REQUEST_DUIS.XML": [
        ("DeviceCertificate", "00-DB-12-34-56-78-90-A0", "30398236")
    ],
    "CS02c_6.17_SUCCESS_REQUEST_DUIS.XML": [],
    "CS02e_6.24.2_SUCCESS_REQUEST_DUIS.XML": [],
    "CS02aMAC_6.24.1_SUCCESS_REQUEST_DUIS.XML": [],
    "CS02fMAC_6.24.1_SUCCESS_REQUEST_DUIS.XML": [],
}
# The test's own reading of payloads.md section 2.7 and the DUIS RemotePartyRole names.
KEY_USAGE = {DS: "digitalSignature", KA: "keyAgreement", TOPUP: "keyAgreement"}
CELL_USAGE = {DS: "management", KA: "management", TOPUP: "prepaymentTopUp"}
ROLE_CODES = {"Supplier": 2, "NetworkOperator": 3, "ACB": 4, "LoadController": 8}
Z1_SERIAL = "71872bdb"

_ELEMENT = re.compile(r"<sr:(\w*Certificate)>([A-Za-z0-9+/=\s]+)</sr:\1>")


def _tag(text: str, name: str) -> str | None:
    found = re.search(rf"<sr:{name}>([^<]*)</sr:{name}>", text)
    return found.group(1).strip() if found else None


def _facts(path: Path) -> dict:
    """What the file says, read with regular expressions and the standard library only."""
    text = path.read_text("utf-8")
    originator, target, counter = _tag(text, "RequestID").split(":")
    role_name = _tag(text, "RemotePartyRole")
    variant = _tag(text, "ServiceReferenceVariant")
    role = {"6.23": 2, "8.5": 4}.get(variant, ROLE_CODES.get(role_name or ""))
    replacements, path_certs = set(), []
    for name, value in _ELEMENT.findall(text):
        digest = hashlib.sha256(base64.b64decode("".join(value.split()))).hexdigest()
        if name == "Certificate":
            path_certs.append(digest)
        elif name == "DeviceCertificate":
            replacements.add((digest, None))
        else:
            replacements.add((digest, (role, KEY_USAGE[name], CELL_USAGE[name])))
    return {
        "originator": originator.upper(),
        "target": target.upper(),
        "counter": int(counter),
        "variant": variant,
        "replacements": replacements,
        "path": path_certs,
    }


def test_every_duis_reference_file_decodes(reference_dir: Path) -> None:
    files = sorted((reference_dir / "payloads" / "duis").rglob("*"))
    files = [f for f in files if f.is_file()]
    assert len(files) >= 20
    for path in files:
        item = decode_duis(path.read_bytes(), path.name)
        assert item.kind is not None, (path.name, item.problems)
        if path.parent.name == "templates-HEAD":
            assert item.problems == (), (path.name, item.problems)


def test_index_table_covers_every_template(reference_dir: Path) -> None:
    names = {p.name for p in (reference_dir / TEMPLATES).iterdir()}
    assert names == set(INDEX_FACTS)


@pytest.mark.parametrize("name", sorted(INDEX_FACTS))
def test_template_request_matches_independent_reading(reference_dir: Path, name: str) -> None:
    path = reference_dir / TEMPLATES / name
    facts = _facts(path)
    item = decode_duis(path.read_bytes(), name)

    assert item.kind == ItemKind.DUIS_REQUEST
    assert item.originator == facts["originator"]
    assert item.device_id == facts["target"]
    assert item.counter == facts["counter"]
    assert item.service == facts["variant"]

    got = {
        (p.certificate.sha256, (p.cell.role, p.cell.key_usage, p.cell.cell_usage))
        if p.cell
        else (p.certificate.sha256, None)
        for p in item.replacements
    }
    assert got == facts["replacements"]
    assert len(item.replacements) == len(facts["replacements"])
    assert [p.certificate.sha256 for p in item.path_certificates] == facts["path"]
    for placement in item.path_certificates:
        assert placement.cell is None
        assert placement.certificate.serial.lower().startswith(Z1_SERIAL)
        assert "/CertificationPathCertificates/Certificate[" in placement.where

    expected = INDEX_FACTS[name]
    assert len(item.replacements) == len(expected)
    for placement, (element, eui, serial) in zip(item.replacements, expected, strict=True):
        assert placement.where.endswith("/" + element)
        assert placement.certificate.entity_id == eui
        if serial is not None:
            assert placement.certificate.serial.lower().startswith(serial)
        assert not placement.where.startswith("/")
        assert ":" not in placement.where  # local names, no prefixes


def test_6_21_where_is_the_local_element_path(reference_dir: Path) -> None:
    name = "CS02bNOByNOHandover_6.21_SUCCESS_REQUEST_DUIS.XML"
    item = decode_duis((reference_dir / TEMPLATES / name).read_bytes(), name)
    assert [p.where for p in item.placements] == [
        "Body/RequestHandoverOfDCCControlledDevice/ReplacementCertificates/DigitalSigningCertificate",
        "Body/RequestHandoverOfDCCControlledDevice/ReplacementCertificates/KeyAgreementCertificate",
        "Body/RequestHandoverOfDCCControlledDevice/CertificationPathCertificates/Certificate[0]",
    ]
    assert item.remote_party_role == 3
    assert item.details["command_variant"] == 1
    assert item.details["apply_time_based_cpv_checks"] is True
    assert item.details["signed_xml"] is True


def test_8_5_key_agreement_element_holds_a_signing_certificate(reference_dir: Path) -> None:
    name = "CS02bACBByACB_8.5_SUCCESS_REQUEST_DUIS.XML"
    item = decode_duis((reference_dir / TEMPLATES / name).read_bytes(), name)
    (placement,) = item.replacements
    assert placement.cell is not None
    assert placement.cell.role == 4
    assert placement.cell.key_usage == "keyAgreement"
    assert placement.certificate.key_usage == ("digitalSignature",)
    assert item.execution_time == "2015-01-15T00:00:00Z"


def test_execution_times_and_import_mpxn(reference_dir: Path) -> None:
    base = reference_dir / TEMPLATES
    name = "CS02bSupplierBySupplier_6.15.1_FUTURE_DATED_SUCCESS_REQUEST_DUIS.XML"
    future = decode_duis((base / name).read_bytes(), "f")
    assert future.execution_time == "2030-01-15T00:00:00Z"
    cancel = decode_duis(
        (base / "CS02bSupplierByTransCoS_6.23_CANCELLATION_SUCCESS_REQUEST_DUIS.XML").read_bytes(),
        "c",
    )
    assert cancel.execution_time == "3000-12-31T00:00:00Z"
    assert cancel.details["import_mpxn"] == "1312345678333"
    assert cancel.remote_party_role == 2
    immediate = decode_duis(
        (base / "CS02bSupplierBySupplier_6.15.1_IMMEDIATE_SUCCESS_REQUEST_DUIS.XML").read_bytes(),
        "i",
    )
    assert immediate.execution_time is None
    assert immediate.details["apply_time_based_cpv_checks"] is False


def test_6_24_1_lists_roles_and_places_nothing(reference_dir: Path) -> None:
    name = "CS02aMAC_6.24.1_SUCCESS_REQUEST_DUIS.XML"
    item = decode_duis((reference_dir / TEMPLATES / name).read_bytes(), name)
    assert item.placements == ()
    assert item.details["remote_party_roles"] == [2, 3]


def test_acknowledgement_error_has_code_and_no_payload(reference_dir: Path) -> None:
    path = reference_dir / RESPONSES / "acknowledgement-error.xml"
    item = decode_duis(path.read_bytes(), path.name)
    assert item.kind == ItemKind.DUIS_RESPONSE
    assert item.details["response_code"] == "E65"
    assert item.inner is None
    assert item.placements == ()
    assert "payload" not in item.details
    assert item.service == "11.2"
    assert item.device_id == "88-73-84-57-00-2F-96-6C"


def test_readfw_response_carries_a_gbcs_inner_item(reference_dir: Path) -> None:
    """Needs certcheck.formats.gbcs.reader (the GBCS reader)."""
    path = reference_dir / RESPONSES / "readfw-response.xml"
    item = decode_duis(path.read_bytes(), path.name)
    assert item.kind == ItemKind.DUIS_RESPONSE
    assert item.details["response_code"] == "I0"
    assert item.details["response_id"].startswith("88-73-84-57-00-2F-96-1E:")
    assert item.originator == "90-B3-D5-1F-30-01-00-00"
    assert item.device_id == "88-73-84-57-00-2F-96-1E"
    assert item.counter == 1660751141087
    assert item.inner is not None, item.problems
    assert item.inner.kind is not None
    assert item.inner.message_code == "0x0059"
    assert item.message_code == "0x0059"


SR = "http://www.dccinterface.co.uk/ServiceUserGateway"


def test_cv5_signed_pre_command_lifts_the_gbcs_placements(reference_dir: Path) -> None:
    b64 = (
        reference_dir / "payloads/gbcs/derived/CS02bNOByNO_6.15.1_SUCCESS_SIGNEDPRECOMMAND_GBCS.B64"
    ).read_text().strip()
    data = (
        f'<sr:Request xmlns:sr="{SR}" schemaVersion="5.4"><sr:Header>'
        "<sr:RequestID>90-B3-D5-1F-30-02-00-00:00-DB-12-34-56-78-90-A0:1200</sr:RequestID>"
        "<sr:CommandVariant>5</sr:CommandVariant><sr:ServiceReference>6.15</sr:ServiceReference>"
        "<sr:ServiceReferenceVariant>6.15.1</sr:ServiceReferenceVariant></sr:Header><sr:Body>"
        f"<sr:SignedPreCommand><sr:GBCSPayload>{b64}</sr:GBCSPayload></sr:SignedPreCommand>"
        "</sr:Body></sr:Request>"
    ).encode()
    item = decode_duis(data, "cv5.xml")
    assert item.kind == ItemKind.DUIS_REQUEST
    assert item.problems == ()
    assert item.details["command_variant"] == 5
    assert item.inner is not None and item.inner.message_code == "0x0103"
    assert item.message_code == "0x0103"
    # INDEX.md: the RTDS 4.5.0 NO certificates, serials 68aac8a9... and 7d627967..., path Z1.
    serials = [p.certificate.serial.lower()[:8] for p in item.replacements]
    assert serials == ["68aac8a9", "7d627967"]
    assert [p.cell.key_usage for p in item.replacements] == ["digitalSignature", "keyAgreement"]
    assert {p.cell.role for p in item.replacements} == {3}
    assert [p.certificate.serial.lower()[:8] for p in item.path_certificates] == [Z1_SERIAL]
    assert all(p.where.startswith("Body/SignedPreCommand/GBCSPayload") for p in item.placements)


def test_future_dated_device_alert_lifts_outcomes(reference_dir: Path) -> None:
    hex_text = (
        reference_dir / "payloads/gbcs/RTDS-4.5.0/6.15.1_CS02bSupplierBySupplier"
        / "CS02bSupplierBySupplier_6.15.1_8F66_FUTURE_DATED_SUCCESS_ALERT_GBCS.HEX"
    ).read_text().strip()
    b64 = base64.b64encode(bytes.fromhex(hex_text)).decode()
    data = (
        f'<sr:Response xmlns:sr="{SR}" schemaVersion="5.4"><sr:Header>'
        "<sr:RequestID>90-B3-D5-1F-30-01-00-00:00-DB-12-34-56-78-90-A0:1001</sr:RequestID>"
        "<sr:ResponseCode>I0</sr:ResponseCode>"
        "<sr:ResponseDateTime>2030-01-15T00:00:01Z</sr:ResponseDateTime></sr:Header><sr:Body>"
        "<sr:ResponseMessage><sr:ServiceReference>6.15</sr:ServiceReference>"
        "<sr:ServiceReferenceVariant>6.15.1</sr:ServiceReferenceVariant>"
        "<sr:FutureDatedDeviceAlertMessage><sr:FutureDatedAlertCode>8F66</sr:FutureDatedAlertCode>"
        f"<sr:GBCSPayload>{b64}</sr:GBCSPayload></sr:FutureDatedDeviceAlertMessage>"
        "</sr:ResponseMessage></sr:Body></sr:Response>"
    ).encode()
    item = decode_duis(data, "fd.xml")
    assert item.kind == ItemKind.DUIS_RESPONSE
    assert item.problems == ()
    assert item.service == "6.15.1"
    assert item.message_code == "0x00cb"
    assert item.details["gbcs_container"] == "FutureDatedDeviceAlertMessage"
    # INDEX.md: three supplier cells, all status 0.
    assert len(item.outcomes) == 3
    assert {o.cell.role for o in item.outcomes} == {2}


def test_dcc_alert_n42_reads_role_and_hashes_without_certificates() -> None:
    data = (
        f'<sr:Response xmlns:sr="{SR}" schemaVersion="5.4"><sr:Header>'
        "<sr:ResponseID>00-DB-12-34-56-78-90-A3:90-B3-D5-1F-30-02-00-00:77</sr:ResponseID>"
        "<sr:ResponseCode>I0</sr:ResponseCode></sr:Header><sr:Body><sr:DCCAlertMessage>"
        "<sr:DCCAlertCode>N42</sr:DCCAlertCode><sr:DCCAlert><sr:SecurityCredentialsUpdated>"
        "<sr:DeviceID>00-db-12-34-56-78-90-a3</sr:DeviceID>"
        "<sr:RemotePartyRole>NetworkOperator</sr:RemotePartyRole>"
        "<sr:Certificates><sr:CertificateType>DigitalSigning</sr:CertificateType>"
        "<sr:CertificateHash>SM+X+p+Cf7U=</sr:CertificateHash></sr:Certificates>"
        "<sr:Certificates><sr:CertificateType>KeyAgreement</sr:CertificateType>"
        "<sr:CertificateHash>S8nTjRy0nyo=</sr:CertificateHash></sr:Certificates>"
        "</sr:SecurityCredentialsUpdated></sr:DCCAlert></sr:DCCAlertMessage></sr:Body>"
        "</sr:Response>"
    ).encode()
    item = decode_duis(data, "n42.xml")
    assert item.kind == ItemKind.DUIS_ALERT
    assert item.problems == ()
    assert item.details["dcc_alert_code"] == "N42"
    assert item.device_id == "00-DB-12-34-56-78-90-A3"
    assert item.originator == "90-B3-D5-1F-30-02-00-00"
    assert item.remote_party_role == 3
    assert item.placements == ()
    assert item.details["credentials_updated"] == [
        {"certificate_type": "DigitalSigning", "certificate_hash": "SM+X+p+Cf7U="},
        {"certificate_type": "KeyAgreement", "certificate_hash": "S8nTjRy0nyo="},
    ]
