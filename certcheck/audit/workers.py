"""Forked worker processes that run one function on a stream of tasks, results in task order.

Lighter than ``multiprocessing.Pool`` for verify's few large tasks: no handler threads in the
reading process (Pool's worker handler wakes on every result it does not read, and its result
thread contends for the interpreter lock), a dead worker is an error instead of a hang, and
the workers share what the parent loaded before the fork (its objects frozen out of the
garbage collector's reach, so a collection in a worker does not copy their pages).

Each worker has its own task pipe and result pipe. A small task is written by the parent
itself; a large one by a sender thread, so that it never blocks the parent while the worker
is busy (a small one follows it there while it is not sent). Results are read by the parent
itself, from whichever worker has one, whenever it waits: each as one pickled header and
the bytes the function returned beside it, written by a thread of the worker.

With ``place`` (a regular output file's descriptor, shared with the workers), a result's
bytes are not sent: the worker holds them until the parent, placing results in task order,
grants the offset where they belong in the file, with any ``edit`` to make first (a Supplier
found by pairing, say), and the worker writes them itself (:meth:`Held.place`). The parent then
neither reads the bytes from a pipe nor writes them out, and may hold a result back (pairing
does, up to a bound) while later ones arrive: each worker keeps its held bytes in order until
their grants come.
"""

from __future__ import annotations

import contextlib
import errno
import gc
import os
import pickle
import queue
import select
import signal
import struct
import threading
from collections import deque
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, NamedTuple

if TYPE_CHECKING:
    from multiprocessing.connection import Connection


_HEADER = struct.Struct("=QQ?")  # a result's sizes: its pickled (done, value), its payload;
# whether the worker holds the payload (not sent) for the parent to place
# a held payload's grant: where to write it in the output, its size once edited, and the size
# of the pickled edit that follows (0: none)
_GRANT = struct.Struct("=QQQ")
_PLACE_FAILED = 64  # a worker's exit status when writing a held payload failed: 64 + errno
_EDIT_FAILED = 63  # a worker's exit status when an edit did not give the size granted
SMALL_TASK = 4096  # a pickled task the parent writes itself, room allowing (:meth:`_room`)
# Results a worker may have made beyond the one it is writing. With one (and four blocks in
# flight a worker), a worker a few blocks ahead of the other stopped, waiting for the parent to
# take the other's results: the two waited 0.47 s in all in a 100,000-request --jobs 2 run
# (mean of five); with four (and eight in flight), 0.37 s.
RESULTS_WAITING = 4
_PAGE = max(os.sysconf("SC_PAGE_SIZE"), SMALL_TASK + 4)
_Reply = tuple[bool, Any, bytes | bytearray]  # done (else the value is an exception), value, bytes


class WorkerDied(RuntimeError):
    """A worker process ended without returning the result of a task it was given."""


Edit = Callable[[bytes, Any], bytes]  # a held payload and what to change in it: the bytes to write


class _Placing(NamedTuple):
    """A worker's part in placing held results: the grants pipe it reads, the output file,
    how to apply a grant's edit."""

    grants: int
    output: int
    edit: Edit


def _serve(
    function: Callable[[Any], tuple[Any, bytes]],
    tasks: Connection,
    results: int,
    placing: _Placing | None,
) -> None:
    """A worker's loop: each task's result (or the exception it raised) until the tasks end.

    Results are written by a thread of the worker, so that it goes on with its next tasks
    while the parent has yet to read an earlier result: up to :data:`RESULTS_WAITING` wait.
    The parent takes results in task order, so a worker ahead of the others waits for them
    there, not at once. With ``placing``, the payloads are held, in order, and written by a
    second thread as their grants come (:func:`_place_held`); the worker leaves when the
    parent closes the grants pipe, every payload placed.
    """
    outbox: queue.Queue[tuple[list[bytes], bool] | None] = queue.Queue(maxsize=RESULTS_WAITING)
    held: deque[bytes] = deque()
    writer = threading.Thread(target=_write_results, args=(results, outbox, held), daemon=True)
    writer.start()
    placer = None
    if placing is not None:
        placer = threading.Thread(target=_place_held, args=(placing, held), daemon=True)
        placer.start()
    while True:
        try:
            task = tasks.recv()
        except EOFError:
            break
        try:
            value, payload = function(task)
            reply: tuple[bool, Any] = (True, value)
            hold = placing is not None and bool(payload)
        except Exception as exc:  # the parent raises it
            reply, payload, hold = (False, exc), b"", False
        meta = pickle.dumps(reply, pickle.HIGHEST_PROTOCOL)
        outbox.put(([_HEADER.pack(len(meta), len(payload), hold), meta, payload], hold))
    outbox.put(None)
    writer.join()
    if placer is not None:
        placer.join()
        if held:  # the grants pipe closed before every payload was placed
            os._exit(1)


