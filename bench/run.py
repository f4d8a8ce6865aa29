"""certcheck benchmark: CPU ratios against SPEC.md's performance targets, items/s, peak RSS.

Usage (from the repository root)::

    .venv/bin/python bench/run.py [--items 100000] [--gbcs-items N] [--signed-items N]
                                  [--jobs 1,2] [--head N] [--mapping-rows 1000000]
                                  [--repeats 3] [--skip-openssl] [--out bench/out]

The targets are ratios of CPU time measured in this one run (see :mod:`bench.ratios`): the
per-item CPU of ``verify`` (a batch's CPU less that of a one-item batch with the same
arguments, divided by the items between) against a bare hardened lxml parse of the same DUIS
requests (signed ones too: the first N requests, each with ds:Signature values of its own,
as a Supplier's signing tool sends them) and a bare ECDSA P-256 verify of the same CS02b
signature; ``--jobs 2`` against
``--jobs 1``; and start-up, one-file decode and a million-row meters.csv in CPU seconds (read
afresh, cold, and from its compiled form, warm: :func:`mapping_ready`).

This machine's speed drifts by up to half from one minute to the next, so every ratio is
taken between measurements made side by side, and repeated (``--repeats``): each ``--jobs 1``
run is timed between two floors and divided by their mean, each ``--jobs 2`` run follows a
``--jobs 1`` run and is compared with it, and the figure printed is the median of those
paired ratios (their range beside it). Dividing the least run by the least floor, timed
minutes apart, mixed a fast minute's floor with a slow minute's runs. Each ``--jobs N`` run is
followed by the batch cut into N parts, each verified by a ``--jobs 1`` process, all started
at once (:func:`run_at_once`): what the machine gives N independent processes doing the same
work in the same minute, printed beside the ``--jobs N`` speed-up.
CPU time is what a run costs whatever else shares the machine; wall-clock speed-ups are only
meaningful on an idle machine, so the load average is printed beside them.

Inputs are generated once per size under ``bench/out/inputs-N`` (a demo world with about N
meters, a JSON Lines batch of N DUIS 6.21 requests and one of CS02b commands) and reused by
later runs. Each verify runs as a subprocess writing JSON Lines to ``bench/out``, started from
a small launcher (``bench/rss.py``) so that its resource usage does not include this script's
own memory: peak RSS is the largest of the process and each worker (they count separately,
shared pages in each), CPU time their sum. CPU time shows what a run costs when other work
shares the machine; wall time and items/s are only meaningful on an otherwise idle machine.
Each run writes a new output file (:func:`run_measured`).
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from itertools import islice
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.generate import inputs_in, is_complete, signed_batch  # noqa: E402
from bench.ratios import Ratio, bare_parse_cpu, bare_verify_cpu, payloads, print_table  # noqa: E402
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


def run_measured(label: str, argv: list[str], items: int, **kw: Any) -> Measure:
    """Run ``argv``: wall time, CPU time and peak RSS of the process and its workers.

    The file ``-o`` names is removed first: each run writes a new file, as a run into an
    empty directory does. Replacing the previous run's file would add the freeing of it to
    the run (about 0.2 s for a 100,000-record report on this machine's disk, which discards
    freed blocks as they are freed), to ``--jobs 1`` and ``--jobs 2`` runs alike."""
    if "-o" in argv:
        Path(argv[argv.index("-o") + 1]).unlink(missing_ok=True)
    started = time.perf_counter()
    usage = run_with_usage(argv, **kw)
    seconds = time.perf_counter() - started
    if usage.exit_code not in (0, 1):
        sys.stderr.write(usage.stderr[-2000:])
    return Measure(label, items, seconds, usage.cpu_seconds, usage.peak_rss_mb, usage.exit_code)


def verify_argv(arguments: list[str], jobs: int, output: Path) -> list[str]:
    return [
        sys.executable,
        "-m",
        "certcheck",
        *arguments,
        "-f",
        "jsonl",
        "-o",
        str(output),
        "--jobs",
        str(jobs),
    ]


def openssl_reference(inputs_dir: Path, sample: int) -> Measure | None:
    """``openssl x509 -noout -text`` over the world's certificates, repeated to ``sample``."""
    openssl = shutil.which("openssl")
    if openssl is None:
        return None
    pems = sorted((inputs_dir / "pki").rglob("*.pem"))
    script = "\n".join(
        f"{openssl} x509 -noout -text -in {pems[i % len(pems)]} >/dev/null" for i in range(sample)
    )
    with tempfile.NamedTemporaryFile("w", suffix=".sh", delete=False) as handle:
        handle.write(script + "\n")
    try:
        return run_measured(f"openssl x509 -text x{sample}", ["/bin/sh", handle.name], sample)
    finally:
        os.unlink(handle.name)


