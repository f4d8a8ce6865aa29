"""GBCS reader against the real RTDS samples: every fact stated in payloads/INDEX.md.

Facts are parsed from ``payloads/INDEX.md`` independently of the reader, so the tests compare
two separate readings of the same samples.
"""

from __future__ import annotations

import base64
import dataclasses
import re
from collections import defaultdict
from dataclasses import dataclass, field, replace
from hashlib import sha256
from pathlib import Path

import pytest
from cryptography import x509

from certcheck.audit.model import Cell, ItemKind
from certcheck.formats.gbcs.frame import parse_frame
from certcheck.formats.gbcs.reader import decode_gbcs
from certcheck.formats.sniff import decode_item
from certcheck.smki.cache import certificate_from_der
from certcheck.smki.certificate import SmkiCertificate
from certcheck.smki.signature import signature_status, verify_gbcs_signature

# INDEX.md cell labels -> role code (legend of INDEX.md; role codes as in certcheck.smki.roles).
_ROLE_LABELS = {
    "root": 0,
    "recovery": 1,
    "supplier": 2,
    "NO": 3,
    "ACB": 4,
    "transCoS": 5,
    "WP": 6,
    "loadController(8)": 8,
}
_KEY_USAGE_LABELS = {"DS": "digitalSignature", "KA": "keyAgreement", "keyCertSign": "keyCertSign"}

_ROW = re.compile(r"^\| `(?P<file>[^`]+_GBCS\.HEX)` \| (?P<frame>[^|]+) \| (?P<facts>[^|]+) \|$")
_SECTION = re.compile(r"^#### `gbcs/(?P<dir>[^`]+)/`")
_FRAME = re.compile(
    r"MC (?P<code>0x[0-9a-f]{4}), (?P<orig>[0-9a-f]{16}) → (?P<recip>[0-9a-f]{16}), "
    r"ctr (?P<ctr>\d+)"
)
_CELL = r"(?P<role>[A-Za-z]+(?:\(\d+\))?)/(?P<ku>DS|KA|keyCertSign)(?P<topup> topUp)?"
_PLACED = re.compile(_CELL + r"<=(?P<eui>[0-9a-f]{16}) ser=(?P<serial>[0-9a-f]+)")
_OUTCOME = re.compile(
    _CELL + r" st=(?P<st>\d+) (?P<old>[0-9a-f]{16})/(?P<oldski>[0-9a-f]{16})->"
    r"(?P<new>[0-9a-f]{16})/(?P<newski>[0-9a-f]{16})"
)
_EXEC = re.compile(r"exec(?:=| )(?P<time>\d{14}Z)")
_ALERT = re.compile(r"alertCode=(?P<code>[0-9a-f]+)")


def eui(compact: str) -> str:
    """``90b3d51f30020000`` -> ``90-B3-D5-1F-30-02-00-00``."""
    return "-".join(compact[i : i + 2] for i in range(0, 16, 2)).upper()


def iso_time(compact: str) -> str:
    """``20300115000000Z`` -> ``2030-01-15T00:00:00Z``."""
    c = compact
    return f"{c[0:4]}-{c[4:6]}-{c[6:8]}T{c[8:10]}:{c[10:12]}:{c[12:14]}Z"


def _cell(match: re.Match[str]) -> Cell:
    return Cell(
        role=_ROLE_LABELS[match["role"]],
        key_usage=_KEY_USAGE_LABELS[match["ku"]],
        cell_usage="prepaymentTopUp" if match["topup"] else "management",
    )


@dataclass
class SampleFacts:
    """What INDEX.md states about one sample file."""

    path: Path
    mac_header: bool
    signature: str  # present | absent | null
    message_code: str
    originator: str
    recipient: str
    counter: int
    placed: list[tuple[Cell, str, int]] = field(default_factory=list)  # cell, eui, serial
    outcomes: list[tuple[Cell, str, str, str, str, str]] = field(default_factory=list)
    execution_time: str | None = None
    alert_code: int | None = None
    accepted_only: bool = False


