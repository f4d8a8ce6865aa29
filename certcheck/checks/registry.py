"""The check registry: one small unit per finding code, with its metadata.

``certcheck checks`` (and ``verify --list-checks``), the README's table of codes and the SARIF
rules all read this registry, so they cannot drift apart. Each check module declares its rule
with :func:`rule`, including the explanation ``certcheck checks CODE`` prints (as zlint keeps a
lint's description and citation beside its code), and attaches the function that finds it with
``@RULE.check``.
"""

from __future__ import annotations

import os
import sys
import traceback
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from functools import cache
from typing import TYPE_CHECKING, Any

from certcheck import PROJECT_URL
from certcheck.audit.model import Finding, Organisation, Severity
from certcheck.checks import FAMILIES

if TYPE_CHECKING:
    from certcheck.checks.subject import Subject

CheckFunction = Callable[["Subject"], Iterable[Finding]]


@dataclass(eq=False)
class Rule:
    """A finding code, what it means, the source it enforces, and the function that finds it.

    ``incident`` marks a rule whose finding makes its item an incident (SPEC.md, "Audit store
    and reporting"): a certificate in a wrong cell that only its own organisation can replace.
    Its findings name that organisation as ``responsible``; reports count them.

    ``source`` cites public documents in words (the SEC and its appendices, GBCS, SECMP0063,
    RFC 5280): never a file that the package does not ship. ``meaning``, ``why``, ``remedy`` and
    ``example`` are the explanation ``certcheck checks CODE`` prints.
    """

    code: str
    severity: Severity
    description: str
    source: str
    family: str
    incident: bool = False
    meaning: str = ""
    why: str = ""
    remedy: str = ""
    example: str = ""
    run: CheckFunction | None = field(default=None, repr=False)

    @property
    def help_uri(self) -> str:
        """Where the rule is documented: its row in the README's table of finding codes."""
        return f"{PROJECT_URL}#{self.code.lower()}"

    def sections(self) -> list[tuple[str, str]]:
        """The explanation under its headings, as ``certcheck checks CODE`` and SARIF show it."""
        return [
            ("What it means", self.meaning),
            ("Why it matters", self.why),
            ("What to do", self.remedy),
            ("Example", self.example),
            ("Source", self.source),
        ]

    def as_dict(self) -> dict[str, str]:
        """The rule's metadata, as ``certcheck checks -f json`` lists it."""
        return {
            "code": self.code,
            "severity": self.severity.label,
            "family": self.family,
            "description": self.description,
            "source": self.source,
            "meaning": self.meaning,
            "why": self.why,
            "remedy": self.remedy,
            "example": self.example,
            "help_uri": self.help_uri,
        }

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
        """A finding of this rule's code and severity; ``responsible`` only on an incident.

        Stored as plain attribute stores into a class of Finding's slot layout that then takes
        its class (as ``Meter.of_row`` does): a finding is made per item whose plan words its
        findings itself, and ``Finding(...)`` stores each field through ``object.__setattr__``.
        """
        finding = _FindingSlots()
        finding.code = self.code
        finding.severity = self.severity
        finding.message = message
        finding.certificate = certificate
        finding.where = where
        finding.responsible = responsible if self.incident else None
        finding.__class__ = Finding
        return finding  # type: ignore[return-value]


class _FindingSlots:
    """Finding's slot layout without its frozen ``__setattr__`` (see :meth:`Rule.finding`)."""

    __slots__ = Finding.__slots__


REGISTRY: dict[str, Rule] = {}


def rule(
    code: str,
    severity: Severity,
    description: str,
    source: str,
    family: str,
    *,
    incident: bool = False,
    meaning: str = "",
    why: str = "",
    remedy: str = "",
    example: str = "",
) -> Rule:
    """Declare a finding code in the registry, with its explanation (``incident``: see
    :class:`Rule`)."""
    if code in REGISTRY:
        raise ValueError(f"duplicate check code {code}")
    if family not in FAMILY_ORDER:
        raise ValueError(f"check {code}: unknown family {family!r}")
    if incident and severity is not Severity.ERROR:
        raise ValueError(f"{code}: an incident rule has error severity")
    entry = REGISTRY[code] = Rule(
        code, severity, description, source, family, incident, meaning, why, remedy, example
    )
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


