"""The verify pipeline: the same bytes for any --jobs, and records spliced like Record.as_dict."""

from __future__ import annotations

import subprocess
import sys
from itertools import islice
from pathlib import Path

import pytest

from bench.generate import generate
from certcheck.audit.decoding import decode_raw
from certcheck.audit.pipeline import audit_item, verify_block, verify_blocks
from certcheck.audit.serialise import dumps
from certcheck.audit.sources import iter_raw
from certcheck.cli.verify_run import VerifyRequest, build_context

ROOT = Path(__file__).resolve().parents[2]
WORLD = ROOT / "fixtures" / "world"


@pytest.fixture(scope="module")
def world() -> Path:
    """The committed demo world."""
    assert (WORLD / "payloads").is_dir(), "fixtures/world is part of the repository"
    return WORLD


@pytest.fixture(scope="module")
def batch(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A generated world with a 1,500-request DUIS batch and a 300-command GBCS batch."""
    return generate(tmp_path_factory.mktemp("bench"), 1500, 300).directory


def _world_args(world: Path) -> list[str]:
    return [
        "--mapping", str(world / "meters.csv"),
        "--operators", str(world / "operators.csv"),
        "--trust", str(world / "pki" / "root.pem"),
        "--trust", str(world / "pki" / "oca.pem"),
        "--certs", str(world / "pki" / "orgs"),
        "--at", "2026-06-01T00:00:00Z",
    ]


def _verify(paths: list[Path], world: Path, jobs: int, out: Path) -> bytes:
    result = subprocess.run(
        [sys.executable, "-m", "certcheck", "verify", *map(str, paths), *_world_args(world),
         "-f", "jsonl", "-o", str(out), "--jobs", str(jobs)],
        capture_output=True, cwd=ROOT,
    )
    assert result.returncode in (0, 1), result.stderr.decode()
    return out.read_bytes()


def test_jobs_give_identical_output_on_the_world(world: Path, tmp_path: Path) -> None:
    one = _verify([world / "payloads"], world, 1, tmp_path / "one.jsonl")
    two = _verify([world / "payloads"], world, 2, tmp_path / "two.jsonl")
    assert one == two
    assert one.count(b"\n") > 50
    assert b'"verdict":"fail"' in one and b'"verdict":"pass"' in one


def test_jobs_give_identical_output_on_a_batch_of_many_chunks(batch: Path, tmp_path: Path) -> None:
    paths = [batch / "duis-6.21.jsonl", batch / "gbcs-cs02b.jsonl"]
    one = _verify(paths, batch, 1, tmp_path / "one.jsonl")
    two = _verify(paths, batch, 2, tmp_path / "two.jsonl")
    three = _verify(paths, batch, 3, tmp_path / "three.jsonl")
    assert one == two == three
    lines = one.splitlines()
    assert len(lines) == 1800
    assert lines[0].startswith(b'{"source":"' + str(batch / "duis-6.21.jsonl#1").encode())
    assert lines[-1].startswith(b'{"source":"' + str(batch / "gbcs-cs02b.jsonl#300").encode())


def test_spliced_line_equals_the_record_dict(world: Path) -> None:
    context = build_context(
        VerifyRequest(
            paths=[], mapping=str(world / "meters.csv"), operators=str(world / "operators.csv"),
            trust=[str(world / "pki" / "root.pem"), str(world / "pki" / "oca.pem")],
            certs=[str(world / "pki" / "orgs")], at="2026-06-01T00:00:00Z",
        )
    )
    raws = list(iter_raw([str(world / "payloads")]))
    assert len(raws) > 50
    for raw in raws:
        record = audit_item(decode_raw(raw), context)
        result = verify_block((raw,), context)
        (line,) = result.lines()
        assert line == dumps(record.as_dict())
        assert result.verdicts[record.verdict.label] == 1
        assert next(result.records()) == record.as_dict()


def test_small_chunks_keep_input_order(world: Path) -> None:
    context = build_context(
        VerifyRequest(
            paths=[], mapping=str(world / "meters.csv"), operators=str(world / "operators.csv")
        )
    )
    raws = list(iter_raw([str(world / "payloads")]))
    blocks = [tuple(raws[i : i + 3]) for i in range(0, len(raws), 3)]
    results = list(verify_blocks(blocks, context, jobs=2))
    assert [r.items for r in results] == [len(b) for b in blocks]
    assert [rec["source"] for r in results for rec in r.records()] == [r.source for r in raws]


def test_workers_read_only_a_few_chunks_ahead(world: Path) -> None:
    """With a slow consumer, the input is pulled at most IN_FLIGHT_PER_WORKER * jobs chunks
    ahead of what was handed out (Pool.imap would read on while the workers keep up)."""
    import time

    from certcheck.audit.pipeline import IN_FLIGHT_PER_WORKER

    context = build_context(
        VerifyRequest(
            paths=[], mapping=str(world / "meters.csv"), operators=str(world / "operators.csv")
        )
    )
    raws = list(iter_raw([str(world / "payloads")])) * 20
    pulled = 0

    def counted():  # type: ignore[no-untyped-def]
        nonlocal pulled
        for raw in raws:
            pulled += 1
            yield raw

    jobs, size = 2, 4

    def blocks():  # type: ignore[no-untyped-def]
        items = counted()
        while block := tuple(islice(items, size)):
            yield block

    received = 0
    for result in verify_blocks(blocks(), context, jobs=jobs):
        received += result.items
        time.sleep(0.002)
        assert pulled <= received + (IN_FLIGHT_PER_WORKER * jobs + 1) * size
    assert received == len(raws)
