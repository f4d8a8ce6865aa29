"""Electricity or gas: classify a Network Operator certificate.

An SMKI certificate does not say electricity or gas (reference/smki.md section 2, "Gas
Transporter vs Electricity Distributor"): both use remote party role 3. certcheck decides from
the remote party role, the issuer (an issuing CA, OU 07) and the user role the organisation
registry (operators.csv) gives its entity id (reference/market.md section 5.3).
"""

from __future__ import annotations

from dataclasses import dataclass

from certcheck.market.operators import NetworkKind, OperatorRegistry, UserRole
from certcheck.smki.certificate import SmkiCertificate
from certcheck.smki.roles import RemotePartyRole, role_name


@dataclass(frozen=True, slots=True)
class Classification:
    """The network kind of a certificate, the organisation behind it, and why."""

    network_kind: NetworkKind
    party: str | None
    user_role: str | None
    mpids: tuple[str, ...]
    reason: str


def issuer_is_issuing_ca(cert: SmkiCertificate) -> bool:
    """True when the issuer name carries OU=07 (issuingAuthority)."""
    return f"OU={RemotePartyRole.ISSUING_AUTHORITY:02X}" in cert.issuer.split(",")


def classify(cert: SmkiCertificate, registry: OperatorRegistry | None) -> Classification:
    """Classify one certificate; ``registry`` may be None (then role 3 is unknown)."""
    operator = registry.by_entity(cert.entity_id) if registry and cert.entity_id else None
    party = operator.party if operator else None
    user_role = operator.user_role if operator else None
    mpids = tuple(operator.mpids) if operator else ()
    if cert.role != RemotePartyRole.NETWORK_OPERATOR:
        what = "no remote party role" if cert.role is None else f"remote party role {cert.role}"
        name = f" ({role_name(cert.role)})" if cert.role is not None else ""
        return Classification(
            NetworkKind.OTHER, party, user_role, mpids, f"{what}{name} is not a Network Operator"
        )
    if not issuer_is_issuing_ca(cert):
        return Classification(
            NetworkKind.UNKNOWN,
            party,
            user_role,
            mpids,
            f"issuer {cert.issuer!r} is not an issuing CA (OU=07)",
        )
    if operator is None:
        if registry is None:
            reason = "Network Operator certificate; no organisation registry given"
        else:
            reason = f"Network Operator certificate; entity {cert.entity_id} not in the registry"
        return Classification(NetworkKind.UNKNOWN, None, None, (), reason)
    kind = UserRole(operator.user_role).network_kind
    return Classification(
        kind,
        party,
        user_role,
        mpids,
        f"Network Operator certificate of {operator.party} (user role {operator.user_role})",
    )
