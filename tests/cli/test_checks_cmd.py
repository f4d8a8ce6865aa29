"""``certcheck checks`` and ``verify --list-checks``: the registry listed and explained."""

from __future__ import annotations

import csv
import io
import json

from certcheck.checks.registry import all_rules
from certcheck.cli.render_checks import COLUMNS
from tests.verify.cli import certcheck


def listed(*args: str) -> list[dict]:
    done = certcheck(*args)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def test_checks_json_lists_every_rule_with_its_explanation() -> None:
    rules = listed("checks", "-f", "json")
    assert [r["code"] for r in rules] == [r.code for r in all_rules()]
    for entry, registered in zip(rules, all_rules(), strict=True):
        assert list(entry) == list(COLUMNS)
        assert entry == registered.as_dict()
        assert entry["help_uri"].endswith("#" + registered.code.lower())


def test_list_checks_is_the_same_listing_in_every_format() -> None:
    assert listed("verify", "--list-checks", "-f", "json") == listed("checks", "-f", "json")
    as_csv = certcheck("verify", "--list-checks", "-f", "csv")
    assert as_csv.returncode == 0, as_csv.stderr
    rows = list(csv.DictReader(io.StringIO(as_csv.stdout)))
    assert rows == listed("checks", "-f", "json")
    assert certcheck("checks", "-f", "csv").stdout == as_csv.stdout


def test_list_checks_shows_what_select_and_ignore_keep() -> None:
    rules = listed(
        "verify",
        "--list-checks",
        "--select",
        "network",
        "--ignore",
        "NO_CERT_UNKNOWN_ORGANISATION",
        "-f",
        "json",
    )
    assert {r["family"] for r in rules} == {"network"}
    assert "NO_CERT_UNKNOWN_ORGANISATION" not in {r["code"] for r in rules}
    assert len(rules) == sum(r.family == "network" for r in all_rules()) - 1


def test_list_checks_refuses_a_record_format() -> None:
    done = certcheck("verify", "--list-checks", "-f", "sarif")
    assert done.returncode == 2
    assert "--list-checks takes -f table, json, csv" in done.stderr


def test_checks_code_explains_one_check() -> None:
    done = certcheck("checks", "no_cert_gas_on_esme")
    assert done.returncode == 0, done.stderr
    text = done.stdout
    assert text.startswith("NO_CERT_GAS_ON_ESME (error, family network)\n")
    for heading in ("What it means", "Why it matters", "What to do", "Example", "Source"):
        assert f"\n{heading}\n  " in text
    assert "SECMP0063" in text
    assert "#no_cert_gas_on_esme" in text


def test_checks_code_as_json_is_one_object() -> None:
    done = certcheck("checks", "CERT_EXPIRED", "-f", "json")
    assert done.returncode == 0, done.stderr
    entry = json.loads(done.stdout)
    assert entry["code"] == "CERT_EXPIRED"
    assert "RFC 5280" in entry["source"]


def test_checks_family_lists_that_family() -> None:
    rules = listed("checks", "chain", "-f", "json")
    assert {r["family"] for r in rules} == {"chain"}
    assert len(rules) == sum(r.family == "chain" for r in all_rules())


def test_checks_unknown_code_is_a_usage_error_naming_it() -> None:
    done = certcheck("checks", "NO_SUCH_THING")
    assert done.returncode == 2
    assert done.stdout == ""
    assert len(done.stderr.splitlines()) == 1
    assert "'NO_SUCH_THING'" in done.stderr


def test_checks_table_names_every_code() -> None:
    done = certcheck("checks", "--color", "never")
    assert done.returncode == 0, done.stderr
    assert "\x1b[" not in done.stdout
    for registered in all_rules():
        assert registered.code in done.stdout
