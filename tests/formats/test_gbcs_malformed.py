"""Malformed GBCS input: always an unreadable item naming a byte offset, never an exception."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from certcheck.audit.model import Item, ItemKind
from certcheck.formats.gbcs.frame import GbcsDecodeError, parse_frame
from certcheck.formats.gbcs.reader import decode_gbcs
from certcheck.formats.sniff import decode_item

_OFFSET = re.compile(r"^offset 0x[0-9A-F]+$")
_NO = "payloads/gbcs/RTDS-4.5.0/6.15.1_CS02bNOByNO"


def _sample(reference_dir: Path, name: str) -> bytes:
    return bytes.fromhex((reference_dir / _NO / name).read_text())


@pytest.fixture
def command(reference_dir: Path) -> bytes:
    return _sample(reference_dir, "CS02bNOByNO_6.15.1_SUCCESS_COMMAND_GBCS.HEX")


@pytest.fixture
def precommand(reference_dir: Path) -> bytes:
    return _sample(reference_dir, "CS02bNOByNO_6.15.1_SUCCESS_PRECOMMAND_GBCS.HEX")


def _unreadable(item: Item) -> str:
    """Assert ``item`` is unreadable with one offset problem; return its message."""
    assert item.kind is None
    (problem,) = item.problems
    assert problem.where is not None and _OFFSET.match(problem.where), problem
    assert problem.where in problem.message
    return problem.message


def test_every_truncation_of_a_mac_command_is_unreadable(command: bytes) -> None:
    for cut in range(len(command)):
        _unreadable(decode_gbcs(command[:cut], f"cut {cut}"))


def test_every_truncation_of_a_precommand_is_unreadable(precommand: bytes) -> None:
    offsets = set()
    for cut in range(len(precommand)):
        message = _unreadable(decode_gbcs(precommand[:cut], f"cut {cut}"))
        offsets.add(message)
    assert len(offsets) > 10  # the message follows where the input stops


def test_truncated_content_names_the_content_offset(precommand: bytes) -> None:
    frame = parse_frame(precommand)
    item = decode_gbcs(precommand[:-100], "short")
    (problem,) = item.problems
    assert problem.where == f"offset 0x{frame.content_offset:X}"
    assert "content" in problem.message and "expected 1292 byte(s)" in problem.message


def test_trailing_garbage_is_unreadable(command: bytes, precommand: bytes) -> None:
    assert "ciphered service length" in _unreadable(decode_gbcs(command + b"\x00", "long"))
    message = _unreadable(decode_gbcs(precommand + b"\xaa\xbb", "long"))
    assert "signature length" in message and "0xAA" in message
    assert "end of message" in _unreadable(decode_gbcs(precommand + b"\x00\x00", "long"))


def test_null_signature_appended_to_a_precommand_is_a_null_signature(precommand: bytes) -> None:
    item = decode_gbcs(precommand + b"\x00", "null")
    assert item.kind == ItemKind.GBCS_COMMAND and item.signature.state == "null"


def test_wrong_first_byte(command: bytes) -> None:
    message = _unreadable(decode_gbcs(b"\x30" + command[1:], "x"))
    assert "expected 0xDD" in message and "offset 0x0" in message


def test_gbt_is_rejected_with_a_clear_message(command: bytes) -> None:
    item = decode_gbcs(b"\xdd\x01" + command[2:], "gbt")
    assert "GBT" in _unreadable(item)
    assert item.problems[0].where == "offset 0x1"


@pytest.mark.parametrize(
    ("position", "value", "expected", "where"),
    [
        (1, 0x08, "transaction-id length", "offset 0x1"),
        (2, 0x04, "CRA flag", "offset 0x2"),
        (11, 0x07, "originator system title length", "offset 0xB"),
        (29, 0x05, "date-time length", "offset 0x1D"),
    ],
)
def test_wrong_header_bytes_name_their_offset(
    precommand: bytes, position: int, value: int, expected: str, where: str
) -> None:
    raw = bytearray(precommand)
    raw[position] = value
    item = decode_gbcs(bytes(raw), "x")
    assert expected in _unreadable(item)
    assert item.problems[0].where == where


def test_wrong_content_tag_names_the_content_offset(precommand: bytes) -> None:
    frame = parse_frame(precommand)
    raw = bytearray(precommand)
    raw[frame.content_offset] = 0x31  # SET instead of SEQUENCE
    item = decode_gbcs(bytes(raw), "x")
    _unreadable(item)
    assert item.problems[0].where == f"offset 0x{frame.content_offset:X}"


def test_broken_inner_length_names_the_element(precommand: bytes) -> None:
    frame = parse_frame(precommand)
    raw = bytearray(precommand)
    # The content is 30 82 05 08 | 30 13 ...: make the control block claim 0x7F bytes.
    control = frame.content_offset + 4
    assert raw[control] == 0x30
    raw[control + 1] = 0x7F
    item = decode_gbcs(bytes(raw), "x")
    _unreadable(item)
    assert item.problems[0].where.startswith("offset 0x")
    assert int(item.problems[0].where[7:], 16) >= frame.content_offset


def test_undecodable_certificate_is_a_problem_but_the_item_survives(precommand: bytes) -> None:
    frame = parse_frame(precommand)
    raw = bytearray(precommand)
    # First replacement certificate: 30 82 01 A0 | 30 82 01 93 (tbsCertificate) ...
    cert = bytes(raw).index(bytes.fromhex("308201a0308201"), frame.content_offset)
    raw[cert + 4] = 0x31  # tbsCertificate becomes a SET: still DER, not a certificate
    item = decode_gbcs(bytes(raw), "x")
    assert item.kind == ItemKind.GBCS_COMMAND
    (problem,) = item.problems
    assert problem.where == "replacements[0]"
    assert [p.where for p in item.placements] == [
        "replacements[1]", "certificationPathCertificates[0]"]


def test_text_that_is_neither_hex_nor_base64() -> None:
    item = decode_item(b"hello, world!", "t")
    assert item.kind is None and item.problems[0].where == "offset 0x0"
    assert decode_item(b"", "t").kind is None
    assert decode_gbcs(b"", "t").problems[0].where == "offset 0x0"


def test_decode_error_reports_offset_in_hex() -> None:
    error = GbcsDecodeError(0x4C, "content length: expected a definite BER length")
    assert error.where == "offset 0x4C"
    assert str(error).endswith("at offset 0x4C")


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=400))
def test_random_bytes_never_raise(data: bytes) -> None:
    for item in (decode_gbcs(data, "r"), decode_gbcs(b"\xdf" + data, "r"),
                 decode_gbcs(b"\xdd\x00" + data, "r")):
        if item.kind is None:
            _unreadable(item)


@settings(max_examples=300, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.data())
def test_mutated_samples_never_raise(reference_dir: Path, data: st.DataObject) -> None:
    raw = bytearray(_sample(reference_dir, "CS02bNOByNO_6.15.1_SUCCESS_RESPONSE_GBCS.HEX"))
    for _ in range(data.draw(st.integers(1, 4))):
        position = data.draw(st.integers(0, len(raw) - 1))
        raw[position] = data.draw(st.integers(0, 255))
    item = decode_gbcs(bytes(raw), "m")
    if item.kind is None:
        _unreadable(item)
