"""Reading a large meters.csv quickly: plainly sound rows column by column, the rest row by row.

A regular file is read in blocks of whole lines. One regular expression, built for the file's
column order, recognises the common shape of a sound row (an EUI-64, a 13-digit or full MPAN
or an MPRN, an upper-case network, a device type) in a whole block at once. The rows are then
taken :data:`SLICE_ROWS` at a time, a column at a time: when every row of a slice is plainly
sound (MPAN check digits right, MPAN or MPRN agreeing with the device type, networks that
some organisation answers for), the slice is packed by a few C-level passes over its columns;
otherwise its rows are checked one by one, and every row that is not plainly sound goes to
:class:`~meters.rows.RowJudge`, which lists bad rows exactly as the csv reader's path does.

What only the csv module reads right (a double quote, a carriage return inside a line, a NUL,
text that is not UTF-8, a line over the length limit) makes :func:`read_bulk` give up, and the
caller reads the file again with the csv module, which reports it exactly as before.
"""

from __future__ import annotations

import re
import sys
from array import array
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from itertools import compress, repeat
from operator import add, itemgetter, lshift, or_
from pathlib import Path

from certcheck.market.csvread import MAX_LINE_CHARS, Header
from certcheck.market.meters.model import DEVICE_TYPES, DeviceType
from certcheck.market.meters.rows import RowJudge
from certcheck.market.meters.table import LEN_BITS, MPRN_FLAG, NET_SHIFT, NUM_SHIFT
from certcheck.market.mpan import check_quads, cores_check_ok

BLOCK_BYTES = 1 << 20
SLICE_ROWS = 512
_BOM = b"\xef\xbb\xbf"
_HEX = "[0-9A-Fa-f]"
# One capturing group per known column; a full MPAN's top line must be well formed (profile
# class 00-08, meter time switch code not 000: mpan.parse_mpan) to be read in bulk.
_FIELDS = {
    "device_id": f"({'-'.join([_HEX * 2] * 8)}|{_HEX}{{16}})",  # spelt out: measured faster
    "mpan": "((?:0[0-8](?!000)[0-9]{3}[A-Z0-9]{3})?[0-9]{13}|)",
    "mprn": "([0-9]{6,11}|)",
    "network": "([A-Z0-9]{1,10}|)",
    "device_type": "(ESME|GSME|GPF|)",
}
_ORDER = tuple(_FIELDS)
_OTHER = '[^,"\\r\\n\\x00]{0,200}'  # a column certcheck does not read
# The longest text each group matches, to keep every line read in bulk under the line limit.
_LONGEST = {"device_id": 23, "mpan": 21, "mprn": 11, "network": 10, "device_type": 4}
_LONGEST_OTHER = 200
_ELECTRIC = frozenset({"ESME", ""})
# Packed type and MPRN flag of a gas row by its device_type text (meters.table).
_GAS = {
    "GSME": DEVICE_TYPES.index(DeviceType.GSME) | MPRN_FLAG,
    "GPF": DEVICE_TYPES.index(DeviceType.GPF) | MPRN_FLAG,
    "": DEVICE_TYPES.index(DeviceType.GPF) | MPRN_FLAG,
}
_GAS_TYPES = frozenset(_GAS)
_CORE = itemgetter(slice(-13, None))  # a full MPAN's core


class _Careful(Exception):
    """The file needs the csv module's reading."""


@dataclass(frozen=True)
class _Layout:
    """How a block of one file is read: the pattern and where each column's group sits."""

    pattern: re.Pattern[str]
    columns: tuple[itemgetter, ...]  # device_id, mpan, mprn, network, device_type
    row: itemgetter  # the same five of a row at once
    slice_rows: int
    longest: int  # the longest line the pattern reads as a row, with its line end

    @classmethod
    def of(cls, header: Header, slice_rows: int) -> _Layout:
        groups = [name for name in header.names if name in _FIELDS]
        groups += [name for name in _ORDER if name not in groups]
        places = [groups.index(name) for name in _ORDER]
        columns = tuple(map(itemgetter, places))
        fields = sum(_LONGEST.get(name, _LONGEST_OTHER) for name in header.names)
        longest = fields + len(header.names) - 1 + len("\r\n")
        return cls(row_pattern(header), columns, itemgetter(*places), slice_rows, longest)


def row_pattern(header: Header) -> re.Pattern[str]:
    """A pattern matching each line of a block: a plainly sound row fills the groups of the
    known columns (in the file's order, absent ones last and empty); any other line leaves
    them all empty."""
    fields = [_FIELDS.get(name, _OTHER) for name in header.names]
    absent = "()" * sum(1 for name in _ORDER if name not in header.names)
    return re.compile(f"^(?:{','.join(fields)}{absent}\\r?|.*)$", re.MULTILINE)


def read_bulk(
    path: str | Path,
    header: Header,
    judge: RowJudge,
    block_bytes: int = BLOCK_BYTES,
    slice_rows: int = SLICE_ROWS,
) -> bool:
    """Add every row of the regular file ``path`` to ``judge.mapping``.

    False when the file needs the csv module (the mapping is then partly filled: discard it).
    """
    layout = _Layout.of(header, slice_rows)
    if layout.longest > MAX_LINE_CHARS:  # so many columns that a row could be over the limit
        return False
    known = {"": 0}  # network -> packed bits, for the networks some organisation answers for
    try:
        with open(path, "rb") as handle:
            line = 0
            skip = header.line
            pending = b""
            first = True
            while True:
                block = handle.read(block_bytes)
                if first:
                    block = block.removeprefix(_BOM)
                    first = False
                data = pending + block
                cut = data.rfind(b"\n") if block else len(data)
                if cut < 0:
                    if len(data) > 4 * MAX_LINE_CHARS:
                        return False
                    pending = data
                    continue
                piece, pending = data[:cut], data[cut + 1 :]
                while skip and piece is not None:  # the header and blank lines before it
                    head, newline, rest = piece.partition(b"\n")
                    if b'"' in head or b"\r" in head.removesuffix(b"\r"):
                        return False
                    piece = rest if newline else None
                    line += 1
                    skip -= 1
                if piece is not None and (piece or block):
                    line = _add_block(piece.decode("utf-8"), line, layout, known, judge)
                if not block:
                    return True
    except (OSError, UnicodeDecodeError, _Careful):
        return False


