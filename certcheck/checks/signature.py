"""GBCS command signatures, checked with the originator's digital-signing certificate.

Signature recipe: ECDSA P-256 SHA-256 over the General-Signing APDU from the byte after the
``DF`` tag to the end of the content (reference/payloads.md section 2.1).
"""

from __future__ import annotations

from collections.abc import Iterator

from certcheck.audit.model import Finding, Severity
from certcheck.checks.registry import rule
from certcheck.checks.subject import Subject

COMMAND_SIGNATURE_INVALID = rule(
    "COMMAND_SIGNATURE_INVALID",
    Severity.ERROR,
    "A GBCS command's signature fails against the originator's signing certificate.",
    "GBCS 13.3.3.1 General-Signing (KRP signature); payloads.md 2.1 signature recipe",
    "signature",
)
SIGNATURE_NOT_CHECKED = rule(
    "SIGNATURE_NOT_CHECKED",
    Severity.INFO,
    "A signed GBCS message whose signer's certificate was not given (--certs).",
    "SPEC.md: a check that lacks its context says so",
    "signature",
)


@COMMAND_SIGNATURE_INVALID.check
def signature_invalid(subject: Subject) -> Iterator[Finding]:
    if subject.signature_state == "invalid":
        gbcs = subject.gbcs
        yield COMMAND_SIGNATURE_INVALID.finding(
            f"signature does not verify with any digital-signing certificate of {gbcs.originator}",
            None,
            "signature",
        )


@SIGNATURE_NOT_CHECKED.check
def signature_not_checked(subject: Subject) -> Iterator[Finding]:
    if subject.signature_state == "not-checked":
        yield SIGNATURE_NOT_CHECKED.finding(
            f"no digital-signing certificate of {subject.gbcs.originator} given (--certs)",
            None,
            "signature",
        )
