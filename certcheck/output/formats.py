"""The output formats: an explicit map from format name to writer, nothing registered by import."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import Any

from certcheck.output.csvout import CsvWriter
from certcheck.output.sarif import SarifWriter
from certcheck.output.table import TableWriter
from certcheck.output.writers import AtomicOutput, JsonArrayWriter, JsonLinesWriter, RecordWriter

WRITERS: Mapping[str, Callable[..., RecordWriter]] = {
    "table": TableWriter,
    "json": JsonArrayWriter,
    "jsonl": JsonLinesWriter,
    "csv": CsvWriter,
    "sarif": SarifWriter,
}


def open_writer(
    fmt: str, path: str | None, refuse: Iterable[str | None] = (), **options: Any
) -> RecordWriter:
    """A writer for ``fmt`` to ``path`` (None or ``-`` for standard output); ``refuse`` names
    files the output must not be (raises ``OutputError``)."""
    return WRITERS[fmt](AtomicOutput(path, refuse), **options)
