"""Judging one meters.csv row, with the reason a bad row is listed (SPEC.md "Inputs").

:class:`RowJudge` is the one place that decides what a row means: the fast bulk reader
(:mod:`meters.bulk`) hands it every row it does not recognise as plainly sound, so each reason
and line reads the same whichever way the file was read.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from certcheck.market.csvread import Header
from certcheck.market.meters.model import BadRow, DeviceType, eui_number
from certcheck.market.meters.table import MeterMapping
from certcheck.market.mpan import MpanError, core_check_ok, parse_mpan
from certcheck.market.mprn import MprnError, parse_mprn

NETWORK = re.compile(r"[A-Z0-9]{1,10}")

# The usual spellings of an electricity row's device type, read without a call.
_TYPES = {"ESME": DeviceType.ESME, "": DeviceType.ESME}

Row = tuple[int, str | None, str | None, str | None, DeviceType]  # number, mpan, mprn, ...


class Bad(Exception):
    """A row's fault: the column and the reason."""

    def __init__(self, column: str | None, reason: str) -> None:
        super().__init__(reason)
        self.column = column
        self.reason = reason


class RowJudge:
    """Validates the rows of one meters.csv header and adds them to a mapping."""

    def __init__(
        self,
        mapping: MeterMapping,
        header: Header,
        lenient: bool,
        networks: frozenset[str] | None,
    ) -> None:
        self.mapping = mapping
        self.shown = header.path
        self.names = header.names
        self.lenient = lenient
        self.networks = networks
        self.i_device = header.index["device_id"]
        self.i_mpan = header.position("mpan")
        self.i_mprn = header.position("mprn")
        self.i_network = header.position("network")
        self.i_type = header.position("device_type")

    def add_all(self, rows: Iterable[tuple[int, list[str]]]) -> None:
        """Judge and add each ``(line, fields)``."""
        for line, row in rows:
            self.add(line, row)

    def add(self, line: int, row: list[str]) -> None:
        """Judge a row: add it to the mapping, or list it as bad and mark its device."""
        try:
            number, mpan, mprn, network, kind = self.judge(row)
        except Bad as bad:
            i_device = self.i_device
            device = row[i_device].strip() if i_device < len(row) else ""
            self.mapping._bad(BadRow(self.shown, line, bad.column, bad.reason), eui_number(device))
            return
        networks = self.networks
        if networks is not None and network is not None and network not in networks:
            self.mapping._note(unanswered(self.shown, line, network))
        self.mapping._put(number, mpan, mprn, network, kind)

    def judge(self, row: list[str]) -> Row:
        """What a row means; raises :class:`Bad` naming the column at fault."""
        if len(row) != len(self.names):
            raise _width(row, self.names)
        raw_device = row[self.i_device].strip()
        number = eui_number(raw_device)
        if number is None:
            raise Bad(
                "device_id",
                f"{raw_device!r} is not an EUI-64 (expected 8 hex octets, "
                "e.g. 00-DB-12-34-56-78-90-A0)",
            )
        mpan, mprn = row_number(row, self.i_mpan, self.i_mprn, self.lenient)
        raw_network = row[self.i_network] if self.i_network is not None else ""
        if not raw_network or NETWORK.fullmatch(raw_network):
            network = raw_network or None
        else:
            network = row_network(raw_network)
        raw_type = row[self.i_type] if self.i_type is not None else ""
        kind = _TYPES.get(raw_type) if mpan is not None else None
        if kind is None:
            kind = _row_type(raw_type, mpan)
        return number, mpan, mprn, network, kind


def _width(row: list[str], names: tuple[str, ...]) -> Bad:
    if len(row) < len(names):
        missing = names[len(row)]
        return Bad(
            missing,
            f"row has {len(row)} fields, the header has {len(names)}; "
            f"expected a value for column {missing!r}",
        )
    return Bad(
        None,
        f"row has {len(row)} fields, the header has {len(names)} "
        "(a value with a comma must be in double quotes)",
    )


def unanswered(path: str, line: int, network: str) -> BadRow:
    """The listing of a row whose network no organisation answers for."""
    return BadRow(
        path,
        line,
        "network",
        f"{network!r}: no organisation in operators.csv answers for this network; "
        "its devices get NETWORK_UNDETERMINED",
        undetermined=True,
    )


def row_number(
    row: list[str], i_mpan: int | None, i_mprn: int | None, lenient: bool
) -> tuple[str | None, str | None]:
    """The row's MPAN core or MPRN (exactly one)."""
    raw_mpan = row[i_mpan].strip() if i_mpan is not None else ""
    raw_mprn = row[i_mprn].strip() if i_mprn is not None else ""
    if raw_mpan:
        if raw_mprn:
            raise Bad("mprn", "a row has an MPAN or an MPRN, not both")
        return row_mpan(raw_mpan, lenient), None
    if raw_mprn:
        try:
            return None, parse_mprn(raw_mprn).mprn
        except MprnError:
            raise Bad("mprn", f"{raw_mprn!r} is not an MPRN (expected 6 to 11 digits)") from None
    raise Bad("mpan" if i_mpan is not None else "mprn", "empty; expected an MPAN or an MPRN")


def row_network(raw: str) -> str | None:
    """A network column's MPID or transporter code (upper case), or None when empty."""
    network = raw.strip().upper()
    if not network:
        return None
    if not NETWORK.fullmatch(network):
        raise Bad(
            "network",
            f"{raw.strip()!r} is not an MPID or transporter code "
            "(expected letters or digits, e.g. LOND)",
        )
    return network


def row_mpan(raw: str, lenient: bool) -> str:
    """An MPAN column's 13-digit core; ``lenient`` keeps a wrong check digit or top line."""
    if len(raw) == 13 and raw.isascii() and raw.isdigit() and (lenient or core_check_ok(raw)):
        return raw
    try:
        parsed = parse_mpan(raw)
    except MpanError:
        raise Bad(
            "mpan",
            f"{raw!r} is not an MPAN (expected a 13-digit core or a 21-character full MPAN)",
        ) from None
    if parsed.problems and not lenient:
        raise Bad("mpan", f"MPAN {raw}: {'; '.join(parsed.problems)}")
    return parsed.core


def _row_type(raw: str, mpan: str | None) -> DeviceType:
    text = raw.strip().upper()
    if not text:
        return DeviceType.ESME if mpan is not None else DeviceType.GPF
    if text not in DeviceType.__members__:
        raise Bad(
            "device_type",
            f"{raw.strip()!r} is not a device type (expected one of {', '.join(DeviceType)})",
        )
    kind = DeviceType(text)
    if kind.is_gas == (mpan is not None):
        needs = "an MPRN" if kind.is_gas else "an MPAN"
        article = "a" if kind.is_gas else "an"
        raise Bad("device_type", f"{article} {kind} needs {needs}")
    return kind