def head_comparison(  # type: ignore[no-untyped-def]
    inputs, head: int, whole_runs: dict[int, Measure], out: Path, env: dict[str, str]
) -> list[Measure]:
    """Verify the first ``head`` DUIS requests over the same mapping; print the RSS ratio
    against the whole batch's run with the same --jobs."""
    part = first_lines(inputs.duis, head, out / f"duis-6.21-head-{head}.jsonl")
    measures = []
    for job_count, whole in whole_runs.items():
        first = run_measured(
            f"verify first {head} --jobs {job_count}",
            verify_argv(inputs.verify_arguments(part), job_count, out / "head.jsonl"),
            head,
            env=env,
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


def first_lines(batch: Path, count: int, target: Path) -> Path:
    """Write the first ``count`` lines of ``batch`` to ``target``."""
    with batch.open("rb") as source, target.open("wb") as out:
        out.writelines(islice(source, count))
    return target


@dataclass(frozen=True)
class Pair:
    """One repeat of a batch: its ``--jobs 1`` run between two floors, then its runs with the
    other ``--jobs`` values (by job count), each followed by as many ``--jobs 1`` runs on the
    batch's parts at once (:func:`run_at_once`)."""

    one: Measure
    floor_before: float
    floor_after: float
    others: dict[int, Measure]
    parts: dict[int, Measure]

    @property
    def floor(self) -> float:
        """The floor beside the ``--jobs 1`` run: the mean of the two timed around it."""
        return (self.floor_before + self.floor_after) / 2


def paired_runs(  # type: ignore[no-untyped-def]
    label: str,
    argv_for,
    count: int,
    floor,
    jobs: list[int],
    repeats: int,
    env: dict[str, str],
    parts_argv_for=None,
) -> list[Pair]:
    """``repeats`` rounds of: the floor, the ``--jobs 1`` run, the floor again, then a run for
    each other ``--jobs`` value; ``argv_for(jobs)`` is the command. Each ratio is then taken
    within one round, between measurements made minutes apart at most.

    With ``parts_argv_for(jobs)`` (a command for each of the batch's ``jobs`` parts), each run
    with more jobs is followed by those ``--jobs 1`` commands started at once: what this
    machine gives as many independent processes splitting the same work, in the same minute."""
    pairs = []
    for _ in range(repeats):
        before = floor()
        one = run_measured(f"{label} --jobs 1", argv_for(1), count, env=env)
        after = floor()
        beside = (before + after) / 2
        print(f"{one.line()}  (floor beside it {beside * 1e6:.1f} us)", flush=True)
        others, parts = {}, {}
        for job_count in jobs:
            if job_count == 1:
                continue
            others[job_count] = run_measured(
                f"{label} --jobs {job_count}", argv_for(job_count), count, env=env
            )
            print(others[job_count].line(), flush=True)
            if parts_argv_for is not None:
                parts[job_count] = run_at_once(
                    f"{label} {job_count} parts at once", parts_argv_for(job_count), count, env=env
                )
                print(parts[job_count].line(), flush=True)
        pairs.append(Pair(one, before, after, others, parts))
    return pairs


def run_at_once(label: str, argvs: list[list[str]], items: int, **kw: Any) -> Measure:
    """Start every command of ``argvs`` at once (each as :func:`run_measured` runs one): the
    wall time until the last ends, their CPU time summed, the largest peak RSS, and the worst
    exit code."""
    from concurrent.futures import ThreadPoolExecutor

    started = time.perf_counter()
    with ThreadPoolExecutor(len(argvs)) as pool:
        measures = list(pool.map(lambda argv: run_measured(label, argv, 0, **kw), argvs))
    seconds = time.perf_counter() - started
    return Measure(
        label,
        items,
        seconds,
        sum(m.cpu_seconds for m in measures),
        max(m.peak_rss_mb for m in measures),
        max(m.exit_code for m in measures),
    )


def split_lines(batch: Path, parts: int, directory: Path) -> list[Path]:
    """``batch`` cut into ``parts`` files of consecutive lines, as even as whole lines allow
    (made once, kept beside the batch's inputs)."""
    names = [directory / f"{batch.stem}-part{k + 1}of{parts}.jsonl" for k in range(parts)]
    if all(name.exists() for name in names):
        return names
    with batch.open("rb") as source:
        lines = sum(1 for _ in source)
    with batch.open("rb") as source:
        for k, name in enumerate(names):
            share = lines // parts + (1 if k < lines % parts else 0)
            with name.open("wb") as out:
                out.writelines(islice(source, share))
    return names


def median_of(values: list[float]) -> tuple[float, str]:
    """The median of paired ratios, and their range as a note."""
    spread = f"median of {len(values)}, range {min(values):.2f}-{max(values):.2f}"
    return statistics.median(values), spread


def fastest_rounds(ones: list[Measure], others: list[Measure]) -> str:
    """The fastest ``--jobs 1`` round's wall time over the fastest other round's, as a note:
    the rounds the machine disturbed least, the nearest this run has to an idle machine
    (noise only adds time; timeit reports the least of its repeats for that reason)."""
    one, other = min(m.seconds for m in ones), min(m.seconds for m in others)
    return f"fastest rounds {one / other:.2f}x ({one:.2f} s against {other:.2f} s)"


def best_of(label: str, argv: list[str], runs: int = 3, **kw: Any) -> Measure:
    """The run of ``argv`` with the least CPU time among ``runs`` (short commands)."""
    measures = [run_measured(label, argv, 1, **kw) for _ in range(runs)]
    return min(measures, key=lambda m: m.cpu_seconds)


def least_cpu(measures: list[Measure]) -> Measure:
    """The run of least CPU time."""
    return min(measures, key=lambda m: m.cpu_seconds)


def per_item_cpu(batch: Measure, one: Measure) -> float:
    """CPU seconds per item: the batch's CPU less a one-item batch's, over the items between."""
    return (batch.cpu_seconds - one.cpu_seconds) / max(batch.items - 1, 1)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--items", type=int, default=100_000, help="DUIS requests (and meters)")
    parser.add_argument(
        "--gbcs-items",
        type=int,
        default=None,
        help="CS02b commands (default: items, at most 20000; building them is slow)",
    )
    parser.add_argument(
        "--jobs",
        default="1,2",
        help="comma-separated --jobs values; each but 1 runs after each --jobs 1 run and is "
        "compared with it",
    )
    parser.add_argument(
        "--mapping-rows",
        type=int,
        default=1_000_000,
        help="rows of the meters.csv timed for 'mapping ready' (0 to skip)",
    )
    parser.add_argument(
        "--repeats",
        type=int,
        default=3,
        help="rounds of each batch: the floor, --jobs 1, the floor, the other --jobs values; "
        "each ratio is the median of the rounds' paired ratios",
    )
    parser.add_argument(
        "--signed-items",
        type=int,
        default=None,
        help="DUIS requests of the signed batch, each with its own ds:Signature values "
        "(default: items, at most 20000; 0 to skip)",
    )
    parser.add_argument("--skip-openssl", action="store_true")
    parser.add_argument("--openssl-sample", type=int, default=1000)
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "out")
    parser.add_argument(
        "--head",
        type=int,
        default=None,
        metavar="N",
        help="also verify the batch's first N requests over the same mapping and print how peak "
        "RSS of the whole batch compares (memory flat in the batch size)",
    )
    options = parser.parse_args(argv)
    gbcs_items = (
        options.gbcs_items if options.gbcs_items is not None else min(options.items, 20_000)
    )
    jobs = [int(j) for j in options.jobs.split(",") if j.strip()]
    signed_items = (
        options.signed_items if options.signed_items is not None else min(options.items, 20_000)
    )

    out: Path = options.out
    out.mkdir(parents=True, exist_ok=True)
    # Every run keeps its caches (the compiled meters.csv) under out/cache, never the user's.
    cache = out / "cache"
    env = {**os.environ, "XDG_CACHE_HOME": str(cache)}
    started = time.perf_counter()
    inputs = inputs_in(out / f"inputs-{options.items}", options.items, gbcs_items)
    if not is_complete(inputs):  # in a subprocess, so that this process stays small
        subprocess.run(
            [
                sys.executable,
                "-m",
                "bench.generate",
                str(inputs.directory),
                str(options.items),
                str(gbcs_items),
            ],
            cwd=ROOT,
            check=True,
        )
    big_mapping = out / f"mapping-{options.mapping_rows}" / "meters.csv"
    if options.mapping_rows and not big_mapping.exists():
        subprocess.run(
            [
                sys.executable,
                "-m",
                "bench.generate",
                "--mapping",
                str(big_mapping),
                str(options.mapping_rows),
            ],
            cwd=ROOT,
            check=True,
        )
    print(f"inputs ready in {inputs.directory} ({time.perf_counter() - started:.1f} s)")
    compile_package()
    print(f"load average at start: {' '.join(f'{x:.2f}' for x in os.getloadavg())}", flush=True)

    results: list[Measure] = []
    paired: dict[str, list[Pair]] = {}
    singles: dict[str, Measure] = {}
    signed = signed_batch(inputs, signed_items) if signed_items else inputs.duis
    floor_of = {
        "duis-6.21": lambda: bare_parse_cpu(inputs.duis),
        "duis-6.21-signed": lambda: bare_parse_cpu(signed),
        "gbcs-cs02b": lambda: bare_verify_cpu(inputs.gbcs, inputs.certs),
    }
    # The signed batch is timed with --jobs 1 only: the --jobs figures are the plain batch's.
    for name, batch, count, job_counts in (
        ("duis-6.21", inputs.duis, inputs.items, jobs),
        ("duis-6.21-signed", signed, signed_items, [1]),
        ("gbcs-cs02b", inputs.gbcs, inputs.gbcs_items, jobs),
    ):
        if count == 0:
            continue
        one_batch = first_lines(batch, 1, out / f"{name}-first.jsonl")
        singles[name] = best_of(
            f"verify {name} one item",
            verify_argv(inputs.verify_arguments(one_batch), 1, out / "one.jsonl"),
            env=env,
        )
        print(singles[name].line(), flush=True)

        def argv_for(
            job_count: int, name: str = name, batch: Path = batch, count: int = count
        ) -> list[str]:
            output = out / f"{name}-{count}-jobs{job_count}.jsonl"
            return verify_argv(inputs.verify_arguments(batch), job_count, output)

        def parts_argv_for(
            job_count: int, name: str = name, batch: Path = batch, count: int = count
        ) -> list[list[str]]:
            parts = split_lines(batch, job_count, inputs.directory)
            return [
                verify_argv(
                    inputs.verify_arguments(part),
                    1,
                    out / f"{name}-{count}-part{k + 1}of{job_count}.jsonl",
                )
                for k, part in enumerate(parts)
            ]

        paired[name] = paired_runs(
            f"verify {name}",
            argv_for,
            count,
            floor_of[name],
            job_counts,
            options.repeats,
            env,
            parts_argv_for,
        )
        for pair in paired[name]:
            results += [pair.one, *pair.others.values()]
    if options.head:
        pairs = paired.get("duis-6.21", [])
        duis_runs = {
            job_count: least_cpu(
                [pair.one if job_count == 1 else pair.others[job_count] for pair in pairs]
            )
            for job_count in ({1, *jobs} if pairs else ())
        }
        results += head_comparison(inputs, options.head, duis_runs, out, env)
    if not options.skip_openssl:
        reference = openssl_reference(inputs.directory, options.openssl_sample)
        if reference is None:
            print("openssl not found; reference skipped")
        else:
            print(reference.line(), flush=True)
    print_table(ratio_table(inputs, options, paired, singles, big_mapping, cache, env))
    return 0 if all(m.exit_code in (0, 1) for m in results) else 1