def index_facts(reference: Path) -> list[SampleFacts]:
    """One entry per GBCS sample row of ``payloads/INDEX.md``."""
    payloads = reference / "payloads"
    facts: list[SampleFacts] = []
    folder = None
    for line in (payloads / "INDEX.md").read_text(encoding="utf-8").splitlines():
        section = _SECTION.match(line)
        if section:
            folder = section["dir"]
            continue
        row = _ROW.match(line)
        if not row or folder is None:
            continue
        frame = _FRAME.search(row["frame"])
        assert frame, line
        sig_text = row["frame"]
        signature = (
            "present" if "sig=64B" in sig_text else "null" if "sig=null" in sig_text else "absent"
        )
        text = row["facts"]
        entry = SampleFacts(
            path=payloads / "gbcs" / folder / row["file"],
            mac_header="MAC hdr" in sig_text,
            signature=signature,
            message_code=frame["code"],
            originator=eui(frame["orig"]),
            recipient=eui(frame["recip"]),
            counter=int(frame["ctr"]),
            accepted_only="accepted(NULL only)" in text,
        )
        entry.placed = [
            (_cell(m), eui(m["eui"]), int(m["serial"], 16)) for m in _PLACED.finditer(text)
        ]
        entry.outcomes = [
            (_cell(m), m["st"], eui(m["old"]), m["oldski"].upper(), eui(m["new"]),
             m["newski"].upper())
            for m in _OUTCOME.finditer(text)
        ]
        exec_match = _EXEC.search(text)
        entry.execution_time = iso_time(exec_match["time"]) if exec_match else None
        alert = _ALERT.search(text)
        entry.alert_code = int(alert["code"], 16) if alert else None
        facts.append(entry)
    return facts


def pem_certificates(folder: Path) -> list[tuple[Path, SmkiCertificate]]:
    """Every PEM certificate under ``folder`` (one per file), decoded."""
    found = []
    for path in sorted(folder.rglob("*.pem")):
        text = path.read_text(encoding="ascii", errors="replace")
        match = re.search(r"-----BEGIN CERTIFICATE-----(.*?)-----END CERTIFICATE-----", text, re.S)
        if match:
            found.append((path, certificate_from_der(base64.b64decode("".join(match[1].split())))))
    return found


def keystore_by_entity(reference: Path) -> dict[str, list[SmkiCertificate]]:
    """The rtds-keystore certificates keyed by their own entity id (not by file name)."""
    by_entity: dict[str, list[SmkiCertificate]] = defaultdict(list)
    for _path, certificate in pem_certificates(reference / "payloads" / "certs" / "rtds-keystore"):
        assert certificate.entity_id is not None
        by_entity[certificate.entity_id].append(certificate)
    return dict(by_entity)


def sample_files(reference: Path) -> list[Path]:
    """Every GBCS sample file (hex and base64)."""
    root = reference / "payloads" / "gbcs"
    return sorted(p for p in root.rglob("*") if p.is_file() and p.suffix in (".HEX", ".B64"))


# --- tests ---------------------------------------------------------------------------------

_KINDS = {"COMMAND": ItemKind.GBCS_COMMAND, "PRECOMMAND": ItemKind.GBCS_COMMAND,
          "RESPONSE": ItemKind.GBCS_RESPONSE, "ALERT": ItemKind.GBCS_ALERT}


@pytest.fixture
def facts(reference_dir: Path) -> list[SampleFacts]:
    found = index_facts(reference_dir)
    assert len(found) >= 85, "INDEX.md tables not recognised"
    return found


@pytest.fixture
def keystore(reference_dir: Path) -> dict[str, list[SmkiCertificate]]:
    return keystore_by_entity(reference_dir)


def _decode(path: Path):
    return decode_item(path.read_bytes(), str(path))


def test_every_sample_file_decodes_without_problems(reference_dir: Path) -> None:
    files = sample_files(reference_dir)
    assert len(files) >= 90
    for path in files:
        item = _decode(path)
        assert item.kind is not None, (path.name, item.problems)
        assert item.problems == (), (path.name, item.problems)
        kind = path.name.rsplit("_", 2)[-2].replace("SIGNED", "")
        assert item.kind == _KINDS[kind], path.name


def test_ecs52_control_decodes_header_only(reference_dir: Path) -> None:
    path = next(p for p in sample_files(reference_dir) if p.name.startswith("ECS52"))
    item = _decode(path)
    assert item.kind == ItemKind.GBCS_RESPONSE
    assert item.message_code == "0x0059"
    assert item.placements == () and item.outcomes == ()
    assert item.details["content_decoded"] is False


