"""Demonstration payloads: deterministic, decodable, placed as planned, fully covered by truth."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest

from certcheck.demo import payloads as pl
from certcheck.demo.history import READ_FORMS, plan_history
from certcheck.demo.truth import SEVERITY
from certcheck.demo.world import build_world
from certcheck.demo.write import write_world

ROOT = Path(__file__).resolve().parents[2]


def run_cli(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")]))
    return subprocess.run(
        [sys.executable, "-m", "certcheck", *args],
        cwd=cwd, env=env, capture_output=True, text=True, timeout=300, check=False,
    )


def tree(directory: Path) -> dict[str, bytes]:
    return {
        str(p.relative_to(directory)): p.read_bytes()
        for p in sorted(directory.rglob("*")) if p.is_file()
    }


@pytest.fixture(scope="module")
def written(tmp_path_factory):
    directory = tmp_path_factory.mktemp("world")
    world = build_world("payload-test", 60)
    write_world(world, directory)
    return world, directory


def test_two_generations_with_one_seed_are_byte_identical(tmp_path):
    write_world(build_world("twice", 30), tmp_path / "a")
    write_world(build_world("twice", 30), tmp_path / "b")
    write_world(build_world("thrice", 30), tmp_path / "c")
    assert tree(tmp_path / "a") == tree(tmp_path / "b")
    assert tree(tmp_path / "a") != tree(tmp_path / "c")


def test_truth_covers_every_payload_file_and_batch_line_and_nothing_else(written):
    _, directory = written
    truth = json.loads((directory / "truth.json").read_text())["items"]
    files = {
        str(p.relative_to(directory)) for p in (directory / "payloads").rglob("*")
        if p.is_file() and p.suffix != ".jsonl"
    }
    lines = (directory / "payloads" / "batch.jsonl").read_text().splitlines()
    batch = {f"payloads/batch.jsonl#{n}" for n in range(1, len(lines) + 1)}
    history = (directory / "payloads" / "history.jsonl").read_text().splitlines()
    told = {f"payloads/history.jsonl#{n}" for n in range(1, len(history) + 1)}
    assert set(truth) == files | batch | told
    for line in lines:
        assert set(json.loads(line)) == {"id", "payload", "time"}
    for line in history:  # a DUIS read carries its own ResponseDateTime instead of "time"
        assert set(json.loads(line)) - {"time"} == {"id", "payload"}
    for entry in truth.values():
        assert all(SEVERITY[c] in ("error", "warning") for c in entry["codes"])
        assert all(SEVERITY[c] == "info" for c in entry["info"])
        assert entry["codes"] == sorted({f["code"] for f in entry["findings"]})


def test_every_mistake_appears_several_times_with_its_code(written):
    _, directory = written
    truth = json.loads((directory / "truth.json").read_text())["items"]
    kinds = Counter(e["case"] for e in truth.values())
    expected_code = {
        pl.WRONG_NETWORK: "NO_CERT_WRONG_NETWORK",
        pl.GAS_ON_ESME: "NO_CERT_GAS_ON_ESME",
        pl.ELECTRICITY_ON_GAS: "NO_CERT_ELECTRICITY_ON_GAS_DEVICE",
        pl.USAGE_SWAPPED: "CELL_KEY_USAGE_MISMATCH",
        pl.PAIR_MISMATCH: "NO_CERT_PAIR_MISMATCH",
        pl.UNTRUSTED_CA: "CERT_CHAIN_UNTRUSTED",
        pl.SUPPLIER_IN_NO_CELL: "CELL_ROLE_MISMATCH",
        pl.NOT_IN_MAPPING: "DEVICE_NOT_IN_MAPPING",
        pl.BAD_SIGNATURE: "COMMAND_SIGNATURE_INVALID",
        pl.UNKNOWN_ORGANISATION: "NO_CERT_UNKNOWN_ORGANISATION",
    }
    for kind, code in expected_code.items():
        assert kinds[kind] >= 2, kind
        for entry in truth.values():
            if entry["case"] == kind:
                assert code in entry["codes"], (kind, entry)
    correct = [e for e in truth.values() if e["case"] == pl.CORRECT]
    assert sum(1 for e in correct if e["codes"] == []) >= 10
    assert any(e["codes"] == ["MPAN_PREFIX_DISAGREES"] for e in correct)
    # Swapped usages: both cells wrong. Pair from two distributors: also the wrong network.
    for entry in truth.values():
        if entry["case"] == pl.USAGE_SWAPPED:
            assert [f["code"] for f in entry["findings"]].count("CELL_KEY_USAGE_MISMATCH") == 2
        if entry["case"] == pl.PAIR_MISMATCH:
            assert "NO_CERT_WRONG_NETWORK" in entry["codes"]


def test_decoded_payloads_place_each_certificate_in_its_planned_cell(written):
    world, directory = written
    files, batch = pl.plan_cases(world)
    cases = {f"payloads/{'gbcs' if c.form == pl.GBCS_NO_BY_NO else 'duis'}/{c.name}."
             f"{'hex' if c.form == pl.GBCS_NO_BY_NO else 'xml'}": c for c in files}
    cases.update({f"payloads/batch.jsonl#{n}": c for n, c in enumerate(batch, start=1)})
    events = plan_history(world)
    cases.update({f"payloads/history.jsonl#{n}": e.case for n, e in enumerate(events, start=1)})
    done = run_cli("decode", "payloads", "-f", "jsonl", cwd=directory)
    assert done.returncode == 0, done.stderr
    records = [json.loads(line) for line in done.stdout.splitlines()]
    assert {r["source"] for r in records} == set(cases)
    for record in records:
        case = cases[record["source"]]
        assert record["device_id"] == "-".join(f"{b:02X}" for b in case.device_id)
        if case.form in READ_FORMS:  # the device reports each cell's occupant, no certificate
            assert record["message_code"] == "0x011b" and record["certificates"] == []
            outcomes = record["outcomes"]
            reported = [(o["cell"]["key_usage"], o["replacing"]["entity_id"]) for o in outcomes]
            assert reported == [
                (p.cell_usage, p.holder.eui) for p in case.placements
            ]
            continue
        assert record["originator"] == case.sender.eui
        placed = {
            c["sha256"]: (c["cell"]["role"], c["cell"]["key_usage"])
            for c in record["certificates"] if c["cell"] is not None
        }
        assert placed == {
            p.certificate.sha256: (p.cell_role, p.cell_usage) for p in case.placements
        }
        paths = {c["sha256"] for c in record["certificates"] if c["cell"] is None}
        assert paths == {ca.sha256 for ca in case.path}
        if case.form == pl.GBCS_NO_BY_NO:
            assert record["kind"] == "gbcs-command" and record["message_code"] == "0x0103"
        else:
            assert record["service"] == ("6.21" if case.form == pl.DUIS_HANDOVER else "6.15.1")
