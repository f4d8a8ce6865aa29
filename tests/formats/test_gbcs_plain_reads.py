"""The GBCS reader's plain reads (frame by indexing, command by a walk of the declaration)
agree with the step-by-step reads on every sample, every truncation and mutated samples:
whenever a plain read answers, the careful read gives the same, and it answers for them."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from certcheck.audit.limits import DEFAULT_LIMITS
from certcheck.formats.gbcs import asn1
from certcheck.formats.gbcs.fields import NotPlain
from certcheck.formats.gbcs.frame import GbcsDecodeError, _plain_signing, _read_signing, parse_frame
from certcheck.formats.gbcs.reader import (
    _Builder,
    _guard_content,
    _loaded_update_command,
    _plain_update_command,
)
from certcheck.formats.sniff import decode_item
from certcheck.smki.certificate import MALFORMED

_CS02B = (
    "payloads/gbcs/RTDS-4.5.0/6.15.1_CS02bNOByNO/CS02bNOByNO_6.15.1_SUCCESS_PRECOMMAND_GBCS.HEX"
)


def _samples(reference_dir: Path) -> list[bytes]:
    root = reference_dir / "payloads" / "gbcs"
    return [bytes.fromhex(p.read_text()) for p in sorted(root.rglob("*.HEX"))]


def _apdu(raw: bytes) -> tuple[int, int]:
    """Where the General-Signing APDU of ``raw`` starts and ends (inside any MAC header)."""
    if raw[:1] == b"\xdd":
        return raw.index(b"\xdf"), len(raw) - 12
    return 0, len(raw)


def _same_frame(raw: bytes, start: int, end: int) -> bool:
    """True when the plain read answered (and agreed); False when it left ``raw`` alone."""
    plain = _plain_signing(raw, start, end, start > 0)
    try:
        careful = _read_signing(raw, start, end, mac_header=start > 0)
    except GbcsDecodeError:
        assert plain is None
        return False
    assert plain is None or plain == careful
    return plain is not None


def _same_command(content: bytes, max_depth: int = DEFAULT_LIMITS.max_der_depth) -> bool:
    """As :func:`_same_frame`, for a CS02b/CS02g command's content (the careful read walks
    the whole content first, within ``max_depth``)."""
    try:
        plain = _plain_update_command(content, max_depth)
    except (NotPlain, *MALFORMED):
        plain = None
    frame = parse_frame(b"\xdf\x09\x01" + bytes(8) + b"\x08" + bytes(8) + b"\x08" + bytes(8)
                        + b"\x00\x02\x01\x03" + _length(len(content)) + content)
    limits = replace(DEFAULT_LIMITS, max_der_depth=max_depth)
    try:
        _guard_content(frame, limits)
        careful = _loaded_update_command(_Builder(frame, limits))
    except MALFORMED:
        assert plain is None
        return False
    assert plain is None or plain == careful
    return plain is not None


def _length(size: int) -> bytes:
    return bytes([size]) if size < 0x80 else b"\x82" + size.to_bytes(2, "big")


def test_every_sample_frame_is_read_plainly_and_alike(reference_dir: Path) -> None:
    samples = _samples(reference_dir)
    assert len(samples) >= 85
    for raw in samples:
        assert _same_frame(raw, *_apdu(raw)), raw[:40].hex()


def test_every_sample_command_is_read_plainly_and_alike(reference_dir: Path) -> None:
    commands = 0
    for raw in _samples(reference_dir):
        frame = parse_frame(raw)
        if frame.cra_flag == 1 and frame.content[:1] == b"\x30" and frame.message_code in (
            *range(0x0100, 0x010A), 0x0125, 0x0126
        ):
            commands += 1
            assert _same_command(frame.content), raw[:40].hex()
    assert commands >= 20


def test_truncated_frames_are_left_to_the_careful_read(reference_dir: Path) -> None:
    raw = bytes.fromhex((reference_dir / _CS02B).read_text())
    for cut in range(len(raw)):
        _same_frame(raw[:cut], 0, cut)
        _same_frame(raw + bytes(cut % 3), 0, len(raw) + cut % 3)


def test_truncated_and_padded_contents_are_left_to_the_careful_read(
    reference_dir: Path,
) -> None:
    content = parse_frame(bytes.fromhex((reference_dir / _CS02B).read_text())).content
    for cut in range(0, len(content), 7):
        assert not _same_command(content[:cut])
    assert not _same_command(content + b"\x00")


def test_nesting_limits_are_kept_alike(reference_dir: Path) -> None:
    content = parse_frame(bytes.fromhex((reference_dir / _CS02B).read_text())).content
    plain = [_same_command(content, depth) for depth in range(12)]
    assert plain[0] is plain[1] is False and plain[-1] is True  # refused, then read plainly
    assert all(plain[plain.index(True):])


def test_sequence_number_lists_are_checked() -> None:
    def command(seq_number_usage: int | None) -> bytes:
        control = asn1.AuthorisingRemotePartyControl(
            {
                "credentials_replacement_mode": 2,
                "authorising_remote_party_seq_number": 7,
                "new_remote_party_specialist_floor_seq_numbers": [
                    {"seq_number_usage": seq_number_usage, "seq_number": 1}
                ],
            }
        )
        return asn1.UpdateSecurityCredentialsCommand(
            {
                "authorising_remote_party_control": control,
                "replacements": [],
                "certification_path_certificates": [],
            }
        ).dump()

    assert _same_command(command(0))
    broken = command(0).replace(b"\x30\x06\x02\x01\x00", b"\x30\x06\x04\x01\x00")
    with pytest.raises(MALFORMED):
        _plain_update_command(broken, DEFAULT_LIMITS.max_der_depth)
    assert not _same_command(broken)


def test_a_sequence_number_list_is_checked_as_what_it_is_declared() -> None:
    # One change {role 2, floor 5, specialist numbers [{0, OCTET STRING}]}: asn1crypto lets
    # a SpecialistSeqNumber carry the extra third element, but not a non-INTEGER seqNumber.
    entry = bytes.fromhex("020102" "020105" "3008" "3006" "020100" "040101")
    contents = b"\x30" + _length(len(entry)) + entry

    def command(tag: int) -> bytes:
        control = asn1.AuthorisingRemotePartyControl(
            {"credentials_replacement_mode": 2, "authorising_remote_party_seq_number": 7}
        ).dump()
        extra = bytes([0xA0 | tag]) + _length(len(contents)) + contents
        control = b"\x30" + _length(len(control) - 2 + len(extra)) + control[2:] + extra
        body = control + b"\x30\x00\x30\x00"
        return b"\x30" + _length(len(body)) + body

    assert _same_command(command(5))  # read as specialist floor numbers: accepted
    assert not _same_command(command(6))  # the same bytes as other parties' changes: not


@pytest.mark.parametrize("part", ["frame", "content"])
@settings(max_examples=300, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_mutated_samples_are_read_alike(
    reference_dir: Path, part: str, data: st.DataObject
) -> None:
    raw = bytes.fromhex((reference_dir / _CS02B).read_text())
    mutated = bytearray(raw if part == "frame" else parse_frame(raw).content)
    # The frame's header and the command's control block are where the reads differ.
    for _ in range(data.draw(st.integers(1, 4))):
        position = data.draw(st.integers(0, min(len(mutated) - 1, 60)))
        mutated[position] = data.draw(st.integers(0, 255))
    if part == "frame":
        _same_frame(bytes(mutated), 0, len(mutated))
    else:
        _same_command(bytes(mutated))


def _spellings(text: bytes) -> list[bytes]:
    """Hex spellings of one message: as given, lower case, bytes spaced, lines ended by CRLF,
    an odd digit and a stray character at the end."""
    digits = b"".join(text.split())
    spaced = b" ".join(digits[i : i + 2] for i in range(0, len(digits), 2))
    return [text, digits.lower(), spaced, digits + b"\r\n", digits + b"0", digits + b"G"]


def test_hex_read_directly_as_read_by_the_general_path(reference_dir: Path) -> None:
    """Text that starts with a GBCS tag's digits is read straight from hex; a leading blank,
    which the general path strips, sends the same text through sniffing: same item."""
    paths = sorted((reference_dir / "payloads" / "gbcs").rglob("*.HEX"))
    assert len(paths) >= 85
    for path in paths:
        for text in _spellings(path.read_bytes()):
            direct = decode_item(text, "m.hex", digest=False)
            assert direct == decode_item(b" " + text, "m.hex", digest=False), path.name


def _with_control(content: bytes, control: bytes) -> bytes:
    """``content`` (a CS02b command's) with its control block replaced by ``control``."""
    outer = 4 if content[1] == 0x82 else 2
    old = 2 + content[outer + 1]  # the sample's control block is short
    body = control + content[outer + old :]
    return b"\x30" + _length(len(body)) + body


def test_a_rest_read_before_goes_with_each_command_s_own_control_block(
    reference_dir: Path,
) -> None:
    content = parse_frame(bytes.fromhex((reference_dir / _CS02B).read_text())).content
    assert _same_command(content)  # its rest (replacements, path) now read once
    for seq_number in (1, 300, 70000):
        control = asn1.AuthorisingRemotePartyControl(
            {"credentials_replacement_mode": 3, "authorising_remote_party_seq_number": seq_number}
        ).dump()
        other = _with_control(content, control)
        assert _same_command(other)
        read = _plain_update_command(other, DEFAULT_LIMITS.max_der_depth)
        assert read.seq_number == seq_number
    not_a_control = _with_control(content, b"\x31\x03\x02\x01\x03")
    assert not _same_command(not_a_control)


def test_commands_carrying_the_same_certificates_share_one_tuple_of_placements(
    reference_dir: Path,
) -> None:
    raw = bytes.fromhex((reference_dir / _CS02B).read_text())
    first, second = (decode_item(raw, f"m{n}.hex", digest=False) for n in range(2))
    assert first.placements and first.placements is second.placements
