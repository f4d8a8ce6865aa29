"""verify keeps meters.csv compiled between runs, and says exactly the same either way."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from tests.verify.cli import WORLD, certcheck

DUIS = WORLD / "payloads" / "duis"
PAYLOADS = [
    str(DUIS / "0007-correct-duis-6.21.xml"),
    str(DUIS / "0011-electricity-on-gas-duis-6.15.1.xml"),
    str(DUIS / "0031-not-in-mapping-duis-6.21.xml"),
]
OPTIONS = ["--operators", str(WORLD / "operators.csv"), "--at", "2026-06-01", "-f", "jsonl"]
ROWS = [
    "00-DE-01-90-AA-9F-FF-36,1990880840461,,SOUT,ESME",  # check digit wrong
    "00-DE-01-B4-5C-08-C7-AE,1290947888301,,LOND,ESME",
    "00-DE-01-XX,1290947888301,,LOND,ESME",  # EUI unreadable
    "00-DE-02-C7-86-18-CE-77,,6772133003,DGS,GSME",
    "00-DE-02-C7-86-18-CE-77,,6772133003,DGN,GSME",  # the same device, another row
    "00-DE-01-B4-5C-08-C7-AF,1290947888301,,IPNX,ESME",  # nobody answers for IPNX
]


def _meters(tmp_path: Path) -> Path:
    path = tmp_path / "meters.csv"
    path.write_text("device_id,mpan,mprn,network,device_type\n" + "\n".join(ROWS) + "\n")
    return path


def _run(meters: Path, *extra: str) -> tuple[int, str, str]:
    done = certcheck("verify", *PAYLOADS, "--mapping", str(meters), *OPTIONS, *extra)
    assert "Traceback" not in done.stderr, done.stderr
    return done.returncode, done.stdout, done.stderr


def _compiled(directory: Path) -> list[Path]:
    return sorted(directory.glob("meters-*.bin"))


def test_a_second_run_reuses_the_compiled_mapping_and_reports_the_same(tmp_path: Path) -> None:
    meters, cache = _meters(tmp_path), tmp_path / "cache"
    fresh = _run(meters, "--no-cache")
    assert fresh[0] == 0 and f"{meters}:2: column mpan: MPAN 1990880840461" in fresh[2]
    assert "MAPPING_ROW_INVALID" in fresh[1] and "NETWORK_UNDETERMINED" in fresh[2]
    assert _run(meters, "--cache-dir", str(cache)) == fresh
    [compiled] = _compiled(cache)
    written = compiled.stat().st_ino
    assert _run(meters, "--cache-dir", str(cache)) == fresh
    assert _compiled(cache) == [compiled] and compiled.stat().st_ino == written  # reused
    strict = [_run(meters, "--cache-dir", str(cache), "--strict-mapping") for _ in range(2)]
    assert strict[0] == strict[1] and strict[0][0] == 2 and "4 bad row(s)" in strict[0][2]


def test_no_cache_keeps_nothing_from_the_command_line_or_the_configuration(
    tmp_path: Path,
) -> None:
    meters, cache = _meters(tmp_path), tmp_path / "cache"
    assert _run(meters, "--no-cache", "--cache-dir", str(cache))[0] == 0
    assert not cache.exists()
    (tmp_path / "certcheck.toml").write_text(f'[verify]\nno_cache = true\ncache_dir = "{cache}"\n')
    done = certcheck("verify", *PAYLOADS, "--mapping", str(meters), *OPTIONS, cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert not cache.exists()


def test_the_default_cache_is_under_xdg_cache_home(tmp_path: Path) -> None:
    meters = _meters(tmp_path)
    environment = {**os.environ, "XDG_CACHE_HOME": str(tmp_path / "xdg")}
    command = [sys.executable, "-m", "certcheck", "verify", *PAYLOADS, "--mapping", str(meters)]
    done = subprocess.run(
        [*command, *OPTIONS], env=environment, capture_output=True, text=True, check=False
    )
    assert done.returncode == 0, done.stderr
    assert len(_compiled(tmp_path / "xdg" / "certcheck")) == 1


def test_without_an_absolute_home_nothing_is_kept(tmp_path: Path) -> None:
    meters = _meters(tmp_path)
    environment = {k: v for k, v in os.environ.items() if k != "XDG_CACHE_HOME"}
    command = [sys.executable, "-m", "certcheck", "verify", *PAYLOADS, "--mapping", str(meters)]
    for home in ("relative-home", "/"):
        done = subprocess.run(
            [*command, *OPTIONS],
            env={**environment, "HOME": home},
            cwd=tmp_path,
            capture_output=True,
            text=True,
            check=False,
        )
        assert (done.returncode, done.stderr.count("Traceback")) == (0, 0), done.stderr
    assert sorted(path.name for path in tmp_path.iterdir()) == ["meters.csv"]


def test_a_damaged_or_unwritable_cache_changes_nothing(tmp_path: Path) -> None:
    meters, cache = _meters(tmp_path), tmp_path / "cache"
    fresh = _run(meters, "--no-cache")
    _run(meters, "--cache-dir", str(cache))
    [compiled] = _compiled(cache)
    data = compiled.read_bytes()
    compiled.write_bytes(data[: len(data) // 2])
    assert _run(meters, "--cache-dir", str(cache)) == fresh
    compiled.write_bytes(b"\x00" * len(data))
    assert _run(meters, "--cache-dir", str(cache)) == fresh
    assert compiled.read_bytes() == data  # compiled again
    (tmp_path / "plain-file").write_text("not a directory")
    assert _run(meters, "--cache-dir", str(tmp_path / "plain-file" / "cache")) == fresh


def test_a_changed_mapping_is_read_again(tmp_path: Path) -> None:
    meters, cache = _meters(tmp_path), tmp_path / "cache"
    before = _run(meters, "--cache-dir", str(cache))
    meters.write_text(meters.read_text().replace("1990880840461", "1990880840460"))
    after = _run(meters, "--cache-dir", str(cache))
    assert after == _run(meters, "--no-cache")
    assert "column mpan: MPAN 1990880840461" in before[2]
    assert "1990880840461" not in after[2]
    assert len(_compiled(cache)) == 2
