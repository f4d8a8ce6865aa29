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
    "GBCS v1 section 12; SEC Appendix B profile as observed in the ZAZ1 test PKI (smki.md 1)",
    "profile",
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
