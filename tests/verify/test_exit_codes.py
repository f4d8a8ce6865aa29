"""verify's exit codes end to end (SPEC.md "Exit codes"), and ``--list-checks``."""

from __future__ import annotations

import json
import re
from pathlib import Path

from certcheck.checks.registry import all_rules
from tests.verify.cli import WORLD, certcheck, world_options, world_options_anywhere


def truth_items() -> dict[str, dict]:
    return json.loads((WORLD / "truth.json").read_text())["items"]


def files_with(verdict: str) -> list[str]:
    """Payload files (not JSON Lines entries) of the world whose verdict is ``verdict``."""
    items = truth_items().items()
    return sorted(s for s, item in items if item["verdict"] == verdict and "#" not in s)


def verify_world(*args: str):  # type: ignore[no-untyped-def]
    return certcheck("verify", *args, cwd=WORLD)


def test_passing_items_exit_0() -> None:
    passing = files_with("pass")
    assert len(passing) >= 3
    done = verify_world(*passing, *world_options(), "-f", "jsonl")
    assert done.returncode == 0, done.stderr
    records = [json.loads(line) for line in done.stdout.splitlines()]
    assert [r["verdict"] for r in records] == ["pass"] * len(passing)


def test_the_demo_world_exits_1_and_0_with_fail_on_never() -> None:
    assert verify_world("payloads", *world_options(), "-f", "jsonl").returncode == 1
    done = verify_world("payloads", *world_options(), "-f", "jsonl", "--fail-on", "never")
    assert done.returncode == 0, done.stderr
    assert len(done.stdout.splitlines()) == len(truth_items())


def test_a_warning_exits_1_only_with_fail_on_warning() -> None:
    warned = files_with("warn")[0]
    done = verify_world(warned, *world_options(), "-f", "jsonl")
    assert done.returncode == 0, done.stderr
    (record,) = [json.loads(line) for line in done.stdout.splitlines()]
    assert record["verdict"] == "warn"
    assert {f["severity"] for f in record["findings"]} <= {"warning", "info"}
    assert verify_world(warned, *world_options(), "--fail-on", "warning").returncode == 1
    assert verify_world(warned, *world_options(), "--fail-on", "error").returncode == 0


def usage_error(done) -> str:  # type: ignore[no-untyped-def]
    """Assert exit 2, nothing on stdout and no traceback; return stderr."""
    assert done.returncode == 2, (done.returncode, done.stderr)
    assert done.stdout == ""
    assert "Traceback" not in done.stderr
    return done.stderr


def test_missing_mapping_is_a_usage_error() -> None:
    options = world_options()
    at = options.index("--mapping")
    del options[at : at + 2]
    assert "--mapping" in usage_error(verify_world("payloads", *options))


def test_malformed_meters_csv_row_with_strict_mapping_names_file_line_and_column(
    tmp_path: Path,
) -> None:
    meters = tmp_path / "meters.csv"
    lines = (WORLD / "meters.csv").read_text().splitlines()
    header = lines[0].split(",")
    row = lines[1].split(",")
    row[header.index("mpan")] = "12345"
    meters.write_text("\n".join([lines[0], lines[2], ",".join(row)]) + "\n")
    options = world_options_anywhere()
    options[options.index("--mapping") + 1] = str(meters)
    out = tmp_path / "out"
    done = certcheck(
        "verify", str(WORLD / "payloads"), *options, "--strict-mapping", "-o", str(out)
    )
    err = usage_error(done)
    assert re.search(
        rf"^{re.escape(str(meters))}:3: column mpan: '12345' is not an MPAN", err, re.M
    )
    assert not out.exists()
    done = certcheck("verify", str(WORLD / "payloads"), *options, "-o", str(out))
    assert done.returncode == 1, done.stderr
    assert re.search(rf"^{re.escape(str(meters))}:3: column mpan: ", done.stderr, re.M)
    assert out.exists()


def test_nonexistent_path_is_a_usage_error() -> None:
    err = usage_error(verify_world("no-such-folder", *world_options()))
    assert "no-such-folder" in err


def test_empty_directory_is_no_input_found(tmp_path: Path) -> None:
    (tmp_path / "empty").mkdir()
    (tmp_path / "empty" / ".hidden.xml").write_text("<hidden/>")
    err = usage_error(certcheck("verify", str(tmp_path / "empty"), *world_options_anywhere()))
    assert "no input" in err


def test_list_checks_prints_every_registry_code() -> None:
    done = certcheck("verify", "--list-checks")
    assert done.returncode == 0, done.stderr
    printed = set(re.findall(r"\b[A-Z][A-Z_]{5,}[A-Z]\b", done.stdout))
    assert printed == {rule.code for rule in all_rules()}
