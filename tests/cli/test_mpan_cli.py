"""``certcheck mpan`` end to end (real CLI in a subprocess) and its per-input description."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from certcheck.cli.mpan_cmd import RESULT_KEYS, describe

ROOT = Path(__file__).resolve().parents[2]


def _run(*args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(ROOT), "NO_COLOR": "1", "COLUMNS": "100"}
    return subprocess.run(
        [sys.executable, "-m", "certcheck", "mpan", *args],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env=env,
        timeout=60,
    )


def test_describe_full_mpan() -> None:
    result = describe("S 02 116 MEB 2830997098859")
    assert tuple(result) == RESULT_KEYS
    assert result["type"] == "mpan" and result["valid"] is True
    assert (result["profile_class"], result["mtc"], result["llfc"]) == ("02", "116", "MEB")
    assert (result["distributor_id"], result["mpid"], result["kind"]) == ("28", "EDFI", "idno")


def test_describe_mprn_and_unrecognised() -> None:
    mprn = describe("1000999888")
    assert tuple(mprn) == RESULT_KEYS
    assert (mprn["type"], mprn["valid"], mprn["check_expected"]) == ("mprn", False, "09")
    other = describe("131234567890")
    assert (other["type"], other["valid"]) == ("unrecognised", False)
    assert other["problems"] and other["core"] is None


def test_table_for_valid_inputs_exits_0() -> None:
    done = _run("2000024512368", "001112221312345678907", "3938424403")
    assert done.returncode == 0, done.stderr
    out = done.stdout
    assert "2000024512368\n  type         mpan\n  valid        yes\n" in out
    assert "distributor  20 SOUT (dno)" in out
    assert "operator     Southern Electric Power Distribution plc" in out
    assert "area         Southern England (GSP group _H)" in out
    assert "top line     PC 00  MTC 111  LLFC 222" in out
    assert "distributor  13 MANW (dno)" in out
    assert "check digit  03 (expected 03)" in out
    assert done.stderr == ""


def test_table_for_an_invalid_input_exits_1() -> None:
    done = _run("2000024512368", "8699999999991")
    assert done.returncode == 1
    assert "valid        no" in done.stdout
    assert "check digit  1 (expected 7)" in done.stdout
    assert "distributor  86 unknown distributor" in done.stdout


def test_json_has_stable_keys_and_exit_codes() -> None:
    done = _run("-f", "json", "1030006718997", "2040015001165")
    assert done.returncode == 1
    results = json.loads(done.stdout)
    assert [tuple(r) for r in results] == [RESULT_KEYS, RESULT_KEYS]
    ok, bad = results
    assert ok["valid"] is True and ok["mpid"] == "EELC" and ok["operator"]
    assert ok["check_expected"] == ok["check_actual"] == "7"
    assert bad["valid"] is False
    assert (bad["check_expected"], bad["check_actual"]) == ("9", "5")
    assert bad["problems"] == ["check digit is 5, expected 9"]

    done = _run("--format", "json", "2000024512368")
    assert done.returncode == 0
    assert json.loads(done.stdout)[0]["core"] == "2000024512368"


def test_unknown_distributor_alone_is_valid_with_a_warning() -> None:
    done = _run("-f", "json", "8699999999997")
    assert done.returncode == 0
    assert json.loads(done.stdout)[0]["warnings"] == ["unknown distributor id 86"]


def test_nothing_given_is_a_usage_error() -> None:
    assert _run().returncode == 2
    done = _run("-f", "json")
    assert done.returncode == 2
    assert done.stdout == ""
    assert "no MPAN given" in done.stderr


def test_bad_format_is_a_usage_error() -> None:
    assert _run("-f", "xml", "2000024512368").returncode == 2


def test_help_shows_an_example() -> None:
    done = _run("--help")
    assert done.returncode == 0
    assert "Example: certcheck mpan" in done.stdout
