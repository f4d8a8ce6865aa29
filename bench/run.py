"""certcheck benchmark: items/s and peak RSS of ``certcheck verify`` on generated batches.

Usage (from the repository root)::

    .venv/bin/python bench/run.py [--items 100000] [--gbcs-items N] [--jobs 1,2] [--head N]
                                  [--skip-openssl] [--out bench/out]

Inputs are generated once per size under ``bench/out/inputs-N`` (a demo world with about N
meters, a JSON Lines batch of N DUIS 6.21 requests and one of CS02b commands) and reused by
later runs. Each verify runs as a subprocess writing JSON Lines to ``bench/out``, started from
a small launcher (``bench/rss.py``) so that its resource usage does not include this script's
own memory: peak RSS is the largest of the process and each worker (they count separately,
shared pages in each), CPU time their sum. CPU time shows what a run costs when other work
shares the machine; wall time and items/s are only meaningful on an otherwise idle machine.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.generate import inputs_in, is_complete  # noqa: E402
from bench.rss import run_with_usage  # noqa: E402


@dataclass(frozen=True)
class Measure:
    """One measured run."""

    label: str
    items: int
    seconds: float
    cpu_seconds: float
    peak_rss_mb: float
    exit_code: int

    @property
    def rate(self) -> float:
        return self.items / self.seconds if self.seconds else 0.0

    def line(self) -> str:
        return (
            f"{self.label:<34} {self.items:>9} items {self.seconds:>8.2f} s "
            f"{self.rate:>9,.0f} items/s  CPU {self.cpu_seconds:>7.2f} s"
            f"  peak RSS {self.peak_rss_mb:>6.1f} MB"
            f"  exit {self.exit_code}"
        )


def run_measured(label: str, argv: list[str], items: int) -> Measure:
    """Run ``argv``: wall time, CPU time and peak RSS of the process and its workers."""
    started = time.perf_counter()
    usage = run_with_usage(argv)
    seconds = time.perf_counter() - started
    if usage.exit_code not in (0, 1):
        sys.stderr.write(usage.stderr[-2000:])
    return Measure(label, items, seconds, usage.cpu_seconds, usage.peak_rss_mb, usage.exit_code)


def verify_argv(arguments: list[str], jobs: int, output: Path) -> list[str]:
    return [
        sys.executable, "-m", "certcheck", *arguments,
        "-f", "jsonl", "-o", str(output), "--jobs", str(jobs),
    ]


def openssl_reference(inputs_dir: Path, sample: int) -> Measure | None:
    """``openssl x509 -noout -text`` over the world's certificates, repeated to ``sample``."""
    openssl = shutil.which("openssl")
    if openssl is None:
        return None
    pems = sorted((inputs_dir / "pki").rglob("*.pem"))
    script = "\n".join(
        f"{openssl} x509 -noout -text -in {pems[i % len(pems)]} >/dev/null"
        for i in range(sample)
    )
    with tempfile.NamedTemporaryFile("w", suffix=".sh", delete=False) as handle:
        handle.write(script + "\n")
    try:
        return run_measured(
            f"openssl x509 -text x{sample}", ["/bin/sh", handle.name], sample
        )
    finally:
        os.unlink(handle.name)


def head_comparison(  # type: ignore[no-untyped-def]
    inputs, head: int, whole_runs: dict[int, Measure], out: Path
) -> list[Measure]:
    """Verify the first ``head`` DUIS requests over the same mapping; print the RSS ratio
    against the whole batch's run with the same --jobs."""
    part = out / f"duis-6.21-head-{head}.jsonl"
    with inputs.duis.open("rb") as source, part.open("wb") as target:
        for number, line in enumerate(source):
            if number == head:
                break
            target.write(line)
    measures = []
    for job_count, whole in whole_runs.items():
        first = run_measured(
            f"verify first {head} --jobs {job_count}",
            verify_argv(inputs.verify_arguments(part), job_count, out / "head.jsonl"),
            head,
        )
        print(first.line(), flush=True)
        print(
            f"peak RSS, same mapping: {inputs.items} items {whole.peak_rss_mb:.1f} MB, "
            f"{head} items {first.peak_rss_mb:.1f} MB, ratio "
            f"{whole.peak_rss_mb / first.peak_rss_mb:.2f}",
            flush=True,
        )
        measures.append(first)
    return measures


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--items", type=int, default=100_000, help="DUIS requests (and meters)")
    parser.add_argument(
        "--gbcs-items", type=int, default=None,
        help="CS02b commands (default: items, at most 20000; building them is slow)",
    )
    parser.add_argument("--jobs", default="1,2", help="comma-separated --jobs values")
    parser.add_argument("--skip-openssl", action="store_true")
    parser.add_argument("--openssl-sample", type=int, default=1000)
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "out")
    parser.add_argument(
        "--head", type=int, default=None, metavar="N",
        help="also verify the batch's first N requests over the same mapping and print how peak "
        "RSS of the whole batch compares (memory flat in the batch size)",
    )
    options = parser.parse_args(argv)
    gbcs_items = options.gbcs_items if options.gbcs_items is not None else min(
        options.items, 20_000
    )
    jobs = [int(j) for j in options.jobs.split(",") if j.strip()]

    out: Path = options.out
    out.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    inputs = inputs_in(out / f"inputs-{options.items}", options.items, gbcs_items)
    if not is_complete(inputs):  # in a subprocess, so that this process stays small
        subprocess.run(
            [sys.executable, "-m", "bench.generate", str(inputs.directory),
             str(options.items), str(gbcs_items)],
            cwd=ROOT, check=True,
        )
    print(f"inputs ready in {inputs.directory} ({time.perf_counter() - started:.1f} s)")

    results: list[Measure] = []
    duis_runs: dict[int, Measure] = {}
    for name, batch, count in (
        ("duis-6.21", inputs.duis, inputs.items),
        ("gbcs-cs02b", inputs.gbcs, inputs.gbcs_items),
    ):
        if count == 0:
            continue
        for job_count in jobs:
            output = out / f"{name}-{count}-jobs{job_count}.jsonl"
            measure = run_measured(
                f"verify {name} --jobs {job_count}",
                verify_argv(inputs.verify_arguments(batch), job_count, output),
                count,
            )
            print(measure.line(), flush=True)
            results.append(measure)
            if name == "duis-6.21":
                duis_runs[job_count] = measure
    if options.head:
        results += head_comparison(inputs, options.head, duis_runs, out)
    if not options.skip_openssl:
        reference = openssl_reference(inputs.directory, options.openssl_sample)
        if reference is None:
            print("openssl not found; reference skipped")
        else:
            print(reference.line(), flush=True)
    return 0 if all(m.exit_code in (0, 1) for m in results) else 1


if __name__ == "__main__":
    sys.exit(main())
