"""``report`` on a PostgreSQL store equals ``report`` on an SQLite store holding the same runs,
field for field, for every ``--by`` view, as JSON and CSV."""

from __future__ import annotations

import csv
import io
import itertools
import json
from datetime import UTC, datetime
from pathlib import Path

import pytest

from certcheck.cli.report_cmd import ReportBy
from certcheck.store import AuditStore
from tests.store.sample_records import sample_records
from tests.verify.cli import WORLD, certcheck, world_options_anywhere

VIEWS = [view.value for view in ReportBy]
# (first index, count, findings version, start, finished): later runs re-audit earlier items;
# the last one never finishes, as a killed run.
RUNS = (
    (0, 300, 0, datetime(2026, 3, 1, 8, tzinfo=UTC), True),
    (200, 300, 1, datetime(2026, 3, 2, 8, tzinfo=UTC), True),
    (450, 100, 2, datetime(2026, 3, 4, 23, 59, tzinfo=UTC), False),
)


def _fill(target: str) -> None:
    """The same history in either engine: sample runs, then a verify of the demo world."""
    with AuditStore.open(target) as store:
        for start, count, version, moment, finished in RUNS:
            run_id = store.start_run(["verify"], "test", moment)
            batch = sample_records(count, start=start, version=version)
            for offset in range(0, count, 64):
                store.add_records(run_id, batch[offset : offset + 64])
            if finished:
                store.finish_run(run_id, {"items": count}, moment)
    options = world_options_anywhere()
    done = certcheck("verify", str(WORLD / "payloads"), *options, "-f", "jsonl", "--store", target)
    assert done.returncode == 1, done.stderr


@pytest.fixture
def stores(tmp_path: Path, postgres_url: str) -> tuple[str, str]:
    sqlite = str(tmp_path / "audit.db")
    for target in (sqlite, postgres_url):
        _fill(target)
    return sqlite, postgres_url


def _report(target: str, *arguments: str) -> str:
    done = certcheck("report", "--store", target, *arguments)
    assert done.returncode == 0, done.stderr
    return done.stdout


def test_both_engines_give_the_same_report_for_every_view(stores: tuple[str, str]) -> None:
    for by, since in itertools.product(VIEWS, ([], ["--since", "2026-03-02"])):
        as_json = [json.loads(_report(s, "--by", by, "-f", "json", *since)) for s in stores]
        for document in as_json:
            document.pop("generated")  # the time each report was made
            for device in document.get("devices", ()):
                device.pop("since")  # the demo verify's items date from its run, once per store
        assert as_json[0] == as_json[1], (by, since)
        assert any(isinstance(v, list) and v for v in as_json[0].values()), "an empty view"
        if by == "device":
            continue  # its CSV holds each device's since, dated by each store's own run
        as_csv = [_report(s, "--by", by, "-f", "csv", *since) for s in stores]
        assert as_csv[0] == as_csv[1], (by, since)
        assert len(list(csv.reader(io.StringIO(as_csv[0])))) > 1
