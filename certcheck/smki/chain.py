"""Trust anchors and certificate signature chains.

A certificate is trusted when a chain of valid ECDSA signatures leads from it to a ``--trust``
certificate (a root or an issuing OCA). Certification-path certificates that a payload carries
are used only as untrusted intermediates: they must themselves chain to a trust anchor.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache

from certcheck.smki.certificate import SmkiCertificate

MAX_CHAIN_LENGTH = 5


@lru_cache(maxsize=8192)
def signed_by(cert: SmkiCertificate, issuer: SmkiCertificate) -> bool:
    """True when ``issuer``'s public key verifies ``cert``'s ECDSA-SHA256 signature."""
    from certcheck.smki.ecdsa import verify_p256

    return verify_p256(issuer.public_key_point, cert.signature, cert.tbs)


@dataclass(frozen=True)
class ChainResult:
    """Whether a certificate chains to a trust anchor, and if not, why."""

    trusted: bool
    reason: str
    anchor: SmkiCertificate | None = None


class TrustStore:
    """Trust anchors indexed by subject name."""

    def __init__(self, anchors: Iterable[SmkiCertificate]) -> None:
        self.anchors = list(dict.fromkeys(anchors))
        self._by_subject: dict[str, list[SmkiCertificate]] = defaultdict(list)
        for anchor in self.anchors:
            self._by_subject[anchor.subject].append(anchor)
        self._cache: dict[tuple[str, tuple[str, ...]], ChainResult] = {}

    def __bool__(self) -> bool:
        return bool(self.anchors)

    def check(
        self, cert: SmkiCertificate, intermediates: Sequence[SmkiCertificate] = ()
    ) -> ChainResult:
        """Find a valid signature chain from ``cert`` to an anchor (cached)."""
        key = (cert.sha256, tuple(sorted(c.sha256 for c in intermediates)))
        cached = self._cache.get(key)
        if cached is None:
            if len(self._cache) > 65536:
                self._cache.clear()
            cached = self._cache[key] = self._walk(cert, list(intermediates), 0)
        return cached

    def _walk(self, cert: SmkiCertificate, pool: list[SmkiCertificate], depth: int) -> ChainResult:
        if cert in self.anchors:
            return ChainResult(True, "is a trust anchor", cert)
        if depth >= MAX_CHAIN_LENGTH:
            return ChainResult(False, f"no trust anchor within {MAX_CHAIN_LENGTH} certificates")
        named = False
        for anchor in self._by_subject.get(cert.issuer, ()):
            named = True
            if signed_by(cert, anchor):
                return ChainResult(True, f"signed by trust anchor {anchor.subject}", anchor)
        for issuer in pool:
            if issuer.subject != cert.issuer or issuer is cert or not issuer.is_ca:
                continue
            named = True
            if signed_by(cert, issuer):
                upper = self._walk(issuer, [c for c in pool if c is not issuer], depth + 1)
                if upper.trusted:
                    return ChainResult(
                        True, f"signed by {issuer.subject}, {upper.reason}", upper.anchor
                    )
                return ChainResult(False, f"issuer {issuer.subject} is not trusted: {upper.reason}")
        if named:
            return ChainResult(
                False, f"signature does not verify with any certificate named {cert.issuer}"
            )
        return ChainResult(False, f"issuer {cert.issuer} is neither a trust anchor nor in the path")