def _write_results(
    fd: int, outbox: queue.Queue[tuple[list[bytes], bool] | None], held: deque[bytes]
) -> None:
    """Write each result's parts, one after the other; a held payload is kept for its grant
    instead, before its result is written (the worker ends if a pipe fails)."""
    while (item := outbox.get()) is not None:
        parts, keep = item
        if keep:
            held.append(parts.pop())
        try:
            _write_all(fd, parts)
        except OSError:  # the parent is gone or closed a pipe
            os._exit(1)


def _place_held(placing: _Placing, held: deque[bytes]) -> None:
    """Write each held payload, oldest first, where its grant says, edited as it says, until
    the grants pipe closes (the worker ends with :data:`_PLACE_FAILED` if the output fails,
    :data:`_EDIT_FAILED` if an edit does not give the size granted)."""
    while True:
        try:
            offset, size, edit_size = _GRANT.unpack(_read_all(placing.grants, _GRANT.size))
            edit = pickle.loads(_read_all(placing.grants, edit_size)) if edit_size else None
        except EOFError:  # no more grants
            return
        except OSError:
            os._exit(1)
        data = held.popleft()
        if edit is not None:
            try:
                data = placing.edit(data, edit)
            except Exception:  # the parent hears of it from the exit status
                os._exit(_EDIT_FAILED)
        if len(data) != size:
            os._exit(_EDIT_FAILED)
        try:
            _pwrite_all(placing.output, data, offset)
        except OSError as exc:
            os._exit(_PLACE_FAILED + min(exc.errno or errno.EIO, 255 - _PLACE_FAILED))


def _write_all(fd: int, parts: list[bytes]) -> None:
    views = [memoryview(part) for part in parts if part]
    while views:
        written = os.writev(fd, views)
        while views and written >= views[0].nbytes:
            written -= views.pop(0).nbytes
        if written:
            views[0] = views[0][written:]


def _pwrite_all(fd: int, data: bytes, offset: int) -> None:
    view = memoryview(data)
    while view:
        written = os.pwrite(fd, view, offset)
        view, offset = view[written:], offset + written


class Held:
    """A result's bytes that its worker holds, to :meth:`place` in the output file, once. The
    results a worker holds are placed in the order they came (task order)."""

    def __init__(self, workers: Workers, index: int, size: int, number: int) -> None:
        self.workers, self.index, self.size = workers, index, size
        self.number = number  # of the results worker ``index`` has held, from 0

    def place(self, offset: int, edit: Any = None, size: int | None = None) -> None:
        """Have the worker write the bytes at ``offset`` of the output file (not waiting),
        changed first by the workers' ``edit`` function with ``edit`` unless it is None;
        ``size`` is their size then (the run fails if it is not)."""
        self.workers._settle(self, offset, edit, self.size if size is None else size)


class PlaceFailed(OSError):
    """A worker could not write a result's bytes into the output file."""


def _unread(fd: int) -> int:
    """Bytes written to a pipe and not yet read from it."""
    import fcntl
    import termios

    return int(struct.unpack("i", fcntl.ioctl(fd, termios.FIONREAD, b"\0\0\0\0"))[0])


def _read_all(fd: int, size: int) -> bytearray:
    """``size`` bytes from a pipe (EOFError if it closes first)."""
    data = bytearray(size)
    view, got = memoryview(data), 0
    while got < size:
        count = os.readv(fd, [view[got:]])
        if not count:
            raise EOFError
        got += count
    return data


