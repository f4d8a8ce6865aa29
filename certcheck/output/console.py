"""Rich consoles for terminal output, honouring ``--color``, NO_COLOR and FORCE_COLOR.

``--color auto`` (the default) colours a terminal only, never when NO_COLOR is set to a
non-empty value (https://no-color.org), and also a pipe when FORCE_COLOR is set; ``always``
and ``never`` override both variables.
"""

from __future__ import annotations

import os
from typing import IO, Any

from rich.console import Console

from certcheck.output.terminal import SafeConsole

COLOR_CHOICES = ("auto", "always", "never")
_color = "auto"


def set_color(choice: str) -> None:
    """Choose colour for every console made after this: auto, always or never."""
    global _color
    if choice not in COLOR_CHOICES:
        raise ValueError(f"color must be one of {', '.join(COLOR_CHOICES)}, not {choice!r}")
    _color = choice


def color_mode() -> str:
    """``always`` or ``never`` once --color, NO_COLOR and FORCE_COLOR are weighed; else auto."""
    if _color != "auto":
        return _color
    if os.environ.get("NO_COLOR"):
        return "never"
    if os.environ.get("FORCE_COLOR"):
        return "always"
    return "auto"


def terminal_console(file: IO[str], width: int | None = None, **options: Any) -> Console:
    """A console writing to ``file``: the terminal's width there, else ``width`` columns.

    Emoji codes stay as written (``:smile:`` in a payload is shown as sent), which also spares
    loading rich's table of them. It is a :class:`SafeConsole`: data printed on it never reads
    as markup, and its control characters are shown escaped.
    """
    options.setdefault("emoji", False)
    mode = color_mode()
    is_tty = file.isatty()
    if mode == "never":
        options.update(color_system=None, force_terminal=False if not is_tty else None)
    elif mode == "always":
        term = os.environ.get("TERM", "")
        options.update(
            force_terminal=True,
            no_color=False,
            color_system="auto" if term not in ("", "dumb", "unknown") else "standard",
        )
    return SafeConsole(file=file, width=None if is_tty else width, **options)