def test_headers_match_index(facts: list[SampleFacts]) -> None:
    for fact in facts:
        item = _decode(fact.path)
        assert item.message_code == fact.message_code, fact.path.name
        assert item.originator == fact.originator, fact.path.name
        assert item.counter == fact.counter, fact.path.name
        assert item.details["recipient"] == fact.recipient, fact.path.name
        assert item.details["mac_header"] == fact.mac_header, fact.path.name
        assert item.signature is not None and item.signature.state == fact.signature
        # The device is the recipient of a command and the sender of a response or alert.
        meter = fact.recipient if item.kind == ItemKind.GBCS_COMMAND else fact.originator
        assert item.device_id == meter, fact.path.name
        assert item.device_id.startswith("00-DB-12-34-56-78-90-A"), fact.path.name


def test_commands_place_the_certificates_index_names(facts: list[SampleFacts]) -> None:
    commands = [f for f in facts if f.placed]
    assert len(commands) >= 30
    for fact in commands:
        item = _decode(fact.path)
        got = [(p.cell, p.certificate.entity_id, int(p.certificate.serial, 16))
               for p in item.replacements]
        assert got == fact.placed, fact.path.name
        assert [p.where for p in item.replacements] == [
            f"replacements[{i}]" for i in range(len(fact.placed))
        ]
        # Every CS02b/CS02g command carries the Z1 issuing CA as its certification path.
        assert [p.certificate.subject for p in item.path_certificates] == ["OU=07,CN=Z1"]
        assert all(p.cell is None for p in item.path_certificates)
        assert item.execution_time == fact.execution_time, fact.path.name
        assert item.remote_party_role == fact.placed[0][0].role


def test_no_by_no_command_details(reference_dir: Path) -> None:
    path = (reference_dir / "payloads/gbcs/RTDS-4.5.0/6.15.1_CS02bNOByNO"
            / "CS02bNOByNO_6.15.1_SUCCESS_COMMAND_GBCS.HEX")
    item = _decode(path)
    assert item.message_name == "Update Security Credentials (networkOperatorByNetworkOperator)"
    assert item.details["credentials_replacement_mode"] == "networkOperatorByNetworkOperator"
    assert item.details["authorising_cell"] == {
        "role": 3, "key_usage": "digitalSignature", "cell_usage": "management"}
    assert item.details["authorising_seq_number"] == 1200
    assert item.details["new_floor_seq_number"] == 0
    # The response's replacing SKIs are those of the command's new certificates (payloads.md 2.5).
    assert [p.certificate.subject_key_id for p in item.replacements] == [
        "4238D306B6F725A2", "483E0AD640C236C5"]


def test_command_certificates_are_the_published_test_certificates(
    facts: list[SampleFacts], reference_dir: Path
) -> None:
    published: dict[str, Path] = {}
    for folder in (reference_dir / "smki-test-certs", reference_dir / "payloads" / "certs"):
        for path, certificate in pem_certificates(folder):
            published.setdefault(certificate.sha256, path)
    for fact in (f for f in facts if f.placed):
        for placement in _decode(fact.path).placements:
            path = published.get(placement.certificate.sha256)
            assert path is not None, (fact.path.name, placement.where)
            # Read the PEM with cryptography, independently of certcheck's decoder.
            independent = x509.load_pem_x509_certificate(path.read_bytes())
            assert independent.serial_number == int(placement.certificate.serial, 16)


def test_no_command_certificates_match_the_keystore_files(reference_dir: Path) -> None:
    keystore = reference_dir / "smki-test-certs" / "dccboxed-keystore"
    expected = {c.sha256 for p, c in pem_certificates(keystore)
                if p.name in ("Z1b-networkOperator-ds.pem", "Z1b-networkOperator-ka.pem")}
    path = (reference_dir / "payloads/gbcs/RTDS-4.5.0/6.15.1_CS02bNOByNO"
            / "CS02bNOByNO_6.15.1_SUCCESS_PRECOMMAND_GBCS.HEX")
    assert {p.certificate.sha256 for p in _decode(path).replacements} == expected


def test_outcomes_match_index(facts: list[SampleFacts]) -> None:
    with_outcomes = [f for f in facts if f.outcomes]
    assert len(with_outcomes) >= 14
    for fact in with_outcomes:
        item = _decode(fact.path)
        got = [
            (o.cell, o.status, o.existing.entity_id, o.existing.subject_key_id,
             o.replacing.entity_id, o.replacing.subject_key_id)
            for o in item.outcomes
        ]
        expected = [
            (cell, {"0": "success", "10": "noTrustAnchor"}[st], old, oldski, new, newski)
            for cell, st, old, oldski, new, newski in fact.outcomes
        ]
        assert got == expected, fact.path.name
        if fact.alert_code is not None:
            assert item.details["alert_code"] == f"0x{fact.alert_code:04X}"
            assert item.execution_time == fact.execution_time


