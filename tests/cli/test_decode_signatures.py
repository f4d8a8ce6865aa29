"""decode --certs reports every signed reference GBCS message valid, and invalid once altered."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from certcheck.formats.gbcs.frame import parse_frame
from certcheck.formats.hexb64 import text_to_bytes


def _decode(paths: list[Path], certs: Path) -> list[dict]:
    done = subprocess.run(
        [sys.executable, "-m", "certcheck", "decode", "-f", "json", "--certs", str(certs)]
        + [str(p) for p in paths],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def test_signed_samples_valid_and_altered_ones_invalid(reference_dir: Path, tmp_path: Path) -> None:
    certs = reference_dir / "payloads" / "certs" / "rtds-keystore"
    samples = sorted((reference_dir / "payloads" / "gbcs").rglob("*.HEX"))
    records = _decode(samples, certs)
    unsigned = (None, "absent", "null")
    signed = [
        (p, r) for p, r in zip(samples, records, strict=True) if r["signature"] not in unsigned
    ]
    assert len(signed) >= 60
    assert {r["signature"] for _, r in signed} == {"valid"}

    altered = []
    for path, _record in signed:
        raw = bytearray(text_to_bytes(path.read_bytes()) or b"")
        frame = parse_frame(bytes(raw))
        # The last byte of the originator counter: signed, and never structurally checked.
        position = raw.find(frame.signed) + 9
        raw[position] ^= 0x01
        target = tmp_path / path.name
        target.write_text(raw.hex().upper())
        altered.append(target)
    again = _decode(altered, certs)
    assert {r["signature"] for r in again} == {"invalid"}
