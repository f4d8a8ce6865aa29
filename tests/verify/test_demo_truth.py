"""verify on the demo world finds exactly the deliberate mistakes its ground truth lists."""

from __future__ import annotations

import json
import subprocess
import sys
from collections import Counter
from pathlib import Path

from tests.conftest import FIXTURES

WORLD = FIXTURES / "world"


def verify_world(world: Path, *extra: str) -> subprocess.CompletedProcess[str]:
    truth = json.loads((world / "truth.json").read_text())
    return subprocess.run(
        [sys.executable, "-m", "certcheck", *truth["verify_arguments"], "-f", "jsonl", *extra],
        cwd=world,
        capture_output=True,
        text=True,
        check=False,
    )


def expected_findings(entry: dict) -> Counter[tuple[str, str | None]]:
    return Counter((f["code"], f["certificate"]) for f in entry["findings"])


def test_verify_matches_ground_truth_exactly() -> None:
    truth = json.loads((WORLD / "truth.json").read_text())
    done = verify_world(WORLD)
    assert done.returncode == 1, done.stderr
    records = [json.loads(line) for line in done.stdout.splitlines()]
    assert {r["source"] for r in records} == set(truth["items"])
    reported = set(truth["severity_reported"])
    wrong: list[str] = []
    for record in records:
        expected = truth["items"][record["source"]]
        got = Counter(
            (f["code"], f["certificate"]) for f in record["findings"] if f["severity"] in reported
        )
        info = sorted({f["code"] for f in record["findings"] if f["severity"] == "info"})
        if got != expected_findings(expected) or info != sorted(set(expected["info"])):
            wrong.append(
                f"{record['source']} ({expected['case']}): expected "
                f"{sorted(expected_findings(expected))} info {expected['info']}, got {sorted(got)} "
                f"info {info}"
            )
        assert record["verdict"] == expected["verdict"], record["source"]
        assert (record["id"], record["sent"]) == (expected["id"], expected["sent"])
    assert not wrong, "\n".join(wrong)


def test_every_deliberate_mistake_kind_is_present() -> None:
    truth = json.loads((WORLD / "truth.json").read_text())
    codes = {f["code"] for entry in truth["items"].values() for f in entry["findings"]}
    for code in (
        "NO_CERT_WRONG_NETWORK",
        "NO_CERT_GAS_ON_ESME",
        "NO_CERT_ELECTRICITY_ON_GAS_DEVICE",
        "CELL_KEY_USAGE_MISMATCH",
        "CELL_ROLE_MISMATCH",
        "NO_CERT_PAIR_MISMATCH",
        "CERT_CHAIN_UNTRUSTED",
        "COMMAND_SIGNATURE_INVALID",
        "DEVICE_NOT_IN_MAPPING",
    ):
        assert code in codes, code