def test_accepted_only_responses_have_no_outcome(facts: list[SampleFacts]) -> None:
    accepted = [f for f in facts if f.accepted_only]
    assert len(accepted) >= 8
    for fact in accepted:
        item = _decode(fact.path)
        assert item.details["response_status"] == "accepted"
        assert item.details["execution_outcome"] is False
        assert item.outcomes == ()


def test_cs02a_listing_reports_current_occupants(reference_dir: Path) -> None:
    path = (reference_dir / "payloads/gbcs/RTDS-4.5.0/6.24.1_CS02aMAC"
            / "CS02aMAC_6.24.1_SUCCESS_RESPONSE_GBCS.HEX")
    item = _decode(path)
    no_cells = [o for o in item.outcomes if o.cell.role == 3]
    assert [(o.cell.key_usage, o.replacing.entity_id, o.replacing.subject_key_id)
            for o in no_cells] == [
        ("digitalSignature", "90-B3-D5-1F-30-02-00-00", "48CF97FA9F827FB5"),
        ("keyAgreement", "90-B3-D5-1F-30-02-00-00", "4BC9D38D1CB49F2A"),
    ]
    assert all(o.existing is None for o in item.outcomes)
    supplier_topup = [o for o in item.outcomes if o.cell.cell_usage == "prepaymentTopUp"]
    assert [o.cell.role for o in supplier_topup] == [2]


def test_cs02d_and_cs02e_carry_the_device_certificate(reference_dir: Path) -> None:
    base = reference_dir / "payloads/gbcs/RTDS-4.5.0"
    command = _decode(base / "6.15.2_CS02d/CS02d_6.15.2_SUCCESS_COMMAND_GBCS.HEX")
    retrieved = _decode(base / "6.24.2_CS02e/CS02e_6.24.2_SUCCESS_RESPONSE_GBCS.HEX")
    for item in (command, retrieved):
        (placement,) = item.placements
        assert placement.cell is None and placement.where == "content"
        assert placement.certificate.kind == "device"
        assert placement.certificate.entity_id == "00-DB-12-34-56-78-90-A0"
    error = _decode(base / "6.15.2_CS02d/CS02d_6.15.2_ERROR_RESPONSE_GBCS.HEX")
    assert error.details["response_status"] == "invalidKeyUsage"


def test_every_signed_sample_verifies_with_the_keystore(
    facts: list[SampleFacts], keystore: dict[str, list[SmkiCertificate]]
) -> None:
    signed = [f for f in facts if f.signature == "present"]
    assert len(signed) >= 60
    for fact in signed:
        item = _decode(fact.path)
        assert signature_status(item, keystore) == "valid", fact.path.name


def test_a_flipped_content_byte_makes_the_signature_invalid(
    facts: list[SampleFacts], keystore: dict[str, list[SmkiCertificate]]
) -> None:
    for fact in (f for f in facts if f.signature == "present"):
        item = _decode(fact.path)
        frame = parse_frame(bytes.fromhex(fact.path.read_text()))
        # Position of the last content byte inside the signed bytes.
        position = len(frame.signed) - 1
        signed = bytearray(item.signature.signed)
        signed[position] ^= 0x01
        tampered = dataclasses.replace(
            item, signature=dataclasses.replace(item.signature, signed=bytes(signed)))
        assert signature_status(tampered, keystore) == "invalid", fact.path.name


def test_a_flipped_header_byte_decodes_but_fails_verification(
    reference_dir: Path, keystore: dict[str, list[SmkiCertificate]]
) -> None:
    path = (reference_dir / "payloads/gbcs/RTDS-4.5.0/6.15.1_CS02bNOByNO"
            / "CS02bNOByNO_6.15.1_SUCCESS_RESPONSE_GBCS.HEX")
    raw = bytearray(bytes.fromhex(path.read_text()))
    raw[10] ^= 0x01  # last byte of the originator counter
    item = decode_gbcs(bytes(raw), "tampered")
    assert item.kind == ItemKind.GBCS_RESPONSE and item.counter == 1200 ^ 0x01
    assert signature_status(item, keystore) == "invalid"


def test_unsigned_and_null_signatures_are_not_checked(
    facts: list[SampleFacts], keystore: dict[str, list[SmkiCertificate]]
) -> None:
    for fact in (f for f in facts if f.signature != "present"):
        assert signature_status(_decode(fact.path), keystore) == "not-checked"


