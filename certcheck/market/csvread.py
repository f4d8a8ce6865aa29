"""Tolerant reading of the user's CSV configuration files, strict about their content.

Tolerated: any column order, header case and surrounding spaces, a UTF-8 byte order mark, CRLF
line ends, blank lines, extra columns (ignored). Not tolerated: a missing required column, a
repeated column, a row with a different number of fields than the header, text that is not
UTF-8, a line longer than :data:`MAX_LINE_CHARS`. Every error is a :class:`RegistryError`
reading ``FILE:LINE:COLUMN: what is wrong`` (SPEC.md, "Inputs": a malformed mapping or registry
is a usage error naming file, line, column).

The file is read once, as a stream, a line at a time under the line limit (SPEC.md, "Output
safety"): a FIFO or process substitution works, and ``/dev/zero`` or ``/dev/urandom`` is an
error after one line rather than a hang or a runaway of memory.
"""

from __future__ import annotations

import csv
import os
import stat
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO

from certcheck.errors import RegistryError

MAX_LINE_CHARS = 64 * 1024  # a meters.csv or operators.csv row is under 200 characters


def located(path: str, line: int | None, column: str | None, message: str) -> RegistryError:
    """Build a RegistryError with the ``FILE:LINE:COLUMN: message`` prefix."""
    where = path
    if line is not None:
        where += f":{line}"
        if column is not None:
            where += f":{column}"
    return RegistryError(f"{where}: {message}")


@dataclass(frozen=True, slots=True)
class Header:
    """Column positions by normalised (lower-case, stripped) name, and the header's line."""

    path: str
    names: tuple[str, ...]
    index: dict[str, int]
    line: int = 1

    def position(self, name: str) -> int | None:
        return self.index.get(name)


def _normalise(name: str) -> str:
    return name.strip().lower()


def read_rows(
    path: str | Path,
    *,
    required: tuple[str, ...],
    optional: tuple[str, ...] = (),
    any_of: tuple[str, ...] = (),
    check_width: bool = True,
) -> tuple[Header, Iterator[tuple[int, list[str]]]]:
    """Open a CSV file; check its header; return it and an iterator of (line, fields).

    ``any_of`` names columns of which at least one must be present. Blank lines are skipped.
    ``check_width=False`` yields rows whose field count differs from the header's (the caller
    judges them) instead of raising.
    The header is checked before this returns; row errors surface while iterating.
    """
    handle, reader, header = _open(path, required, optional, any_of)
    return header, _rows(handle, reader, header, check_width)


def read_header(
    path: str | Path,
    *,
    required: tuple[str, ...],
    optional: tuple[str, ...] = (),
    any_of: tuple[str, ...] = (),
) -> Header:
    """The checked header of a CSV file, as :func:`read_rows` reads it (the file is closed)."""
    handle, _, header = _open(path, required, optional, any_of)
    handle.close()
    return header


def _open(
    path: str | Path,
    required: tuple[str, ...],
    optional: tuple[str, ...],
    any_of: tuple[str, ...],
) -> tuple[IO[str], csv.Reader, Header]:
    """The open file, its csv reader past the header, and the checked header."""
    shown = str(path)
    try:
        handle = open(path, encoding="utf-8-sig", newline="")  # noqa: SIM115 - closed by rows()
    except OSError as exc:
        raise RegistryError(f"{shown}: cannot read: {exc.strerror or exc}") from exc
    reader = csv.reader(bounded_lines(handle, shown), strict=True)
    try:
        header = _header(reader, shown, required, optional, any_of)
    except BaseException:
        handle.close()
        raise
    return handle, reader, header


def _header(
    reader: csv.Reader,
    shown: str,
    required: tuple[str, ...],
    optional: tuple[str, ...],
    any_of: tuple[str, ...],
) -> Header:
    header_row = _first_nonblank(reader, shown)
    if header_row is None:
        expected = ", ".join(required + optional)
        raise located(shown, 1, None, f"empty file; expected a header line with columns {expected}")
    header_line = reader.line_num
    names = tuple(_normalise(n) for n in header_row)
    index: dict[str, int] = {}
    for position, name in enumerate(names):
        if name in index:
            raise located(shown, header_line, name, "column appears twice in the header")
        if name:
            index[name] = position
    for name in required:
        if name not in index:
            raise located(
                shown,
                header_line,
                name,
                f"missing required column {name!r} (the header has: {', '.join(names)})",
            )
    if any_of and not any(name in index for name in any_of):
        raise located(
            shown, header_line, any_of[0], f"missing column: expected one of {', '.join(any_of)}"
        )
    return Header(shown, names, index, header_line)


def bounded_lines(handle: IO[str], shown: str) -> Iterator[str]:
    """The lines of ``handle``, raising RegistryError at the first longer than MAX_LINE_CHARS."""
    number = 0
    while line := handle.readline(MAX_LINE_CHARS + 1):
        number += 1
        if len(line) > MAX_LINE_CHARS:
            raise located(
                shown,
                number,
                None,
                f"line of more than {MAX_LINE_CHARS} characters: not a CSV file of this kind",
            )
        yield line


def _not_utf8(shown: str, error: UnicodeDecodeError) -> RegistryError:
    """Locate the first line that is not UTF-8: a regular file is read again, line by line
    under the limit (only on this error path); a stream cannot be, so its message names the
    byte only."""
    byte = error.object[error.start]
    advice = f"not UTF-8 text (byte 0x{byte:02X}); save the file as UTF-8"
    try:
        regular = stat.S_ISREG(os.stat(shown).st_mode)
    except OSError:
        regular = False
    if not regular:
        return located(shown, None, None, advice)
    with open(shown, "rb") as handle:
        for number, line in enumerate(iter(lambda: handle.readline(MAX_LINE_CHARS + 1), b""), 1):
            try:
                line.removeprefix(b"\xef\xbb\xbf" if number == 1 else b"").decode("utf-8")
            except UnicodeDecodeError as bad:
                return located(
                    shown,
                    number,
                    None,
                    f"not UTF-8 text (byte 0x{line[bad.start]:02X}); save the file as UTF-8",
                )
    return located(shown, None, None, advice)


def _first_nonblank(reader: csv.Reader, shown: str) -> list[str] | None:
    try:
        for row in reader:
            if row and any(cell.strip() for cell in row):
                return row
    except UnicodeDecodeError as exc:
        raise _not_utf8(shown, exc) from exc
    except csv.Error as exc:
        raise located(shown, reader.line_num, None, f"not valid CSV: {exc}") from exc
    return None


def _rows(
    handle, reader: csv.Reader, header: Header, check_width: bool = True
) -> Iterator[tuple[int, list[str]]]:
    width = len(header.names)
    with handle:
        try:
            for row in reader:
                if len(row) != width:
                    if not row or (len(row) == 1 and not row[0].strip()):
                        continue
                    if not check_width:
                        yield reader.line_num, row
                        continue
                    line = reader.line_num
                    if len(row) < width:
                        missing = header.names[len(row)]
                        raise located(
                            header.path,
                            line,
                            missing,
                            f"row has {len(row)} fields, the header has {width}; "
                            f"expected a value for column {missing!r}",
                        )
                    raise located(
                        header.path,
                        line,
                        None,
                        f"row has {len(row)} fields, the header has {width} "
                        "(a value with a comma must be in double quotes)",
                    )
                yield reader.line_num, row
        except UnicodeDecodeError as exc:
            raise _not_utf8(header.path, exc) from exc
        except csv.Error as exc:
            raise located(header.path, reader.line_num, None, f"not valid CSV: {exc}") from exc
