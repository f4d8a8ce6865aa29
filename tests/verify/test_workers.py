"""Forked workers return each task's result in order, with the bytes beside it, whatever the
sizes of tasks and results (a pipe's buffer, or many times it), and raise a task's error."""

from __future__ import annotations

import os

import pytest

from certcheck.audit.workers import SMALL_TASK, Workers


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
