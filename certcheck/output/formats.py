"""The output formats: an explicit map from format name to writer, nothing registered by import.

Each writer's module is imported when its format is asked for: the table's pulls in rich's
console (about 40 ms of start-up), which a JSON Lines run never uses.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from importlib import import_module
from typing import Any

from certcheck.output.writers import AtomicOutput, RecordWriter

# format name -> (module, writer class)
WRITERS: Mapping[str, tuple[str, str]] = {
    "table": ("certcheck.output.table", "TableWriter"),
    "json": ("certcheck.output.writers", "JsonArrayWriter"),
    "jsonl": ("certcheck.output.writers", "JsonLinesWriter"),
    "csv": ("certcheck.output.csvout", "CsvWriter"),
    "sarif": ("certcheck.output.sarif", "SarifWriter"),
}


def open_writer(
    fmt: str, path: str | None, refuse: Iterable[str | None] = (), **options: Any
) -> RecordWriter:
    """A writer for ``fmt`` to ``path`` (None or ``-`` for standard output); ``refuse`` names
    files the output must not be (raises ``OutputError``)."""
    module, name = WRITERS[fmt]
    writer: type[RecordWriter] = getattr(import_module(module), name)
    return writer(AtomicOutput(path, refuse), **options)
