"""Where items come from: files, directories (recursive), standard input, JSON Lines batches.

Sources only read bytes; they never decode or judge. A JSON Lines file is recognised by content
(its first non-blank byte is ``{``) and streamed line by line, each line an item ``FILE#LINE``.
"""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from certcheck.audit.limits import DEFAULT_LIMITS, Limits

STDIN = "-"


@dataclass(frozen=True, slots=True)
class RawInput:
    """Bytes of one item, or why they could not be read."""

    source: str
    data: bytes | None
    error: str | None = None
    where: str | None = None
    jsonl: bool = False


class NoInput(Exception):
    """A named path does not exist (a usage error)."""


def iter_paths(paths: Iterable[str]) -> Iterator[str | Path]:
    """Expand directories recursively (sorted, hidden entries skipped); keep ``-`` as is."""
    for name in paths:
        if name == STDIN:
            yield STDIN
            continue
        path = Path(name)
        if path.is_dir():
            yield from _walk(path)
        elif path.exists() or path.is_symlink():
            yield path
        else:
            raise NoInput(f"{name}: no such file or directory")


def _walk(root: Path) -> Iterator[Path]:
    try:
        entries = sorted(os.scandir(root), key=lambda e: e.name)
    except OSError as exc:
        yield root / f"<unreadable directory: {exc.strerror}>"
        return
    for entry in entries:
        if entry.name.startswith("."):
            continue
        path = Path(entry.path)
        if entry.is_dir(follow_symlinks=False):
            yield from _walk(path)
        else:
            yield path


def iter_raw(paths: Iterable[str], limits: Limits = DEFAULT_LIMITS) -> Iterator[RawInput]:
    """Every item's bytes, in input order."""
    for path in iter_paths(paths):
        if path == STDIN:
            yield from _from_stream(sys.stdin.buffer, "<stdin>", limits)
            continue
        try:
            handle = open(path, "rb")  # noqa: SIM115 - closed below, streamed for JSON Lines
        except OSError as exc:
            yield RawInput(str(path), None, f"cannot read: {exc.strerror or exc}")
            continue
        with handle:
            try:
                yield from _from_stream(handle, str(path), limits)
            except OSError as exc:
                yield RawInput(str(path), None, f"cannot read: {exc.strerror or exc}")


def _from_stream(handle, source: str, limits: Limits) -> Iterator[RawInput]:  # type: ignore[no-untyped-def]
    head = handle.read(4096)
    if head.lstrip(b"\xef\xbb\xbf \t\r\n")[:1] == b"{":
        yield from _jsonl_lines(head, handle, source, limits)
        return
    rest = handle.read(limits.max_item_bytes + 1 - len(head)) if len(head) == 4096 else b""
    data = head + rest
    if len(data) > limits.max_item_bytes:
        yield RawInput(
            source,
            None,
            f"item of more than {limits.max_item_bytes} bytes exceeds "
            f"max_item_bytes={limits.max_item_bytes}",
            f"offset 0x{limits.max_item_bytes:X}",
        )
        return
    yield RawInput(source, data)


def _jsonl_lines(head: bytes, handle, source: str, limits: Limits) -> Iterator[RawInput]:  # type: ignore[no-untyped-def]
    # ``start`` walks the buffer; it is cut only when refilled, so each byte is copied once.
    buffer = head
    start = 0
    line_no = 0
    while True:
        newline = buffer.find(b"\n", start)
        if newline < 0:
            buffer, start = buffer[start:], 0
            if len(buffer) > limits.max_line_bytes:
                line_no += 1
                yield _too_long(source, line_no, limits)
                buffer = _skip_to_newline(handle)
                if buffer is None:
                    return
                continue
            chunk = handle.read(1 << 20)
            if not chunk:
                if buffer.strip():
                    line_no += 1
                    yield RawInput(f"{source}#{line_no}", buffer, jsonl=True)
                return
            buffer += chunk
            continue
        line, start = buffer[start:newline], newline + 1
        line_no += 1
        if len(line) > limits.max_line_bytes:
            yield _too_long(source, line_no, limits)
        elif line.strip():
            yield RawInput(f"{source}#{line_no}", line, jsonl=True)


def _too_long(source: str, line_no: int, limits: Limits) -> RawInput:
    return RawInput(
        f"{source}#{line_no}",
        None,
        f"JSON Lines line {line_no} of more than {limits.max_line_bytes} bytes exceeds "
        f"max_line_bytes={limits.max_line_bytes}",
        f"line {line_no}",
    )


def _skip_to_newline(handle) -> bytes | None:  # type: ignore[no-untyped-def]
    while True:
        chunk = handle.read(1 << 20)
        if not chunk:
            return None
        newline = chunk.find(b"\n")
        if newline >= 0:
            return chunk[newline + 1 :]


def jsonl_payload(line: bytes) -> tuple[bytes | None, str | None]:
    """The payload bytes of one JSON Lines entry, or why it has none."""
    try:
        entry = json.loads(line)
    except (ValueError, UnicodeDecodeError) as exc:
        return None, f"line is not valid JSON: {exc}"
    if not isinstance(entry, dict):
        return None, 'line is not a JSON object with a "payload" field'
    payload = entry.get("payload")
    if not isinstance(payload, str):
        return None, 'JSON Lines entry has no string "payload" field'
    return payload.encode("utf-8"), None