FAMILY_ORDER = {family: index for index, family in enumerate(FAMILIES)}


class UnknownCheck(ValueError):
    """A name given to --select, --ignore or ``certcheck checks`` that is no code nor family."""

    def __init__(self, name: str) -> None:
        self.name = name
        super().__init__(
            f"unknown check {name!r}: give a finding code (certcheck checks lists them) "
            f"or a family ({', '.join(FAMILIES)})"
        )


def split_names(values: Iterable[str]) -> list[str]:
    """Names from repeatable, comma-separated option values (``--select a,b --select c``)."""
    return [name.strip() for value in values for name in value.split(",") if name.strip()]


def rules_named(name: str) -> list[Rule]:
    """The rules a finding code or a family names (either case); UnknownCheck otherwise."""
    rules = all_rules()
    if name.lower() in FAMILY_ORDER:
        return [r for r in rules if r.family == name.lower()]
    found = [r for r in rules if r.code == name.upper()]
    if not found:
        raise UnknownCheck(name)
    return found


def select_rules(select: Iterable[str] = (), ignore: Iterable[str] = ()) -> list[Rule]:
    """The rules a run keeps, in registry order: those ``select`` names (every rule when it
    names none), less those ``ignore`` names. Names are codes or families, comma-separated."""
    chosen = {r.code for name in split_names(select) for r in rules_named(name)}
    dropped = {r.code for name in split_names(ignore) for r in rules_named(name)}
    return [r for r in all_rules() if (not chosen or r.code in chosen) and r.code not in dropped]


def check_functions(rules: Iterable[Rule]) -> tuple[CheckFunction, ...]:
    """The functions that find ``rules``, in order: what a run calls on every item."""
    return tuple(r.run for r in rules if r.run is not None)


@cache
def _every_check() -> tuple[CheckFunction, ...]:
    return check_functions(all_rules())


CHECK_FAILED = rule(
    "CHECK_FAILED",
    Severity.ERROR,
    "A check raised on this item (a bug in certcheck); the batch goes on and the run exits 3.",
    "certcheck's exit codes: 3 is an internal error, reported with --debug",
    "input",
    meaning=(
        "One of certcheck's checks raised an exception on this item instead of giving its "
        "findings. The other checks ran; the faulty one's findings are missing."
    ),
    why=(
        "A fault in one check must neither end a batch of millions nor pass an item silently: "
        "the item fails, the batch goes on, and the run ends with exit code 3."
    ),
    remedy=(
        "Run the same command with --debug for the traceback and report it with the item; "
        "meanwhile --ignore the code the message names to run without that check."
    ),
    example="the NO_CERT_PAIR_MISMATCH check raised KeyError: 'role'; this is a bug ...",
)


# Families whose checks look only at the certificates an item places (their cells, element
# paths and certification path) and at the run's context: their findings are a function of the
# item's placements. A batch repeats a few sets of placements many times, so these findings are
# computed once per distinct set in a run (DESIGN.md, "Work once per distinct thing").
PLACEMENT_FAMILIES = frozenset({"cells", "pairing", "profile", "chain"})

# What decides, besides the run's context, WHETHER a check of each other family finds anything
# on an item (what it says may also name the item's device, MPAN or originator):
#   network, mapping: the target device's presence key (Subject.device_key: the meter's
#                     profile, or why there is none, and the Network Operator entries);
#   signature:        the GBCS layer's signature state;
#   input:            whether the item has decoding problems.
# run_checks keys its plans on these (:func:`_plan_key`); a check added to these families must
# keep to it, and tests/checks/test_plans.py holds every check to it on the demo world.
KEYED_FAMILIES = frozenset({"network", "mapping", "signature", "input"})

