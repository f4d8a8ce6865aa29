"""Every rule in the registry carries its explanation and cites public sources in words."""

from __future__ import annotations

import re

import pytest

from certcheck.checks import FAMILIES
from certcheck.checks.registry import (
    UnknownCheck,
    all_rules,
    check_functions,
    rule,
    rules_named,
    select_rules,
    split_names,
)

# What a citation must never name: documents and files that the package does not ship.
UNSHIPPED = re.compile(r"\.md\b|\bSPEC\b|reference/|shared/", re.IGNORECASE)


def test_every_rule_explains_itself() -> None:
    for registered in all_rules():
        for field in ("description", "source", "meaning", "why", "remedy", "example"):
            text = getattr(registered, field)
            assert len(text.split()) >= 4, f"{registered.code}: {field} is missing or too short"
        assert registered.family in FAMILIES, registered.code


def test_citations_name_public_sources_not_repository_documents() -> None:
    for registered in all_rules():
        for heading, text in registered.sections():
            assert not UNSHIPPED.search(text), f"{registered.code} {heading}: {text}"


def test_network_rules_cite_secmp0063_in_why_or_source() -> None:
    network = [r for r in all_rules() if r.code.startswith("NO_CERT_") and r.family == "network"]
    assert len(network) >= 3
    for registered in network:
        assert "SEC" in registered.source, registered.code


def test_codes_and_families_select_case_insensitively() -> None:
    assert [r.code for r in rules_named("no_cert_wrong_network")] == ["NO_CERT_WRONG_NETWORK"]
    assert {r.family for r in rules_named("CHAIN")} == {"chain"}
    with pytest.raises(UnknownCheck) as raised:
        rules_named("NO_SUCH_CODE")
    assert raised.value.name == "NO_SUCH_CODE"


def test_select_then_ignore_keeps_registry_order() -> None:
    every = all_rules()
    assert select_rules() == every
    kept = select_rules(["network,cells", "CERT_EXPIRED"], ["NO_CERT_WRONG_NETWORK"])
    assert [r.code for r in kept] == [
        r.code
        for r in every
        if (r.family in ("network", "cells") or r.code == "CERT_EXPIRED")
        and r.code != "NO_CERT_WRONG_NETWORK"
    ]
    assert select_rules(ignore=list(FAMILIES)) == []
    assert split_names([" a, ,b", "c"]) == ["a", "b", "c"]


def test_check_functions_follow_the_selection() -> None:
    kept = select_rules(["signature"])
    assert check_functions(kept) == tuple(r.run for r in kept)
    assert len(check_functions(kept)) == 2


def test_a_rule_of_an_unknown_family_is_refused() -> None:
    with pytest.raises(ValueError, match="unknown family"):
        rule("TEST_ONLY_CODE", all_rules()[0].severity, "d", "s", "nonsense")


def test_a_rule_makes_a_frozen_finding_as_finding_would() -> None:
    """Rule.finding's stored slots make the Finding that Finding(...) makes (frozen)."""
    import dataclasses

    from certcheck.audit.model import Finding, Organisation

    responsible = Organisation("90-B3-D5-1F-D0-03-00-00", "Northgrid", "ED")
    for made in all_rules():
        finding = made.finding("message", "sha", "where", responsible)
        assert type(finding) is Finding
        assert finding == Finding(
            made.code, made.severity, "message", "sha", "where",
            responsible if made.incident else None,
        )  # fmt: skip
        assert hash(finding) == hash(dataclasses.replace(finding))
        with pytest.raises(dataclasses.FrozenInstanceError):
            finding.message = "changed"  # type: ignore[misc]
