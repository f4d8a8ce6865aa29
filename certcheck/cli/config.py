"""Option defaults from a configuration file (SPEC.md, "Commands").

``certcheck.toml``, or the ``[tool.certcheck]`` table of ``pyproject.toml``, is looked for in
the working directory and then each directory above it (``certcheck.toml`` first in each);
``--config FILE`` names one and ``--no-config`` ignores them. Keys are option names without
dashes (``fail_on`` or ``fail-on``), lists for repeatable options. Top-level keys apply to
every command that has the option; a table per command (``[verify]``) overrides them. Paths
are relative to the file.

The values become the command's click ``default_map``, read only for options that the
command line does not give, so the command line always wins. They are checked first, so an
unknown key or a bad value is one usage error naming the file and the key.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click
import typer

from certcheck.cli.common import UsageProblem

CONFIG_FILE = "certcheck.toml"
PYPROJECT = "pyproject.toml"
# The options that choose the configuration, and click's own: never read from a file.
NOT_CONFIGURABLE = frozenset({"config", "no_config", "help"})


def apply_config(ctx: click.Context, named: str | None, ignore: bool) -> None:
    """Set ``ctx.default_map`` from the configuration that applies to this command, if any."""
    if ignore:
        return
    path = Path(named) if named else find_config(Path.cwd())
    if path is None:
        return
    table = read_config(path, required=named is not None)
    if table:
        prefix = "tool.certcheck." if path.name == PYPROJECT else ""
        ctx.default_map = command_defaults(ctx, table, path, prefix)


def find_config(start: Path) -> Path | None:
    """The nearest certcheck.toml, or pyproject.toml with a ``[tool.certcheck]`` table."""
    for directory in (start, *start.parents):
        candidate = directory / CONFIG_FILE
        if candidate.is_file():
            return candidate
        candidate = directory / PYPROJECT
        if candidate.is_file() and read_config(candidate, required=False) is not None:
            return candidate
    return None


def read_config(path: Path, required: bool) -> dict[str, Any] | None:
    """The certcheck table of ``path``: the whole of a certcheck.toml, ``[tool.certcheck]``
    of a pyproject.toml (None when it has none and ``required`` is false).

    A pyproject.toml found on the way up whose bytes cannot name the table (no ``certcheck``
    and no escape that could spell it) is not parsed: a run from inside another Python project
    costs no TOML parse (the parser's import alone is about 3 ms of a one-file decode)."""
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise UsageProblem(
            f"{path}: cannot read the configuration ({exc.strerror or exc})"
        ) from None
    if path.name == PYPROJECT and not required and not _may_name_certcheck(raw):
        return None
    import tomllib

    try:
        data = tomllib.loads(raw.decode("utf-8"))
    except UnicodeDecodeError as exc:
        raise UsageProblem(f"{path}: not valid TOML (not UTF-8: {exc.reason})") from None
    except tomllib.TOMLDecodeError as exc:
        raise UsageProblem(f"{path}: not valid TOML ({exc})") from None
    if path.name != PYPROJECT:
        return data
    table = data.get("tool", {}).get("certcheck")
    if table is None and required:
        raise UsageProblem(f"{path}: no [tool.certcheck] table")
    if table is not None and not isinstance(table, dict):
        raise UsageProblem(f"{path}: tool.certcheck: expected a table")
    return table


def _may_name_certcheck(raw: bytes) -> bool:
    """Whether TOML ``raw`` may hold a ``certcheck`` key: written out, or spelt with escapes
    in a quoted key (``"\\u0063ertcheck"``)."""
    return b"certcheck" in raw or b"\\u" in raw or b"\\U" in raw


def option_keys(command: click.Command) -> dict[str, click.Option]:
    """A command's configurable options by key: each long flag without its dashes, with
    ``_`` for ``-`` (``--fail-on`` is ``fail_on``)."""
    keys: dict[str, click.Option] = {}
    for param in command.params:
        if isinstance(param, click.Option) and param.name not in NOT_CONFIGURABLE:
            for flag in param.opts:
                if flag.startswith("--"):
                    keys[flag[2:].replace("-", "_")] = param
    return keys


def command_defaults(
    ctx: click.Context, table: dict[str, Any], path: Path, prefix: str = ""
) -> dict[str, Any]:
    """The default_map of ``ctx``'s command: top-level keys it has, then its own table.

    Every key is checked against every command (an unknown one is an error even when this
    command would not use it); the values this command uses are checked against its options.
    """
    root = ctx.find_root().command
    if isinstance(root, click.Group):  # certcheck's group, built with the running command alone
        from certcheck.cli import app

        root = typer.main.get_command(app.app)
    commands: dict[str, click.Command] = getattr(root, "commands", None) or {
        str(ctx.info_name): ctx.command
    }
    keys = {name: option_keys(command) for name, command in commands.items()}
    wanted: dict[str, tuple[str, Any]] = {}  # option key -> (label for messages, value)
    own = keys.get(str(ctx.info_name), {})
    for key, value in table.items():
        name = key.replace("-", "_")
        if key in commands and isinstance(value, dict):
            continue
        if isinstance(value, dict):
            raise UsageProblem(f"{path}: {prefix}{key}: unknown table (no command {key!r})")
        if not any(name in options for options in keys.values()):
            flag = name.replace("_", "-")
            raise UsageProblem(f"{path}: {prefix}{key}: unknown key (no command has --{flag})")
        if name in own:
            wanted[name] = (f"{prefix}{key}", value)
    for command, section in table.items():
        if command not in commands or not isinstance(section, dict):
            continue
        for key, value in section.items():
            name = key.replace("-", "_")
            label = f"{prefix}{command}.{key}"
            if name not in keys[command]:
                flag = name.replace("_", "-")
                raise UsageProblem(
                    f"{path}: {label}: unknown key (certcheck {command} has no --{flag})"
                )
            if command == ctx.info_name:
                wanted[name] = (label, value)
    return {
        own[name].name: _value(ctx, own[name], value, path, label)
        for name, (label, value) in wanted.items()
    }


def _value(ctx: click.Context, param: click.Option, value: Any, path: Path, label: str) -> Any:
    """``value`` checked against the option (paths made relative to the file's folder)."""
    where = f"{path}: {label}"
    if param.multiple:
        value = [value] if isinstance(value, str) else value
        if not isinstance(value, list):
            raise UsageProblem(f"{where}: expected a list")
    elif isinstance(value, list | dict):
        raise UsageProblem(f"{where}: expected one value, not a list or table")
    if isinstance(param.type, click.Path):
        value = (
            [_path(v, path, where) for v in value] if param.multiple else _path(value, path, where)
        )
    try:
        param.type_cast_value(ctx, value)
    except click.BadParameter as exc:
        raise UsageProblem(f"{where}: {exc.message}") from None
    return value


def _path(value: Any, path: Path, where: str) -> str:
    """A path from the file, relative to the file's folder; ``-`` (standard input or output) and
    a URL (a ``postgresql://`` store) stay as they are."""
    if not isinstance(value, str):
        raise UsageProblem(f"{where}: expected a path as a string")
    if value == "-" or "://" in value or Path(value).is_absolute():  # stdout, a database URL
        return value
    return str(path.parent / value)
