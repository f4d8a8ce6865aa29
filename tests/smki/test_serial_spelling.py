"""Serial numbers as openssl spells them: upper-case hex of whole octets, leading zero kept."""

from __future__ import annotations

import datetime
import json
import shutil
import subprocess
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from certcheck.smki.certificate import serial_hex
from tests.verify.cli import certcheck


@pytest.mark.parametrize(
    ("value", "spelled"),
    [(0x0A1B2C, "0A1B2C"), (0x80FF, "80FF"), (5, "05"), (0, "00"), (-0x0102, "-0102")],
)
def test_serial_hex_is_openssl_spelling(value: int, spelled: str) -> None:
    # The spellings `openssl x509 -noout -serial` printed for certificates with these serials.
    assert serial_hex(value) == spelled


def certificate_with_serial(serial: int) -> bytes:
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "serial test")])
    now = datetime.datetime(2026, 1, 1, tzinfo=datetime.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(serial)
        .not_valid_before(now)
        .not_valid_after(now + datetime.timedelta(days=1))
        .sign(key, hashes.SHA256())
    )
    return cert.public_bytes(serialization.Encoding.PEM)


def test_decode_spells_a_leading_zero_serial_as_openssl_does(tmp_path: Path) -> None:
    pem = tmp_path / "leading-zero.pem"
    pem.write_bytes(certificate_with_serial(0x0A1B2C3D))
    done = certcheck("decode", str(pem), "-f", "json")
    serials = [c["serial"] for c in json.loads(done.stdout)[0]["certificates"]]
    assert serials == ["0A1B2C3D"]
    openssl = shutil.which("openssl")
    if openssl:  # the same spelling, from openssl itself where it is installed
        printed = subprocess.run(
            [openssl, "x509", "-noout", "-serial", "-in", str(pem)],
            capture_output=True,
            text=True,
            check=True,
        ).stdout
        assert printed.strip() == "serial=0A1B2C3D"