def test_signature_is_not_checked_without_a_signing_certificate(reference_dir: Path) -> None:
    path = (reference_dir / "payloads/gbcs/RTDS-4.5.0/6.15.1_CS02bNOByNO"
            / "CS02bNOByNO_6.15.1_SUCCESS_COMMAND_GBCS.HEX")
    item = _decode(path)
    keystore = keystore_by_entity(reference_dir)
    only_ka = {k: [c for c in v if "keyAgreement" in c.key_usage] for k, v in keystore.items()}
    assert signature_status(item, only_ka) == "not-checked"
    assert signature_status(item, {}) == "not-checked"
    # The wrong party's signing certificate gives "invalid", not "valid".
    other = keystore["90-B3-D5-1F-30-01-00-00"]
    assert signature_status(item, {"90-B3-D5-1F-30-02-00-00": other}) == "invalid"


def test_wan_provider_ka_file_is_supplier_2s_certificate(reference_dir: Path) -> None:
    # INDEX.md caution: the file name is not the owner; certcheck keys by entity id.
    keystore = keystore_by_entity(reference_dir)
    wp = keystore["90-B3-D5-1F-30-00-00-07"]
    assert [c.key_usage for c in wp] == [("digitalSignature",)]
    assert len(keystore["90-B3-D5-1F-30-03-00-00"]) == 4


def test_verify_accepts_der_or_decoded_certificate(reference_dir: Path) -> None:
    path = (reference_dir / "payloads/gbcs/RTDS-4.5.0/6.15.1_CS02bNOByNO"
            / "CS02bNOByNO_6.15.1_SUCCESS_COMMAND_GBCS.HEX")
    item = _decode(path)
    (certificate,) = [c for c in keystore_by_entity(reference_dir)["90-B3-D5-1F-30-02-00-00"]
                      if "digitalSignature" in c.key_usage]
    assert verify_gbcs_signature(item.signature, certificate)
    assert verify_gbcs_signature(item.signature, certificate.der)
    assert not verify_gbcs_signature(item.signature, b"\x30\x03\x02\x01\x00")


def test_hex_base64_and_binary_forms_decode_identically(reference_dir: Path) -> None:
    derived = reference_dir / "payloads" / "gbcs" / "derived"
    pairs = [
        (reference_dir / "payloads/gbcs/RTDS-4.5.0/6.15.1_CS02bNOByNO"
         / "CS02bNOByNO_6.15.1_SUCCESS_COMMAND_GBCS.HEX",
         derived / "CS02bNOByNO_6.15.1_SUCCESS_COMMAND_GBCS.B64"),
        (derived / "CS02bNOByNO_6.15.1_SUCCESS_SIGNEDPRECOMMAND_GBCS.HEX",
         derived / "CS02bNOByNO_6.15.1_SUCCESS_SIGNEDPRECOMMAND_GBCS.B64"),
    ]
    for hex_path, b64_path in pairs:
        text = hex_path.read_text()
        raw = bytes.fromhex(text)
        wrapped = "\n".join(text[i : i + 64].lower() for i in range(0, len(text), 64))
        spaced = " ".join(text[i : i + 2] for i in range(0, len(text), 2))
        spellings = [
            raw,
            text.encode(),
            wrapped.encode() + b"\r\n",
            spaced.encode(),
            b64_path.read_bytes(),
            base64.encodebytes(raw),  # base64 with line breaks
        ]
        forms = [decode_gbcs(raw, "x")] + [decode_item(s, "x") for s in spellings]
        # the same message in every spelling; only the digest (of the input bytes) differs
        assert all(replace(f, digest="") == replace(forms[0], digest="") for f in forms[1:])
        assert [f.digest for f in forms[1:]] == [sha256(s).hexdigest() for s in spellings]
        assert forms[0].kind == ItemKind.GBCS_COMMAND


def test_signed_precommand_is_the_command_without_its_mac_wrapper(reference_dir: Path) -> None:
    derived = reference_dir / "payloads" / "gbcs" / "derived"
    command = _decode(reference_dir / "payloads/gbcs/RTDS-4.5.0/6.15.1_CS02bNOByNO"
                      / "CS02bNOByNO_6.15.1_SUCCESS_COMMAND_GBCS.HEX")
    signed = _decode(derived / "CS02bNOByNO_6.15.1_SUCCESS_SIGNEDPRECOMMAND_GBCS.HEX")
    assert command.signature == signed.signature
    assert command.placements == signed.placements
    assert (command.details["mac_header"], signed.details["mac_header"]) == (True, False)
