"""verify --select/--ignore: codes or families, chosen once per run; unknown names exit 2."""

from __future__ import annotations

import json
from collections import Counter

from certcheck.checks.registry import all_rules, check_functions, select_rules
from certcheck.cli.verify_run import VerifyRequest, build_context
from tests.verify.cli import WORLD, certcheck, world_arguments, world_records

FAMILY = {r.code: r.family for r in all_rules()}


def codes_of(records: list[dict]) -> Counter[str]:
    return Counter(f["code"] for r in records for f in r["findings"])


def verified(*options: str) -> list[dict]:
    done = certcheck(*world_arguments(), "-f", "jsonl", "--fail-on", "never", *options, cwd=WORLD)
    assert done.returncode == 0, done.stderr
    return [json.loads(line) for line in done.stdout.splitlines()]


def test_select_a_family_keeps_only_its_findings() -> None:
    every = codes_of(world_records())
    network = {code: n for code, n in every.items() if FAMILY[code] == "network"}
    assert network, "the world has network findings"
    assert codes_of(verified("--select", "network")) == network


def test_ignore_codes_and_families_drops_exactly_their_findings() -> None:
    every = world_records()
    kept = verified("--ignore", "chain,CERT_PROFILE_VIOLATION", "--ignore", "mapping")
    dropped = {"chain", "mapping"}
    expected = Counter(
        {
            code: n
            for code, n in codes_of(every).items()
            if FAMILY[code] not in dropped and code != "CERT_PROFILE_VIOLATION"
        }
    )
    assert codes_of(kept) == expected
    assert len(kept) == len(every)
    assert [r["source"] for r in kept] == [r["source"] for r in every]


def test_unknown_name_is_a_usage_error_naming_it() -> None:
    done = certcheck(*world_arguments(), "--select", "network,NO_CERT_WRONG_NETWROK", cwd=WORLD)
    assert done.returncode == 2
    assert done.stdout == ""
    assert "'NO_CERT_WRONG_NETWROK'" in done.stderr
    assert len(done.stderr.splitlines()) == 1


def test_the_context_holds_the_selected_check_functions() -> None:
    rules = select_rules(["cells"], ["CELL_ROLE_MISMATCH"])
    request = VerifyRequest(
        paths=["payloads"],
        mapping=str(WORLD / "meters.csv"),
        operators=str(WORLD / "operators.csv"),
        rules=rules,
    )
    assert build_context(request).checks == check_functions(rules)
    assert len(build_context(request).checks or ()) == 1
