"""A bad meters.csv row is listed and skipped, never a silent pass; --meter maps one meter; a
network that cannot be told is NETWORK_UNDETERMINED (SPEC.md "Inputs", "Finding codes")."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from tests.verify.cli import WORLD, certcheck

DUIS = WORLD / "payloads" / "duis"
CORRECT = DUIS / "0007-correct-duis-6.21.xml"  # SOUT's certificates to an ESME with MPAN 19...
CORRECT_DEVICE = "00-DE-01-90-AA-9F-FF-36"
CORRECT_MPAN = "1990880840460"
GAS_ON_ESME = DUIS / "0006-gas-on-esme-duis-6.21.xml"
GAS_ON_ESME_DEVICE = "00-DE-01-B4-5C-08-C7-AE"
ELECTRICITY_ON_GAS = DUIS / "0011-electricity-on-gas-duis-6.15.1.xml"
ELECTRICITY_ON_GAS_DEVICE = "00-DE-02-C7-86-18-CE-77"
UNKNOWN_DISTRIBUTOR_MPAN = "8699999999997"  # distributor id 86 is nobody's; check digit right
OPERATORS = str(WORLD / "operators.csv")
AT = "2026-06-01"


def _codes(record: dict) -> list[str]:
    return sorted(f["code"] for f in record["findings"] if f["severity"] != "info")


def _verify(*args: str) -> tuple[int, list[dict], str]:
    done = certcheck("verify", *args, "--operators", OPERATORS, "--at", AT, "-f", "jsonl")
    records = [json.loads(line) for line in done.stdout.splitlines()]
    return done.returncode, records, done.stderr


def _one(path: Path, meter: str) -> dict:
    code, records, err = _verify(str(path), "--meter", meter)
    assert code in (0, 1), err
    (record,) = records
    return record


# -- --meter ----------------------------------------------------------------------------------


def test_meter_option_checks_one_meter_like_a_mapping_row() -> None:
    right = _one(CORRECT, f"{CORRECT_DEVICE}={CORRECT_MPAN}:SOUT")
    assert right["mpan"] == CORRECT_MPAN and right["expected_network"] == "SOUT"
    assert right["expected"]["parties"][0]["party"] == "Southern Electric Power Distribution plc"
    assert "NO_CERT_WRONG_NETWORK" not in _codes(right)
    wrong = _one(CORRECT, f"{CORRECT_DEVICE.lower().replace('-', ':')}={CORRECT_MPAN}:LOND")
    assert _codes(wrong).count("NO_CERT_WRONG_NETWORK") == 2
    assert wrong["expected"]["parties"] == [
        {"party": "London Power Networks plc", "entity_id": "90-B3-D5-1F-D0-03-01-00"}
    ]
    derived = _one(CORRECT, f"{CORRECT_DEVICE}={CORRECT_MPAN}")  # 19: SEEB's id
    assert derived["expected_network"] == "SEEB"
    assert "NETWORK_FROM_MPAN_PREFIX" in {f["code"] for f in derived["findings"]}


def test_meter_table_names_mpan_expected_party_found_and_who_must_act() -> None:
    done = certcheck(
        "verify",
        str(CORRECT),
        "--meter",
        f"{CORRECT_DEVICE}={CORRECT_MPAN}:LOND",
        "--operators",
        OPERATORS,
        "--at",
        AT,
    )
    assert done.returncode == 1, done.stderr
    lines = done.stdout.splitlines()
    heading = next(line for line in lines if line.startswith("FAIL"))
    assert f"MPAN {CORRECT_MPAN}" in heading
    assert "expected LOND (London Power Networks plc)" in heading
    (wrong,) = [line for line in lines if line.startswith("      NO_CERT_WRONG_NETWORK")]
    assert "cells networkOperator/digitalSignature, networkOperator/keyAgreement" in wrong
    assert "found Southern Electric Power Distribution plc (90-B3-D5-1F-D0-03-06-00)" in wrong
    assert "must act: Southern Electric Power Distribution plc" in wrong


@pytest.mark.parametrize(
    "options",
    [
        ("--meter", f"{CORRECT_DEVICE}={CORRECT_MPAN}", "--mapping", str(WORLD / "meters.csv")),
        (),
        ("--meter", f"{CORRECT_DEVICE}"),
        ("--meter", f"{CORRECT_DEVICE}=12345"),
        ("--meter", f"{CORRECT_DEVICE}=1990880840461"),  # check digit wrong
        ("--meter", f"00-DE-01={CORRECT_MPAN}"),
        ("--meter", f"{CORRECT_DEVICE}={CORRECT_MPAN}:LO-ND"),
    ],
)
def test_meter_usage_errors(options: tuple[str, ...]) -> None:
    done = certcheck("verify", str(CORRECT), *options, "--operators", OPERATORS)
    assert done.returncode == 2, done.stderr
    assert done.stdout == "" and "Traceback" not in done.stderr
    assert "--meter" in done.stderr or "--mapping" in done.stderr


# -- NETWORK_UNDETERMINED ---------------------------------------------------------------------


def test_unknown_registered_network_is_listed_and_undetermined_not_wrong() -> None:
    code, records, err = _verify(str(CORRECT), "--meter", f"{CORRECT_DEVICE}={CORRECT_MPAN}:IPNX")
    assert code == 0, err
    assert re.search(r"^--meter:1: column network: 'IPNX': no organisation", err, re.M)
    (record,) = records
    assert _codes(record) == ["MPAN_PREFIX_DISAGREES", "NETWORK_UNDETERMINED"]
    assert record["verdict"] == "warn"
    assert record["expected"] == {"network": "IPNX", "parties": []}


def test_unknown_distributor_without_network_is_undetermined() -> None:
    record = _one(CORRECT, f"{CORRECT_DEVICE}={UNKNOWN_DISTRIBUTOR_MPAN}")
    assert _codes(record) == ["NETWORK_UNDETERMINED"]
    assert record["expected"] is None and record["expected_network"] is None
    (finding,) = [f for f in record["findings"] if f["code"] == "NETWORK_UNDETERMINED"]
    assert "distributor id 86" in finding["message"]


def test_crossing_checks_still_run_when_the_network_is_undetermined() -> None:
    gas = _one(GAS_ON_ESME, f"{GAS_ON_ESME_DEVICE}={UNKNOWN_DISTRIBUTOR_MPAN}")
    assert _codes(gas) == ["NETWORK_UNDETERMINED", "NO_CERT_GAS_ON_ESME", "NO_CERT_GAS_ON_ESME"]
    electricity = _one(ELECTRICITY_ON_GAS, f"{ELECTRICITY_ON_GAS_DEVICE}=6772133003")  # no net
    assert electricity["device_type"] == "GPF" and electricity["expected_network"] is None
    assert _codes(electricity) == [
        "NETWORK_UNDETERMINED",
        "NO_CERT_ELECTRICITY_ON_GAS_DEVICE",
        "NO_CERT_ELECTRICITY_ON_GAS_DEVICE",
    ]


# -- bad meters.csv rows ------------------------------------------------------------------------


def _meters(tmp_path: Path, rows: list[str]) -> Path:
    path = tmp_path / "meters.csv"
    path.write_text("device_id,mpan,mprn,network,device_type\n" + "".join(r + "\n" for r in rows))
    return path


def test_bad_rows_are_listed_skipped_and_their_devices_flagged(tmp_path: Path) -> None:
    meters = _meters(
        tmp_path,
        [
            f"{CORRECT_DEVICE},1990880840461,,SOUT,ESME",  # line 2: check digit wrong
            f"{GAS_ON_ESME_DEVICE},1290947888301,,LOND,ESME",  # line 3: fine
            "00-DE-01-XX,1290947888301,,LOND,ESME",  # line 4: EUI unreadable
            f"{ELECTRICITY_ON_GAS_DEVICE},,6772133003,DGS,GSME",  # line 5
            f"{ELECTRICITY_ON_GAS_DEVICE},,6772133003,DGN,GSME",  # line 6: differs from 5
        ],
    )
    paths = [
        str(CORRECT),
        str(GAS_ON_ESME),
        str(ELECTRICITY_ON_GAS),
        str(DUIS / "0031-not-in-mapping-duis-6.21.xml"),
    ]
    code, records, err = _verify(*paths, "--mapping", str(meters))
    assert code == 1, err
    listed = [line for line in err.splitlines() if line.startswith(str(meters) + ":")]
    assert [line.split(":")[1] for line in listed] == ["2", "4", "5", "6"]
    assert f"{meters}:2: column mpan: MPAN 1990880840461" in err
    assert f"{meters}:4: column device_id: '00-DE-01-XX' is not an EUI-64" in err
    assert (
        f"{meters}:5: column device_id: device id {ELECTRICITY_ON_GAS_DEVICE} is also on line 6"
        in err
    )
    by_name = {Path(r["source"]).name: r for r in records}
    assert _codes(by_name[CORRECT.name]) == ["MAPPING_ROW_INVALID"]
    (invalid,) = [
        f for f in by_name[CORRECT.name]["findings"] if f["code"] == "MAPPING_ROW_INVALID"
    ]
    assert f"{meters} line 2, column mpan" in invalid["message"]
    assert _codes(by_name[GAS_ON_ESME.name]) == ["NO_CERT_GAS_ON_ESME", "NO_CERT_GAS_ON_ESME"]
    assert _codes(by_name[ELECTRICITY_ON_GAS.name]) == ["MAPPING_ROW_INVALID"]
    assert _codes(by_name["0031-not-in-mapping-duis-6.21.xml"]) == ["DEVICE_NOT_IN_MAPPING"]
    strict = certcheck(
        "verify", *paths, "--mapping", str(meters), "--operators", OPERATORS, "--strict-mapping"
    )
    assert strict.returncode == 2 and strict.stdout == ""
    assert f"{meters}:2: column mpan:" in strict.stderr and "4 bad row(s)" in strict.stderr


def test_only_the_first_twenty_bad_rows_are_listed_then_a_count(tmp_path: Path) -> None:
    rows = [f"00-00-00-00-00-00-00-{n:02X},12345,,,ESME" for n in range(45)]
    rows.append(f"{CORRECT_DEVICE},{CORRECT_MPAN},,SOUT,ESME")
    meters = _meters(tmp_path, rows)
    code, records, err = _verify(str(CORRECT), "--mapping", str(meters))
    assert code == 0, err
    listed = [line for line in err.splitlines() if line.startswith(f"{meters}:")]
    assert len(listed) == 20
    assert "... and 25 more" in err.splitlines()
    assert "45 bad row(s) skipped" in err
    assert _codes(records[0]) == ["MPAN_PREFIX_DISAGREES"]


def test_a_network_nobody_answers_for_in_meters_csv_is_listed_not_refused(tmp_path: Path) -> None:
    meters = _meters(tmp_path, [f"{CORRECT_DEVICE},{CORRECT_MPAN},,IPNX,ESME"])
    for strict in ((), ("--strict-mapping",)):
        code, records, err = _verify(str(CORRECT), "--mapping", str(meters), *strict)
        assert code == 0, err
        assert f"{meters}:2: column network: 'IPNX'" in err
        assert "NETWORK_UNDETERMINED" in _codes(records[0])
        assert "NO_CERT_WRONG_NETWORK" not in _codes(records[0])


def test_meter_on_the_command_line_wins_over_a_configured_mapping(tmp_path: Path) -> None:
    (tmp_path / "certcheck.toml").write_text(
        f'[verify]\nmapping = "{WORLD / "meters.csv"}"\noperators = "{OPERATORS}"\n'
    )
    done = certcheck(
        "verify",
        str(CORRECT),
        "--meter",
        f"{CORRECT_DEVICE}={CORRECT_MPAN}:LOND",
        "-f",
        "jsonl",
        cwd=tmp_path,
    )
    assert done.returncode == 1, done.stderr
    (record,) = [json.loads(line) for line in done.stdout.splitlines()]
    assert record["expected_network"] == "LOND"
