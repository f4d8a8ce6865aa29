"""Reports from a store and from the same run's JSON Lines equal counts computed from its records.

The expected figures come from tests/report/expected.py, plain Python over the records that
``verify -f jsonl`` wrote, never from certcheck.report.
"""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest

from tests.report import expected
from tests.verify.cli import WORLD, certcheck, world_options_anywhere


@pytest.fixture(scope="module")
def run(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, list[dict]]:
    """One verify of the demo world: its store, its JSON Lines, and the records in event order."""
    folder = tmp_path_factory.mktemp("run")
    out, store = folder / "out.jsonl", folder / "audit.db"
    done = certcheck(
        "verify", str(WORLD / "payloads"), *world_options_anywhere(),
        "-f", "jsonl", "-o", str(out), "--store", str(store),
    )  # fmt: skip
    assert done.returncode == 1, done.stderr
    records = [json.loads(line) for line in out.read_text().splitlines()]
    with sqlite3.connect(store) as db:
        (started,) = db.execute("SELECT started_at FROM runs").fetchone()
    # Events in the order they happened: sent, else the run's start; then the order audited.
    ordered = [
        r for _, r in sorted(enumerate(records), key=lambda x: (x[1].get("sent") or started, x[0]))
    ]
    return store, out, ordered


def _documents(run: tuple[Path, Path, list[dict]], by: str) -> list[dict]:
    store, out, _ = run
    documents = []
    for source in (["--store", str(store)], [str(out)]):
        done = certcheck("report", *source, "--by", by, "-f", "json")
        assert done.returncode == 0, done.stderr
        documents.append(json.loads(done.stdout))
    return documents


def test_supplier_figures_equal_counts_from_the_records(run: tuple[Path, Path, list]) -> None:
    records = run[2]
    suppliers, others = expected.senders(records)
    assert suppliers, "the world has Suppliers"
    for document in _documents(run, "supplier"):
        assert {r["party"]: expected.as_figures(r) for r in document["suppliers"]} == {
            name: +row for name, row in suppliers.items()
        }
        assert {r["entity_id"]: expected.as_figures(r) for r in document["other_senders"]} == {
            entity: +row for entity, row in others.items()
        }
        assert all(r["user_role"] == "supplier" for r in document["suppliers"])
        assert not {r["user_role"] for r in document["other_senders"]} & {"supplier"}
        total = document["suppliers"] + document["other_senders"]
        assert sum(r["items"] for r in total) == len(records)
        assert document["incomplete_runs"] == 0


def test_device_states_equal_the_records_taken_in_order(run: tuple[Path, Path, list]) -> None:
    devices = expected.estate(run[2])
    assert {d["state"] for d in devices.values()} >= {"wrong", "right"}
    for document in _documents(run, "device"):
        got = {d["device_id"]: d for d in document["devices"]}
        assert set(got) == set(devices)
        for device_id, want in devices.items():
            row = got[device_id]
            assert row["state"] == want["state"], device_id
            assert {
                (o["key_usage"], o["cell_usage"]): o["entity_id"] for o in row["occupants"]
            } == (want["cells"]), device_id
            assert {r["entity_id"] for r in row["responsible"]} == want["responsible"], device_id
            assert row["source"] == want["source"], device_id
            assert row["evidence"] in ("request", "response", "read")


def test_the_worklist_equals_the_wrong_devices_by_responsible(
    run: tuple[Path, Path, list],
) -> None:
    wanted = expected.worklist(expected.estate(run[2]))
    assert wanted, "the world has devices to fix"
    for document in _documents(run, "responsible"):
        got = {o["entity_id"]: o for o in document["responsible"]}
        assert set(got) == set(wanted)
        for entity, want in wanted.items():
            org = got[entity]
            assert {w["device_id"] for w in org["worklist"]} == want["devices"], entity
            assert org["devices"] == len(want["devices"])
            assert org["items"] == want["items"], entity
            for entry in org["worklist"]:
                assert entry["codes"] and set(entry["codes"]) <= expected.INCIDENT


def test_the_worklist_csv_has_one_row_per_organisation_and_device(
    run: tuple[Path, Path, list],
) -> None:
    store = run[0]
    wanted = expected.worklist(expected.estate(run[2]))
    done = certcheck("report", "--store", str(store), "--by", "responsible", "-f", "csv")
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert lines[0].startswith("party,entity_id,user_role,device_id,")
    assert len(lines) - 1 == sum(len(w["devices"]) for w in wanted.values())