def ratio_table(  # type: ignore[no-untyped-def]
    inputs,
    options: argparse.Namespace,
    paired: dict[str, list[Pair]],
    singles: dict[str, Measure],
    big_mapping: Path,
    cache: Path,
    env: dict[str, str],
) -> list[Ratio]:
    """Every figure beside its target: the per-item ratios and the ``--jobs 2`` figures as the
    median of their rounds' paired ratios (the speed-ups with their fastest rounds' ratio
    beside, not judged); then the floors-free short commands."""
    table: list[Ratio] = []
    targets = {
        "duis-6.21": ("DUIS 6.21 verify per item / bare lxml parse", 6, "bare parse"),
        "duis-6.21-signed": ("DUIS 6.21 signed, per item / bare lxml parse", 6, "bare parse"),
        "gbcs-cs02b": ("GBCS CS02b verify per command / bare ECDSA", 2.5, "bare verify"),
    }
    for name, pairs in paired.items():
        what, target, floor_name = targets[name]
        items = [per_item_cpu(pair.one, singles[name]) for pair in pairs]
        value, spread = median_of(
            [item / pair.floor for item, pair in zip(items, pairs, strict=True)]
        )
        middle = statistics.median(items)
        floors = statistics.median([pair.floor for pair in pairs])
        note = f"{spread}; {middle * 1e6:.0f} us an item, {floor_name} {floors * 1e6:.1f} us"
        table.append(Ratio(what, value, "x", target, note=note))
    for name, pairs in paired.items():
        for job_count in sorted({j for pair in pairs for j in pair.others}):
            cpu, cpu_spread = median_of(
                [pair.others[job_count].cpu_seconds / pair.one.cpu_seconds for pair in pairs]
            )
            ones = [pair.one for pair in pairs]
            wall, wall_spread = median_of(
                [pair.one.seconds / pair.others[job_count].seconds for pair in pairs]
            )
            wall_spread += "; " + fastest_rounds(ones, [pair.others[job_count] for pair in pairs])
            if all(job_count in pair.parts for pair in pairs):
                bound, bound_spread = median_of(
                    [pair.one.seconds / pair.parts[job_count].seconds for pair in pairs]
                )
                parts = fastest_rounds(ones, [pair.parts[job_count] for pair in pairs])
                wall_spread += (
                    f"; {job_count} --jobs 1 runs on its {job_count} parts at once, in the same "
                    f"rounds: {bound:.2f}x ({bound_spread}; {parts})"
                )
            table.append(
                Ratio(
                    f"{name} --jobs {job_count} CPU / --jobs 1 CPU", cpu, "x", 1.2, note=cpu_spread
                )
            )
            table.append(
                Ratio(
                    f"{name} --jobs {job_count} speed-up (wall)",
                    wall,
                    "x",
                    1.7,
                    at_most=False,
                    note=f"{wall_spread}; needs an idle machine, load average "
                    + " ".join(f"{x:.2f}" for x in os.getloadavg()),
                )
            )
    if options.mapping_rows:
        table += mapping_ready(inputs, big_mapping, options.mapping_rows, cache, env)
    table += start_up(inputs, env)
    keystore_start_up(inputs, cache, env)
    duis = paired.get("duis-6.21")
    if duis:
        peak = max(
            measure.peak_rss_mb for pair in duis for measure in (pair.one, *pair.others.values())
        )
        table.append(
            Ratio(
                f"peak RSS, {inputs.items:,} DUIS items",
                peak,
                "MB",
                300,
                note="target for 1,000,000 items" if inputs.items < 1_000_000 else "",
            )
        )
    return table


