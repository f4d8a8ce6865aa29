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
throwaway cluster is started (``tests/pg_cluster.py``, with PostgreSQL's default durability) and
its CPU time is printed too: on one machine the server's work competes with certcheck's. Each
measurement gets a new, empty database. Wall-clock figures are only meaningful on an otherwise
idle machine (the load average is printed); CPU time is printed beside them.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.generate import inputs_in, is_complete  # noqa: E402
from bench.run import Measure, run_measured, verify_argv  # noqa: E402
from certcheck.audit.sources import BLOCK_ITEMS  # noqa: E402
from certcheck.store import AuditStore  # noqa: E402
from certcheck.store.engine import is_url  # noqa: E402

TARGET_RATIO = 1.3


@dataclass(frozen=True)
class Server:
    """The PostgreSQL server measured: its admin URL, and its data folder when started here."""

    url: str
    data: Path | None = None

    def cpu_seconds(self) -> float | None:
        """CPU time used so far by the server's processes (None for a server not started here):
        the postmaster with its exited backends, and every live child."""
        if self.data is None:
            return None
        postmaster = int((self.data / "postmaster.pid").read_text().split()[0])
        total = _cpu(postmaster, children=True)
        for entry in Path("/proc").iterdir():
            if entry.name.isdigit() and _parent(entry) == postmaster:
                total += _cpu(int(entry.name), children=True)
        return total


def _stat(pid: int) -> list[str]:
    return Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()


def _parent(entry: Path) -> int | None:
    try:
        return int(_stat(int(entry.name))[1])
    except (OSError, IndexError, ValueError):
        return None


def _cpu(pid: int, children: bool) -> float:
    """utime + stime (and with ``children`` those of exited, reaped children) in seconds."""
    try:
        fields = _stat(pid)
    except OSError:
        return 0.0
    ticks = int(fields[11]) + int(fields[12])
    if children:
        ticks += int(fields[13]) + int(fields[14])
    return ticks / os.sysconf("SC_CLK_TCK")


@contextmanager
def postgres_server(url: str | None) -> Iterator[Server]:
    """The server to use: ``url``, else a throwaway cluster started here."""
    if url:
        yield Server(url)
        return
    from tests import pg_cluster

    cluster = pg_cluster.start(durable=True)
    try:
        yield Server(cluster.url, cluster.data)
    finally:
        cluster.stop()


def new_database(admin_url: str) -> str:
    """The URL of a new, empty database on the server."""
    import psycopg

    name = f"certcheck_bench_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(admin_url, autocommit=True) as admin:
        admin.execute(f"CREATE DATABASE {name}")
    return urlunsplit(urlsplit(admin_url)._replace(path=f"/{name}"))


def write_rate(target: str, lines: list[str], server: Server) -> str:
    """Write ``lines`` (JSON records) into a new store at ``target`` as verify does; the line
    that reports it (records/s, and CPU of this process and of the server)."""
    entries = [
        (json.loads(line), line, hashlib.sha256(line.encode()).hexdigest()) for line in lines
    ]
    with AuditStore.open(target) as store:
        engine = store.db.engine
        server_before = server.cpu_seconds() if engine == "postgresql" else None
        cpu, started = time.process_time(), time.perf_counter()
        run_id = store.start_run(["bench"], "bench", datetime.now(UTC))
        for offset in range(0, len(entries), BLOCK_ITEMS):
            store.add_dicts(run_id, entries[offset : offset + BLOCK_ITEMS])
        store.finish_run(run_id, {"items": len(entries)}, datetime.now(UTC))
        seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
    line = (
        f"store alone, {engine:<10} {len(entries):>9} records {seconds:>7.2f} s "
        f"{len(entries) / seconds:>9,.0f} records/s  CPU {cpu:>6.2f} s"
    )
    if server_before is not None:
        line += f" + server {server.cpu_seconds() - server_before:.2f} s"  # type: ignore[operator]
    return line + f"  (chunks of {BLOCK_ITEMS}, one transaction each)"


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
        generate = ["-m", "bench.generate", str(inputs.directory), str(options.items), "0"]
        subprocess.run([sys.executable, *generate], cwd=ROOT, check=True)
    results = out / f"store-{options.items}.jsonl"
    sqlite_path = out / f"store-{options.items}.db"
    arguments = inputs.verify_arguments(inputs.duis)
    print(f"load average before: {os.getloadavg()[0]:.2f}", flush=True)
    with postgres_server(options.postgres) as server:
        runs: dict[str, Measure] = {}
        server_cpu = 0.0
        for label, store in (
            ("no store", None),
            ("--store SQLite", str(sqlite_path)),
            ("--store PostgreSQL", new_database(server.url)),
        ):
            sqlite_path.unlink(missing_ok=True)
            extra = ["--store", store] if store else []
            before = server.cpu_seconds()
            measure = run_measured(
                f"verify --jobs {options.jobs} {label}",
                verify_argv([*arguments, *extra], options.jobs, results),
                inputs.items,
            )
            after = server.cpu_seconds()
            line = measure.line()
            if store and before is not None and after is not None and is_url(store):
                server_cpu = after - before
                line += f"  server CPU {server_cpu:.2f} s"
            print(line, flush=True)
            runs[label] = measure
        postgres, sqlite = runs["--store PostgreSQL"], runs["--store SQLite"]
        ratio = postgres.seconds / sqlite.seconds
        print(
            f"wall time, verify --store PostgreSQL / SQLite: {ratio:.2f}x "
            f"(target at most {TARGET_RATIO}x); CPU with the server's: "
            f"{(postgres.cpu_seconds + server_cpu) / sqlite.cpu_seconds:.2f}x",
            flush=True,
        )
        lines = results.read_text(encoding="utf-8").splitlines()
        for target in (str(sqlite_path), new_database(server.url)):
            sqlite_path.unlink(missing_ok=True)
            print(write_rate(target, lines, server), flush=True)
    print(f"load average after: {os.getloadavg()[0]:.2f}", flush=True)
    sqlite_path.unlink(missing_ok=True)
    return 0 if all(m.exit_code in (0, 1) for m in runs.values()) else 1


if __name__ == "__main__":
    sys.exit(main())
