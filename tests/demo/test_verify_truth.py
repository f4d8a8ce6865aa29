"""End to end: ``certcheck verify`` on the committed demo world reports exactly truth.json."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from certcheck.demo.fixtures import FIXTURE_DIR

ROOT = Path(__file__).resolve().parents[2]


def test_verify_reports_exactly_the_expected_findings_for_every_item():
    truth = json.loads((FIXTURE_DIR / "truth.json").read_text())
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")]))
    done = subprocess.run(
        [sys.executable, "-m", "certcheck", *truth["verify_arguments"], "-f", "jsonl", "-j", "1"],
        cwd=FIXTURE_DIR, env=env, capture_output=True, text=True, timeout=300, check=False,
    )
    assert done.returncode == 1, done.stderr  # the world holds deliberate errors
    records = [json.loads(line) for line in done.stdout.splitlines()]
    expected = truth["items"]
    assert sorted(r["source"] for r in records) == sorted(expected)
    mismatches = []
    for record in records:
        want = expected[record["source"]]
        reported = [f for f in record["findings"] if f["severity"] != "info"]
        got = {
            "codes": sorted({f["code"] for f in reported}),
            "info": sorted({f["code"] for f in record["findings"] if f["severity"] == "info"}),
            "findings": sorted((f["code"], f["certificate"] or "") for f in reported),
            "verdict": record["verdict"],
        }
        wanted = {
            "codes": want["codes"],
            "info": want["info"],
            "findings": sorted((f["code"], f["certificate"] or "") for f in want["findings"]),
            "verdict": want["verdict"],
        }
        if got != wanted:
            mismatches.append((record["source"], want["case"], got, wanted))
    assert mismatches == []
