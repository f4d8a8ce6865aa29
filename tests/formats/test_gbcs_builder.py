"""GBCS builder: what it encodes decodes back to the same values through decode_gbcs."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.serialization import Encoding
from cryptography.x509 import ObjectIdentifier
from cryptography.x509.name import _ASN1Type

from certcheck.audit.model import Cell, CellOccupant, CellOutcome, ItemKind
from certcheck.formats.gbcs.builder import (
    FAKE_MAC,
    RoleListing,
    append_signature,
    build_cs02a_response,
    build_cs02b_alert,
    build_cs02b_command,
    build_cs02b_response,
    build_frame,
    sign_bytes,
    wrap_mac_header,
)
from certcheck.formats.gbcs.frame import parse_frame
from certcheck.formats.gbcs.reader import decode_gbcs
from certcheck.smki.cache import certificate_from_der
from certcheck.smki.signature import signature_status, verify_gbcs_signature

NO = "90-B3-D5-1F-30-02-00-00"
METER = "00-DB-12-34-56-78-90-A0"
NO_DS = Cell(3, "digitalSignature")
NO_KA = Cell(3, "keyAgreement")
TOP_UP = Cell(2, "keyAgreement", "prepaymentTopUp")


def _organisation_certificate(
    entity: str, role: int, usage: str, issuer_key: ec.EllipticCurvePrivateKey
) -> tuple[bytes, ec.EllipticCurvePrivateKey]:
    """A small organisation certificate (OU = role, x500UniqueIdentifier = EUI-64)."""
    key = ec.generate_private_key(ec.SECP256R1())
    subject = x509.Name([
        x509.NameAttribute(x509.NameOID.ORGANIZATIONAL_UNIT_NAME, f"{role:02X}"),
        x509.NameAttribute(ObjectIdentifier("2.5.4.45"),
                           bytes.fromhex(entity.replace("-", "")), _type=_ASN1Type.BitString),
    ])
    issuer = x509.Name([x509.NameAttribute(x509.NameOID.COMMON_NAME, "T1")])
    now = datetime(2025, 1, 1, tzinfo=UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(issuer)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now)
        .not_valid_after(now + timedelta(days=3650))
        .add_extension(
            x509.KeyUsage(
                digital_signature=usage == "digitalSignature", content_commitment=False,
                key_encipherment=False, data_encipherment=False,
                key_agreement=usage == "keyAgreement", key_cert_sign=False, crl_sign=False,
                encipher_only=False, decipher_only=False,
            ),
            critical=True,
        )
        .sign(issuer_key, hashes.SHA256())
    )
    return certificate.public_bytes(Encoding.DER), key


@pytest.fixture(scope="module")
def world() -> dict[str, object]:
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ds, ds_key = _organisation_certificate(NO, 3, "digitalSignature", ca_key)
    ka, _ = _organisation_certificate(NO, 3, "keyAgreement", ca_key)
    ca, _ = _organisation_certificate("90-B3-D5-1F-30-00-00-99", 7, "digitalSignature", ca_key)
    return {"ds": ds, "ka": ka, "ca": ca, "key": ds_key}


def _command(world: dict[str, object], **options: object) -> bytes:
    arguments: dict[str, object] = {
        "mode": 3,
        "originator": NO,
        "recipient": METER,
        "counter": 1200,
        "authorising_cell": NO_DS,
        "replacements": [(world["ds"], NO_DS), (world["ka"], NO_KA)],
        "path_certificates": [world["ca"]],
    }
    arguments.update(options)
    return build_cs02b_command(**arguments)  # type: ignore[arg-type]


@pytest.mark.parametrize("mac_header", [False, True])
@pytest.mark.parametrize("signature", ["present", "null", "absent"])
def test_cs02b_command_round_trip(world: dict, mac_header: bool, signature: str) -> None:
    raw = _command(
        world,
        mac_header=mac_header,
        sign_with=world["key"] if signature == "present" else None,
        null_signature=signature == "null",
    )
    item = decode_gbcs(raw, "built")
    assert item.problems == ()
    assert item.kind == ItemKind.GBCS_COMMAND
    assert item.message_code == "0x0103"
    assert (item.originator, item.device_id, item.counter) == (NO, METER, 1200)
    assert item.remote_party_role == 3
    assert [(p.certificate.der, p.cell, p.where) for p in item.replacements] == [
        (world["ds"], NO_DS, "replacements[0]"), (world["ka"], NO_KA, "replacements[1]")]
    assert [(p.certificate.der, p.where) for p in item.path_certificates] == [
        (world["ca"], "certificationPathCertificates[0]")]
    assert item.details["mac_header"] is mac_header
    assert item.details["authorising_cell"] == NO_DS.as_dict()
    assert item.details["credentials_replacement_mode"] == "networkOperatorByNetworkOperator"
    assert item.signature.state == signature
    assert item.execution_time is None
    ds_certificate = certificate_from_der(world["ds"])
    expected = "valid" if signature == "present" else "not-checked"
    assert signature_status(item, {NO: [ds_certificate]}) == expected
    if mac_header:
        assert raw.endswith(FAKE_MAC) and raw[:2] == b"\xdd\x00"


def test_signature_covers_the_bytes_after_df(world: dict) -> None:
    raw = _command(world, sign_with=world["key"])
    frame = parse_frame(raw)
    unsigned = _command(world)
    assert frame.signed == unsigned[1:]
    assert append_signature(unsigned, frame.signature) == raw
    item = decode_gbcs(raw, "x")
    wrapped = decode_gbcs(wrap_mac_header(raw), "x")
    assert wrapped.details["mac_header"] and wrapped.signature == item.signature
    assert verify_gbcs_signature(item.signature, world["ds"])
    other = ec.generate_private_key(ec.SECP256R1())
    forged = decode_gbcs(append_signature(unsigned, sign_bytes(unsigned[1:], other)), "x")
    assert not verify_gbcs_signature(forged.signature, world["ds"])


@pytest.mark.parametrize(
    ("moment", "text"),
    [
        (datetime(2030, 1, 15, tzinfo=UTC), "2030-01-15T00:00:00Z"),
        (datetime(9999, 12, 31, 23, 59, 59, tzinfo=UTC), "9999-12-31T23:59:59Z"),
    ],
)
def test_execution_time_round_trip(world: dict, moment: datetime, text: str) -> None:
    item = decode_gbcs(_command(world, execution_time=moment), "x")
    assert item.execution_time == text


@pytest.mark.parametrize(("mode", "code", "role"), [(2, "0x0102", 2), (7, "0x0107", 2),
                                                    (11, "0x0126", 8), (10, "0x0125", 8)])
def test_message_code_follows_the_mode(world: dict, mode: int, code: str, role: int) -> None:
    cells = [Cell(role, "digitalSignature")]
    item = decode_gbcs(
        _command(world, mode=mode, replacements=[(world["ds"], cells[0])]), "x")
    assert item.message_code == code
    assert item.details["credentials_replacement_mode_code"] == mode
    assert item.remote_party_role == role


def test_prepayment_top_up_cell_round_trip(world: dict) -> None:
    item = decode_gbcs(_command(world, mode=2, replacements=[(world["ka"], TOP_UP)]), "x")
    assert item.replacements[0].cell == TOP_UP


def test_acb_command_without_authorising_cell(world: dict) -> None:
    item = decode_gbcs(
        _command(world, mode=4, authorising_cell=None, null_signature=True, mac_header=True,
                 replacements=[(world["ka"], Cell(4, "keyAgreement"))]), "x")
    assert item.details["authorising_cell"] is None
    assert item.signature.state == "null"


def test_undecodable_certificate_keeps_the_rest(world: dict) -> None:
    not_a_certificate = bytes.fromhex("3003020105")
    item = decode_gbcs(
        _command(world, replacements=[(world["ds"], NO_DS), (not_a_certificate, NO_KA)]), "x")
    assert item.kind == ItemKind.GBCS_COMMAND
    assert [p.where for p in item.problems] == ["replacements[1]"]
    assert [p.where for p in item.placements] == [
        "replacements[0]", "certificationPathCertificates[0]"]


def _outcomes() -> list[CellOutcome]:
    def occupant(cell: Cell, ski: str) -> CellOccupant:
        return CellOccupant(cell, NO, ski)

    return [
        CellOutcome(NO_DS, "success", occupant(NO_DS, "48CF97FA9F827FB5"),
                    occupant(NO_DS, "4238D306B6F725A2"), "replacementOutcomes[0]"),
        CellOutcome(NO_KA, "noTrustAnchor", occupant(NO_KA, "4BC9D38D1CB49F2A"),
                    occupant(NO_KA, "4BC9D38D1CB49F2A"), "replacementOutcomes[1]"),
    ]


def test_cs02b_response_round_trip() -> None:
    device_key = ec.generate_private_key(ec.SECP256R1())
    raw = build_cs02b_response(mode=3, device=METER, recipient=NO, counter=1200,
                               outcomes=_outcomes(), sign_with=device_key)
    item = decode_gbcs(raw, "x")
    assert item.kind == ItemKind.GBCS_RESPONSE and item.problems == ()
    assert (item.originator, item.device_id, item.details["recipient"]) == (METER, METER, NO)
    assert list(item.outcomes) == _outcomes()
    assert item.remote_party_role == 3
    assert item.details["outcome_seq_number"] == 1200
    assert item.signature.state == "present"


def test_accepted_only_response_round_trip() -> None:
    item = decode_gbcs(
        build_cs02b_response(mode=2, device=METER, recipient=NO, counter=7, outcomes=None), "x")
    assert item.outcomes == () and item.details["execution_outcome"] is False
    assert item.message_code == "0x0102" and item.remote_party_role == 2


def test_alert_round_trip() -> None:
    raw = build_cs02b_alert(mode=3, device=METER, recipient=NO, counter=2000, seq_number=1201,
                            execution_time=datetime(2030, 1, 15, tzinfo=UTC),
                            outcomes=_outcomes(), alert_code=0x8F67)
    item = decode_gbcs(raw, "x")
    assert item.kind == ItemKind.GBCS_ALERT and item.message_code == "0x00cb"
    assert item.details["alert_code"] == "0x8F67"
    assert item.execution_time == "2030-01-15T00:00:00Z"
    assert list(item.outcomes) == _outcomes()


def test_cs02a_listing_round_trip() -> None:
    ds = CellOccupant(NO_DS, NO, "48CF97FA9F827FB5")
    top_up = CellOccupant(TOP_UP, "90-B3-D5-1F-30-01-00-00", "41FB49221588C570")
    listings = [
        RoleListing(3, "success", 1, (ds,)),
        RoleListing(2, "success", 0, (top_up,)),
        RoleListing(6, "trustAnchorNotFound", None, ()),
    ]
    item = decode_gbcs(
        build_cs02a_response(device=METER, recipient=NO, counter=5, listings=listings,
                             null_signature=True, mac_header=True), "x")
    assert item.kind == ItemKind.GBCS_RESPONSE and item.message_code == "0x0008"
    assert [(o.cell, o.status, o.existing, o.replacing) for o in item.outcomes] == [
        (NO_DS, "success", None, ds), (TOP_UP, "success", None, top_up)]
    assert item.details["role_statuses"] == [
        {"role": 3, "status": "success", "seq_number": 1},
        {"role": 2, "status": "success", "seq_number": 0},
        {"role": 6, "status": "trustAnchorNotFound", "seq_number": None},
    ]


def test_frame_with_unknown_message_code_decodes_its_header() -> None:
    raw = build_frame(cra_flag=2, counter=1, originator=METER, recipient=NO,
                      message_code=0x0059, content=b"\x01\x02\x03",
                      date_time=bytes.fromhex("07DF0101FF000000008000FF"))
    item = decode_gbcs(raw, "x")
    assert item.kind == ItemKind.GBCS_RESPONSE and item.message_code == "0x0059"
    assert item.details["content_decoded"] is False
    assert item.details["date_time"] == "07DF0101FF000000008000FF"


def test_builder_reproduces_the_rtds_no_precommand(reference_dir: Path) -> None:
    path = (reference_dir / "payloads/gbcs/RTDS-4.5.0/6.15.1_CS02bNOByNO"
            / "CS02bNOByNO_6.15.1_SUCCESS_PRECOMMAND_GBCS.HEX")
    original = bytes.fromhex(path.read_text())
    item = decode_gbcs(original, "x")
    rebuilt = build_cs02b_command(
        mode=3, originator=item.originator, recipient=item.device_id, counter=item.counter,
        authorising_cell=NO_DS,
        replacements=[(p.certificate.der, p.cell) for p in item.replacements],
        path_certificates=[p.certificate.der for p in item.path_certificates],
    )
    assert rebuilt == original


def test_builder_rejects_bad_inputs(world: dict) -> None:
    with pytest.raises(ValueError):
        _command(world, originator=b"\x01\x02")
    with pytest.raises(ValueError):
        _command(world, mode=42)
    with pytest.raises(ValueError):
        append_signature(b"\xdf", b"\x00" * 10)
