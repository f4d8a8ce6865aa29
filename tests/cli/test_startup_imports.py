"""What a command imports at start-up: what it runs and no more (SPEC.md "Performance targets":
``certcheck --help`` within 0.2 s CPU, a one-file decode within 0.3 s)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
import typer

# what --help does without: tables, XML, certificates, and the records and their writers
HEAVY = (
    "rich",
    "lxml",
    "cryptography",
    "asn1crypto",
    "certcheck.audit.model",
    "certcheck.output.writers",
)
COMMAND_MODULES = {
    "decode": "certcheck.cli.decode_cmd",
    "classify": "certcheck.cli.classify_cmd",
    "verify": "certcheck.cli.verify_cmd",
    "demo": "certcheck.cli.demo_cmd",
    "mpan": "certcheck.cli.mpan_cmd",
    "report": "certcheck.cli.report_cmd",
    "checks": "certcheck.cli.checks_cmd",
}


# certcheck's entry point, printing the modules imported by the time the process exits
PROBE = (
    "import atexit, sys\n"
    "atexit.register(lambda: print(' '.join(sys.modules), file=sys.stderr))\n"
    "sys.argv[0] = 'certcheck'\n"
    "from certcheck.cli.app import main\n"
    "main()"
)


def imported(*args: str, cwd: Path | None = None) -> set[str]:
    """The modules a real ``certcheck ARGS`` process imports (run in ``cwd``)."""
    done = subprocess.run(
        [sys.executable, "-c", PROBE, *args],
        capture_output=True,
        text=True,
        check=False,
        cwd=cwd,
        env={**os.environ, "NO_COLOR": "1", "TERM": "dumb"},
    )
    assert done.returncode == 0, done.stderr
    return set(done.stderr.splitlines()[-1].split())


def test_help_imports_no_table_xml_certificate_or_record_module() -> None:
    modules = imported("--help")
    assert set(COMMAND_MODULES.values()) <= modules  # it lists every command
    assert not {m for m in modules if m in HEAVY or m.startswith(tuple(f"{h}." for h in HEAVY))}


def test_help_imports_no_dataclass_module() -> None:
    modules = imported("--help")  # the limits' defaults it shows are plain numbers
    assert not {"dataclasses", "certcheck.audit.limits"} & modules


def test_decode_to_the_terminal_imports_no_writer() -> None:
    payload = Path(__file__).resolve().parents[2] / "fixtures/world/payloads/duis"
    modules = imported("decode", str(next(payload.glob("*correct*.xml"))))
    assert "certcheck.cli.render_decode" in modules
    assert not {m for m in modules if m.startswith("certcheck.output.writers")}


def test_decode_without_certs_imports_no_keystore_cache_and_once_judged_writes_nothing(
    tmp_path: Path,
) -> None:
    payload = Path(__file__).resolve().parents[2] / "fixtures/world/payloads/duis"
    command = ("decode", str(next(payload.glob("*correct*.xml"))), "--cache-dir", str(tmp_path))
    first = imported(*command)  # the strict parser's verdicts on its certificates: kept
    assert {"cryptography.x509", "tempfile"} <= first
    again = imported(*command)
    assert not {"certcheck.audit.keystore_cache", "tempfile", "cryptography.x509"} & again


def test_another_projects_pyproject_is_not_parsed(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text('[project]\nname = "another"\n')
    assert "tomllib" not in imported("mpan", "2000024512368", cwd=tmp_path)
    (tmp_path / "pyproject.toml").write_text('[tool.certcheck]\nformat = "json"\n')
    assert "tomllib" in imported("mpan", "2000024512368", cwd=tmp_path)


def test_a_command_imports_no_other_command() -> None:
    modules = imported("mpan", "2000024512368")
    assert {m for m in COMMAND_MODULES.values() if m in modules} == {COMMAND_MODULES["mpan"]}


def test_the_app_attribute_has_every_command_in_help_order() -> None:
    from certcheck.cli import app

    assert list(typer.main.get_command(app.app).commands) == list(COMMAND_MODULES)  # type: ignore[attr-defined]


def test_the_program_exits_with_its_objects_frozen_and_a_caller_keeps_its_collector() -> None:
    probe = PROBE.replace("' '.join(sys.modules)", "gc.get_freeze_count()").replace(
        "import atexit, sys", "import atexit, gc, sys"
    )
    done = subprocess.run(
        [sys.executable, "-c", probe, "--version"], capture_output=True, text=True, check=False
    )
    assert done.returncode == 0, done.stderr
    assert int(done.stderr.split()[-1]) > 0

    import gc

    from certcheck.cli import app

    frozen = gc.get_freeze_count()
    with pytest.raises(SystemExit):
        app.main(["--version"])
    assert gc.get_freeze_count() == frozen


def test_command_and_callback_annotations_are_objects_not_strings() -> None:
    """typer would compile and evaluate a string annotation twice at every start-up."""
    from importlib import import_module

    from certcheck.cli import app, options

    functions = [getattr(import_module(module), name) for name, module in COMMAND_MODULES.items()]
    functions += [options._set_color, options._config_seen, app._root, app._version]
    for function in functions:
        strings = [k for k, v in function.__annotations__.items() if isinstance(v, str)]
        assert not strings, f"{function.__qualname__}: {strings}"
