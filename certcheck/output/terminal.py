"""Consoles for data: control characters escaped, markup in data never interpreted.

``[/x]`` in a certificate subject or a party name is markup to rich (a MarkupError, or a
style the data chose). Every console certcheck prints data on is a :class:`SafeConsole`, and
Text built by hand from data goes through :func:`plain` (SPEC.md, "Output safety").
"""

from __future__ import annotations

from typing import Any

from rich.console import Console
from rich.text import Text

from certcheck.output.escape import printable


def plain(value: Any, style: str = "") -> Text:
    """Data as rich Text: escaped, never parsed as markup."""
    return Text(printable(str(value)), style=style)


class SafeConsole(Console):
    """A rich Console that never reads markup or emoji codes, and escapes every string."""

    def __init__(self, **options: Any) -> None:
        options.setdefault("markup", False)
        options.setdefault("emoji", False)
        options.setdefault("highlight", False)
        super().__init__(**options)

    def render_str(self, text: str, **options: Any) -> Text:  # type: ignore[override]
        options["markup"] = False
        options["emoji"] = False
        return super().render_str(printable(text), **options)
