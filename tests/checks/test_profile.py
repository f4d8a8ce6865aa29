"""The profile family: does each placed certificate follow the SMKI certificate profile?"""

from __future__ import annotations

from dataclasses import replace

from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec

from certcheck.demo.payloads import CORRECT, DUIS_HANDOVER, GBCS_NO_BY_NO
from certcheck.demo.pki import Issued
from tests.checks.casebook import HANDOVER_DS, CaseBook, sha

FAMILY = "profile"


def test_demo_certificates_follow_the_profile(book: CaseBook) -> None:
    for form in (DUIS_HANDOVER, GBCS_NO_BY_NO):
        assert book.findings(book.case(CORRECT, form), FAMILY) == [], form


def _on_p384(issued: Issued, issuer: Issued) -> Issued:
    """The same certificate with a P-384 key: outside the SMKI profile (P-256 only)."""
    key = ec.derive_private_key(384, ec.SECP384R1())
    original = issued.certificate
    builder = (
        x509.CertificateBuilder()
        .subject_name(original.subject)
        .issuer_name(original.issuer)
        .public_key(key.public_key())
        .serial_number(original.serial_number)
        .not_valid_before(original.not_valid_before_utc)
        .not_valid_after(original.not_valid_after_utc)
    )
    for extension in original.extensions:
        if not isinstance(extension.value, x509.SubjectKeyIdentifier):
            builder = builder.add_extension(extension.value, extension.critical)
    builder = builder.add_extension(
        x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False
    )
    certificate = builder.sign(issuer.key, hashes.SHA256())
    return Issued(f"{issued.label}:p384", certificate, key)  # type: ignore[arg-type]


def test_a_key_off_the_p256_curve(book: CaseBook) -> None:
    case = book.case(CORRECT, DUIS_HANDOVER)
    ds, ka = case.placements
    bad = replace(ds, certificate=_on_p384(ds.certificate, book.world.oca))
    case = replace(case, placements=(bad, ka))
    assert book.findings(case, FAMILY) == [("CERT_PROFILE_VIOLATION", sha(bad), HANDOVER_DS)]