def mapping_ready(  # type: ignore[no-untyped-def]
    inputs, big: Path, rows: int, cache: Path, env: dict[str, str]
) -> list[Ratio]:
    """CPU to make a ``rows``-row meters.csv ready, cold (the cache emptied first: the file is
    read, checked and kept compiled) and warm (the compiled form found, best of three).

    The figure is the load alone, timed in a process of its own (:mod:`bench.mapping`); beside
    it, what a one-item verify over the mapping costs more than over a one-row meters.csv,
    which also holds the noise of start-up."""
    small = big.parent / "one-row-meters.csv"
    with big.open("rb") as source, small.open("wb") as target:
        target.writelines(islice(source, 2))
    one = first_lines(inputs.duis, 1, big.parent / "one.jsonl")
    argv = verify_argv(inputs.verify_arguments(one, small), 1, big.parent / "out.jsonl")
    base = best_of("verify one item, one-row mapping", argv, env=env)
    argv = verify_argv(inputs.verify_arguments(one, big), 1, big.parent / "out.jsonl")
    _forget(cache, "meters-")
    cold = run_measured(f"verify one item, {rows:,}-row mapping, cold", argv, 1, env=env)
    warm = best_of(f"verify one item, {rows:,}-row mapping, warm", argv, env=env)
    for measure in (base, cold, warm):
        print(measure.line(), flush=True)
    compiled = cache / "certcheck"
    shutil.rmtree(compiled, ignore_errors=True)
    loads = [load_cpu(big, inputs.operators, compiled, env) for _ in range(4)]  # cold, warm...
    kept = sorted(compiled.glob("meters-*.bin"))
    size = f"{kept[0].stat().st_size / 1e6:.1f} MB" if kept else "NONE kept: warm is not warm"
    print(f"load_meters alone, {rows:,} rows: cold {loads[0]:.2f} s, warm {loads[1:]} s CPU")
    return [
        Ratio(
            f"meters.csv {rows:,} rows ready, cold",
            loads[0],
            "s",
            4,
            note=f"read, checked, compiled; verify {cold.cpu_seconds - base.cpu_seconds:+.2f} s",
        ),
        Ratio(
            f"meters.csv {rows:,} rows ready, warm",
            min(loads[1:]),
            "s",
            4,
            note=f"compiled form {size}; verify {warm.cpu_seconds - base.cpu_seconds:+.2f} s",
        ),
    ]


