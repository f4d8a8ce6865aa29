"""text_to_bytes: hex first, then strict base64, whitespace ignored, else None."""

from __future__ import annotations

import base64

import pytest

from certcheck.formats.hexb64 import text_to_bytes

RAW = bytes(range(256))


@pytest.mark.parametrize(
    "text",
    [
        RAW.hex().encode(),
        RAW.hex().upper().encode(),
        b"  " + RAW.hex().encode() + b"\r\n",
        b"\n".join(RAW.hex().encode()[i : i + 64] for i in range(0, 512, 64)),
        b" ".join(RAW.hex().encode()[i : i + 2] for i in range(0, 512, 2)),
        base64.b64encode(RAW),
        base64.encodebytes(RAW),  # line breaks every 76 characters
    ],
)
def test_hex_and_base64_spellings_give_the_same_bytes(text: bytes) -> None:
    assert text_to_bytes(text) == RAW


def test_hex_wins_when_both_readings_are_possible() -> None:
    assert text_to_bytes(b"ABCD") == b"\xab\xcd"


@pytest.mark.parametrize(
    "text",
    [b"", b"  \n", b"ABC", b"not base64!", b"QUJD=x", b"A", b"Zm9v====", b"\xdd\x00\x01"],
)
def test_neither_hex_nor_base64_is_none(text: bytes) -> None:
    assert text_to_bytes(text) is None


def test_odd_length_hex_is_not_read_as_base64() -> None:
    assert text_to_bytes(b"ABCDEFG") is None
    assert text_to_bytes(b"ABCDEF1") is None
    assert text_to_bytes(b"ABCDEF12") == bytes.fromhex("ABCDEF12")
    # Base64 that is not hex and has its padding: decoded.
    assert text_to_bytes(b"QUJD") == b"ABC"
    assert text_to_bytes(base64.b64encode(RAW).rstrip(b"=")) is None