Steps = tuple[tuple[bool, tuple[CheckFunction, ...]], ...]


class Plan:
    """What the checks found on the first item of a plan key, for the later items of that key.

    ``steps`` are, in rule order, (True, findings to take as they are) or (False, the checks
    that found something, to be run for the item's own wording). When no check need be run,
    ``ready`` holds every finding (the same for each item of the key). ``memo`` keeps what a
    caller derives from the key's placements (their serialised entries, say), or from them
    and the ``ready`` findings: it is computed once per plan.
    """

    __slots__ = ("memo", "ready", "steps")

    def __init__(self, steps: tuple[tuple[bool, tuple[Any, ...]], ...]) -> None:
        self.steps = steps
        self.ready: tuple[Finding, ...] | None = (
            tuple(f for _, found in steps for f in found)
            if all(by_placements for by_placements, _ in steps)
            else None
        )
        self.memo: dict[str, Any] = {}

    def findings(self, subject: Subject) -> list[Finding]:
        """The findings on ``subject``, an item of this plan's key."""
        findings: list[Finding] = []
        for ready, payload in self.steps:
            if ready:
                findings.extend(payload)
            else:
                for run in payload:
                    findings.extend(run(subject))
        return findings


@cache
def _steps(checks: tuple[CheckFunction, ...]) -> Steps:
    """``checks`` as runs of consecutive functions: (of PLACEMENT_FAMILIES?, functions)."""
    family = {r.run: r.family for r in REGISTRY.values() if r.run is not None}
    steps: list[tuple[bool, list[CheckFunction]]] = []
    for run in checks:
        by_placements = family.get(run) in PLACEMENT_FAMILIES
        if not steps or steps[-1][0] != by_placements:
            steps.append((by_placements, []))
        steps[-1][1].append(run)
    return tuple((by_placements, tuple(runs)) for by_placements, runs in steps)


def _run_all(runs: tuple[CheckFunction, ...], subject: Subject) -> list[Finding]:
    findings: list[Finding] = []
    for run in runs:
        findings.extend(run(subject))
    return findings


def _plan_key(subject: Subject) -> tuple[Any, ...]:
    """Everything that decides which checks find something on ``subject`` (KEYED_FAMILIES),
    its placements as the context's key for their set (``AuditContext.placement_set``).

    The checks a run selected are not part of it: plans are kept by the context, whose
    selection is made once for the run."""
    item = subject.item
    return (
        subject.context.placement_set(item.placements),
        subject.device_key,
        subject.signature_state,
        not item.problems,
    )


def _make_plan(checks: tuple[CheckFunction, ...], subject: Subject) -> tuple[Plan, list[Finding]]:
    """Run every check on ``subject``: its findings, and the plan for items of the same key.

    Raises whatever a check raises (the caller then runs them guarded)."""
    context, placements = subject.context, subject.item.placements
    findings: list[Finding] = []
    steps: list[tuple[bool, tuple[Any, ...]]] = []
    for by_placements, runs in _steps(checks):
        if by_placements:
            ready = context.once(
                (runs, placements), lambda runs=runs: tuple(_run_all(runs, subject))
            )
            findings.extend(ready)
            if ready:
                steps.append((True, ready))
            continue
        firing = []
        for run in runs:
            found = list(run(subject))
            if found:
                findings.extend(found)
                firing.append(run)
        if firing:
            steps.append((False, tuple(firing)))
    return Plan(tuple(steps)), findings


