"""Per-process bounded cache of decoded certificates, keyed by their DER bytes.

A batch carries the same few dozen organisation certificates millions of times; each distinct
DER is decoded once per worker. One that a keystore holds (``--certs``, ``--trust``) is not
decoded at all: the keystore's certificate is taken (:func:`remember`), which a compiled
keystore gives without decoding (about half a millisecond each with asn1crypto).
"""

from __future__ import annotations

from functools import lru_cache

from certcheck.smki.certificate import SmkiCertificate, decode_certificate

CACHE_SIZE = 4096
KNOWN_LIMIT = 65_536  # keystore certificates remembered at most, beyond any real keystore
_KNOWN: dict[bytes, SmkiCertificate] = {}


@lru_cache(maxsize=CACHE_SIZE)
def certificate_from_der(der: bytes) -> SmkiCertificate:
    """Decode ``der`` once per process (raises CertificateError like decode_certificate)."""
    known = _KNOWN.get(der)
    return known if known is not None else decode_certificate(der)


def remember(certificate: SmkiCertificate) -> None:
    """Take ``certificate`` (decoded from its ``der``, or read back from a compiled form of
    that) as :func:`certificate_from_der`'s result for its DER from now on in this process."""
    if len(_KNOWN) < KNOWN_LIMIT or certificate.der in _KNOWN:
        _KNOWN[certificate.der] = certificate
