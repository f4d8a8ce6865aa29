"""A decoded certificate written as JSON values reads back field for field, and nothing else
reads back at all."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import pytest

from certcheck.formats.certfile import pem_blocks
from certcheck.smki.certificate import SmkiCertificate, decode_certificate
from certcheck.smki.compiled import certificate_from_values, certificate_values
from tests.conftest import FIXTURES

OCA = FIXTURES / "world" / "pki" / "oca.pem"
NAMES = [field.name for field in dataclasses.fields(SmkiCertificate)]


def _certificates(root: Path) -> list[SmkiCertificate]:
    found = []
    for path in [root] if root.is_file() else sorted(root.rglob("*.pem")):
        try:
            blocks = pem_blocks(path.read_bytes())
        except ValueError:
            continue
        found.extend(decode_certificate(der) for _, der in blocks)
    return found


def _through_json(certificate: SmkiCertificate) -> list:
    return json.loads(json.dumps(certificate_values(certificate)))


def _assert_round_trip(certificates: list[SmkiCertificate]) -> None:
    for certificate in certificates:
        back = certificate_from_values(_through_json(certificate))
        assert dataclasses.astuple(back) == dataclasses.astuple(certificate)
        for name in NAMES:
            assert type(getattr(back, name)) is type(getattr(certificate, name)), name


def test_every_world_certificate_reads_back_field_for_field() -> None:
    certificates = _certificates(FIXTURES / "world" / "pki")
    kinds = {certificate.kind for certificate in certificates}
    assert len(certificates) >= 30 and {"ca", "organisation", "device"} <= kinds
    _assert_round_trip(certificates)


def test_every_reference_certificate_reads_back_field_for_field(reference_dir: Path) -> None:
    certificates = _certificates(reference_dir / "smki-test-certs")
    assert len(certificates) > 400
    assert any(certificate.problems for certificate in certificates)
    _assert_round_trip(certificates)


def _values() -> list:
    [certificate] = _certificates(OCA)
    return _through_json(certificate)


def _with(name: str, value: object) -> list:
    values = _values()
    values[NAMES.index(name)] = value
    return values


@pytest.mark.parametrize(
    ("values", "error"),
    [
        (_values()[:-1], ValueError),  # a field short
        ([*_values(), None], ValueError),  # a field more
        ({"der": ""}, ValueError),  # not a list
        (_with("der", "AAAA"), ValueError),  # not the DER whose SHA-256 is recorded
        (_with("der", "not base64!"), ValueError),
        (_with("der", "é"), ValueError),  # not ASCII
        (_with("tbs", 7), TypeError),
        (_with("role", True), TypeError),  # a bool is not an int here
        (_with("is_ca", 1), TypeError),
        (_with("serial", None), TypeError),
        (_with("not_before", "2026-06-01T00:00:00"), ValueError),  # no offset
        (_with("not_after", "yesterday"), ValueError),
        (_with("key_usage", "digitalSignature"), TypeError),
        (_with("key_usage", [1]), TypeError),
        (_with("extensions", [["2.5.29.15", "yes", "AwIHgA=="]]), TypeError),
        (_with("extensions", [["2.5.29.15", True]]), ValueError),
    ],
)
def test_anything_but_what_was_written_is_refused(values: object, error: type) -> None:
    with pytest.raises(error):
        certificate_from_values(values)


def test_an_instant_that_is_not_a_plain_aware_datetime_is_not_written() -> None:
    [certificate] = _certificates(OCA)
    naive = dataclasses.replace(certificate, not_after=certificate.not_after.replace(tzinfo=None))
    with pytest.raises(TypeError):
        certificate_values(naive)
