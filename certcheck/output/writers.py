"""Record writers' common parts: the interface, atomic output, and the two JSON writers.

A writer given a path writes to a temporary file beside it and renames it into place only on
``close()``; ``abort()`` removes the temporary file, so an interrupted run leaves either the
previous file or a complete new one.
"""

from __future__ import annotations

import contextlib
import json
import os
import sys
import tempfile
from typing import IO, Any, Protocol

from certcheck.audit.serialise import dumps


class RecordWriter(Protocol):
    """What every output format offers: records in, then a commit or an abort."""

    def write(self, record: dict[str, Any]) -> None:
        """Write one SPEC.md record."""

    def close(self) -> None:
        """Finish the output and put it in place."""

    def abort(self) -> None:
        """Drop the output, leaving any earlier file as it was."""


class AtomicOutput:
    """A text stream (bytes with ``binary``) that is standard output, or a temporary file
    renamed on commit."""

    def __init__(self, path: str | None, binary: bool = False) -> None:
        self.path = path
        self._tmp: str | None = None
        if path is None or path == "-":
            self.stream: IO[Any] = sys.stdout.buffer if binary else sys.stdout
            return
        directory = os.path.dirname(os.path.abspath(path))
        fd, self._tmp = tempfile.mkstemp(prefix=".certcheck-", suffix=".tmp", dir=directory)
        if binary:
            self.stream = os.fdopen(fd, "wb")
        else:
            self.stream = os.fdopen(fd, "w", encoding="utf-8", newline="")

    def commit(self) -> None:
        self.stream.flush()
        if self._tmp is None:
            return
        os.fsync(self.stream.fileno())
        self.stream.close()
        os.replace(self._tmp, self.path)  # type: ignore[arg-type]
        self._tmp = None

    def discard(self) -> None:
        if self._tmp is None:
            return
        self.stream.close()
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
    """One JSON array, streamed element by element."""

    def __init__(self, out: AtomicOutput) -> None:
        self.out = out
        self.first = True
        out.stream.write("[")

    def write(self, record: dict[str, Any]) -> None:
        self.out.stream.write("\n" if self.first else ",\n")
        self.out.stream.write(json.dumps(record, ensure_ascii=False, indent=None))
        self.first = False

    def close(self) -> None:
        self.out.stream.write("\n]\n")
        self.out.commit()

    def abort(self) -> None:
        self.out.discard()
