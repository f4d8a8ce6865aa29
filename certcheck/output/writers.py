"""Record writers' common parts: the interface, safe output, and the two JSON writers.

``-o`` (SPEC.md, "Output safety"): a regular file, or a name not yet taken, is written to a
temporary file beside it and renamed into place only on ``close()`` (a new file gets the
umask's mode, a replaced one keeps its mode); ``abort()`` removes the temporary file, so an
interrupted run leaves either the previous file or a complete new one. A FIFO or a device is
written straight into, never replaced. A symlink is followed to its target. A path that is
the same file as one the run reads or writes otherwise (the audit store) is refused. Any
failure to write (disk full, permission, read-only file system) is an :class:`OutputError`
naming the file, with no temporary file left behind.
"""

from __future__ import annotations

import contextlib
import os
import stat
import sys
import tempfile
from collections.abc import Callable, Iterable
from typing import IO, Any, Protocol

from certcheck.audit.serialise import dumps, element
from certcheck.errors import OutputError


class RecordWriter(Protocol):
    """What every output format offers: records in, then a commit or an abort."""

    def write(self, record: dict[str, Any]) -> None:
        """Write one SPEC.md record."""

    def close(self) -> None:
        """Finish the output and put it in place."""

    def abort(self) -> None:
        """Drop the output, leaving any earlier file as it was."""


def cannot_write(name: str, exc: OSError) -> OutputError:
    """The one-line error for an OSError met while writing ``name``."""
    return OutputError(f"{name}: cannot write ({exc.strerror or exc})")


def same_file(first: str, second: str) -> bool:
    """True when two paths name one file (by device and inode, else by resolved path)."""
    try:
        return os.path.samefile(first, second)
    except OSError:
        return os.path.realpath(first) == os.path.realpath(second)


def _umask() -> int:
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


WRITEBACK_BYTES = 16 << 20  # a file being written is sent on to the disk this often
SYNC_BYTES = 64 << 20  # and synced, in the background, this often


class _Sink:
    """A text stream whose write errors become :class:`OutputError` (a broken pipe stays).

    With ``writeback`` (a file synced at its end, :meth:`sync`), what is flushed is sent on
    to the disk every WRITEBACK_BYTES, and synced every SYNC_BYTES by a thread, so that the
    final sync has little left to wait for. The file system then commits the file's growth
    as it goes: a 277 MB report's final ``fsync`` took 0.01 to 0.04 s on the development
    machine's disk, against 0.1 to 0.37 s when it was only sent on.
    """

    def __init__(self, stream: IO[str], name: str, writeback: bool = False) -> None:
        self._stream = stream
        self._name = name
        self._written = 0 if writeback else -1  # where the file was last sent on; -1: never
        self._synced = 0  # where the last background sync was asked for
        self._syncing: _Syncing | None = None

    def write(self, text: str) -> int:
        try:
            return self._stream.write(text)
        except BrokenPipeError:
            raise
        except OSError as exc:
            raise cannot_write(self._name, exc) from None

    def write_utf8(self, data: bytes | bytearray) -> None:
        """Write text already encoded, after the text written so far (a UTF-8 stream only)."""
        try:
            self._stream.flush()
            self._stream.buffer.write(data)
        except BrokenPipeError:
            raise
        except OSError as exc:
            raise cannot_write(self._name, exc) from None

    def placing_fd(self) -> int | None:
        """The descriptor of the regular file being written, where bytes held by a worker
        may be placed (:meth:`place`); None for standard output, a FIFO or a device."""
        if self._written < 0:
            return None
        try:
            return int(self._stream.fileno())
        except (OSError, ValueError):
            return None

    def place(self, place: Callable[[int], int]) -> None:
        """Have bytes a worker holds written after what was written so far, by ``place``
        given their offset and returning their size (a UTF-8 stream on :meth:`placing_fd`
        only); later writes follow them."""
        try:
            self._stream.flush()
            fd = self._stream.fileno()
            offset = os.lseek(fd, 0, os.SEEK_CUR)
            size = place(offset)
            os.lseek(fd, offset + size, os.SEEK_SET)
        except OSError as exc:
            raise cannot_write(self._name, exc) from None

    def flush(self) -> None:
        try:
            self._stream.flush()
        except BrokenPipeError:
            raise
        except OSError as exc:
            raise cannot_write(self._name, exc) from None
        if self._written >= 0:
            self._write_back()

    def _write_back(self) -> None:
        """Start writing what was flushed since the last time to the disk (not waiting), and
        every SYNC_BYTES a sync of the file by a thread, when the last one has ended."""
        with contextlib.suppress(OSError, ValueError, AttributeError):  # no posix_fadvise
            fd = self._stream.fileno()
            end = os.lseek(fd, 0, os.SEEK_CUR)
            if end - self._written >= WRITEBACK_BYTES:
                os.posix_fadvise(fd, self._written, end - self._written, os.POSIX_FADV_DONTNEED)
                self._written = end
            if end - self._synced >= SYNC_BYTES and (self._syncing is None or self._syncing.done()):
                with contextlib.suppress(RuntimeError):  # no thread to be had: the end syncs
                    self._syncing = _Syncing(fd, self._syncing)
                    self._synced = end

    def sync(self) -> None:
        """Flush, and sync the file to the disk: the background sync's error, if it met one
        (a later sync does not report it again), else the final sync's, as OSError."""
        self._stream.flush()
        syncing, self._syncing = self._syncing, None
        if syncing is not None:
            syncing.wait()
        os.fsync(self._stream.fileno())

    def end_syncing(self) -> None:
        """Wait for a background sync still running (its error is dropped: the output is)."""
        if self._syncing is not None:
            with contextlib.suppress(OSError):
                self._syncing.wait()
            self._syncing = None

    def __getattr__(self, name: str) -> Any:  # isatty, fileno, encoding: as the stream has them
        return getattr(self._stream, name)


