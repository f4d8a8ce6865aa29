"""The three reports on a demo world equal what its truth.json says they must show.

truth.json's ``reports`` are worked out by the demo from what it built (certcheck.demo.reports),
not by certcheck.report; here the real CLI verifies the world into a real SQLite store and
reports from it. Two worlds: the shipped one, and a crowded small one where random ACB
commands also meet 6.21 requests for the same device and certificates.
"""

from __future__ import annotations

import csv
import io
import json
import sqlite3
from dataclasses import dataclass

import pytest

from certcheck.demo.world import build_world
from certcheck.demo.write import write_world
from tests.verify.cli import WORLD, certcheck


@dataclass
class Run:
    """One verify of a world into a store: its name, truth, store, records and start."""

    name: str
    truth: dict
    store: str
    records: list[dict]
    started: str

    @property
    def reports(self) -> dict:
        return self.truth["reports"]

    def story(self, name: str) -> list[dict]:
        return [e for e in self.truth["items"].values() if e.get("story") == name]


@pytest.fixture(scope="module", params=["shipped", "crowded"])
def run(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Run:
    folder = tmp_path_factory.mktemp("world-run")
    world = WORLD
    if request.param == "crowded":
        world = folder / "world"
        write_world(build_world("crowded", 10), world)
    truth = json.loads((world / "truth.json").read_text())
    store = str(folder / "audit.db")
    done = certcheck(*truth["verify_arguments"], "-f", "jsonl", "--store", store, cwd=world)
    assert done.returncode == 1, done.stderr
    records = [json.loads(line) for line in done.stdout.splitlines()]
    with sqlite3.connect(store) as db:
        (started,) = db.execute("SELECT started_at FROM runs").fetchone()
    return Run(request.param, truth, store, records, started)


def _report(store: str, by: str, fmt: str = "json") -> str:
    done = certcheck("report", "--store", store, "--by", by, "-f", fmt)
    assert done.returncode == 0, done.stderr
    return done.stdout


def _figures(row: dict) -> tuple:
    return row["entity_id"], row["items"], row["incorrect"], row["by_code"]


def test_every_record_is_attributed_as_truth_says(run: Run) -> None:
    for record in run.records:
        want = run.truth["items"][record["source"]]
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


def test_supplier_report_equals_truth(run: Run) -> None:
    document = json.loads(_report(run.store, "supplier"))
    assert {r["party"]: _figures(r) for r in document["suppliers"]} == {
        party: _figures(row) for party, row in run.reports["suppliers"].items()
    }
    assert {r["entity_id"]: _figures(r) for r in document["other_senders"]} == {
        key: _figures(row) for key, row in run.reports["other_senders"].items()
    }
    assert {r["user_role"] for r in document["suppliers"]} == {"supplier"}
    # ACB commands outside the histories pair with the world's own 6.21 requests when crowded.
    items = run.truth["items"]
    paired = [s for s, e in items.items() if e["form"] == "gbcs-0x0103" and e["supplier"]]
    assert len(paired) > 2 or run.name == "shipped", paired
    # Network Operators' own 6.15.1 placements count for them, apart from the Suppliers.
    krp = [e for e in run.truth["items"].values() if e["form"] == "duis-6.15.1"]
    assert krp and all(e["supplier"] is None for e in krp)
    assert {e["sender"] for e in krp} <= {r["entity_id"] for r in document["other_senders"]}


def test_a_corrected_device_is_right_now_and_its_incident_still_counts(
    run: Run,
) -> None:
    devices = {d["device_id"]: d for d in json.loads(_report(run.store, "device"))["devices"]}
    suppliers = {r["party"]: r for r in json.loads(_report(run.store, "supplier"))["suppliers"]}
    for story, evidence in (("corrected-by-krp", "request"), ("corrected-by-read", "read")):
        events = sorted(run.story(story), key=lambda e: e["sent"])
        wrong, fix = events
        assert wrong["incident"] and wrong["supplier"] and not fix["incident"]
        device = devices[wrong["device_id"]]
        assert (device["state"], device["evidence"], device["since"]) == (
            "right", evidence, fix["sent"]
        )
        for code in wrong["codes"]:
            assert suppliers[wrong["supplier"]]["by_code"][code] >= 1


def test_device_report_equals_truth(run: Run) -> None:
    got = {d["device_id"]: d for d in json.loads(_report(run.store, "device"))["devices"]}
    assert set(got) == set(run.reports["devices"])
    for device_id, want in run.reports["devices"].items():
        row = got[device_id]
        assert row["state"] == want["state"], device_id
        assert row["evidence"] == want["evidence"], device_id
        assert row["since"] == (want["since"] or run.started), device_id
        assert row["source"] == want["source"], device_id
        assert row["expected_network"] == want["expected_network"], device_id
        assert {
            f"{o['key_usage']}/{o['cell_usage']}": o["entity_id"] for o in row["occupants"]
        } == want["occupants"], device_id
        responsible = sorted(r["entity_id"] for r in row["responsible"])
        assert responsible == want["responsible"], device_id
    # The device read by a bare CS02f response: wrong, on the device's word.
    (read,) = [e for e in run.story("read-shows-wrong") if e["form"] == "gbcs-0x011B"]
    row = got[read["device_id"]]
    assert (row["state"], row["evidence"]) == ("wrong", "read")
    assert [r["entity_id"] for r in row["responsible"]] == [
        f["responsible"] for f in read["findings"]
    ]


def test_worklist_equals_truth_and_the_records_expected(run: Run) -> None:
    document = json.loads(_report(run.store, "responsible"))
    rows = [
        (org["entity_id"], entry["device_id"], entry["mpan"], entry["expected_network"],
         sorted((p["party"], p["entity_id"]) for p in entry["expected_parties"]),
         entry["codes"], entry["source"], entry["sent"])
        for org in document["responsible"] for entry in org["worklist"]
    ]  # fmt: skip
    assert sorted(rows) == sorted(
        (w["organisation"], w["device_id"], w["mpan"], w["expected_network"],
         sorted((p["party"], p["entity_id"]) for p in w["expected_parties"]),
         w["codes"], w["source"], w["sent"])
        for w in run.reports["worklist"]
    )  # fmt: skip
    assert {o["entity_id"]: (o["devices"], o["items"]) for o in document["responsible"]} == {
        entity: (s["devices"], s["items"]) for entity, s in run.reports["responsible"].items()
    }
    # Each row's expected network and parties are the `expected` its device's records carry.
    expected = {r["device_id"]: r["expected"] for r in run.records if r["expected"]}
    for org in document["responsible"]:
        for entry in org["worklist"]:
            assert expected[entry["device_id"]] == {
                "network": entry["expected_network"],
                "parties": entry["expected_parties"],
            }
    # As CSV: one row per (organisation, device), the same pairs.
    table = list(csv.DictReader(io.StringIO(_report(run.store, "responsible", "csv"))))
    assert sorted((r["entity_id"], r["device_id"]) for r in table) == sorted(
        (w["organisation"], w["device_id"]) for w in run.reports["worklist"]
    )


def test_truth_covers_the_histories(run: Run) -> None:
    stories = {e["story"] for e in run.truth["items"].values() if e.get("story")}
    assert stories == {
        "paired-handover", "paired-wrong-handover", "near-miss",
        "corrected-by-krp", "corrected-by-read", "read-shows-wrong",
    }  # fmt: skip
    worklisted = {w["device_id"] for w in run.reports["worklist"]}
    for story, state in (("paired-wrong-handover", "wrong"), ("near-miss", "wrong"),
                         ("read-shows-wrong", "wrong"), ("paired-handover", "right")):  # fmt: skip
        (device,) = {e["device_id"] for e in run.story(story)}
        assert run.reports["devices"][device]["state"] == state, story
        assert (device in worklisted) == (state == "wrong"), story