def _forget(cache: Path, prefix: str) -> None:
    """Remove the compiled forms whose names begin with ``prefix`` from the runs' cache."""
    for compiled in (cache / "certcheck").glob(f"{prefix}*.bin"):
        compiled.unlink()


KEYSTORE_CERTIFICATES = 400  # about the DCC test environment's keystore (416 certificates)


def keystore_start_up(inputs, cache: Path, env: dict[str, str]) -> None:  # type: ignore[no-untyped-def]
    """CPU of a one-command verify whose ``--certs`` also names a directory of
    KEYSTORE_CERTIFICATES device certificates: decoded (no compiled keystore at all, so the
    input set's own certificates are decoded too), reused, and without that directory (its
    own keystores reused), the least of three alternated runs each. SPEC.md sets no target for
    it: the figures show what the compiled keystores save at start-up."""
    devices = inputs.directory / "pki" / f"devices-{KEYSTORE_CERTIFICATES}"
    subprocess.run(
        [
            sys.executable,
            "-m",
            "bench.generate",
            "--devices",
            str(devices),
            str(KEYSTORE_CERTIFICATES),
        ],
        cwd=ROOT,
        check=True,
    )
    batch = inputs.gbcs if inputs.gbcs_items else inputs.duis
    one = first_lines(batch, 1, inputs.directory / "keystore-one.jsonl")
    out = inputs.directory / "keystore-out.jsonl"
    plain = verify_argv(inputs.verify_arguments(one), 1, out)
    more = [*plain[: plain.index("-f")], "--certs", str(devices), *plain[plain.index("-f") :]]
    label = f"verify one item, +{KEYSTORE_CERTIFICATES} certificates"
    runs: dict[str, list[Measure]] = {"without": [], "decoded": [], "reused": []}
    for _ in range(3):  # alternated, so that a slow minute does not fall on one kind alone
        runs["without"].append(run_measured("verify one item", plain, 1, env=env))
        _forget(cache, "certs-")
        runs["decoded"].append(run_measured(f"{label}, decoded", more, 1, env=env))
        runs["reused"].append(run_measured(f"{label}, reused", more, 1, env=env))
    base, decoded, reused = (least_cpu(measures) for measures in runs.values())
    for measure in (base, decoded, reused):
        print(measure.line(), flush=True)
    print(
        f"--certs with {KEYSTORE_CERTIFICATES} more certificates: one-item verify "
        f"{decoded.cpu_seconds - base.cpu_seconds:+.2f} s CPU decoded, "
        f"{reused.cpu_seconds - base.cpu_seconds:+.2f} s reused (least of three each)",
        flush=True,
    )


