"""INPUT_UNREADABLE: an item, or a part of it, that could not be decoded."""

from __future__ import annotations

from certcheck.audit.model import Finding, Item, Severity
from certcheck.checks.registry import rule
from certcheck.checks.subject import Subject

INPUT_UNREADABLE = rule(
    "INPUT_UNREADABLE",
    Severity.ERROR,
    "The item could not be decoded; the message says where and why.",
    (
        "DUIS XML schema (service requests, responses and alerts); GBCS section 13 (message "
        "framing); RFC 5280 (certificate encoding)"
    ),
    "input",
    meaning=(
        "The item could not be decoded (not a supported certificate, DUIS or GBCS form, "
        "malformed, or over an input limit); the message says where decoding stopped and why."
    ),
    why=(
        "A payload certcheck cannot read may still have been sent to a meter: it is reported as "
        "an error so it is looked at, and the rest of the batch goes on."
    ),
    remedy=(
        "Read the message and `where`; fix the producer of the payload, or raise the --max-* "
        "limit named in the message if the input is genuine."
    ),
    example="A JSON Lines entry whose payload is truncated GBCS hex.",
)


def unreadable_findings(item: Item) -> list[Finding]:
    """One finding per decoding problem, naming where decoding stopped (decode shows them too)."""
    return [INPUT_UNREADABLE.finding(p.message, None, p.where) for p in item.problems]


@INPUT_UNREADABLE.check
def input_unreadable(subject: Subject) -> list[Finding]:
    """One finding per decoding problem, naming where decoding stopped."""
    return unreadable_findings(subject.item)
