"""Does each certificate fit the trust-anchor cell it is placed in?

Sources: GBCS TrustAnchorCellIdentifier {remotePartyRole, keyUsage, cellUsage}
(reference/payloads.md section 2.4); DUIS element names DigitalSigningCertificate /
KeyAgreementCertificate / KeyAgreementTopUpCertificate (payloads.md section 6 item 7).
"""

from __future__ import annotations

from collections.abc import Iterator

from certcheck.audit.model import Finding, Severity
from certcheck.checks.registry import rule
from certcheck.checks.subject import Subject
from certcheck.smki.certificate import KIND_ORGANISATION
from certcheck.smki.roles import role_name

CELL_ROLE_MISMATCH = rule(
    "CELL_ROLE_MISMATCH",
    Severity.ERROR,
    "The certificate's remote party role differs from its target cell's role.",
    "GBCS 13.3.5.11 TrustAnchorCellIdentifier.remotePartyRole; smki.md 1.3 (OU = role)",
    "cells",
    incident=True,
)
CELL_KEY_USAGE_MISMATCH = rule(
    "CELL_KEY_USAGE_MISMATCH",
    Severity.ERROR,
    "A digital-signing certificate in a key-agreement cell, or the reverse.",
    "GBCS 13.3.5.11 TrustAnchorCellIdentifier.keyUsage; smki.md 1.2 (keyUsage)",
    "cells",
    incident=True,
)


@CELL_ROLE_MISMATCH.check
def cell_role_mismatch(subject: Subject) -> Iterator[Finding]:
    for placement in subject.replacements:
        cert, cell = placement.certificate, placement.cell
        if cell is None or cert.kind != KIND_ORGANISATION or cert.role == cell.role:
            continue
        have = (
            "no remote party role"
            if cert.role is None
            else f"role {cert.role} ({role_name(cert.role)})"
        )
        yield CELL_ROLE_MISMATCH.finding(
            f"certificate of {cert.entity_id} has {have} but its target cell is {cell.label()}",
            cert.sha256,
            placement.where,
            subject.context.organisation(cert.entity_id),
        )


@CELL_KEY_USAGE_MISMATCH.check
def cell_key_usage_mismatch(subject: Subject) -> Iterator[Finding]:
    for placement in subject.replacements:
        cert, cell = placement.certificate, placement.cell
        if cell is None or cell.key_usage in cert.key_usage:
            continue
        have = ", ".join(cert.key_usage) or "no key usage"
        yield CELL_KEY_USAGE_MISMATCH.finding(
            f"certificate of {cert.entity_id} is {have} but its target cell is {cell.label()}",
            cert.sha256,
            placement.where,
            subject.context.organisation(cert.entity_id),
        )
