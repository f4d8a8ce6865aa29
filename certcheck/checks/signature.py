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
    (
        "GBCS 13.3.3.1 (General Signing: the command is signed with the originator's "
        "digital-signing key, ECDSA P-256 with SHA-256)"
    ),
    "signature",
    meaning=(
        "The GBCS command's signature does not verify against the originator's digital-signing "
        "certificate given with --certs."
    ),
    why=(
        "A device executes a certificate replacement only when its signature verifies against the "
        "trust anchor it holds: an invalid signature means the command was altered, or signed by "
        "another organisation than it names."
    ),
    remedy=(
        "Check that --certs holds the originator's current signing certificate; otherwise treat "
        "the payload as altered and ask its sender."
    ),
    example="A CS02b command whose last signature byte was changed in transit.",
)
SIGNATURE_NOT_CHECKED = rule(
    "SIGNATURE_NOT_CHECKED",
    Severity.INFO,
    "A signed GBCS message whose signer's certificate was not given (--certs).",
    "GBCS 13.3.3.1 (General Signing); certcheck reports a check it cannot do",
    "signature",
    meaning=(
        "A signed GBCS message whose originator's digital-signing certificate was not given with "
        "--certs, so its signature was not checked."
    ),
    why=(
        "An unchecked signature cannot show who sent the command; this note says so rather than "
        "passing silently."
    ),
    remedy="Give --certs with the originators' signing certificates (files or directories).",
    example="A CS02b command from 90-B3-D5-1F-30-02-00-00 verified without --certs.",
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
