"""The check registry: one small unit per finding code, with its metadata.

``verify --list-checks``, the README's table of codes and the SARIF rules all read this
registry, so they cannot drift apart. Each check module declares its rule with :func:`rule`
and attaches the function that finds it with ``@RULE.check``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from functools import cache
from typing import TYPE_CHECKING

from certcheck.audit.model import Finding, Organisation, Severity

if TYPE_CHECKING:
    from certcheck.checks.subject import Subject

CheckFunction = Callable[["Subject"], Iterable[Finding]]


@dataclass(eq=False)
class Rule:
    """A finding code, what it means, the source it enforces, and the function that finds it.

    ``incident`` marks a rule whose finding makes its item an incident (SPEC.md, "Audit store
    and reporting"): a certificate in a wrong cell that only its own organisation can replace.
    Its findings name that organisation as ``responsible``; reports count them.
    """

    code: str
    severity: Severity
    description: str
    source: str
    family: str
    incident: bool = False
    run: CheckFunction | None = field(default=None, repr=False)

    def check(self, function: CheckFunction) -> CheckFunction:
        """Decorator: the function that produces this rule's findings."""
        self.run = function
        return function

    def finding(
        self,
        message: str,
        certificate: str | None = None,
        where: str | None = None,
        responsible: Organisation | None = None,
    ) -> Finding:
        """A finding of this rule's code and severity; ``responsible`` only on an incident."""
        return Finding(
            self.code,
            self.severity,
            message,
            certificate,
            where,
            responsible if self.incident else None,
        )


REGISTRY: dict[str, Rule] = {}


def rule(
    code: str,
    severity: Severity,
    description: str,
    source: str,
    family: str,
    *,
    incident: bool = False,
) -> Rule:
    """Declare a finding code in the registry (``incident``: see :class:`Rule`)."""
    if code in REGISTRY:
        raise ValueError(f"duplicate check code {code}")
    if incident and severity is not Severity.ERROR:
        raise ValueError(f"{code}: an incident rule has error severity")
    entry = REGISTRY[code] = Rule(code, severity, description, source, family, incident)
    return entry


def load_all() -> None:
    """Import every check module so that each registers its rules."""
    from certcheck.checks import (  # noqa: F401
        cells,
        chain,
        input,
        mapping,
        network,
        pairing,
        profile,
        signature,
    )


def all_rules() -> list[Rule]:
    """Every registered rule, in a stable order (family, then code)."""
    load_all()
    return sorted(REGISTRY.values(), key=lambda r: (FAMILY_ORDER.get(r.family, 99), r.code))


FAMILY_ORDER = {
    "network": 0,
    "cells": 1,
    "pairing": 2,
    "profile": 3,
    "chain": 4,
    "signature": 5,
    "mapping": 6,
    "input": 7,
}

_RUNS: list[CheckFunction] = []


def run_checks(subject: Subject) -> list[Finding]:
    """Run every rule that has a check function on one subject: the findings in rule order.

    Each rule's findings are gathered straight into one list (no generator around them):
    this runs for every item of a batch.
    """
    if not _RUNS:
        _RUNS.extend(r.run for r in all_rules() if r.run is not None)
    findings: list[Finding] = []
    for run in _RUNS:
        findings.extend(run(subject))
    return findings


@cache
def incident_codes() -> frozenset[str]:
    """The codes whose findings make an item an incident (``Rule.incident``)."""
    return frozenset(r.code for r in all_rules() if r.incident)


def get(code: str) -> Rule:
    """The registered rule for ``code``."""
    load_all()
    return REGISTRY[code]
