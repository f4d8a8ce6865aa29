"""CERT_PROFILE_VIOLATION: not an SMKI Organisation (or Device) Certificate."""

from __future__ import annotations

from collections.abc import Iterator

from certcheck.audit.model import Finding, Severity
from certcheck.checks.registry import rule
from certcheck.checks.subject import Subject
from certcheck.smki.profile import profile_problems

CERT_PROFILE_VIOLATION = rule(
    "CERT_PROFILE_VIOLATION",
    Severity.ERROR,
    "Not an SMKI Organisation Certificate (curve, algorithm, subject, key usage, extensions).",
    (
        "GBCS section 12 (certificate requirements: P-256, ECDSA with SHA-256, critical key usage "
        "and policies, 8-octet key identifiers); SEC Appendix B (Organisation Certificate "
        "Policy); RFC 5280"
    ),
    "profile",
    meaning=(
        "The certificate is not an SMKI Organisation Certificate: wrong curve or algorithm, "
        "subject without the remote party role (OU) or entity id (x500UniqueIdentifier), wrong "
        "key usage or extensions, or DER that strict X.509 parsing refuses. The message names the "
        "cause."
    ),
    why=(
        "A device accepts only certificates that meet the GBCS profile: a non-conforming "
        "certificate is refused by the meter or cannot be attributed to an organisation, so the "
        "other checks cannot rely on it."
    ),
    remedy=(
        "Obtain the organisation's certificate from the SMKI repository instead of the one sent, "
        "and check the tool that produced it."
    ),
    example="A certificate on curve P-384, or whose subject has no x500UniqueIdentifier.",
)


@CERT_PROFILE_VIOLATION.check
def profile_violation(subject: Subject) -> Iterator[Finding]:
    for placement in subject.replacements:
        problems = profile_problems(placement.certificate)
        if problems:
            cert = placement.certificate
            yield CERT_PROFILE_VIOLATION.finding(
                f"certificate {cert.serial} of {cert.entity_id or 'unknown entity'}: "
                + "; ".join(problems),
                cert.sha256,
                placement.where,
            )
