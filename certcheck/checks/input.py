"""INPUT_UNREADABLE: an item, or a part of it, that could not be decoded."""

from __future__ import annotations

from certcheck.audit.model import Finding, Item, Severity
from certcheck.checks.registry import rule
from certcheck.checks.subject import Subject

INPUT_UNREADABLE = rule(
    "INPUT_UNREADABLE",
    Severity.ERROR,
    "The item could not be decoded; the message says where and why.",
    "SPEC.md Inputs; DUIS Schema V5.4; GBCS section 13 message framing",
    "input",
)


def unreadable_findings(item: Item) -> list[Finding]:
    """One finding per decoding problem, naming where decoding stopped (decode shows them too)."""
    return [INPUT_UNREADABLE.finding(p.message, None, p.where) for p in item.problems]


@INPUT_UNREADABLE.check
def input_unreadable(subject: Subject) -> list[Finding]:
    """One finding per decoding problem, naming where decoding stopped."""
    return unreadable_findings(subject.item)