class _Syncing:
    """``fdatasync`` of a file by a thread of its own; :meth:`wait` raises what it met, or
    what an earlier one met that no one waited for."""

    def __init__(self, fd: int, earlier: _Syncing | None) -> None:
        import threading

        self.error: OSError | None = earlier.error if earlier is not None else None
        self.thread = threading.Thread(target=self._run, args=(fd,), daemon=True)
        self.thread.start()

    def _run(self, fd: int) -> None:
        try:
            os.fdatasync(fd)
        except OSError as exc:
            self.error = self.error or exc

    def done(self) -> bool:
        return not self.thread.is_alive()

    def wait(self) -> None:
        self.thread.join()
        if self.error is not None:
            raise self.error


class AtomicOutput:
    """A text stream: standard output, a FIFO or device written straight into, or a temporary
    file renamed over the regular file (or new name) on commit."""

    def __init__(
        self, path: str | None, refuse: Iterable[str | None] = (), binary: bool = False
    ) -> None:
        self.path = path
        self.binary = binary  # a byte stream (the gate's files), else text
        self._tmp: str | None = None
        self._target: str | None = None
        self._owned = path is not None and path != "-"  # a file this output opened and closes
        if not self._owned:
            self.stream: Any = _Sink(
                sys.stdout.buffer if binary else sys.stdout, "standard output"
            )
            return
        for other in refuse:
            if other and same_file(path, other):
                raise OutputError(f"-o {path}: this is the audit store; name another file")
        target = os.path.realpath(path)  # a symlink is followed: its target is written
        try:
            mode = os.stat(target).st_mode
        except FileNotFoundError:
            mode = None
        except OSError as exc:
            raise cannot_write(path, exc) from None
        try:
            if mode is not None and not stat.S_ISREG(mode) and binary:
                handle = open(target, "wb")  # noqa: SIM115
            elif mode is not None and not stat.S_ISREG(mode):
                handle = open(target, "w", encoding="utf-8", errors="backslashreplace")  # noqa: SIM115
            else:
                handle = self._temporary(target, mode)
        except OSError as exc:
            raise cannot_write(path, exc) from None
        self.stream = _Sink(handle, path, writeback=self._tmp is not None)

    def _temporary(self, target: str, mode: int | None) -> IO[str]:
        fd, self._tmp = tempfile.mkstemp(
            prefix=".certcheck-", suffix=".tmp", dir=os.path.dirname(target)
        )
        self._target = target
        try:
            os.fchmod(fd, stat.S_IMODE(mode) if mode is not None else 0o666 & ~_umask())
            if self.binary:
                return os.fdopen(fd, "wb")
            return os.fdopen(fd, "w", encoding="utf-8", errors="backslashreplace", newline="")
        except BaseException:
            os.close(fd)
            self._remove()
            raise

    def commit(self) -> None:
        """Flush and put the output in place; on failure remove the temporary file and raise
        :class:`OutputError`."""
        if not self._owned:
            self.stream.flush()
            return
        try:
            self.stream.flush()
            if self._tmp is not None:
                self.stream.sync()
            self.stream.close()
            if self._tmp is not None:
                os.replace(self._tmp, self._target)  # type: ignore[arg-type]
                self._tmp = None
        except OSError as exc:
            self.discard()
            raise cannot_write(str(self.path), exc) from None
        except BaseException:
            self.discard()
            raise

    def discard(self) -> None:
        """Drop what was written: the temporary file is removed (a FIFO is just closed)."""
        if not self._owned:
            return
        self.stream.end_syncing()
        with contextlib.suppress(OSError):
            self.stream.close()
        self._remove()

    def _remove(self) -> None:
        if self._tmp is not None:
            with contextlib.suppress(OSError):
                os.unlink(self._tmp)
            self._tmp = None


class JsonLinesWriter:
    """One record a line."""

    def __init__(self, out: AtomicOutput) -> None:
        self.out = out

    def write(self, record: dict[str, Any]) -> None:
        self.out.stream.write(dumps(record) + "\n")

    def close(self) -> None:
        self.out.commit()

    def abort(self) -> None:
        self.out.discard()


class JsonArrayWriter:
    """One JSON array, streamed element by element, each on a line of its own."""

    def __init__(self, out: AtomicOutput) -> None:
        self.out = out
        self.first = True
        out.stream.write("[")

    def write(self, record: dict[str, Any]) -> None:
        self.out.stream.write(self._before_next() + element(record))

    def write_elements(self, text: str) -> None:
        """Records already written as :func:`element` gives them, each ended by ``\\n`` (JSON
        escapes every other line break, so these are the only ones)."""
        if text:
            self.out.stream.write(self._before_next() + text[:-1].replace("\n", ",\n"))

    def write_elements_utf8(self, data: bytes | bytearray) -> None:
        """:meth:`write_elements` for the same text UTF-8 encoded (a UTF-8 stream only)."""
        if data:
            self.out.stream.write(self._before_next())
            self.out.stream.write_utf8(data[:-1].replace(b"\n", b",\n"))

    def _before_next(self) -> str:
        """What goes before the next element: a line break, and a comma after the first."""
        before, self.first = ("\n" if self.first else ",\n"), False
        return before

    def close(self) -> None:
        self.out.stream.write("\n]\n")
        self.out.commit()

    def abort(self) -> None:
        self.out.discard()
