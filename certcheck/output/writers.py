"""Record writers: one small class per format behind one interface, written atomically.

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


class RecordWriter(Protocol):
    def write(self, record: dict[str, Any]) -> None: ...
    def close(self) -> None: ...
    def abort(self) -> None: ...


class AtomicOutput:
    """A text stream that is standard output, or a temporary file renamed on commit."""

    def __init__(self, path: str | None) -> None:
        self.path = path
        self._tmp: str | None = None
        if path is None or path == "-":
            self.stream: IO[str] = sys.stdout
            return
        directory = os.path.dirname(os.path.abspath(path))
        fd, self._tmp = tempfile.mkstemp(prefix=".certcheck-", suffix=".tmp", dir=directory)
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


def dumps(record: dict[str, Any]) -> str:
    """Stable compact JSON for one record."""
    return json.dumps(record, ensure_ascii=False, separators=(",", ":"))


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


WRITERS: dict[str, type] = {"json": JsonArrayWriter, "jsonl": JsonLinesWriter}


def open_writer(fmt: str, path: str | None, **options: Any) -> RecordWriter:
    """A writer for ``fmt`` to ``path`` (None or ``-`` for standard output)."""
    from certcheck.output import csvout, sarif, table  # noqa: F401 - register their formats

    out = AtomicOutput(path)
    return WRITERS[fmt](out, **options)
