"""Every certificate in the reference keystore decodes to what payloads/INDEX.md says of it."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

from certcheck.smki.eui import parse_eui64

# INDEX.md, "Cast of test identities": the WAN provider's -ka.pem actually holds the
# second Supplier's key-agreement certificate ("Caution: ... actually holds the Supplier-2").
MISLABELLED = {"90b3d51f30000007-ka.pem": "90-B3-D5-1F-30-03-00-00"}


def _cast_roles(index_text: str) -> dict[str, int]:
    """EUI-64 -> remote party role code, from the INDEX.md cast table (``OU=NN``)."""
    roles: dict[str, int] = {}
    row = re.compile(r"^\| `([0-9A-F-]{23})` \| [^|]*?\(OU=([0-9A-F]{2})", re.M)
    for match in row.finditer(index_text):
        roles[parse_eui64(match.group(1))] = int(match.group(2), 16)
    return roles


def _decode_json(paths: list[Path]) -> list[dict]:
    done = subprocess.run(
        [sys.executable, "-m", "certcheck", "decode", "-f", "json", *map(str, paths)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert done.stderr == ""
    return json.loads(done.stdout)


def test_keystore_certificates_match_index(reference_dir: Path) -> None:
    index = (reference_dir / "payloads" / "INDEX.md").read_text()
    roles = _cast_roles(index)
    assert roles["90-B3-D5-1F-30-02-00-00"] == 3
    files = sorted((reference_dir / "payloads" / "certs" / "rtds-keystore").glob("*.pem"))
    assert len(files) >= 20
    records = _decode_json(files)
    assert [r["source"] for r in records] == [str(f) for f in files]
    for path, record in zip(files, records, strict=True):
        (cert,) = record["certificates"]
        name = path.name
        eui = MISLABELLED.get(name) or parse_eui64(name[:16])
        usage = "keyAgreement" if name.endswith("ka.pem") else "digitalSignature"
        assert cert["entity_id"] == eui, name
        assert cert["key_usage"] == [usage], name
        if name.startswith("00db"):
            assert cert["role"] is None and cert["subject"] == "", name
        else:
            assert cert["role"] == roles[eui], name
        assert re.fullmatch(r"[0-9A-F]+", cert["serial"])
        assert len(cert["subject_key_id"]) == 16


@pytest.mark.parametrize("name", ["mdr-ds.pem", "mdr-ka.pem"])
def test_null_parameter_certificates_still_decode(reference_dir: Path, name: str) -> None:
    """cryptography refuses explicit NULL ECDSA parameters; certcheck decodes them anyway."""
    path = reference_dir / "smki-test-certs" / "dccboxed-keystore" / name
    (record,) = _decode_json([path])
    (cert,) = record["certificates"]
    assert cert["entity_id"] == "90-B3-D5-1F-30-01-00-09"
    assert cert["role"] == 0x7F
