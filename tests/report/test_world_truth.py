"""The three reports on the demo world equal what truth.json says they must show.

truth.json's ``reports`` are worked out by the demo from what it built (certcheck.demo.reports),
not by certcheck.report; here the real CLI verifies the world into a real SQLite store and
reports from it.
"""

from __future__ import annotations

import csv
import io
import json
import sqlite3

import pytest

from tests.verify.cli import WORLD, certcheck, world_arguments

TRUTH = json.loads((WORLD / "truth.json").read_text())
REPORTS = TRUTH["reports"]


@pytest.fixture(scope="module")
def run(tmp_path_factory: pytest.TempPathFactory) -> tuple[str, list[dict], str]:
    """(store, the run's records, the run's start) of one verify of the world."""
    folder = tmp_path_factory.mktemp("world-run")
    store = str(folder / "audit.db")
    done = certcheck(*world_arguments(), "-f", "jsonl", "--store", store, cwd=WORLD)
    assert done.returncode == 1, done.stderr
    records = [json.loads(line) for line in done.stdout.splitlines()]
    with sqlite3.connect(store) as db:
        (started,) = db.execute("SELECT started_at FROM runs").fetchone()
    return store, records, started


def _report(store: str, by: str, fmt: str = "json") -> str:
    done = certcheck("report", "--store", store, "--by", by, "-f", fmt)
    assert done.returncode == 0, done.stderr
    return done.stdout


def _figures(row: dict) -> tuple:
    return row["entity_id"], row["items"], row["incorrect"], row["by_code"]


def _story(name: str) -> list[dict]:
    return [e for e in TRUTH["items"].values() if e.get("story") == name]


def test_every_record_is_attributed_as_truth_says(run: tuple[str, list[dict], str]) -> None:
    for record in run[1]:
        want = TRUTH["items"][record["source"]]
        assert record["supplier"] == want["supplier"], record["source"]
        assert (record["sender"] or {}).get("entity_id") == want["sender"], record["source"]
        assert record["expected"] == want["expected"], record["source"]
        got = sorted(
            (f["code"], f["certificate"] or "", (f["responsible"] or {}).get("entity_id") or "")
            for f in record["findings"]
            if f["severity"] != "info"
        )
        assert got == sorted(
            (f["code"], f["certificate"] or "", f["responsible"] or "") for f in want["findings"]
        ), record["source"]


def test_supplier_report_equals_truth(run: tuple[str, list[dict], str]) -> None:
    document = json.loads(_report(run[0], "supplier"))
    assert {r["party"]: _figures(r) for r in document["suppliers"]} == {
        party: _figures(row) for party, row in REPORTS["suppliers"].items()
    }
    assert {r["entity_id"]: _figures(r) for r in document["other_senders"]} == {
        key: _figures(row) for key, row in REPORTS["other_senders"].items()
    }
    assert {r["user_role"] for r in document["suppliers"]} == {"supplier"}
    # Network Operators' own 6.15.1 placements count for them, apart from the Suppliers.
    krp = [e for e in TRUTH["items"].values() if e["form"] == "duis-6.15.1"]
    assert krp and all(e["supplier"] is None for e in krp)
    assert {e["sender"] for e in krp} <= {r["entity_id"] for r in document["other_senders"]}


def test_a_corrected_device_is_right_now_and_its_incident_still_counts(
    run: tuple[str, list[dict], str],
) -> None:
    devices = {d["device_id"]: d for d in json.loads(_report(run[0], "device"))["devices"]}
    suppliers = {r["party"]: r for r in json.loads(_report(run[0], "supplier"))["suppliers"]}
    for story, evidence in (("corrected-by-krp", "request"), ("corrected-by-read", "read")):
        events = sorted(_story(story), key=lambda e: e["sent"])
        wrong, fix = events
        assert wrong["incident"] and wrong["supplier"] and not fix["incident"]
        device = devices[wrong["device_id"]]
        assert (device["state"], device["evidence"], device["since"]) == (
            "right", evidence, fix["sent"]
        )
        for code in wrong["codes"]:
            assert suppliers[wrong["supplier"]]["by_code"][code] >= 1


