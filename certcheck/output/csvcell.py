"""CSV text safe to open in a spreadsheet: every CSV certcheck writes is built here.

A cell that starts with ``=``, ``+``, ``-``, ``@``, tab or CR is a formula to Excel and
LibreOffice (``=HYPERLINK(...)``, ``+cmd|...``), so such text gets a leading ``'``. A cell
holding a comma, a double quote, CR or LF is quoted (the csv module leaves a lone CR bare,
which splits the row in most readers). See SPEC.md, "Output safety", and OWASP's "CSV
Injection".
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_QUOTE_IF = (",", '"', "\r", "\n")


def cell(value: Any) -> str:
    """One CSV field: None is empty, numbers as they are, text neutralised and quoted."""
    if value is None:
        return ""
    if isinstance(value, int | float) and not isinstance(value, bool):
        return str(value)
    text = str(value)
    if text.startswith(_FORMULA_START):
        text = "'" + text
    if any(mark in text for mark in _QUOTE_IF):
        return '"' + text.replace('"', '""') + '"'
    return text


def row(values: Iterable[Any]) -> str:
    """One CSV line, ``\\n``-ended."""
    return ",".join(map(cell, values)) + "\n"
