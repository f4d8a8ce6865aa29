"""Forked worker processes that run one function on a stream of tasks, results in task order.

Lighter than ``multiprocessing.Pool`` for verify's few large tasks: no handler threads in the
reading process (Pool's worker handler wakes on every result it does not read, and its result
thread contends for the interpreter lock), a dead worker is an error instead of a hang, and
the workers share what the parent loaded before the fork (its objects frozen out of the
garbage collector's reach, so a collection in a worker does not copy their pages).

Each worker has its own task pipe and result pipe. Tasks are written by one sender thread,
so that a large task never blocks the parent while the worker is busy; results are read by
the parent itself, from whichever worker has one, whenever it waits.
"""

from __future__ import annotations

import contextlib
import gc
import os
import queue
import signal
import threading
from collections import deque
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from multiprocessing.connection import Connection


class WorkerDied(RuntimeError):
    """A worker process ended without returning the result of a task it was given."""


def _serve(function: Callable[[Any], Any], tasks: Connection, results: Connection) -> None:
    """A worker's loop: each task's result (or the exception it raised) until the tasks end."""
    while True:
        try:
            task = tasks.recv()
        except EOFError:
            return
        try:
            reply = (True, function(task))
        except Exception as exc:  # the parent raises it
            reply = (False, exc)
        results.send(reply)


class Workers:
    """``jobs`` forked processes applying ``function``; :meth:`next` returns results in the
    order the tasks were submitted.

    Workers ignore SIGINT (Ctrl-C is the parent's to handle) and die of SIGTERM, which
    :meth:`stop` sends.
    """

    def __init__(self, function: Callable[[Any], Any], jobs: int) -> None:
        from multiprocessing.connection import Pipe

        pipes = [(Pipe(duplex=False), Pipe(duplex=False)) for _ in range(jobs)]
        self.tasks = [send for (_, send), _ in pipes]
        self.results = [receive for _, (receive, _) in pipes]
        self.pids: list[int] = []
        gc.freeze()  # objects made so far stay where they are in every worker
        try:
            with _workers_signals():
                for index in range(jobs):
                    self.pids.append(self._fork(function, pipes, index))
        except BaseException:
            self.stop()
            raise
        finally:
            gc.unfreeze()
            for (receive, _), (_, send) in pipes:
                receive.close()
                send.close()
        self.order: deque[int] = deque()  # the worker of each pending task, oldest first
        self.arrived: list[deque[tuple[bool, Any]]] = [deque() for _ in range(jobs)]
        self.load = [0] * jobs  # tasks given to each worker whose result has not arrived
        self.outbox: queue.SimpleQueue[tuple[Connection, Any] | None] = queue.SimpleQueue()
        self.sender = threading.Thread(target=self._send, name="certcheck-tasks", daemon=True)
        self.sender.start()

    @staticmethod
    def _fork(function: Callable[[Any], Any], pipes: list, index: int) -> int:  # type: ignore[type-arg]
        pid = os.fork()
        if pid:
            return pid
        code = 0
        try:
            signal.signal(signal.SIGINT, signal.SIG_IGN)
            signal.signal(signal.SIGTERM, signal.SIG_DFL)
            # Only this worker's own ends stay open here: when the parent ends, however it
            # ends, the task pipe reads as closed and the worker leaves.
            for other, ((task_in, task_out), (result_in, result_out)) in enumerate(pipes):
                task_out.close()
                result_in.close()
                if other != index:
                    task_in.close()
                    result_out.close()
            (tasks, _), (_, results) = pipes[index]
            _serve(function, tasks, results)
        except BaseException:
            code = 1
        finally:
            os._exit(code)

    @property
    def pending(self) -> int:
        """Tasks submitted whose result :meth:`next` has not returned."""
        return len(self.order)

    def submit(self, task: Any) -> None:
        """Give a task to the least busy worker (sent in the background)."""
        self._collect(block=False)
        index = self.load.index(min(self.load))
        self.load[index] += 1
        self.order.append(index)
        self.outbox.put((self.tasks[index], task))

    def ready(self) -> bool:
        """Whether the oldest pending task's result is in."""
        if not self.order:
            return False
        if not self.arrived[self.order[0]]:
            self._collect(block=False)
        return bool(self.arrived[self.order[0]])

    def next(self) -> Any:
        """The oldest pending task's result (waiting for it); its exception is raised here."""
        index = self.order[0]
        while not self.arrived[index]:
            self._collect(block=True)
        self.order.popleft()
        done, value = self.arrived[index].popleft()
        if not done:
            raise value
        return value

    def _collect(self, block: bool) -> None:
        """Take in the results that have arrived (waiting for one when ``block``)."""
        from multiprocessing.connection import wait

        busy = [self.results[i] for i, load in enumerate(self.load) if load]
        if not busy:
            return
        for connection in wait(busy, timeout=None if block else 0):
            index = self.results.index(connection)  # type: ignore[arg-type]
            try:
                reply = connection.recv()  # type: ignore[union-attr]
            except EOFError:
                raise WorkerDied(self._ending(self.pids[index])) from None
            self.arrived[index].append(reply)
            self.load[index] -= 1

    def _ending(self, pid: int) -> str:
        """How a worker whose results pipe closed ended (it is reaped here)."""
        self.pids.remove(pid)
        try:
            _, status = os.waitpid(pid, 0)
        except ChildProcessError:
            return f"worker process {pid} ended unexpectedly"
        if os.WIFSIGNALED(status):
            name = signal.Signals(os.WTERMSIG(status)).name
            return f"worker process {pid} was killed by {name}"
        code = os.waitstatus_to_exitcode(status)
        return f"worker process {pid} ended unexpectedly (exit status {code})"

    def _send(self) -> None:
        while (item := self.outbox.get()) is not None:
            connection, task = item
            try:
                connection.send(task)
            except OSError:  # the worker is gone: the parent hears of it from its results
                return

    def close(self) -> None:
        """After the last result: let the workers leave and wait for them."""
        self.outbox.put(None)
        self.sender.join()
        for connection in self.tasks:
            connection.close()
        self._reap()

    def stop(self) -> None:
        """End the workers now (SIGTERM) and wait for them."""
        for pid in self.pids:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGTERM)
        if hasattr(self, "sender"):  # its write to a dead worker fails at once
            self.outbox.put(None)
            self.sender.join(timeout=10)
        for connection in self.tasks:
            connection.close()
        self._reap()

    def _reap(self) -> None:
        for pid in self.pids:
            with contextlib.suppress(ChildProcessError):
                os.waitpid(pid, 0)
        self.pids = []
        for connection in self.results:
            connection.close()


class _workers_signals:
    """Around the forks: SIGINT ignored and SIGTERM at its default, so a worker is never
    without those settings; the parent's own handlers are restored after."""

    def __enter__(self) -> None:
        try:
            self.saved = (
                signal.signal(signal.SIGINT, signal.SIG_IGN),
                signal.signal(signal.SIGTERM, signal.SIG_DFL),
            )
        except ValueError:  # not the main thread: each worker sets them first thing
            self.saved = None

    def __exit__(self, *exc: object) -> None:
        if self.saved is not None:
            signal.signal(signal.SIGINT, self.saved[0])
            signal.signal(signal.SIGTERM, self.saved[1])
