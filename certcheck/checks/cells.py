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
    (
        "GBCS 13.3.5.11 (Trust Anchor Cell Identifier: remote party role); GBCS section 12 (the "
        "subject OU carries the remote party role)"
    ),
    "cells",
    incident=True,
    meaning=(
        "The certificate's remote party role (its subject OU) differs from the role of the "
        "trust-anchor cell the command targets, for example a Supplier certificate sent to a "
        "Network Operator cell."
    ),
    why=(
        "A device uses each trust-anchor cell for one remote party: a certificate of another role "
        "in a Network Operator cell leaves the network operator without a usable trust anchor and "
        "gives another party its access."
    ),
    remedy=(
        "Send the certificate of the cell's role. Tell the organisation named in `responsible`, "
        "whose certificate is in the wrong cell."
    ),
    example=(
        "A CS02b command targets cell {networkOperator, digitalSignature} with a Supplier (role "
        "2) certificate."
    ),
)
CELL_KEY_USAGE_MISMATCH = rule(
    "CELL_KEY_USAGE_MISMATCH",
    Severity.ERROR,
    "A digital-signing certificate in a key-agreement cell, or the reverse.",
    (
        "GBCS 13.3.5.11 (Trust Anchor Cell Identifier: key usage); GBCS section 12 (key usage is "
        "critical and names one use)"
    ),
    "cells",
    incident=True,
    meaning=(
        "A digital-signing certificate is placed in a key-agreement cell, or a key-agreement "
        "certificate in a digital-signing cell."
    ),
    why=(
        "Organisation certificates carry exactly one key usage. A signing certificate in a "
        "key-agreement cell (or the reverse) cannot be used as the cell intends, so commands from "
        "the network operator fail verification or cannot be protected."
    ),
    remedy=(
        "Resend both certificates, each to its own cell (digitalSignature and keyAgreement). Tell "
        "the organisation named in `responsible`."
    ),
    example=(
        "An SR 6.21 handover swaps the Network Operator's digital-signing and key-agreement "
        "certificates."
    ),
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
