"""The ``certcheck`` command line: argument parsing and error edges only."""

import gc
import os
import signal
import sys
import traceback
from collections.abc import Iterable
from importlib import import_module

import typer

from certcheck import __version__
from certcheck.cli.common import ExitCode, UsageProblem, say
from certcheck.errors import OutputError, RegistryError

_app = typer.Typer(
    name="certcheck",
    help="Audit Network Operator certificates placed on GB smart meters (SMKI, DUIS, GBCS).",
    no_args_is_help=True,
    add_completion=True,
    pretty_exceptions_enable=False,
    context_settings={"help_option_names": ["-h", "--help"]},
)


def _version(value: bool) -> None:
    if value:
        print(f"certcheck {__version__}")
        raise typer.Exit()


@_app.callback()
def _root(
    version: bool = typer.Option(
        False, "--version", callback=_version, is_eager=True, help="Print the version and exit."
    ),
    debug: bool = typer.Option(
        False, "--debug", help="Show the Python traceback of an internal error (for bug reports)."
    ),
) -> None:
    """certcheck: decode, classify and verify SMKI Network Operator certificates."""


# The commands in the order --help lists them: name -> (its module, whether running it bare shows
# its help). Each module defines the command as a function of the command's name.
_COMMANDS: dict[str, tuple[str, bool]] = {
    "decode": ("certcheck.cli.decode_cmd", True),
    "classify": ("certcheck.cli.classify_cmd", True),
    "verify": ("certcheck.cli.verify_cmd", True),
    "demo": ("certcheck.cli.demo_cmd", False),
    "mpan": ("certcheck.cli.mpan_cmd", True),
    "report": ("certcheck.cli.report_cmd", True),
    "checks": ("certcheck.cli.checks_cmd", False),
}


def _register(names: Iterable[str] = _COMMANDS) -> typer.Typer:
    """The application with ``names`` registered (besides any registered before), in
    :data:`_COMMANDS` order."""
    registered = {info.name for info in _app.registered_commands}
    for name in names:
        if name not in registered:
            module, bare_shows_help = _COMMANDS[name]
            command = getattr(import_module(module), name)
            _app.command(name, no_args_is_help=bare_shows_help)(command)
    _app.registered_commands.sort(key=lambda info: list(_COMMANDS).index(str(info.name)))
    return _app


def _commands_run_by(args: list[str]) -> Iterable[str]:
    """The command ``args`` run, alone; every command when they name none (``--help``, a
    misspelt command, shell completion), as those list or suggest them."""
    for arg in args:
        if not arg.startswith("-"):  # the root options are all flags
            return (arg,) if arg in _COMMANDS else _COMMANDS
    return _COMMANDS


def __getattr__(name: str) -> typer.Typer:
    """``app``: the application with every command (:func:`main` imports only the one it runs)."""
    if name == "app":
        return _register()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def _terminated(signum: int, frame: object) -> None:
    """SIGTERM is handled as Ctrl-C: the run says how far it got and removes its temporary
    files (SPEC.md, "Exit codes")."""
    raise KeyboardInterrupt


def main(argv: list[str] | None = None) -> None:
    """Run the CLI and map every outcome to SPEC.md's exit codes.

    Run as the program (``argv`` None), it ends by freezing the objects still alive: the
    process exits next, and the interpreter's collections on the way out then skip them
    (about 45 M instructions of a one-file decode, 24 M of ``certcheck --help``).
    """
    try:
        _run(sys.argv[1:] if argv is None else argv)
    finally:
        if argv is None:
            gc.freeze()


def _run(args: list[str]) -> None:
    """:func:`main` for the command line ``args``; exits with the outcome's code."""
    debug = "--debug" in args
    if debug:  # read where a check fails, in this process or a worker forked from it
        os.environ["CERTCHECK_DEBUG"] = "1"
    signal.signal(signal.SIGTERM, _terminated)
    for stream in (sys.stdout, sys.stderr):  # a lone surrogate is shown, never a crash
        stream.reconfigure(errors="backslashreplace")  # type: ignore[attr-defined]
    app = _register(_commands_run_by(args))
    try:
        code = app(args=args, prog_name="certcheck", standalone_mode=False)
    except typer.Exit as done:
        code = done.exit_code
    except typer.Abort:
        say("interrupted")
        code = ExitCode.INTERRUPTED
    except (UsageProblem, RegistryError, OutputError) as problem:
        say(f"error: {problem}")
        code = ExitCode.USAGE
    except KeyboardInterrupt as stop:
        if not getattr(stop, "reported", False):
            say("interrupted")
        code = ExitCode.INTERRUPTED
    except BrokenPipeError:
        code = ExitCode.OK
    except Exception as exc:
        if _is_cli_usage_error(exc):
            exc.show()  # type: ignore[attr-defined]
            sys.exit(ExitCode.USAGE)
        if debug:
            traceback.print_exc()
        say(
            f"internal error: {type(exc).__name__}: {exc}. "
            f"This is a bug in certcheck {__version__}; "
            "please report it with the output of the same command run with --debug."
        )
        code = ExitCode.INTERNAL
    sys.exit(int(code or 0))


def _is_cli_usage_error(exc: Exception) -> bool:
    """Typer's command-line parsing errors (bad option, missing argument) carry ``show()``."""
    return callable(getattr(exc, "show", None)) and hasattr(exc, "exit_code")
