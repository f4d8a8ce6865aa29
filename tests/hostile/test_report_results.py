"""``report`` on JSON Lines results names the bad line (FILE:LINE: reason): exit 2, no crash."""

from __future__ import annotations

import copy
import json
import subprocess
import sys
from pathlib import Path

import pytest

from certcheck.cli import app as cli_app
from certcheck.report import load


@pytest.fixture(scope="module")
def record(demo_world, tmp_path_factory: pytest.TempPathFactory) -> dict:
    """One real record with findings and certificates, from verify -f jsonl."""
    folder = tmp_path_factory.mktemp("results")
    batch = demo_world.batch(folder / "batch.jsonl", 10)
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "certcheck",
            "verify",
            str(batch),
            *demo_world.verify_args(),
            "-f",
            "jsonl",
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )
    records = [json.loads(line) for line in done.stdout.splitlines()]
    return next(r for r in records if r["findings"] and r["certificates"])


def _set(record: dict, path: tuple, value: object) -> dict:
    changed = copy.deepcopy(record)
    target = changed
    for key in path[:-1]:
        target = target[key]
    target[path[-1]] = value
    return changed


@pytest.mark.parametrize(
    ("path", "value", "reason"),
    [
        (("kind",), [1], '"kind" must be text or null'),
        (("supplier",), {"a": 1}, '"supplier" must be text or null'),
        (("sender",), "Kestrel", '"sender" must be an object or null'),
        (("verdict",), "maybe", '"verdict" must be one of pass, warn, fail'),
        (("findings", 0, "severity"), 5, '"findings[0].severity" must be one of'),
        (("findings", 0, "code"), None, '"findings[0]" must be an object with a "code"'),
        (("findings", 0, "message"), {"x": 1}, '"findings[0].message" must be text or null'),
        (("certificates", 0, "party"), [1], '"certificates[0].party" must be text or null'),
        (("certificates", 0), 7, '"certificates[0]" must be an object'),
    ],
)
def test_a_malformed_field_names_file_and_line(
    record: dict, tmp_path: Path, path: tuple, value: object, reason: str
) -> None:
    results = tmp_path / "results.jsonl"
    lines = [json.dumps(record), "", json.dumps(_set(record, path, value))]
    results.write_text("\n".join(lines) + "\n")
    done = subprocess.run(
        [sys.executable, "-m", "certcheck", "report", str(results), "-f", "json"],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 2, done.stderr
    (line,) = done.stderr.strip().splitlines()
    assert line.startswith(f"certcheck: error: {results}:3: "), line
    assert reason in line
    assert done.stdout == ""


def test_an_over_long_line_names_file_and_line(
    record: dict, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys
) -> None:
    """Read under a line limit (64 Mi characters; lowered here to keep the test small)."""
    monkeypatch.setattr(load, "MAX_LINE_CHARS", 4096)
    results = tmp_path / "results.jsonl"
    huge = _set(record, ("id",), "x" * 100_000)
    results.write_text(json.dumps(record) + "\n" + json.dumps(huge) + "\n")
    with pytest.raises(SystemExit) as stopped:
        cli_app.main(["report", str(results)])
    assert stopped.value.code == 2
    err = capsys.readouterr().err
    assert f"{results}:2: line of more than 4096 characters" in err
    assert err.count("\n") == 1