class Workers:
    """``jobs`` forked processes applying ``function``; :meth:`next` returns results in the
    order the tasks were submitted.

    Workers ignore SIGINT (Ctrl-C is the parent's to handle) and die of SIGTERM, which
    :meth:`stop` sends.
    """

    def __init__(
        self,
        function: Callable[[Any], tuple[Any, bytes]],
        jobs: int,
        place: int | None = None,
        edit: Edit = lambda data, edit: data,
    ) -> None:
        from multiprocessing.connection import Pipe

        _keep_heap()
        pipes = [(Pipe(duplex=False), os.pipe()) for _ in range(jobs)]
        grants = [os.pipe() for _ in range(jobs)] if place is not None else []
        self.tasks = [send for (_, send), _ in pipes]
        self.results = [receive for _, (receive, _) in pipes]
        self.grants = [send for _, send in grants]
        for (_, task_out), (result_in, _) in pipes:
            _enlarge(task_out.fileno())
            _enlarge(result_in)
        self.placing = place is not None
        self.pids: list[int] = []
        self.ended: dict[int, int] = {}  # the exit status of each worker reaped
        gc.freeze()  # objects made so far stay where they are in every worker
        try:
            with _workers_signals():
                for index in range(jobs):
                    placing = None
                    if place is not None:
                        placing = _Placing(grants[index][0], place, edit)
                    self.pids.append(self._fork(function, pipes, grants, index, placing))
        except BaseException:
            self.stop()
            raise
        finally:
            gc.unfreeze()
            for (receive, _), (_, send) in pipes:
                receive.close()
                os.close(send)
            for receive, _ in grants:
                os.close(receive)
        self.held = [0] * jobs  # results each worker has held so far
        self.placed = [0] * jobs  # and of those, the ones placed (the oldest: task order)
        self.poller = select.poll()  # registered with the results pipes of self.polled
        self.polled: list[int] = []
        self.order: deque[int] = deque()  # the worker of each pending task, oldest first
        self.arrived: list[deque[_Reply]] = [deque() for _ in range(jobs)]
        self.load = [0] * jobs  # tasks given to each worker whose result has not arrived
        self.outbox: queue.SimpleQueue[tuple[int, bytes] | None] = queue.SimpleQueue()
        self.capacity: list[int | None] = [None] * jobs  # each task pipe's size, once read
        self.queued = [0] * jobs  # tasks given to the sender thread, for each worker
        self.sent = [0] * jobs  # and of those, the ones it wrote (counted by that thread)
        self.sender = threading.Thread(target=self._send, name="certcheck-tasks", daemon=True)
        self.sender.start()

    @staticmethod
    def _fork(
        function: Callable[[Any], tuple[Any, bytes]],
        pipes: list,  # type: ignore[type-arg]
        grants: list[tuple[int, int]],
        index: int,
        placing: _Placing | None,
    ) -> int:
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
                os.close(result_in)
                if other != index:
                    task_in.close()
                    os.close(result_out)
            for other, (grant_in, grant_out) in enumerate(grants):
                os.close(grant_out)
                if other != index:
                    os.close(grant_in)
            (tasks, _), (_, results) = pipes[index]
            _serve(function, tasks, results, placing)
        except BaseException:
            code = 1
        finally:
            os._exit(code)

    @property
    def pending(self) -> int:
        """Tasks submitted whose result :meth:`next` has not returned."""
        return len(self.order)

    def end(self) -> None:
        """No more tasks: each worker leaves after its last result (:meth:`close` reaps it)."""
        self.outbox.put(None)

    def submit(self, task: Any) -> None:
        """Give a task to the worker with the fewest tasks not yet begun (sent in the
        background when its pipe is full)."""
        self._collect(block=False)
        backlogs = [self._backlog(i) for i in range(len(self.load))]
        index = backlogs.index(min(backlogs))
        self.load[index] += 1
        self.order.append(index)
        data = pickle.dumps(task, pickle.HIGHEST_PROTOCOL)
        unread = backlogs[index][1]
        if self.queued[index] != self.sent[index] or not self._room(index, len(data), unread):
            self.queued[index] += 1
            self.outbox.put((index, data))
            return
        with contextlib.suppress(OSError):  # the worker is gone: its results pipe says so
            self.tasks[index].send_bytes(data)

    def _backlog(self, index: int) -> tuple[int, int, int]:
        """How far worker ``index`` is from its next task, least first: tasks the sender
        thread has yet to write to it, then bytes of tasks in its pipe it has yet to read,
        then (negated) its tasks whose result has not arrived. On a tie the task goes to the
        worker with more of those: with its pipe read, they are done and wait behind the
        other's results, so it is the one ahead.

        Results arrive in task order, so the results of a worker ahead of the other wait
        behind the other's, and their count says it is busy when it is not: given by that
        count, tasks alternated between the workers, and the one ahead stopped at its fourth
        result waiting (0.2 to 0.27 s each in a 100,000-request run, three runs). Given to the
        worker whose pipe holds less, a worker ahead takes more of them: its waits were 0.09
        to 0.27 s, and in six alternated pairs the run's median time was 2.04 s against
        2.08 s (CS02b, five pairs: 1.77 s against 1.80 s)."""
        try:
            unread = _unread(self.tasks[index].fileno())
        except OSError:  # the worker is gone: its results pipe says so
            unread = 0
        return self.queued[index] - self.sent[index], unread, -self.load[index]

    def _room(self, index: int, size: int, unread: int) -> bool:
        """Whether a task of ``size`` bytes is small and its worker's task pipe, holding
        ``unread`` bytes (:meth:`_backlog`'s reading, which the worker can only have lowered
        since), has room for it now, so that writing it never waits for the worker (only the
        parent writes there now). The pipe holds pages: all full but the partly read and
        partly written ones, and the task may take two more."""
        if size > SMALL_TASK:
            return False
        capacity = self.capacity[index]
        if capacity is None:
            import fcntl

            try:
                capacity = fcntl.fcntl(self.tasks[index].fileno(), fcntl.F_GETPIPE_SZ)
            except OSError:
                return False
            self.capacity[index] = capacity  # only this process could change it: read once
        return unread + 4 * _PAGE <= capacity

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
        done, value, payload = self.arrived[index].popleft()
        if not done:
            raise value
        return value, payload

    def _collect(self, block: bool) -> None:
        """Take in the results that have arrived (waiting for one when ``block``)."""
        busy = [i for i, load in enumerate(self.load) if load]
        if not busy:
            return
        for index in self._readable(busy, block):
            meta, size, held = _HEADER.unpack(self._receive(index, _HEADER.size))
            done, value = pickle.loads(self._receive(index, meta))
            payload: bytes | bytearray | Held
            if held:
                payload = Held(self, index, size, self.held[index])
                self.held[index] += 1
            else:
                payload = self._receive(index, size)
            self.arrived[index].append((done, value, payload))
            self.load[index] -= 1

    def _readable(self, busy: list[int], block: bool) -> list[int]:
        """The workers of ``busy`` whose results pipe can be read (or has closed), waiting for
        one when ``block``. One poll object is kept, registered with the busy workers' pipes
        as they change: a wait is one system call, where ``multiprocessing.connection.wait``
        built and filled a selector each time (about three times a block)."""
        if busy != self.polled:
            for index in set(self.polled) - set(busy):
                self.poller.unregister(self.results[index])
            for index in set(busy) - set(self.polled):
                self.poller.register(self.results[index], select.POLLIN)
            self.polled = busy
        events = self.poller.poll(None if block else 0)
        return [self.results.index(fd) for fd, _ in events]

    def _receive(self, index: int, size: int) -> bytearray:
        """``size`` bytes from worker ``index``'s results pipe; :class:`WorkerDied` when it
        closes first (at a result's start or within one)."""
        try:
            return _read_all(self.results[index], size)
        except EOFError:
            raise WorkerDied(self._ending(self.pids[index])) from None

    def _settle(self, held: Held, offset: int, edit: Any, size: int) -> None:
        """Tell the worker holding ``held`` (its oldest held bytes) where to write them, and how
        to edit them."""
        index = held.index
        if held.number != self.placed[index]:
            raise RuntimeError("a worker's held results must be placed in the order they came")
        self.placed[index] += 1
        change = b"" if edit is None else pickle.dumps(edit, pickle.HIGHEST_PROTOCOL)
        # A worker gone: its results pipe, or its exit status, says so.
        with contextlib.suppress(OSError):
            _write_all(self.grants[index], [_GRANT.pack(offset, size, len(change)), change])

    def _ending(self, pid: int) -> str:
        """How a worker whose results pipe closed ended (it is reaped here); a worker that
        could not write into the output raises :class:`PlaceFailed`."""
        self.pids.remove(pid)
        try:
            _, status = os.waitpid(pid, 0)
        except ChildProcessError:
            return f"worker process {pid} ended unexpectedly"
        return self._status(pid, status)

    def _status(self, pid: int, status: int) -> str:
        if os.WIFSIGNALED(status):
            name = signal.Signals(os.WTERMSIG(status)).name
            return f"worker process {pid} was killed by {name}"
        code = os.waitstatus_to_exitcode(status)
        if self.placing and code == _EDIT_FAILED:
            return f"worker process {pid} could not edit a result as granted"
        if self.placing and code > _PLACE_FAILED:
            number = code - _PLACE_FAILED
            raise PlaceFailed(number, os.strerror(number))
        return f"worker process {pid} ended unexpectedly (exit status {code})"

    def _send(self) -> None:
        while (item := self.outbox.get()) is not None:
            index, data = item
            try:
                self.tasks[index].send_bytes(data)
            except OSError:  # the worker is gone: the parent hears of it from its results
                return
            self.sent[index] += 1
        for connection in self.tasks:  # the last task is sent: the workers may leave
            connection.close()

    def close(self) -> None:
        """After the last result, every held one placed: let the workers leave and wait for
        them. When they were placing results, each must have ended well: else what it was to
        write is missing (:class:`WorkerDied`, or :class:`PlaceFailed`)."""
        unplaced = sum(self.held) - sum(self.placed)
        if unplaced:
            self.stop()
            raise RuntimeError(f"{unplaced} held result(s) were never placed")
        self.end()
        self.sender.join()
        for connection in self.tasks:  # if the sender left early, at a worker gone
            connection.close()
        self._close_grants()
        self._reap()
        if self.placing:
            for pid, status in self.ended.items():
                if status:
                    raise WorkerDied(self._status(pid, status))

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
        self._close_grants()
        self._reap()

    def _close_grants(self) -> None:
        for fd in self.grants:  # a worker still waiting for a grant reads the end and leaves
            with contextlib.suppress(OSError):
                os.close(fd)
        self.grants = []

    def _reap(self) -> None:
        for pid in self.pids:
            with contextlib.suppress(ChildProcessError):
                self.ended[pid] = os.waitpid(pid, 0)[1]
        self.pids = []
        for fd in self.results:
            with contextlib.suppress(OSError):
                os.close(fd)
        self.results = []


