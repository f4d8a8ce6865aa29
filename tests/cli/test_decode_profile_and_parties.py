"""decode shows each certificate's profile problems and, with --operators, the parties behind
entity ids: the sender, the certificates and the cell occupants (SPEC.md "Output")."""

from __future__ import annotations

import json
from pathlib import Path

from tests.verify.cli import WORLD, certcheck

OPERATORS = str(WORLD / "operators.csv")
ELECTRICITY_ON_GAS = WORLD / "payloads" / "duis" / "0011-electricity-on-gas-duis-6.15.1.xml"
LONDON = "London Power Networks plc"


def _records(*args: str) -> list[dict]:
    done = certcheck("decode", *args, "-f", "jsonl")
    assert done.returncode in (0, 1), done.stderr
    return [json.loads(line) for line in done.stdout.splitlines()]


def test_profile_problems_per_certificate(reference_dir: Path) -> None:
    bad = reference_dir / "smki-test-certs" / "dccboxed-keystore" / "mdr-ds.pem"
    (record,) = _records(str(bad))
    (cert,) = record["certificates"]
    assert any("explicit parameters" in p for p in cert["profile_problems"])
    table = certcheck("decode", str(bad))
    assert "profile" in table.stdout and "explicit parameters" in table.stdout
    (good,) = _records(str(ELECTRICITY_ON_GAS))
    assert all(c["profile_problems"] == [] for c in good["certificates"])


def test_operators_name_sender_and_certificate_parties() -> None:
    (plain,) = _records(str(ELECTRICITY_ON_GAS))
    assert plain["sender"] is None
    assert {c["party"] for c in plain["certificates"]} == {None}
    (named,) = _records(str(ELECTRICITY_ON_GAS), "--operators", OPERATORS)
    assert named["sender"] == {
        "entity_id": "90-B3-D5-1F-D0-03-01-00",
        "party": LONDON,
        "user_role": "electricity_distributor",
    }
    placed = [c for c in named["certificates"] if c["cell"]]
    assert [(c["party"], c["mpids"]) for c in placed] == [(LONDON, ["LOND"])] * 2
    table = certcheck("decode", str(ELECTRICITY_ON_GAS), "--operators", OPERATORS)
    assert table.returncode == 0, table.stderr
    assert f"({LONDON}, electricity_distributor)" in table.stdout
    assert "(LOND)" in table.stdout


def test_operators_name_cell_occupants(reference_dir: Path, tmp_path: Path) -> None:
    response = (
        reference_dir
        / "payloads"
        / "gbcs"
        / "RTDS-4.5.0"
        / "6.15.1_CS02bNOByNO"
        / "CS02bNOByNO_6.15.1_SUCCESS_RESPONSE_GBCS.HEX"
    )
    operators = tmp_path / "operators.csv"
    operators.write_text(
        "entity_id,party,user_role,mpids\n"
        "90-B3-D5-1F-30-02-00-00,Test Network Operator,electricity_distributor,LOND\n"
    )
    (record,) = _records(str(response), "--operators", str(operators))
    occupants = [o["replacing"] for o in record["outcomes"]]
    assert occupants and {o["party"] for o in occupants} == {"Test Network Operator"}
    table = certcheck("decode", str(response), "--operators", str(operators))
    assert "(Test Network" in table.stdout  # the occupant column may wrap
    assert "sent 2015-01-01T00:00:00Z" in table.stdout


def test_bad_operators_file_is_a_usage_error(tmp_path: Path) -> None:
    operators = tmp_path / "operators.csv"
    operators.write_text("entity_id,party\n")
    done = certcheck("decode", str(ELECTRICITY_ON_GAS), "--operators", str(operators))
    assert done.returncode == 2 and "user_role" in done.stderr
