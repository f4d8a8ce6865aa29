"""Forked workers return each task's result in order, with the bytes beside it, whatever the
sizes of tasks and results (a pipe's buffer, or many times it), and raise a task's error."""

from __future__ import annotations

import errno
import os
from pathlib import Path

import pytest

from certcheck.audit.workers import (
    PIPE_BYTES,
    SMALL_TASK,
    Held,
    PlaceFailed,
    WorkerDied,
    Workers,
)


def _echo(task: tuple[int, bytes]) -> tuple[tuple[int, int, int], bytes]:
    number, data = task
    if number < 0:
        raise ValueError(f"task {number}")
    return (number, len(data), os.getpid()), data[::-1] * (number % 3)


def test_results_come_in_order_with_their_bytes() -> None:
    sizes = [10, SMALL_TASK + 1, 3 << 19, 0, 200_000, 7, SMALL_TASK]
    tasks = [(number, bytes([number]) * size) for number, size in enumerate(sizes * 3)]
    workers = Workers(_echo, 2)
    got = []
    try:
        for task in tasks:
            workers.submit(task)
            while workers.ready():
                got.append(workers.next())
        workers.end()
        while workers.pending:
            got.append(workers.next())
    finally:
        workers.close()
    assert [(n, size) for (n, size, _), _ in got] == [(n, len(d)) for n, d in tasks]
    assert [payload for _, payload in got] == [d[::-1] * (n % 3) for n, d in tasks]
    assert len({pid for (_, _, pid), _ in got}) == 2


def test_task_and_result_pipes_hold_a_megabyte() -> None:
    """Large results cross in few writes: each pipe is given PIPE_BYTES of buffer (Linux lets
    any process have up to pipe-max-size, 1 MB by default, and root more)."""
    import fcntl

    allowed = int(Path("/proc/sys/fs/pipe-max-size").read_text()) >= PIPE_BYTES
    workers = Workers(_echo, 2)
    try:
        pipes = [connection.fileno() for connection in workers.tasks] + workers.results
        sizes = {fcntl.fcntl(fd, fcntl.F_GETPIPE_SZ) for fd in pipes}
    finally:
        workers.close()
    expected = PIPE_BYTES if allowed or os.geteuid() == 0 else os.sysconf("SC_PAGE_SIZE") * 16
    assert sizes == {expected}  # else each keeps Linux's default, 16 pages


def test_a_task_s_error_is_raised_in_order() -> None:
    workers = Workers(_echo, 2)
    try:
        for task in [(1, b"x"), (-2, b"y"), (3, b"z")]:
            workers.submit(task)
        assert workers.next()[0][0] == 1
        with pytest.raises(ValueError, match="task -2"):
            workers.next()
        assert workers.next()[0][0] == 3
    finally:
        workers.close()


def _results_in_order(workers: Workers, tasks: list[tuple[int, bytes]], settle) -> list:  # type: ignore[no-untyped-def]
    got = []
    for task in tasks:
        workers.submit(task)
        while workers.ready():
            got.append(settle(*workers.next()))
    workers.end()
    while workers.pending:
        got.append(settle(*workers.next()))
    return got


def _upper_lines(data: bytes, lines: list[int]) -> bytes:
    """The workers' edit in these tests: lines of ``data`` upper-cased, doubled, by index."""
    parts = data.split(b"\n")
    for index in lines:
        parts[index] = parts[index].upper() * 2
    return b"\n".join(parts)


def _lines(task: tuple[int, int]) -> tuple[int, bytes]:
    number, count = task
    return number, b"".join(b"r%d.%d\n" % (number, line) for line in range(count))


def test_held_results_are_placed_in_order_later_and_edited(tmp_path: Path) -> None:
    """Every result is held by its worker; the parent keeps some back while later results
    come, as pairing does, and places them in task order, some with an edit the worker makes
    before writing: the file holds each block where it was put, edited as granted."""
    tasks = [(number, 1 + number % 5) for number in range(40)]
    output = tmp_path / "out.bin"
    fd = os.open(output, os.O_RDWR | os.O_CREAT)
    expected = bytearray()
    kept: list[tuple[int, Held]] = []

    def place_kept() -> None:
        for number, held in kept:
            data = _lines(tasks[number])[1]
            edit = [0, tasks[number][1] - 1] if number % 3 == 0 else None
            if edit is None:
                held.place(len(expected))
            else:
                data = _upper_lines(data, edit)
                held.place(len(expected), edit, len(data))
            expected.extend(data)
        kept.clear()

    workers = Workers(_lines, 2, place=fd, edit=_upper_lines)
    try:
        for task in tasks:
            workers.submit(task)
            while workers.ready():
                kept.append(workers.next())
                if len(kept) == 7:  # held back until then
                    place_kept()
        workers.end()
        while workers.pending:
            kept.append(workers.next())
        place_kept()
    finally:
        workers.close()
        os.close(fd)
    assert output.read_bytes() == bytes(expected)
    assert b"R0.0R0.0\n" in expected and b"r1.0\n" in expected


