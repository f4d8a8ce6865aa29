"""verify -f sarif is valid SARIF 2.1.0 against the OASIS schema, with one rule per check code."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path
from urllib.parse import unquote

from jsonschema import Draft7Validator

from certcheck.checks.registry import all_rules
from tests.conftest import ROOT
from tests.verify.cli import certcheck, world_options_anywhere, world_output, world_records

SCHEMA = ROOT / "tests" / "data" / "sarif-schema-2.1.0.json"


def schema_errors(log: dict) -> list[str]:
    """Every schema violation of a SARIF log, as 'path: message' (format checking off)."""
    schema = json.loads(SCHEMA.read_text(encoding="utf-8"))
    validator = Draft7Validator(schema)
    return [
        f"{'/'.join(map(str, error.absolute_path))}: {error.message}"
        for error in validator.iter_errors(log)
    ]


def world_sarif() -> dict:
    code, out, err = world_output("sarif")
    assert code == 1, err
    return json.loads(out)


def test_schema_file_is_the_oasis_sarif_2_1_0_schema() -> None:
    schema = json.loads(SCHEMA.read_text(encoding="utf-8"))
    assert schema["title"] == "Static Analysis Results Format (SARIF) Version 2.1.0 JSON Schema"
    assert schema["properties"]["version"]["enum"] == ["2.1.0"]
    Draft7Validator.check_schema(schema)


def test_schema_rejects_a_broken_log() -> None:
    log = world_sarif()
    log["runs"][0]["results"][0]["level"] = "fatal"
    del log["runs"][0]["tool"]["driver"]["name"]
    assert len(schema_errors(log)) >= 2


def test_demo_world_sarif_is_valid_sarif_2_1_0() -> None:
    log = world_sarif()
    assert schema_errors(log) == []
    assert log["version"] == "2.1.0"
    assert len(log["runs"]) == 1


def test_one_rule_per_registered_check_code() -> None:
    rules = world_sarif()["runs"][0]["tool"]["driver"]["rules"]
    ids = [rule["id"] for rule in rules]
    assert ids == [rule.code for rule in all_rules()]
    assert len(set(ids)) == len(ids)
    level = {"error": "error", "warning": "warning", "info": "note"}
    for rule, registered in zip(rules, all_rules(), strict=True):
        assert rule["defaultConfiguration"]["level"] == level[registered.severity.label]
        assert rule["shortDescription"]["text"] == registered.description


def test_results_are_the_jsonl_findings() -> None:
    run = world_sarif()["runs"][0]
    rules = run["tool"]["driver"]["rules"]
    ids = {rule["id"] for rule in rules}
    results = run["results"]
    findings = [f for record in world_records() for f in record["findings"]]
    assert len(results) == len(findings) > 0
    for result in results:
        assert result["ruleId"] in ids
        assert rules[result["ruleIndex"]]["id"] == result["ruleId"]


def test_jsonl_entries_point_at_their_line() -> None:
    run = world_sarif()["runs"][0]
    batch = [r for r in run["results"] if r["properties"]["source"].startswith("payloads/batch")]
    assert batch
    for result in batch:
        location = result["locations"][0]["physicalLocation"]
        line = int(result["properties"]["source"].rpartition("#")[2])
        assert location["artifactLocation"]["uri"] == "payloads/batch.jsonl"
        assert location["region"]["startLine"] == line


def test_unreadable_item_with_an_awkward_name_is_valid_sarif(tmp_path: Path) -> None:
    inputs = tmp_path / "in put"
    inputs.mkdir()
    (inputs / "odd name#2.xml").write_text("<sr:Request xmlns:sr='x'><unclosed>")
    done = certcheck("verify", "in put", *world_options_anywhere(), "-f", "sarif", cwd=tmp_path)
    assert done.returncode == 1, done.stderr
    log = json.loads(done.stdout)
    assert schema_errors(log) == []
    results = log["runs"][0]["results"]
    assert Counter(r["ruleId"] for r in results) == Counter({"INPUT_UNREADABLE": 1})
    uri = results[0]["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
    assert " " not in uri and "#" not in uri
    assert unquote(uri) == "in put/odd name#2.xml"
    assert "region" not in results[0]["locations"][0]["physicalLocation"]


def test_rules_carry_help_and_help_uri_from_the_registry() -> None:
    rules = world_sarif()["runs"][0]["tool"]["driver"]["rules"]
    for rule, registered in zip(rules, all_rules(), strict=True):
        assert rule["helpUri"] == registered.help_uri
        for _, text in registered.sections():
            assert text in rule["help"]["text"]
            assert text in rule["help"]["markdown"]
