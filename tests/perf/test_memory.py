"""A JSON Lines batch is verified in bounded memory: peak RSS does not grow with the batch."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from bench.generate import duis_lines, world_for
from bench.rss import run_with_usage

ROOT = Path(__file__).resolve().parents[2]
BOUND_MB = 250
GROWTH = 1.2  # peak RSS of 50,000 items at most this times that of 5,000 items


@pytest.fixture(scope="module")
def inputs(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One world (5,000 meters) and two batches over it: 5,000 and 50,000 DUIS requests."""
    from certcheck.demo.write import write_pki

    directory = tmp_path_factory.mktemp("memory")
    world = world_for(5000)
    write_pki(world, directory)
    (directory / "operators.csv").write_text(world.operators_csv())
    (directory / "meters.csv").write_text(world.meters_csv())
    for count in (5000, 50000):
        with (directory / f"batch-{count}.jsonl").open("w") as out:
            out.writelines(duis_lines(world, count))
    return directory


def _peak_rss_mb(directory: Path, batch: str, jobs: int) -> float:
    """Peak RSS of a verify run and of its workers, in MB (not the test runner's own)."""
    usage = run_with_usage(
        [sys.executable, "-m", "certcheck", "verify", str(directory / batch),
         "--mapping", str(directory / "meters.csv"),
         "--operators", str(directory / "operators.csv"),
         "--trust", str(directory / "pki" / "oca.pem"),
         "--at", "2026-06-01T00:00:00Z", "-f", "jsonl", "--jobs", str(jobs)],
        cwd=ROOT,
    )  # fmt: skip
    assert usage.exit_code == 1, usage.stderr  # the batch holds wrong requests
    return usage.peak_rss_mb


@pytest.mark.parametrize("jobs", [1, 2])
def test_peak_rss_is_bounded_and_flat(inputs: Path, jobs: int) -> None:
    small = _peak_rss_mb(inputs, "batch-5000.jsonl", jobs)
    large = _peak_rss_mb(inputs, "batch-50000.jsonl", jobs)
    assert large < BOUND_MB
    assert large <= small * GROWTH, f"peak RSS {small:.1f} MB at 5,000, {large:.1f} MB at 50,000"
