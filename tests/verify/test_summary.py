"""With -o, one summary line on standard error unless -q (SPEC.md "Exit codes")."""

from __future__ import annotations

import re
from pathlib import Path

from tests.verify.cli import WORLD, certcheck, world_options_anywhere

PAYLOADS = str(WORLD / "payloads")
SUMMARY = re.compile(r"^certcheck: (\d+) item\(s\): (\d+) pass, (\d+) warn, (\d+) fail; report in ")


def test_one_summary_line_with_output_and_none_with_quiet(tmp_path: Path) -> None:
    out = tmp_path / "report.jsonl"
    done = certcheck("verify", PAYLOADS, *world_options_anywhere(), "-f", "jsonl", "-o", str(out))
    assert done.returncode == 1
    lines = done.stderr.splitlines()
    assert len(lines) == 1 and lines[0].endswith(str(out)), done.stderr
    match = SUMMARY.match(lines[0])
    assert match
    records = out.read_text().splitlines()
    total, passed, warned, failed = (int(g) for g in match.groups())
    assert total == len(records) == passed + warned + failed
    assert failed == sum('"verdict":"fail"' in r for r in records)
    quiet = certcheck(
        "verify", PAYLOADS, *world_options_anywhere(), "-f", "jsonl", "-o", str(out), "-q"
    )
    assert quiet.returncode == 1 and quiet.stderr == ""


def test_no_summary_when_the_report_goes_to_standard_output() -> None:
    done = certcheck("verify", PAYLOADS, *world_options_anywhere(), "-f", "jsonl")
    assert done.returncode == 1 and done.stderr == ""
