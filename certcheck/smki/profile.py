"""The SMKI certificate profiles: what an Organisation or Device Certificate must look like.

Rules from GBCS v1 section 12 (common rules and Device Certificate rules) and the observed
ZAZ1 test certificates, as summarised in ``reference/smki.md`` sections 1.1, 1.2, 1.3 and 3.1.
Each function returns the list of violations, empty when the certificate conforms.
"""

from __future__ import annotations

from functools import lru_cache

from certcheck.smki.certificate import KIND_DEVICE, KIND_ORGANISATION, SmkiCertificate
from certcheck.smki.roles import (
    DIGITAL_SIGNATURE,
    KEY_AGREEMENT,
    EllipticCurveOID,
    ExtensionOID,
    PublicKeyAlgorithmOID,
    SignatureAlgorithmOID,
)
from certcheck.smki.strict import strict_problems

DEVICE_NOT_AFTER_YEAR = 9999  # GBCS v1 section 12: notAfter 99991231235959Z


def _common(cert: SmkiCertificate) -> list[str]:
    """Rules every SMKI certificate shares (GBCS v1 section 12, smki.md 1.1)."""
    problems = list(cert.problems)
    if (
        cert.public_key_algorithm != PublicKeyAlgorithmOID.EC_PUBLIC_KEY
        or cert.public_key_curve != EllipticCurveOID.SECP256R1
    ):
        problems.append("public key is not on NIST P-256")
    elif len(cert.public_key_point) != 65 or cert.public_key_point[:1] != b"\x04":
        problems.append("public key point is not in uncompressed form")
    if cert.signature_algorithm != SignatureAlgorithmOID.ECDSA_WITH_SHA256:
        problems.append(f"signature algorithm {cert.signature_algorithm} is not ecdsa-with-SHA256")
    elif cert.signature_parameters_present:
        problems.append("ecdsa-with-SHA256 carries explicit parameters (must be absent, RFC 5758)")
    key_usage = cert.extension(ExtensionOID.KEY_USAGE)
    if key_usage is None:
        problems.append("keyUsage extension is missing")
    elif not key_usage.critical:
        problems.append("keyUsage is not critical")
    ski = cert.extension(ExtensionOID.SUBJECT_KEY_IDENTIFIER)
    if ski is None:
        problems.append("subjectKeyIdentifier is missing")
    else:
        if ski.critical:
            problems.append("subjectKeyIdentifier is critical")
        if cert.subject_key_id and len(cert.subject_key_id) != 16:
            problems.append("subjectKeyIdentifier is not 8 octets (RFC 5280 method 2)")
    aki = cert.extension(ExtensionOID.AUTHORITY_KEY_IDENTIFIER)
    if aki is None or not cert.authority_key_id:
        problems.append("authorityKeyIdentifier keyIdentifier is missing")
    elif aki.critical:
        problems.append("authorityKeyIdentifier is critical")
    policies = cert.extension(ExtensionOID.CERTIFICATE_POLICIES)
    if policies is None or not cert.policies:
        problems.append("certificatePolicies is missing")
    elif not policies.critical:
        problems.append("certificatePolicies is not critical")
    return problems


def _single_usage(cert: SmkiCertificate) -> list[str]:
    usages = set(cert.key_usage)
    if usages in ({DIGITAL_SIGNATURE}, {KEY_AGREEMENT}):
        return []
    shown = ", ".join(sorted(usages)) or "none"
    return [f"keyUsage is {shown}; must be exactly one of digitalSignature or keyAgreement"]


def organisation_problems(cert: SmkiCertificate) -> list[str]:
    """Violations of the Organisation Certificate profile (smki.md 1.2, 1.3)."""
    problems = _common(cert) + _single_usage(cert)
    if cert.ou is None:
        problems.append("subject has no OU (remote party role)")
    if cert.entity_id is None:
        problems.append("subject has no x500UniqueIdentifier (entity id)")
    if cert.extension(ExtensionOID.SUBJECT_ALTERNATIVE_NAME) is not None:
        problems.append("subjectAltName present on an organisation certificate")
    return problems


def device_problems(cert: SmkiCertificate) -> list[str]:
    """Violations of the Device Certificate profile (smki.md 3.1)."""
    problems = _common(cert) + _single_usage(cert)
    san = cert.extension(ExtensionOID.SUBJECT_ALTERNATIVE_NAME)
    if san is None or not san.critical:
        problems.append("subjectAltName hardwareModuleName is missing or not critical")
    if cert.entity_id is None:
        problems.append("no device entity id in hardwareModuleName")
    if cert.not_after.year != DEVICE_NOT_AFTER_YEAR:
        problems.append("notAfter is not 99991231235959Z")
    if len(cert.policies) != 1:
        problems.append("certificatePolicies must hold exactly one policy")
    return problems


@lru_cache(maxsize=4096)
def profile_problems(cert: SmkiCertificate) -> tuple[str, ...]:
    """Profile violations for the certificate's kind (cached per certificate)."""
    if cert.kind == KIND_ORGANISATION:
        problems = organisation_problems(cert)
    elif cert.kind == KIND_DEVICE:
        problems = device_problems(cert)
    elif cert.is_ca:
        return tuple(cert.problems)
    else:
        problems = [
            "neither an organisation certificate (OU role and x500UniqueIdentifier) "
            "nor a device certificate (empty subject and hardwareModuleName)"
        ]
    problems += strict_problems(cert.der, cert.sha256)
    return tuple(dict.fromkeys(problems))
