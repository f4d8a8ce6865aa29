"""An ACB-signed handover command counts for the Supplier whose 6.21 request carried the same
device and certificates: in one batch, from a store an earlier run filled, and at report time.

Real CLI runs over lines of the demo world's history (``payloads/history.jsonl``, copied byte
for byte) and a real SQLite store; truth.json says which Supplier each line belongs to.
"""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest

from tests.verify.cli import WORLD, certcheck, world_options_anywhere

HISTORY = WORLD / "payloads" / "history.jsonl"


def _truth() -> dict:
    return json.loads((WORLD / "truth.json").read_text())


def _story(name: str) -> tuple[dict, dict, str, str]:
    """(request entry, command entry, request line, command line) of one history."""
    items = _truth()["items"]
    lines = HISTORY.read_text().splitlines()
    found = {}
    for number, line in enumerate(lines, start=1):
        entry = items[f"payloads/history.jsonl#{number}"]
        if entry.get("story") == name and entry["form"] in ("duis-6.21", "gbcs-0x0103"):
            found[entry["form"]] = (entry, line)
    (request, request_line), (command, command_line) = found["duis-6.21"], found["gbcs-0x0103"]
    return request, command, request_line, command_line


def _batch(path: Path, *lines: str) -> Path:
    path.write_text("".join(line + "\n" for line in lines), "utf-8")
    return path


def _verify(*args: str) -> list[dict]:
    done = certcheck("verify", *args, *world_options_anywhere(), "-f", "jsonl")
    assert done.returncode in (0, 1), done.stderr
    return [json.loads(line) for line in done.stdout.splitlines()]


def _command(records: list[dict]) -> dict:
    (command,) = [r for r in records if r["kind"] == "gbcs-command"]
    return command


def _suppliers(*source: str) -> tuple[dict[str, int], dict[str, int]]:
    """Items per Supplier party and per other sender's party, from ``report --by supplier``."""
    done = certcheck("report", *source, "--by", "supplier", "-f", "json")
    assert done.returncode == 0, done.stderr
    document = json.loads(done.stdout)
    return (
        {r["party"]: r["items"] for r in document["suppliers"]},
        {r["party"]: r["items"] for r in document["other_senders"]},
    )


@pytest.mark.parametrize("story", ["paired-handover", "paired-wrong-handover"])
def test_truth_pairs_the_command_with_its_request(story: str) -> None:
    request, command, _, _ = _story(story)
    assert request["supplier"] and command["supplier"] == request["supplier"]
    assert command["sender"] != request["sender"]  # the ACB signed the command
    assert command["device_id"] == request["device_id"]


@pytest.mark.parametrize("command_first", [False, True])
def test_one_batch_pairs_in_either_order(tmp_path: Path, command_first: bool) -> None:
    request, command, request_line, command_line = _story("paired-wrong-handover")
    lines = (command_line, request_line) if command_first else (request_line, command_line)
    records = _verify(str(_batch(tmp_path / "batch.jsonl", *lines)))
    assert _command(records)["supplier"] == command["supplier"] == request["supplier"]
    assert _command(records)["sender"]["user_role"] == "dcc"


def test_a_request_stored_by_an_earlier_run_pairs_a_later_command(tmp_path: Path) -> None:
    request, command, request_line, command_line = _story("paired-handover")
    store = str(tmp_path / "audit.db")
    first = _verify(str(_batch(tmp_path / "request.jsonl", request_line)), "--store", store)
    assert [r["supplier"] for r in first] == [request["supplier"]]
    later = _verify(str(_batch(tmp_path / "command.jsonl", command_line)), "--store", store)
    assert _command(later)["supplier"] == command["supplier"]
    suppliers, others = _suppliers("--store", store)
    assert suppliers == {request["supplier"]: 2}
    assert others == {}


def test_the_report_pairs_a_command_stored_before_its_request(tmp_path: Path) -> None:
    request, _, request_line, command_line = _story("paired-handover")
    store = str(tmp_path / "audit.db")
    early = _verify(str(_batch(tmp_path / "command.jsonl", command_line)), "--store", store)
    assert _command(early)["supplier"] is None  # nothing to pair with yet
    _verify(str(_batch(tmp_path / "request.jsonl", request_line)), "--store", store)
    assert _suppliers("--store", store) == ({request["supplier"]: 2}, {})


def test_the_report_pairs_results_files_of_separate_runs(tmp_path: Path) -> None:
    request, _, request_line, command_line = _story("paired-wrong-handover")
    outputs = []
    for name, line in (("command", command_line), ("request", request_line)):
        out = tmp_path / f"{name}.out.jsonl"
        done = certcheck(
            "verify", str(_batch(tmp_path / f"{name}.jsonl", line)), *world_options_anywhere(),
            "-f", "jsonl", "-o", str(out), "-q",
        )  # fmt: skip
        assert done.returncode == 1, done.stderr  # another distributor's certificates
        outputs.append(str(out))
    assert json.loads(Path(outputs[0]).read_text())["supplier"] is None
    assert _suppliers(*outputs) == ({request["supplier"]: 2}, {})


def test_an_unpaired_command_stays_with_the_acb(tmp_path: Path) -> None:
    _, _, _, command_line = _story("paired-handover")
    store = str(tmp_path / "audit.db")
    records = _verify(str(_batch(tmp_path / "command.jsonl", command_line)), "--store", store)
    assert _command(records)["supplier"] is None
    assert _suppliers("--store", store) == ({}, {"DCC Access Control Broker": 1})
    with (WORLD / "operators.csv").open(encoding="utf-8") as handle:
        (acb,) = [row["entity_id"] for row in csv.DictReader(handle) if row["user_role"] == "dcc"]
    items = _truth()["items"].values()
    unpaired = [e for e in items if e["sender"] == acb and e["supplier"] is None]
    assert len(unpaired) >= 5, "the world keeps ACB commands without a request"


def test_a_near_miss_does_not_pair(tmp_path: Path) -> None:
    request, command, request_line, command_line = _story("near-miss")
    assert request["device_id"] == command["device_id"]
    assert command["supplier"] is None and request["supplier"]
    store = str(tmp_path / "audit.db")
    records = _verify(
        str(_batch(tmp_path / "both.jsonl", request_line, command_line)), "--store", store
    )
    assert _command(records)["supplier"] is None
    suppliers, others = _suppliers("--store", store)
    assert suppliers == {request["supplier"]: 1}
    assert others == {"DCC Access Control Broker": 1}
