"""A GBCS signature's DER form is the one ``cryptography`` encodes for the same r and s."""

from __future__ import annotations

from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature
from hypothesis import given
from hypothesis import strategies as st

from certcheck.smki.ecdsa import der_signature

# A half of r || s: any bytes, and runs of leading zeros before a high or low first byte.
_HALVES = st.one_of(
    st.binary(min_size=32, max_size=32),
    st.builds(
        lambda zeros, first, rest: (bytes(zeros) + bytes([first]) + rest)[:32].ljust(32, b"\x01"),
        st.integers(0, 32),
        st.integers(0, 255),
        st.binary(min_size=31, max_size=31),
    ),
)


def _encoded(signature: bytes) -> bytes | None:
    r, s = int.from_bytes(signature[:32], "big"), int.from_bytes(signature[32:], "big")
    return encode_dss_signature(r, s) if r and s else None


@given(r=_HALVES, s=_HALVES)
def test_der_signature_is_cryptography_s_encoding(r: bytes, s: bytes) -> None:
    assert der_signature(r + s) == _encoded(r + s)


def test_edge_signatures() -> None:
    for signature in (bytes(64), b"\xff" * 64, bytes(32) + b"\x01" * 32, bytes(63) + b"\x01"):
        assert der_signature(signature) == _encoded(signature)
    assert der_signature(bytes(63)) is None and der_signature(b"\x01" * 65) is None
