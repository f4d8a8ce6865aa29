"""The ``certcheck`` command line: argument parsing and error edges only."""

from __future__ import annotations

import os
import signal
import sys
import traceback

import typer

from certcheck import __version__
from certcheck.cli.common import ExitCode, UsageProblem, say
from certcheck.errors import OutputError, RegistryError

app = typer.Typer(
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


@app.callback()
def _root(
    version: bool = typer.Option(
        False, "--version", callback=_version, is_eager=True, help="Print the version and exit."
    ),
    debug: bool = typer.Option(
        False, "--debug", help="Show the Python traceback of an internal error (for bug reports)."
    ),
) -> None:
    """certcheck: decode, classify and verify SMKI Network Operator certificates."""


def _register() -> None:
    from certcheck.cli import decode_cmd, mpan_cmd

    app.command("decode", no_args_is_help=True)(decode_cmd.decode)
    from certcheck.cli import classify_cmd, verify_cmd

    app.command("classify", no_args_is_help=True)(classify_cmd.classify)

    app.command("verify", no_args_is_help=True)(verify_cmd.verify)
    from certcheck.cli import demo_cmd

    app.command("demo")(demo_cmd.demo)
    app.command("mpan", no_args_is_help=True)(mpan_cmd.mpan)
    from certcheck.cli import report_cmd

    app.command("report", no_args_is_help=True)(report_cmd.report)
    from certcheck.cli import checks_cmd

    app.command("checks")(checks_cmd.checks)


_register()


def _terminated(signum: int, frame: object) -> None:
    """SIGTERM is handled as Ctrl-C: the run says how far it got and removes its temporary
    files (SPEC.md, "Exit codes")."""
    raise KeyboardInterrupt


def main(argv: list[str] | None = None) -> None:
    """Run the CLI and map every outcome to SPEC.md's exit codes."""
    args = sys.argv[1:] if argv is None else argv
    debug = "--debug" in args
    if debug:  # read where a check fails, in this process or a worker forked from it
        os.environ["CERTCHECK_DEBUG"] = "1"
    signal.signal(signal.SIGTERM, _terminated)
    for stream in (sys.stdout, sys.stderr):  # a lone surrogate is shown, never a crash
        stream.reconfigure(errors="backslashreplace")  # type: ignore[attr-defined]
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
