"""ECDSA P-256 / SHA-256 verification: the one place certcheck checks a signature.

Both certificate chains (:mod:`certcheck.smki.chain`) and GBCS command signatures
(:mod:`certcheck.smki.signature`) verify with a public key given as an encoded P-256 point.
Building the key object validates the point, which costs about half a verify, so each
distinct point is built once per process.
"""

from __future__ import annotations

from functools import lru_cache

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec

_HALF = 32  # bytes of r and of s in a P-256 IEEE P1363 signature


@lru_cache(maxsize=4096)
def p256_key(point: bytes) -> ec.EllipticCurvePublicKey | None:
    """The P-256 public key of an encoded point, or None when it is not a point on the curve."""
    try:
        return ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), point)
    except (ValueError, TypeError):
        return None


@lru_cache(maxsize=1)
def _ecdsa_sha256() -> ec.ECDSA:
    """The signature algorithm, built on first use: building it imports cryptography's OpenSSL
    backend (about 20 M instructions), which a run that verifies no signature never needs."""
    return ec.ECDSA(hashes.SHA256())


def verify_p256(point: bytes, signature: bytes, data: bytes) -> bool:
    """True when the DER ECDSA ``signature`` over ``data`` verifies with the key ``point``."""
    key = p256_key(point)
    if key is None:
        return False
    try:
        key.verify(signature, data, _ecdsa_sha256())
    except (InvalidSignature, ValueError, TypeError):
        return False
    return True


def verify_p256_raw(point: bytes, signature: bytes, data: bytes) -> bool:
    """:func:`verify_p256` for an IEEE P1363 ``r || s`` signature of 64 bytes (as GBCS
    carries it); False for any other length or a zero ``r`` or ``s``."""
    encoded = der_signature(signature)
    return encoded is not None and verify_p256(point, encoded, data)


def der_signature(signature: bytes) -> bytes | None:
    """The DER form of an IEEE P1363 ``r || s`` P-256 signature; None unless 64 bytes with
    non-zero ``r`` and ``s``. Built from the bytes as they are, each integer's leading zeros
    dropped (and one put back before a high bit), as ``encode_dss_signature`` encodes it: about
    7 thousand instructions against 14 thousand through Python integers and that call."""
    if len(signature) != 2 * _HALF:
        return None
    r = signature[:_HALF].lstrip(b"\x00")
    s = signature[_HALF:].lstrip(b"\x00")
    if not r or not s:
        return None
    if r[0] & 0x80:
        r = b"\x00" + r
    if s[0] & 0x80:
        s = b"\x00" + s
    body = _INTEGER[len(r)] + r + _INTEGER[len(s)] + s
    return _SEQUENCE[len(body)] + body


# DER headers by content length: an INTEGER of r or s (at most 33 bytes) and the SEQUENCE of
# the two (at most 70 bytes, a one-byte length).
_INTEGER = tuple(bytes((0x02, size)) for size in range(_HALF + 2))
_SEQUENCE = tuple(bytes((0x30, size)) for size in range(2 * (_HALF + 3) + 1))