def test_device_report_equals_truth(run: tuple[str, list[dict], str]) -> None:
    store, _, started = run
    got = {d["device_id"]: d for d in json.loads(_report(store, "device"))["devices"]}
    assert set(got) == set(REPORTS["devices"])
    for device_id, want in REPORTS["devices"].items():
        row = got[device_id]
        assert row["state"] == want["state"], device_id
        assert row["evidence"] == want["evidence"], device_id
        assert row["since"] == (want["since"] or started), device_id
        assert row["source"] == want["source"], device_id
        assert row["expected_network"] == want["expected_network"], device_id
        assert {
            f"{o['key_usage']}/{o['cell_usage']}": o["entity_id"] for o in row["occupants"]
        } == want["occupants"], device_id
        responsible = sorted(r["entity_id"] for r in row["responsible"])
        assert responsible == want["responsible"], device_id
    # The device read by a bare CS02f response: wrong, on the device's word.
    (read,) = [e for e in _story("read-shows-wrong") if e["form"] == "gbcs-0x011B"]
    row = got[read["device_id"]]
    assert (row["state"], row["evidence"]) == ("wrong", "read")
    assert [r["entity_id"] for r in row["responsible"]] == [
        f["responsible"] for f in read["findings"]
    ]


def test_worklist_equals_truth_and_the_records_expected(run: tuple[str, list[dict], str]) -> None:
    store, records, _ = run
    document = json.loads(_report(store, "responsible"))
    rows = [
        (org["entity_id"], entry["device_id"], entry["expected_network"],
         sorted((p["party"], p["entity_id"]) for p in entry["expected_parties"]),
         entry["codes"], entry["source"], entry["sent"])
        for org in document["responsible"] for entry in org["worklist"]
    ]  # fmt: skip
    assert sorted(rows) == sorted(
        (w["organisation"], w["device_id"], w["expected_network"],
         sorted((p["party"], p["entity_id"]) for p in w["expected_parties"]),
         w["codes"], w["source"], w["sent"])
        for w in REPORTS["worklist"]
    )  # fmt: skip
    assert {o["entity_id"]: (o["devices"], o["items"]) for o in document["responsible"]} == {
        entity: (s["devices"], s["items"]) for entity, s in REPORTS["responsible"].items()
    }
    # Each row's expected network and parties are the `expected` its device's records carry.
    expected = {r["device_id"]: r["expected"] for r in records if r["expected"]}
    for org in document["responsible"]:
        for entry in org["worklist"]:
            assert expected[entry["device_id"]] == {
                "network": entry["expected_network"],
                "parties": entry["expected_parties"],
            }
    # As CSV: one row per (organisation, device), the same pairs.
    table = list(csv.DictReader(io.StringIO(_report(store, "responsible", "csv"))))
    assert sorted((r["entity_id"], r["device_id"]) for r in table) == sorted(
        (w["organisation"], w["device_id"]) for w in REPORTS["worklist"]
    )


def test_truth_covers_the_histories() -> None:
    stories = {e["story"] for e in TRUTH["items"].values() if e.get("story")}
    assert stories == {
        "paired-handover", "paired-wrong-handover", "near-miss",
        "corrected-by-krp", "corrected-by-read", "read-shows-wrong",
    }  # fmt: skip
    worklisted = {w["device_id"] for w in REPORTS["worklist"]}
    for story, state in (("paired-wrong-handover", "wrong"), ("near-miss", "wrong"),
                         ("read-shows-wrong", "wrong"), ("paired-handover", "right")):  # fmt: skip
        (device,) = {e["device_id"] for e in _story(story)}
        assert REPORTS["devices"][device]["state"] == state, story
        assert (device in worklisted) == (state == "wrong"), story