def _enlarge(fd: int) -> None:
    """Give a pipe PIPE_BYTES of buffer where the system allows it (else it keeps its own).

    A result's bytes that go through a pipe (any block of a format the workers do not write
    into the output themselves) then cross in a few large writes rather than many 64 KB ones,
    each waking the other side: the reading process's CPU after the fork fell from 0.142 to
    0.151 s to 0.131 to 0.138 s on 20,000 CS02b commands to JSON Lines (five alternated runs
    each, when those blocks still came through the pipes), most of it in taking results."""
    import fcntl

    with contextlib.suppress(OSError):  # EPERM past the user's pipe quota, say
        fcntl.fcntl(fd, fcntl.F_SETPIPE_SZ, PIPE_BYTES)


PIPE_BYTES = 1 << 20  # Linux's default limit for an unprivileged process (pipe-max-size)


def _keep_heap() -> None:
    """Have the C heap keep its free top and serve MB-sized buffers (a block's lines, its
    records) itself, in this process and the workers forked from it: by default the top is
    given back whenever twice the mmap threshold is free, and the next block's buffers come
    back as fresh zeroed pages (about 60 page faults a block in the parent)."""
    import ctypes

    try:
        mallopt = ctypes.CDLL(None).mallopt
    except (OSError, AttributeError):  # not glibc
        return
    mallopt(_M_MMAP_THRESHOLD, 16 << 20)
    mallopt(_M_TRIM_THRESHOLD, 32 << 20)


_M_TRIM_THRESHOLD, _M_MMAP_THRESHOLD = -1, -3  # glibc's mallopt parameters


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