def test_an_edit_that_does_not_give_the_size_granted_fails_the_run(tmp_path: Path) -> None:
    fd = os.open(tmp_path / "out.bin", os.O_RDWR | os.O_CREAT)
    workers = Workers(_lines, 1, place=fd, edit=_upper_lines)
    try:
        workers.submit((1, 2))
        _, held = workers.next()
        held.place(0, [0], held.size)  # the edit doubles line 0: the size is wrong
        with pytest.raises(WorkerDied, match="could not edit a result as granted"):
            workers.close()
    finally:
        workers.stop()
        os.close(fd)


def test_a_worker_s_held_results_are_placed_in_the_order_they_came(tmp_path: Path) -> None:
    """A worker writes its oldest held bytes at each grant, so placing a later result first
    would write the wrong bytes: refused, and nothing is granted."""
    fd = os.open(tmp_path / "out.bin", os.O_RDWR | os.O_CREAT)
    workers = Workers(_echo, 1, place=fd)
    try:
        workers.submit((1, b"abc"))
        workers.submit((2, b"de"))
        _, first = workers.next()
        _, second = workers.next()
        with pytest.raises(RuntimeError, match="in the order they came"):
            second.place(0)
        first.place(0)
        second.place(first.size)
        workers.close()
    finally:
        workers.stop()
        os.close(fd)
    assert (tmp_path / "out.bin").read_bytes() == b"cba" + b"eded"


def test_closing_with_a_held_result_not_placed_is_an_error(tmp_path: Path) -> None:
    """What a worker holds and nobody placed would be missing from the output."""
    fd = os.open(tmp_path / "out.bin", os.O_RDWR | os.O_CREAT)
    workers = Workers(_echo, 1, place=fd)
    try:
        workers.submit((1, b"abc"))
        _, held = workers.next()
        assert isinstance(held, Held) and held.size == 3
        with pytest.raises(RuntimeError, match="1 held result"):
            workers.close()
        assert not workers.pids  # stopped
    finally:
        os.close(fd)


_SLOW: list[int] = []  # in a worker: [1] when it is the slow one, [0] when not


def _one_slow_worker(task: tuple[int, str]) -> tuple[tuple[int, int], bytes]:
    """The first worker to take the lock file's lock keeps it and takes 30 ms a task; the
    other, which cannot take it, 1 ms."""
    import fcntl
    import time

    number, lock = task
    if not _SLOW:
        handle = os.open(lock, os.O_RDWR)
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
            _SLOW.append(1)  # the descriptor stays open, and the lock with it
        except OSError:
            os.close(handle)
            _SLOW.append(0)
    time.sleep(0.03 if _SLOW[0] else 0.001)
    return (number, os.getpid()), b"x" * 1000


def test_a_worker_ahead_of_the_other_takes_more_of_the_tasks(tmp_path: Path) -> None:
    """Held results are taken in task order, so those of a worker ahead wait behind the
    other's: the tasks go to the worker whose pipe holds fewer not yet begun, not to the one
    with fewer results taken in, which would give them out turn about."""
    lock = tmp_path / "slow.lock"
    lock.write_bytes(b"")
    output = tmp_path / "out.bin"
    fd = os.open(output, os.O_RDWR | os.O_CREAT)
    workers = Workers(_one_slow_worker, 2, place=fd)
    done: list[int] = []  # the worker of each result, in order

    def place_next() -> None:
        (_, pid), held = workers.next()
        held.place(len(done) * 1000)
        done.append(pid)

    try:
        for number in range(60):  # at most 8 in flight, as verify keeps them
            workers.submit((number, str(lock)))
            while workers.pending >= 8:
                place_next()
        workers.end()
        while workers.pending:
            place_next()
    finally:
        workers.close()
        os.close(fd)
    counts = sorted(done.count(pid) for pid in set(done))
    assert sum(counts) == 60 and output.read_bytes() == b"x" * 60_000
    assert counts[0] < 25, counts  # the slow worker: 30 turn about


def test_a_worker_that_cannot_write_its_held_result_fails_the_run(tmp_path: Path) -> None:
    output = tmp_path / "out.bin"
    output.write_bytes(b"")
    fd = os.open(output, os.O_RDONLY)  # pwrite fails: EBADF
    workers = Workers(_echo, 2, place=fd)
    try:
        with pytest.raises(PlaceFailed) as failed:
            _results_in_order(workers, [(1, b"abc"), (2, b"de")], lambda v, held: held.place(0))
            workers.close()
        assert failed.value.errno == errno.EBADF
    finally:
        workers.stop()
        os.close(fd)


def test_a_worker_killed_while_it_holds_a_result_fails_the_run(tmp_path: Path) -> None:
    """Its results all taken, a worker killed while it still holds one (pairing holds blocks
    back) is found out when the workers close: the bytes it was to write are missing."""
    import signal

    fd = os.open(tmp_path / "out.bin", os.O_RDWR | os.O_CREAT)
    workers = Workers(_echo, 1, place=fd)
    try:
        workers.submit((1, b"abc"))
        _, held = workers.next()
        (pid,) = workers.pids
        os.kill(pid, signal.SIGKILL)
        os.waitid(os.P_PID, pid, os.WEXITED | os.WNOWAIT)  # dead, not yet reaped
        held.place(0)  # its grants pipe has no reader now: not an error here
        with pytest.raises(WorkerDied, match="killed by SIGKILL"):
            workers.close()
    finally:
        workers.stop()
        os.close(fd)
