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
    (
        "RFC 5280 section 6.1 (path validation); GBCS section 12 (devices run certification path "
        "validation against the issuing OCA)"
    ),
    "chain",
    meaning=(
        "No valid signature chain leads from the certificate to a --trust certificate (the SMKI "
        "root or issuing OCA), using the item's certification-path certificates only as untrusted "
        "intermediates."
    ),
    why=(
        "A device validates each new trust anchor against the OCA it holds: a certificate that "
        "does not chain to it is refused, or was not issued by the SMKI at all."
    ),
    remedy=(
        "Check that --trust names the right root or OCA (test and production PKIs differ); "
        "otherwise obtain the organisation's certificate from the SMKI repository."
    ),
    example="A certificate issued by a test OCA, verified with --trust naming the production OCA.",
)
CHAIN_NOT_CHECKED = rule(
    "CHAIN_NOT_CHECKED",
    Severity.INFO,
    "No --trust given, so certificate chains were not checked.",
    (
        "RFC 5280 section 6.1 (path validation needs a trust anchor); certcheck reports a check "
        "it cannot do"
    ),
    "chain",
    meaning="No --trust certificate was given, so no certificate chain was checked.",
    why=(
        "Without a trust anchor certcheck cannot tell an SMKI certificate from a look-alike; this "
        "note says so rather than passing silently."
    ),
    remedy="Give --trust with the SMKI root or issuing OCA certificate (repeatable).",
    example=(
        "certcheck verify batch.jsonl --mapping meters.csv --operators operators.csv (no --trust)."
    ),
)
CERT_EXPIRED = rule(
    "CERT_EXPIRED",
    Severity.WARNING,
    "The certificate's notAfter is before --at (default now).",
    "RFC 5280 section 4.1.2.5 (validity)",
    "chain",
    meaning="The certificate's notAfter is before the audit time (--at, default now).",
    why=(
        "A device refuses an expired certificate, so the organisation cannot use the cell until "
        "it is replaced."
    ),
    remedy=(
        "Replace the certificate with a current one. To audit historic payloads, give --at with "
        "the time they were sent."
    ),
    example="A payload from 2016 carrying a ten-year certificate, audited in 2027.",
)
CERT_NOT_YET_VALID = rule(
    "CERT_NOT_YET_VALID",
    Severity.WARNING,
    "The certificate's notBefore is after --at (default now).",
    "RFC 5280 section 4.1.2.5 (validity)",
    "chain",
    meaning="The certificate's notBefore is after the audit time (--at, default now).",
    why=(
        "A certificate placed before it is valid may be refused by the device, and often means a "
        "clock or issuance error."
    ),
    remedy=(
        "Check --at and the certificate's issuance; replace it if it was issued with a wrong date."
    ),
    example="A certificate valid from 2027-01-01, audited with --at 2026-06-01.",
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
