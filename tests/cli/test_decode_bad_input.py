"""Bad input through the real CLI: one clear stderr line each, no traceback, the batch goes on."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import FIXTURES

GOOD_PEM = FIXTURES / "world" / "pki" / "oca.pem"


def run(*args: str, stdin: bytes | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "certcheck", *args],
        input=stdin.decode() if stdin is not None else None,
        capture_output=True,
        text=True,
        check=False,
    )


@pytest.fixture
def bad_dir(tmp_path: Path) -> Path:
    der = _good_der()
    (tmp_path / "a-empty.pem").write_bytes(b"")
    (tmp_path / "b-truncated.der").write_bytes(der[: len(der) // 2])
    (tmp_path / "c-random.bin").write_bytes(bytes(range(7, 200)) * 3)
    body = GOOD_PEM.read_text().splitlines()
    body[3] = body[3][:10] + "!!!" + body[3][13:]
    (tmp_path / "d-broken.pem").write_text("\n".join(body) + "\n")
    (tmp_path / "e-good.pem").write_bytes(GOOD_PEM.read_bytes())
    return tmp_path


def _good_der() -> bytes:
    import base64

    lines = GOOD_PEM.read_text().splitlines()
    return base64.b64decode("".join(line for line in lines if not line.startswith("-----")))


def test_each_bad_file_gets_one_line_and_the_good_one_decodes(bad_dir: Path) -> None:
    done = run("decode", "-f", "jsonl", str(bad_dir))
    assert done.returncode == 1
    assert "Traceback" not in done.stderr
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 4, done.stderr
    for name, reason in (
        ("a-empty.pem", "empty"),
        ("b-truncated.der", "not a DER X.509 certificate"),
        ("c-random.bin", "not a recognised format"),
        ("d-broken.pem", "broken base64"),
    ):
        (line,) = [entry for entry in lines if name in entry]
        assert reason in line, line
    records = done.stdout.strip().splitlines()
    assert len(records) == 5
    assert '"kind":"certificate"' in records[-1]


def test_unreadable_directory_entry_is_reported(bad_dir: Path) -> None:
    """A dangling symlink cannot be read: one line naming it, the rest decoded."""
    (bad_dir / "g-dangling.pem").symlink_to(bad_dir / "nowhere")
    done = run("decode", "-f", "jsonl", str(bad_dir))
    assert done.returncode == 1
    assert "g-dangling.pem: cannot read" in done.stderr
    assert "Traceback" not in done.stderr


def test_stdin_and_missing_path() -> None:
    done = run("decode", "-f", "json", "-", stdin=GOOD_PEM.read_bytes())
    assert done.returncode == 0 and '"kind": "certificate"' in done.stdout
    missing = run("decode", "/no/such/file.pem")
    assert missing.returncode == 2
    expected = "certcheck: error: /no/such/file.pem: no such file or directory"
    assert missing.stderr.strip() == expected
