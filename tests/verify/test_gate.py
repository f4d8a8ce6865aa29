"""verify --passed/--failed: every input line, byte for byte and in order, in exactly one file."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.verify.cli import WORLD, certcheck, world_options_anywhere

BATCH = WORLD / "payloads" / "batch.jsonl"
CORRECT = WORLD / "payloads" / "duis" / "0007-correct-duis-6.21.xml"
WRONG = WORLD / "payloads" / "duis" / "0003-wrong-network-duis-6.21.xml"


def _odd_batch(tmp_path: Path) -> Path:
    """The world's batch with CRLF lines, blank lines, bytes that are not UTF-8, a bad entry and
    a last line without a newline."""
    lines = BATCH.read_bytes().splitlines()
    body = (
        lines[0]
        + b"\r\n"
        + b"\n"
        + lines[1]
        + b"\n"
        + b"  \t\r\n"
        + b'{"id": "bad\xff", "payload": "zz"}\n'
        + b"\xff\xfe not json at all\r\n"
        + b"\n".join(lines[2:])
        + b"\n"
        + lines[3]  # no newline at the end
    )
    path = tmp_path / "odd.jsonl"
    path.write_bytes(body)
    return path


def _gate(tmp_path: Path, *paths: Path, extra: tuple[str, ...] = ()) -> tuple[int, bytes, bytes]:
    passed, failed = tmp_path / "passed.jsonl", tmp_path / "failed.jsonl"
    done = certcheck(
        "verify",
        *map(str, paths),
        *world_options_anywhere(),
        "-f",
        "jsonl",
        "-q",
        "--passed",
        str(passed),
        "--failed",
        str(failed),
        *extra,
    )
    assert done.returncode in (0, 1), done.stderr
    return done.returncode, passed.read_bytes(), failed.read_bytes()


def _lines(data: bytes) -> list[bytes]:
    """Lines with their ends, as a file holds them."""
    return data.splitlines(keepends=True)


@pytest.mark.parametrize("jobs", ["1", "2"])
def test_the_two_files_together_are_the_input_line_for_line(tmp_path: Path, jobs: str) -> None:
    batch = _odd_batch(tmp_path)
    code, passed, failed = _gate(tmp_path, batch, extra=("--jobs", jobs))
    assert code == 1
    source = _lines(batch.read_bytes())
    got_passed, got_failed = _lines(passed), _lines(failed)
    # each file keeps input order: it is a subsequence of the input
    for part in (got_passed, got_failed):
        position = 0
        for line in part:
            position = source.index(line, position) + 1
    assert sorted(got_passed + got_failed) == sorted(source)
    assert b"\xff\xfe not json at all\r\n" in got_failed  # unreadable: an error
    assert b"\n" in got_passed and b"  \t\r\n" in got_passed  # blank lines pass
    assert failed.endswith(source[-1]) or passed.endswith(source[-1])
    assert not source[-1].endswith(b"\n")


def test_lines_split_by_verdict_against_fail_on(tmp_path: Path) -> None:
    done = certcheck("verify", str(BATCH), *world_options_anywhere(), "-f", "jsonl")
    records = [json.loads(line) for line in done.stdout.splitlines()]
    source = BATCH.read_bytes().splitlines(keepends=True)
    assert len(records) == len(source)
    for fail_on, failing in (("error", {"fail"}), ("warning", {"fail", "warn"}), ("never", set())):
        _, passed, failed = _gate(tmp_path, BATCH, extra=("--fail-on", fail_on))
        assert _lines(failed) == [
            s for s, r in zip(source, records, strict=True) if r["verdict"] in failing
        ]
        assert _lines(passed) == [
            s for s, r in zip(source, records, strict=True) if r["verdict"] not in failing
        ]


def test_file_items_go_as_their_paths(tmp_path: Path) -> None:
    code, passed, failed = _gate(tmp_path, CORRECT, WRONG, BATCH)
    assert code == 1
    assert passed.splitlines()[0] == str(CORRECT).encode()
    assert failed.splitlines()[0] == str(WRONG).encode()
    assert len(_lines(passed) + _lines(failed)) == 2 + len(_lines(BATCH.read_bytes()))


def test_a_last_line_without_newline_is_ended_only_when_more_follows(tmp_path: Path) -> None:
    first = tmp_path / "a.jsonl"
    second = tmp_path / "b.jsonl"
    line = BATCH.read_bytes().splitlines()[1]  # a correct entry
    first.write_bytes(line)
    second.write_bytes(line)
    _, passed, _ = _gate(tmp_path, first)
    assert passed == line
    _, passed, _ = _gate(tmp_path, first, second)
    assert passed == line + b"\n" + line


def test_one_file_alone_and_a_summary_without_quiet(tmp_path: Path) -> None:
    failed = tmp_path / "hold.jsonl"
    done = certcheck(
        "verify", str(BATCH), *world_options_anywhere(), "-f", "jsonl", "--failed", str(failed)
    )
    assert done.returncode == 1
    assert failed.read_bytes()
    assert "line(s) to " + str(failed) in done.stderr
    assert "--passed not given" in done.stderr


def test_gate_files_are_written_atomically_and_refuse_sharing(tmp_path: Path) -> None:
    passed = tmp_path / "p.jsonl"
    passed.write_text("previous\n")
    for clash in (
        ("--passed", str(passed), "--failed", str(passed)),
        ("--passed", str(passed), "-o", str(passed)),
        ("--passed", "-"),
    ):
        done = certcheck("verify", str(BATCH), *world_options_anywhere(), *clash)
        assert done.returncode == 2, done.stderr
        assert passed.read_text() == "previous\n"
    done = certcheck(
        "verify",
        str(tmp_path / "missing.jsonl"),
        *world_options_anywhere(),
        "--passed",
        str(passed),
    )
    assert done.returncode == 2
    assert passed.read_text() == "previous\n"
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".certcheck-")]
    done = certcheck("verify", str(BATCH), *world_options_anywhere(), "--passed", str(passed))
    assert done.returncode == 1
    assert passed.read_bytes() and passed.read_text() != "previous\n"
