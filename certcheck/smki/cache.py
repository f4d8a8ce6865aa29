"""Per-process bounded cache of decoded certificates, keyed by their DER bytes.

A batch carries the same few dozen organisation certificates millions of times; each distinct
DER is decoded once per worker.
"""

from __future__ import annotations

from functools import lru_cache

from certcheck.smki.certificate import SmkiCertificate, decode_certificate

CACHE_SIZE = 4096


@lru_cache(maxsize=CACHE_SIZE)
def certificate_from_der(der: bytes) -> SmkiCertificate:
    """Decode ``der`` once per process (raises CertificateError like decode_certificate)."""
    return decode_certificate(der)
