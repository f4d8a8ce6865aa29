"""Option types shared by several commands.

Here, in certcheck.cli.app and in the command modules annotations are objects, not strings (no
``from __future__ import annotations``): typer reads each command's and each option callback's
signature at start-up, and would compile and evaluate every string annotation twice.
"""

import sys
from enum import StrEnum
from typing import Annotated, Any

import click
import typer

from certcheck.audit import limit_defaults
from certcheck.checks import FAMILIES


class OutputFormat(StrEnum):
    TABLE = "table"
    JSON = "json"
    JSONL = "jsonl"


FORMAT_HELP = "Output format: table (terminal), json (one array) or jsonl (one record a line)."


LIMITS_PANEL = "Input limits (an item over one is reported INPUT_UNREADABLE)"


def limit_option(flag: str, what: str, default: int) -> Any:
    """A ``--max-...`` option: None keeps certcheck.audit.limits.DEFAULT_LIMITS."""
    return typer.Option(
        flag,
        min=1,
        metavar="N",
        help=f"{what} (default {default}).",
        rich_help_panel=LIMITS_PANEL,
    )


# The input limits shared by decode and verify; each defaults to None (DEFAULT_LIMITS applies).
MaxItemBytes = Annotated[
    int | None,
    limit_option(
        "--max-item-bytes", "Largest item (file or payload) in bytes", limit_defaults.MAX_ITEM_BYTES
    ),
]
MaxLineBytes = Annotated[
    int | None,
    limit_option(
        "--max-line-bytes", "Longest JSON Lines line in bytes", limit_defaults.MAX_LINE_BYTES
    ),
]
MaxDerDepth = Annotated[
    int | None,
    limit_option(
        "--max-der-depth",
        "Deepest DER nesting of a certificate or GBCS content",
        limit_defaults.MAX_DER_DEPTH,
    ),
]
MaxCertificates = Annotated[
    int | None,
    limit_option(
        "--max-certificates", "Most certificates in one item", limit_defaults.MAX_CERTIFICATES
    ),
]


class ListFormat(StrEnum):
    """Formats of a listing: ``certcheck checks`` and ``verify --list-checks``."""

    TABLE = "table"
    JSON = "json"
    CSV = "csv"


class ColorChoice(StrEnum):
    AUTO = "auto"
    ALWAYS = "always"
    NEVER = "never"


def _set_color(value: ColorChoice | None) -> ColorChoice | None:
    """Apply ``--color``. The default, auto, is what a console module not yet loaded starts
    with: it is not loaded for it (rich's console, about 40 ms, is left to the commands that
    print a table)."""
    if value is not None and (value != ColorChoice.AUTO or _CONSOLE in sys.modules):
        from certcheck.output.console import set_color

        set_color(value.value)
    return value


_CONSOLE = "certcheck.output.console"


# Terminal colour, shared by every command that prints a table; applied as soon as it is parsed.
Color = Annotated[
    ColorChoice,
    typer.Option(
        "--color",
        callback=_set_color,
        help="Colour terminal output: auto (on a terminal unless NO_COLOR is set; "
        "FORCE_COLOR colours a pipe too), always or never.",
    ),
]

# Quiet mode, shared by the commands that print notes, a summary or progress besides the report.
Quiet = Annotated[
    bool,
    typer.Option(
        "-q", "--quiet", help="Print the report and errors only: no notes, summary or progress."
    ),
]

CHECK_NAMES = f"codes or families ({', '.join(FAMILIES)}); comma-separated, repeatable"

# The click type of an option that names a file or directory: a configuration file gives
# such paths relative to itself (certcheck.cli.config).
PATH = click.Path()

CONFIG_PANEL = "Configuration"

# Where decoded inputs are kept for the next run (certcheck.compiled): verify and decode.
CacheDir = Annotated[
    str | None,
    typer.Option(
        "--cache-dir",
        click_type=PATH,
        help="Keep meters.csv and certificate files compiled here for the next run "
        "(default $XDG_CACHE_HOME/certcheck or ~/.cache/certcheck).",
    ),
]
NoCache = Annotated[
    bool,
    typer.Option(
        "--no-cache", help="Read meters.csv and certificate files afresh; keep no compiled copy."
    ),
]


def _config_seen(ctx: typer.Context, param: typer.CallbackParam, value: Any) -> Any:
    """--config and --no-config are eager: once both are parsed, and before any other option,
    the configuration's defaults for this command are set (command-line values still win)."""
    seen = ctx.meta.setdefault("certcheck.config", {})
    seen[param.name] = value
    if len(seen) == 2:
        from certcheck.cli.config import apply_config

        apply_config(ctx, seen["config"], seen["no_config"])
    return value


# Every command takes both: the configuration file, or none.
ConfigFile = Annotated[
    str | None,
    typer.Option(
        "--config",
        metavar="FILE",
        is_eager=True,
        callback=_config_seen,
        show_default=False,
        rich_help_panel=CONFIG_PANEL,
        help="Option defaults from FILE (certcheck.toml, or pyproject.toml's [tool.certcheck]) "
        "instead of the nearest in this directory or above.",
    ),
]
NoConfig = Annotated[
    bool,
    typer.Option(
        "--no-config",
        is_eager=True,
        callback=_config_seen,
        rich_help_panel=CONFIG_PANEL,
        help="Ignore configuration files.",
    ),
]