def _add_block(
    text: str, line: int, layout: _Layout, known: dict[str, int], judge: RowJudge
) -> int:
    """Add the lines of ``text`` (the first is ``line + 1``); return the last line's number."""
    found = layout.pattern.findall(text)
    others: list[int] = []
    step = layout.slice_rows
    for start in range(0, len(found), step):
        part = found[start : start + step]
        columns = [list(map(column, part)) for column in layout.columns]
        if not _add_columns(columns, known, judge):
            _add_rows(map(layout.row, part), line + start + 1, known, judge, others)
    if others:
        _judge_lines(text, line, len(found), others, judge)
    return line + len(found)


def _learn(networks: Iterable[str], known: dict[str, int], judge: RowJudge) -> bool:
    """Add to ``known`` the networks some organisation answers for; False if one is not."""
    answered = judge.networks
    for network in networks:
        if network not in known:
            if answered is not None and network not in answered:
                return False
            known[network] = judge.mapping.network_id(network) << NET_SHIFT
    return True


def _add_columns(columns: list[list[str]], known: dict[str, int], judge: RowJudge) -> bool:
    """Pack a slice of rows column by column; False, adding nothing, unless every row is
    plainly sound."""
    devices, mpans, mprns, networks, kinds = columns
    if (
        not all(devices)  # a line the pattern did not recognise
        or not all(map(add, mpans, mprns))  # neither MPAN nor MPRN
        or any(compress(mprns, mpans))  # both
        or not _ELECTRIC.issuperset(compress(kinds, mpans))
        or not _GAS_TYPES.issuperset(compress(kinds, mprns))
        or not _learn(sorted(set(networks)), known, judge)
    ):
        return False
    cores = list(map(_CORE, filter(None, mpans)))
    if not cores_check_ok(cores):
        return False
    values = map(
        or_,
        map(known.__getitem__, compress(networks, mpans)),
        map(lshift, map(int, cores), repeat(NUM_SHIFT)),
    )
    rows = list(_joined(compress(devices, mpans), values))
    gas = list(filter(None, mprns))
    if gas:
        numbers = map(or_, map(lshift, map(int, gas), repeat(LEN_BITS)), map(len, gas))
        kinds_and_networks = map(
            or_,
            map(_GAS.__getitem__, compress(kinds, mprns)),
            map(known.__getitem__, compress(networks, mprns)),
        )
        values = map(or_, kinds_and_networks, map(lshift, numbers, repeat(NUM_SHIFT)))
        rows += _joined(compress(devices, mprns), values)
    judge.mapping._extend(rows)
    return True


def _joined(devices: Iterable[str], values: Iterator[int]) -> Iterator[int]:
    """``device << 64 | value`` for devices spelt as the pattern allows (16 hex digits,
    maybe with hyphens)."""
    numbers = array("Q", bytes.fromhex("".join(devices).replace("-", "")))
    if sys.byteorder == "little":
        numbers.byteswap()  # the EUI-64 is big-endian
    return map(or_, map(lshift, numbers, repeat(64)), values)


def _add_rows(
    rows: Iterable[tuple[str, ...]],
    first: int,
    known: dict[str, int],
    judge: RowJudge,
    others: list[int],
) -> None:
    """Pack rows one by one; the line of each that is not plainly sound goes to ``others``."""
    q0, q1, q2 = check_quads()
    gas = _GAS
    packed: list[int] = []
    add_row = packed.append
    for number, (device, mpan, mprn, network, kind) in enumerate(rows, first):
        if device:
            net = known.get(network)
            if net is None and _learn((network,), known, judge):
                net = known[network]
            if net is not None:
                if mpan:
                    core = mpan[-13:]
                    if (
                        not mprn
                        and kind in _ELECTRIC
                        and (q0[core[:4]] + q1[core[4:8]] + q2[core[8:12]]) % 11 % 10
                        == ord(core[12]) - 48
                    ):
                        add_row(
                            (int(device.replace("-", ""), 16) << 64)
                            | net
                            | (int(core) << NUM_SHIFT)
                        )
                        continue
                elif mprn:
                    kind_bits = gas.get(kind)
                    if kind_bits is not None:
                        add_row(
                            (int(device.replace("-", ""), 16) << 64)
                            | kind_bits
                            | net
                            | (((int(mprn) << LEN_BITS) | len(mprn)) << NUM_SHIFT)
                        )
                        continue
        others.append(number)
    judge.mapping._extend(packed)


def _judge_lines(text: str, line: int, count: int, others: list[int], judge: RowJudge) -> None:
    """Hand the lines ``others`` of ``text`` (whose first line is ``line + 1``) to the judge."""
    lines = text.split("\n")
    if len(lines) != count:
        raise _Careful
    width = len(judge.names)
    for number in others:
        raw = lines[number - line - 1]
        if len(raw) >= MAX_LINE_CHARS or '"' in raw or "\x00" in raw:
            raise _Careful
        raw = raw.removesuffix("\r")
        if "\r" in raw:
            raise _Careful
        fields = raw.split(",")
        if len(fields) != width and len(fields) == 1 and not fields[0].strip():
            continue  # a blank line
        judge.add(number, fields)
