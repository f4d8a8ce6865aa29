"""certcheck store benchmark: SQLite and PostgreSQL write rates, and verify's wall time with each.

Usage (from the repository root)::

    .venv/bin/python bench/store.py [--items 100000] [--jobs 2] [--postgres URL] [--out bench/out]

On the DUIS 6.21 batch that ``bench/run.py`` generates (reused from ``bench/out/inputs-N``):

1. ``verify --jobs N`` three times: without a store, with ``--store`` an SQLite file, and with
   ``--store`` a PostgreSQL database; wall time of each, and the PostgreSQL/SQLite ratio
   (target: at most 1.3);
2. the store alone: that run's records written into a new store of each engine in chunks of
   verify's block size, one transaction each, as ``verify --store`` does: records per second.

PostgreSQL: ``--postgres`` names a server (a URL whose role may create databases); without it a
throwaway cluster is started (``tests/pg_cluster.py``, with PostgreSQL's default durability).
Each measurement gets a new, empty database. Wall-clock figures are only meaningful on an
otherwise idle machine; CPU time is printed beside them.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.generate import inputs_in, is_complete  # noqa: E402
from bench.run import Measure, run_measured, verify_argv  # noqa: E402
from certcheck.audit.sources import BLOCK_ITEMS  # noqa: E402
from certcheck.store import AuditStore  # noqa: E402

TARGET_RATIO = 1.3


@contextmanager
def postgres_server(url: str | None) -> Iterator[str]:
    """The admin URL of the server to use: ``url``, else a throwaway cluster's."""
    if url:
        yield url
        return
    from tests import pg_cluster

    cluster = pg_cluster.start(durable=True)
    try:
        yield cluster.url
    finally:
        cluster.stop()


def new_database(admin_url: str) -> str:
    """The URL of a new, empty database on the server."""
    import psycopg

    name = f"certcheck_bench_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(admin_url, autocommit=True) as admin:
        admin.execute(f"CREATE DATABASE {name}")
    return urlunsplit(urlsplit(admin_url)._replace(path=f"/{name}"))


def write_rate(target: str, lines: list[str]) -> tuple[float, float]:
    """Seconds and records/s to write ``lines`` (JSON records) into a new store at ``target``."""
    entries = [
        (json.loads(line), line, hashlib.sha256(line.encode()).hexdigest()) for line in lines
    ]
    with AuditStore.open(target) as store:
        started = time.perf_counter()
        run_id = store.start_run(["bench"], "bench", datetime.now(UTC))
        for offset in range(0, len(entries), BLOCK_ITEMS):
            store.add_dicts(run_id, entries[offset : offset + BLOCK_ITEMS])
        store.finish_run(run_id, {"items": len(entries)}, datetime.now(UTC))
        seconds = time.perf_counter() - started
    return seconds, len(entries) / seconds


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--items", type=int, default=100_000, help="DUIS requests (and meters)")
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--postgres", metavar="URL", help="a server (default: a throwaway one)")
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "out")
    options = parser.parse_args(argv)

    out: Path = options.out
    out.mkdir(parents=True, exist_ok=True)
    inputs = inputs_in(out / f"inputs-{options.items}", options.items, 0)
    if not is_complete(inputs):
        subprocess.run(
            [
                sys.executable,
                "-m",
                "bench.generate",
                str(inputs.directory),
                str(options.items),
                "0",
            ],
            cwd=ROOT,
            check=True,
        )
    results = out / f"store-{options.items}.jsonl"
    sqlite_path = out / f"store-{options.items}.db"
    arguments = inputs.verify_arguments(inputs.duis)
    with postgres_server(options.postgres) as admin_url:
        runs: dict[str, Measure] = {}
        for label, store in (
            ("no store", None),
            ("--store SQLite", str(sqlite_path)),
            ("--store PostgreSQL", new_database(admin_url)),
        ):
            sqlite_path.unlink(missing_ok=True)
            extra = ["--store", store] if store else []
            measure = run_measured(
                f"verify --jobs {options.jobs} {label}",
                verify_argv([*arguments, *extra], options.jobs, results),
                inputs.items,
            )
            print(measure.line(), flush=True)
            runs[label] = measure
        ratio = runs["--store PostgreSQL"].seconds / runs["--store SQLite"].seconds
        print(
            f"wall time, verify --store PostgreSQL / SQLite: {ratio:.2f}x "
            f"(target at most {TARGET_RATIO}x)",
            flush=True,
        )
        lines = results.read_text(encoding="utf-8").splitlines()
        for engine, target in (
            ("SQLite", str(sqlite_path)),
            ("PostgreSQL", new_database(admin_url)),
        ):
            sqlite_path.unlink(missing_ok=True)
            seconds, rate = write_rate(target, lines)
            print(
                f"store alone, {engine:<10} {len(lines):>9} records {seconds:>7.2f} s "
                f"{rate:>9,.0f} records/s (chunks of {BLOCK_ITEMS}, one transaction each)",
                flush=True,
            )
    sqlite_path.unlink(missing_ok=True)
    return 0 if all(m.exit_code in (0, 1) for m in runs.values()) else 1


if __name__ == "__main__":
    sys.exit(main())
