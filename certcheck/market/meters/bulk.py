"""Reading a large meters.csv quickly: plainly sound rows in bulk, the rest row by row.

A regular file is read in blocks of whole lines. One regular expression, built for the file's
column order, recognises the common shape of a sound row (an EUI-64, a 13-digit or full MPAN
or an MPRN, an upper-case network, a device type) in a whole block at once; such rows are
checked (MPAN check digit from four-digit tables, MPAN or MPRN against the device type) and
packed with a few operations each. Every other row goes to :class:`~meters.rows.RowJudge`,
which lists bad rows exactly as the csv reader's path does.

What only the csv module reads right (a double quote, a carriage return inside a line, a NUL,
text that is not UTF-8, a line over the length limit) makes :func:`read_bulk` give up, and the
caller reads the file again with the csv module, which reports it exactly as before.
"""

from __future__ import annotations

import re
from operator import itemgetter
from pathlib import Path

from certcheck.market.csvread import MAX_LINE_CHARS, Header
from certcheck.market.meters.model import DEVICE_TYPES, DeviceType
from certcheck.market.meters.rows import RowJudge
from certcheck.market.meters.table import LEN_BITS, MPRN_FLAG, NET_SHIFT, NUM_SHIFT
from certcheck.market.mpan import check_quads

BLOCK_BYTES = 1 << 20
_BOM = b"\xef\xbb\xbf"
_HEX = "[0-9A-Fa-f]"
# One capturing group per known column; a full MPAN's top line must be well formed (profile
# class 00-08, meter time switch code not 000: mpan.parse_mpan) to be read in bulk.
_FIELDS = {
    "device_id": f"({_HEX}{{2}}(?:-{_HEX}{{2}}){{7}}|{_HEX}{{16}})",
    "mpan": "((?:0[0-8](?!000)[0-9]{3}[A-Z0-9]{3})?[0-9]{13}|)",
    "mprn": "([0-9]{6,11}|)",
    "network": "([A-Z0-9]{1,10}|)",
    "device_type": "(ESME|GSME|GPF|)",
}
_ORDER = tuple(_FIELDS)
_OTHER = '[^,"\\r\\n\\x00]{0,200}'  # a column certcheck does not read
# Packed type and MPRN flag of a gas row by its device_type text (meters.table).
_GAS = {
    "GSME": DEVICE_TYPES.index(DeviceType.GSME) | MPRN_FLAG,
    "GPF": DEVICE_TYPES.index(DeviceType.GPF) | MPRN_FLAG,
    "": DEVICE_TYPES.index(DeviceType.GPF) | MPRN_FLAG,
}


class _Careful(Exception):
    """The file needs the csv module's reading."""


def row_pattern(header: Header) -> re.Pattern[str]:
    """A pattern matching each line of a block: a plainly sound row fills the groups of the
    known columns (in the file's order, absent ones last and empty); any other line leaves
    them all empty."""
    fields = [_FIELDS.get(name, _OTHER) for name in header.names]
    absent = "()" * sum(1 for name in _ORDER if name not in header.names)
    return re.compile(f"^(?:{','.join(fields)}{absent}\\r?|.*)$", re.MULTILINE)


def read_bulk(
    path: str | Path, header: Header, judge: RowJudge, block_bytes: int = BLOCK_BYTES
) -> bool:
    """Add every row of the regular file ``path`` to ``judge.mapping``.

    False when the file needs the csv module (the mapping is then partly filled: discard it).
    """
    pattern = row_pattern(header)
    groups = [name for name in header.names if name in _FIELDS]
    groups += [name for name in _ORDER if name not in groups]
    order = itemgetter(*(groups.index(name) for name in _ORDER))  # to _ORDER from the file's
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
                    line = _add_block(piece.decode("utf-8"), line, pattern, order, judge)
                if not block:
                    return True
    except (OSError, UnicodeDecodeError, _Careful):
        return False


def _add_block(
    text: str, line: int, pattern: re.Pattern[str], order: itemgetter, judge: RowJudge
) -> int:
    """Add the lines of ``text`` (the first is ``line + 1``); return the last line's number."""
    mapping = judge.mapping
    networks = judge.networks
    known = {"": 0}
    for network, index in mapping._network_ids.items():
        if networks is None or network in networks:
            known[network] = index << NET_SHIFT
    q0, q1, q2 = check_quads()
    gas = _GAS
    rows: list[int] = []
    add = rows.append
    others: list[int] = []
    found = pattern.findall(text)
    for number, (device, mpan, mprn, network, kind) in enumerate(map(order, found), line + 1):
        if device:
            net = known.get(network)
            if net is None and (networks is None or network in networks):
                net = known[network] = mapping.network_id(network) << NET_SHIFT
            if net is not None:
                if mpan:
                    core = mpan[-13:]
                    if (
                        not mprn
                        and (kind == "ESME" or not kind)
                        and (q0[core[:4]] + q1[core[4:8]] + q2[core[8:12]]) % 11 % 10
                        == ord(core[12]) - 48
                    ):
                        add(
                            (int(device.replace("-", ""), 16) << 64)
                            | net
                            | (int(core) << NUM_SHIFT)
                        )
                        continue
                elif mprn:
                    packed = gas.get(kind)
                    if packed is not None:
                        add(
                            (int(device.replace("-", ""), 16) << 64)
                            | packed
                            | net
                            | (((int(mprn) << LEN_BITS) | len(mprn)) << NUM_SHIFT)
                        )
                        continue
        others.append(number)
    mapping._extend(rows)
    if others:
        lines = text.split("\n")
        if len(lines) != len(found):
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
    return line + len(found)