def check_item(subject: Subject) -> tuple[list[Finding] | tuple[Finding, ...], Plan | None]:
    """Run the context's checks (every check unless the run selected some) on one subject:
    the findings in rule order, and the :class:`Plan` of the item's key (None when a check
    raised). The findings *are* the plan's ``ready`` tuple when they are every item's of the
    key (``findings is plan.ready``).

    The selection is made once per run (``AuditContext.checks``). Which checks find something
    depends only on the item's placements and its plan key (see :data:`KEYED_FAMILIES`), and a
    batch repeats a few keys many times: the first item of a key runs every check and leaves
    a plan, in the context's memo; a later item of that key takes the placement families'
    findings from the plan and runs only the checks that found something, for its own wording
    (most items: none). Only when a check raises are the checks run again one by one, each
    guarded, so that the faulty one gives a ``CHECK_FAILED`` finding on this item and the
    others their findings.
    """
    context = subject.context
    checks = context.checks
    if checks is None:
        checks = _every_check()
    try:
        key = _plan_key(subject)
        plan = context.plans.get(key)
        if plan is None:
            plan, findings = _make_plan(checks, subject)
            context.keep_plan(key, plan)
            return findings, plan
        if plan.ready is not None:
            return plan.ready, plan
        return plan.findings(subject), plan
    except Exception:
        return _run_guarded(subject, checks), None


def check_items(
    subjects: Sequence[Subject],
) -> list[tuple[list[Finding] | tuple[Finding, ...], Plan | None]]:
    """:func:`check_item` on each subject, in one loop: for subjects of one context (a
    block's), the run's checks and plans are looked up once and each plan key is made in the
    loop, as :func:`_plan_key` makes it (a meter's device key inline, as
    ``Subject.device_key`` gives it for an item reporting no cells)."""
    context = subjects[0].context if subjects else None
    if context is None or any(s.context is not context for s in subjects):
        return [check_item(s) for s in subjects]
    checks = context.checks
    if checks is None:
        checks = _every_check()
    plans, sets = context.plans, context.placement_sets
    checked: list[tuple[list[Finding] | tuple[Finding, ...], Plan | None]] = []
    for subject in subjects:
        try:
            item = subject.item
            placements = item.placements
            known = sets.get(id(placements))
            meter = subject.meter
            key = (
                known[1] if known is not None and known[0] is placements
                else context.placement_set(placements),
                (True, meter.profile, None)
                if meter is not None and not item.outcomes
                else subject.device_key,
                subject.signature_state,
                not item.problems,
            )  # fmt: skip
            plan = plans.get(key)
            if plan is None:
                plan, findings = _make_plan(checks, subject)
                context.keep_plan(key, plan)
                checked.append((findings, plan))
            elif plan.ready is not None:
                checked.append((plan.ready, plan))
            else:
                checked.append((plan.findings(subject), plan))
        except Exception:
            checked.append((_run_guarded(subject, checks), None))
    return checked


def run_checks(subject: Subject) -> list[Finding]:
    """:func:`check_item`'s findings, as a new list."""
    return list(check_item(subject)[0])


def _run_guarded(subject: Subject, checks: Iterable[CheckFunction]) -> list[Finding]:
    findings: list[Finding] = []
    for run in checks:
        try:
            found = list(run(subject))
        except Exception as exc:
            if os.environ.get(DEBUG_ENV):
                traceback.print_exc()
                sys.stderr.flush()  # a worker process may end without flushing
            found = [
                CHECK_FAILED.finding(
                    f"the {_code_of(run)} check raised {type(exc).__name__}: {exc}; this is a "
                    "bug in certcheck (run with --debug for the traceback, and report it)"
                )
            ]
        findings.extend(found)
    return findings


def _code_of(run: CheckFunction) -> str:
    return next((r.code for r in REGISTRY.values() if r.run is run), getattr(run, "__name__", "?"))


DEBUG_ENV = "CERTCHECK_DEBUG"
"""Set by ``--debug``: a check that raises prints its traceback (workers inherit it)."""


@cache
def incident_codes() -> frozenset[str]:
    """The codes whose findings make an item an incident (``Rule.incident``)."""
    return frozenset(r.code for r in all_rules() if r.incident)
