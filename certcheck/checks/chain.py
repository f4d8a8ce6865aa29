"""Signature chains to a trusted OCA, and validity at the audit time."""

from __future__ import annotations

from collections.abc import Iterator

from certcheck.audit.model import Finding, Severity
from certcheck.checks.registry import rule
from certcheck.checks.subject import Subject
from certcheck.smki.certificate import iso

CERT_CHAIN_UNTRUSTED = rule(
    "CERT_CHAIN_UNTRUSTED",
    Severity.ERROR,
    "No valid signature chain to a --trust certificate.",
    "RFC 5280 6.1 path validation; GBCS v1 12 (devices run CPV against the OCA)",
    "chain",
)
CHAIN_NOT_CHECKED = rule(
    "CHAIN_NOT_CHECKED",
    Severity.INFO,
    "No --trust given, so certificate chains were not checked.",
    "SPEC.md: a check that lacks its context says so",
    "chain",
)
CERT_EXPIRED = rule(
    "CERT_EXPIRED",
    Severity.WARNING,
    "The certificate's notAfter is before --at (default now).",
    "RFC 5280 4.1.2.5 validity",
    "chain",
)
CERT_NOT_YET_VALID = rule(
    "CERT_NOT_YET_VALID",
    Severity.WARNING,
    "The certificate's notBefore is after --at (default now).",
    "RFC 5280 4.1.2.5 validity",
    "chain",
)


@CERT_CHAIN_UNTRUSTED.check
def chain_untrusted(subject: Subject) -> Iterator[Finding]:
    trust = subject.context.trust
    if not trust:
        return
    for placement in subject.replacements:
        result = trust.check(placement.certificate, subject.path_certificates)
        if not result.trusted:
            cert = placement.certificate
            yield CERT_CHAIN_UNTRUSTED.finding(
                f"certificate {cert.serial} of {cert.entity_id or 'unknown entity'}: "
                f"{result.reason}",
                cert.sha256,
                placement.where,
            )


@CHAIN_NOT_CHECKED.check
def chain_not_checked(subject: Subject) -> Iterator[Finding]:
    if subject.context.trust or not subject.replacements:
        return
    yield CHAIN_NOT_CHECKED.finding(
        f"{len(subject.replacements)} certificate(s) not checked against a trust anchor: "
        "give --trust ROOT_OR_OCA.pem",
    )


@CERT_EXPIRED.check
def expired(subject: Subject) -> Iterator[Finding]:
    at = subject.context.at
    for placement in subject.replacements:
        cert = placement.certificate
        if cert.not_after < at:
            yield CERT_EXPIRED.finding(
                f"certificate {cert.serial} of {cert.entity_id or 'unknown entity'} expired "
                f"{iso(cert.not_after)} (audit time {iso(at)})",
                cert.sha256,
                placement.where,
            )


@CERT_NOT_YET_VALID.check
def not_yet_valid(subject: Subject) -> Iterator[Finding]:
    at = subject.context.at
    for placement in subject.replacements:
        cert = placement.certificate
        if cert.not_before > at:
            yield CERT_NOT_YET_VALID.finding(
                f"certificate {cert.serial} of {cert.entity_id or 'unknown entity'} is valid only "
                f"from {iso(cert.not_before)} (audit time {iso(at)})",
                cert.sha256,
                placement.where,
            )