def compile_package() -> None:
    """Write certcheck's bytecode, as installing a wheel does: an editable checkout run with
    PYTHONDONTWRITEBYTECODE set would otherwise compile every module on every start (about
    0.1 s of CPU), which is not what a user's installed certcheck costs."""
    import compileall

    compileall.compile_dir(str(ROOT / "certcheck"), quiet=1)
    print("certcheck bytecode compiled (as a wheel install does)", flush=True)


def load_cpu(meters: Path, operators: Path, compiled: Path, env: dict[str, str]) -> float:
    """CPU seconds of loading ``meters`` as verify does, in a process of its own."""
    argv = [sys.executable, "-m", "bench.mapping", str(meters), str(operators), str(compiled)]
    done = subprocess.run(argv, cwd=ROOT, env=env, capture_output=True, text=True, check=True)
    return float(done.stdout.split()[0])


def start_up(inputs, env: dict[str, str]) -> list[Ratio]:  # type: ignore[no-untyped-def]
    """CPU of ``certcheck --help`` and of a one-file decode (DUIS and GBCS), best of five."""
    directory = inputs.directory
    duis = directory / "one-request.xml"
    duis.write_text(payloads(inputs.duis, 1)[0])
    table = []
    commands = [
        ("certcheck --help", ["--help"], 0.2),
        ("certcheck decode, one DUIS request", ["decode", str(duis)], 0.3),
    ]
    if inputs.gbcs_items:
        gbcs = directory / "one-command.hex"
        gbcs.write_text(payloads(inputs.gbcs, 1)[0])
        commands.append(("certcheck decode, one GBCS command", ["decode", str(gbcs)], 0.3))
    for label, arguments, target in commands:
        measure = best_of(label, [sys.executable, "-m", "certcheck", *arguments], runs=5, env=env)
        table.append(Ratio(label, measure.cpu_seconds, "s", target))
    return table


if __name__ == "__main__":
    sys.exit(main())
