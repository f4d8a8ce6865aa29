"""INPUT_UNREADABLE: an item, or a part of it, that could not be decoded."""

from __future__ import annotations

from collections.abc import Iterator

from certcheck.audit.model import Finding, Severity
from certcheck.checks.registry import rule
from certcheck.checks.subject import Subject

INPUT_UNREADABLE = rule(
    "INPUT_UNREADABLE",
    Severity.ERROR,
    "The item could not be decoded; the message says where and why.",
    "SPEC.md Inputs; DUIS Schema V5.4; GBCS section 13 message framing",
    "input",
)


@INPUT_UNREADABLE.check
def input_unreadable(subject: Subject) -> Iterator[Finding]:
    """One finding per decoding problem, naming where decoding stopped."""
    for problem in subject.item.problems:
        yield INPUT_UNREADABLE.finding(problem.message, None, problem.where)
