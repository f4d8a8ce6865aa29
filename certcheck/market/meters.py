"""The meter mapping, meters.csv: device EUI-64 -> MPAN or MPRN, registered network, type.

SPEC.md "Inputs": columns ``device_id``, ``mpan`` (13-digit core or full MPAN, check digit
validated) or ``mprn``, optional ``network`` (the MPID registered for the meter point) and
optional ``device_type`` (``ESME`` by default with an MPAN, ``GPF`` with an MPRN).

When no network is registered the expected one is the home MPID of the MPAN's distributor id
(``reference/market.md`` 1.3.7 and 0.3: the prefix is a heuristic, so certcheck says so with
NETWORK_FROM_MPAN_PREFIX). When one is registered and differs from that MPID, the row is kept
and MPAN_PREFIX_DISAGREES applies (SPEC.md "Finding codes").

A mapping holds millions of meters, so each row is kept as two 64-bit numbers in arrays (the
device id and a packed value, 16 bytes a row) and a :class:`Meter` is built only when looked up.
"""

from __future__ import annotations

import re
from array import array
from bisect import bisect_left
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from enum import StrEnum
from itertools import pairwise
from pathlib import Path

from certcheck.market.csvread import RegistryError, located, read_rows
from certcheck.market.distributors import Distributor, distributor_by_id
from certcheck.market.mpan import MpanError, core_check_ok, parse_mpan
from certcheck.market.mprn import MprnError, mprn_check_digits, parse_mprn
from certcheck.market.operators import UserRole
from certcheck.smki.eui import EuiError, format_eui64, parse_eui64


class DeviceType(StrEnum):
    """Device types a meters.csv row may name (SPEC.md "Inputs", meters.csv device_type).

    GBCS device types (reference/market.md section 4): the electricity smart meter, the gas
    smart meter and the gas proxy function that holds the gas meter's certificates.
    """

    ESME = "ESME"
    GSME = "GSME"
    GPF = "GPF"

    @property
    def is_gas(self) -> bool:
        """True for the gas devices (GSME, GPF), which an MPRN identifies."""
        return self is not DeviceType.ESME

    @property
    def network_role(self) -> UserRole:
        """Whose certificates belong in the device's Network Operator cells (market.md 3.3)."""
        return UserRole.GAS_TRANSPORTER if self.is_gas else UserRole.ELECTRICITY_DISTRIBUTOR


_DEVICE_TYPES = tuple(DeviceType)  # packed by position: keep this order

_HEX16 = re.compile(r"[0-9A-Fa-f]{16}")
_NETWORK = re.compile(r"[A-Z0-9]{1,10}")

# Packed row value (64 bits): bits 0-1 device type (3: the row was bad), bit 2 MPRN (else
# MPAN), bits 3-18 network index (0 = none), bits 19 up the MPAN core (13 digits < 2^44), or
# the MPRN length (4 bits) then the MPRN (at most 11 digits < 2^37).
_TYPE_BITS = 2
_TYPE_MASK = (1 << _TYPE_BITS) - 1
_INVALID = 3  # the free device-type value marks a device whose row was bad; the line number
# is then kept in bits 3 up
_MPRN_FLAG = 1 << 2
_NET_SHIFT = 3
_NET_LIMIT = 1 << 16
_NUM_SHIFT = 19
_LEN_BITS = 4

# Rows are spread over hash buckets, each a sorted array of device numbers searched by
# bisection beside an array of packed values: O(log n) lookups at 16 bytes a row, and
# sorting bucket by bucket keeps the memory needed to build the mapping small.
_BUCKET_BITS = 12
_MIX = 0x9E3779B97F4A7C15  # 2^64 / golden ratio: Fibonacci hashing spreads any id pattern
_U64 = (1 << 64) - 1


@dataclass(frozen=True, slots=True)
class Meter:
    """One meters.csv row. ``mpan`` is the 13-digit core; exactly one of mpan/mprn is set."""

    device_id: str
    mpan: str | None
    mprn: str | None
    network: str | None
    device_type: DeviceType

    @property
    def distributor(self) -> Distributor | None:
        """The distributor whose id begins the MPAN core, or None (gas, or unknown id)."""
        return distributor_by_id(self.mpan[:2]) if self.mpan else None

    @property
    def expected_network(self) -> str | None:
        """The registered network, else the MPAN distributor's MPID, else None."""
        if self.network is not None:
            return self.network
        distributor = self.distributor
        return distributor.mpid if distributor else None

    @property
    def network_from_prefix(self) -> bool:
        """True when expected_network came from the MPAN prefix (NETWORK_FROM_MPAN_PREFIX)."""
        return self.network is None and self.distributor is not None

    @property
    def prefix_disagrees(self) -> bool:
        """True when the registered network is not the MPAN distributor's MPID
        (MPAN_PREFIX_DISAGREES). False when either side is unknown."""
        if self.network is None:
            return False
        distributor = self.distributor
        return distributor is not None and distributor.mpid != self.network

    @property
    def mpan_check_ok(self) -> bool | None:
        """The MPAN core's check digit result (False only when loaded leniently); None for gas."""
        return core_check_ok(self.mpan) if self.mpan else None

    @property
    def mprn_check_ok(self) -> bool | None:
        """The MPRN check-digit result (a warning when False); None for electricity."""
        if not self.mprn:
            return None
        return mprn_check_digits(self.mprn[:-2]) == self.mprn[-2:]


def eui_number(text: str) -> int | None:
    """An EUI-64 spelling as a 64-bit int, or None when it is not one."""
    compact = text.replace("-", "").replace(":", "")
    if len(compact) == 16 and _HEX16.fullmatch(compact):
        return int(compact, 16)
    try:
        return int(parse_eui64(text).replace("-", ""), 16)
    except EuiError:
        return None


class MeterMapping:
    """Meters indexed by device id (O(log n) lookups, 16 bytes a row)."""

    __slots__ = (
        "_bad_lines",
        "_count",
        "_keys",
        "_network_ids",
        "_networks",
        "_values",
        "bad_rows",
        "path",
    )

    def __init__(self, path: str = "") -> None:
        self.path = path
        self._keys: list[array[int] | None] = [None] * (1 << _BUCKET_BITS)
        self._values: list[array[int] | None] = [None] * (1 << _BUCKET_BITS)
        self._count = 0
        self._networks: list[str | None] = [None]
        self._network_ids: dict[str, int] = {}
        self.bad_rows: list[BadRow] = []  # every skipped or undetermined row, in line order
        self._bad_lines: dict[int, BadRow] = {}

    @classmethod
    def from_meters(cls, meters: Iterable[Meter]) -> MeterMapping:
        """Build a mapping from Meter values (a later duplicate device id replaces an earlier)."""
        mapping = cls()
        rows: dict[int, Meter] = {}
        for meter in meters:
            number = eui_number(meter.device_id)
            if number is None:
                raise ValueError(f"not an EUI-64: {meter.device_id!r}")
            rows[number] = meter
        for number, meter in rows.items():
            mapping._put(number, meter.mpan, meter.mprn, meter.network, meter.device_type)
        mapping._seal()
        return mapping

    def __len__(self) -> int:
        return self._count

    def __contains__(self, eui: object) -> bool:
        return isinstance(eui, str) and self.by_device(eui) is not None

    def __iter__(self) -> Iterator[Meter]:
        for keys, values in zip(self._keys, self._values, strict=True):
            if keys is not None and values is not None:
                for number, packed in zip(keys, values, strict=True):
                    if packed & _TYPE_MASK != _INVALID:
                        yield self._unpack(number, packed)

    def by_device(self, eui: str) -> Meter | None:
        """The meter with this device id (any EUI-64 spelling), or None (also when the
        device's row was bad: see :meth:`bad_row`)."""
        found = self._packed(eui)
        if found is None or found[1] & _TYPE_MASK == _INVALID:
            return None
        return self._unpack(*found)

    def bad_row(self, eui: str) -> BadRow | None:
        """The bad row that named this device (it was skipped), or None."""
        found = self._packed(eui)
        if found is None or found[1] & _TYPE_MASK != _INVALID:
            return None
        line = found[1] >> _NET_SHIFT
        return self._bad_lines.get(line) or BadRow(self.path, line, None, "invalid row")

    def _packed(self, eui: str) -> tuple[int, int] | None:
        number = eui_number(eui)
        if number is None:
            return None
        bucket = _bucket(number)
        keys = self._keys[bucket]
        if keys is None:
            return None
        at = bisect_left(keys, number)
        if at == len(keys) or keys[at] != number:
            return None
        return number, self._values[bucket][at]  # type: ignore[index]

    def _note(self, bad: BadRow) -> None:
        """List a bad row."""
        self.bad_rows.append(bad)
        self._bad_lines.setdefault(bad.line, bad)

    def _bad(self, bad: BadRow, number: int | None) -> None:
        """List a bad row and, when its EUI could be read, mark that device invalid."""
        self._note(bad)
        if number is not None:
            self._append(number, _INVALID | (bad.line << _NET_SHIFT))

    def _network_id(self, network: str | None) -> int:
        if network is None:
            return 0
        found = self._network_ids.get(network)
        if found is None:
            found = len(self._networks)
            if found >= _NET_LIMIT:
                raise ValueError("more than 65535 distinct networks")
            self._networks.append(network)
            self._network_ids[network] = found
        return found

    def _put(
        self,
        number: int,
        mpan: str | None,
        mprn: str | None,
        network: str | None,
        kind: DeviceType,
    ) -> None:
        """Append a row (unsorted until :meth:`_seal`)."""
        value = _DEVICE_TYPES.index(kind) | (self._network_id(network) << _NET_SHIFT)
        if mpan is not None:
            value |= int(mpan) << _NUM_SHIFT
        else:
            assert mprn is not None
            value |= _MPRN_FLAG | (((int(mprn) << _LEN_BITS) | len(mprn)) << _NUM_SHIFT)
        self._append(number, value)

    def _append(self, number: int, value: int) -> None:
        bucket = _bucket(number)
        keys = self._keys[bucket]
        if keys is None:
            keys = self._keys[bucket] = array("Q")
            self._values[bucket] = array("Q")
        keys.append(number)
        self._values[bucket].append(value)  # type: ignore[union-attr]

    def _seal(self) -> list[int]:
        """Sort every bucket and keep one row per device; return the devices listed more than
        once with different rows (the caller marks them invalid).

        Identical repeats are kept once; a device with a bad row stays invalid whatever other
        rows name it. Buckets without a repeated device (nearly all) are only sorted.
        """
        conflicting: list[int] = []
        count = invalid = 0
        for bucket, keys in enumerate(self._keys):
            if keys is None:
                continue
            values = self._values[bucket]
            rows = sorted([(k << 64) | v for k, v in zip(keys, values, strict=True)])  # type: ignore[arg-type]
            keys = array("Q", [row >> 64 for row in rows])
            if any(a == b for a, b in pairwise(keys)):
                rows = _one_per_device(rows, conflicting)
                keys = array("Q", [row >> 64 for row in rows])
            self._keys[bucket] = keys
            values = self._values[bucket] = array("Q", [row & _U64 for row in rows])
            count += len(keys)
            if self.bad_rows:
                invalid += sum(1 for value in values if value & _TYPE_MASK == _INVALID)
        self._count = count - invalid
        self.bad_rows.sort(key=lambda bad: bad.line)
        return conflicting

    def _unpack(self, number: int, packed: int) -> Meter:
        identifier = packed >> _NUM_SHIFT
        if packed & _MPRN_FLAG:
            width = identifier & ((1 << _LEN_BITS) - 1)
            mpan, mprn = None, f"{identifier >> _LEN_BITS:0{width}d}"
        else:
            mpan, mprn = f"{identifier:013d}", None
        return Meter(
            device_id=_eui_text(number),
            mpan=mpan,
            mprn=mprn,
            network=self._networks[(packed >> _NET_SHIFT) & (_NET_LIMIT - 1)],
            device_type=_DEVICE_TYPES[packed & _TYPE_MASK],
        )


def _one_per_device(rows: list[int], conflicting: list[int]) -> list[int]:
    """Sorted ``device << 64 | value`` rows with one row per device: an identical repeat is
    dropped, an invalid row wins, and a device with different valid rows is added to
    ``conflicting``."""
    kept: list[int] = []
    for row in rows:
        if not kept or kept[-1] >> 64 != row >> 64:
            kept.append(row)
            continue
        last = kept[-1]
        if last == row or last & _TYPE_MASK == _INVALID:
            continue
        if row & _TYPE_MASK == _INVALID:
            kept[-1] = row
        elif not conflicting or conflicting[-1] != row >> 64:
            conflicting.append(row >> 64)
    return kept


def _bucket(number: int) -> int:
    return ((number * _MIX) & _U64) >> (64 - _BUCKET_BITS)


def _eui_text(number: int) -> str:
    """The canonical spelling of a device number (as format_eui64 writes it)."""
    return number.to_bytes(8, "big").hex("-").upper()


@dataclass(frozen=True, slots=True)
class BadRow:
    """A meters.csv row that was skipped (or, ``undetermined``, kept with a network no
    organisation answers for), with where and why (SPEC.md "Inputs")."""

    path: str
    line: int | None  # None for a stream that cannot be read again to find the line
    column: str | None
    reason: str
    undetermined: bool = False

    def __str__(self) -> str:
        """``FILE:LINE: column COL: reason``, as listed on standard error."""
        column = f" column {self.column}:" if self.column else ""
        line = f"{self.line}:" if self.line is not None else ""
        return f"{self.path}:{line}{column} {self.reason}"

    def error(self) -> RegistryError:
        """The row as a usage error, ``FILE:LINE:COLUMN: reason``."""
        return located(self.path, self.line, self.column, self.reason)


class _Bad(Exception):
    """A row's fault: the column and the reason."""

    def __init__(self, column: str | None, reason: str) -> None:
        super().__init__(reason)
        self.column = column
        self.reason = reason


def load_meters(
    path: str | Path,
    *,
    lenient: bool = False,
    strict: bool = True,
    networks: frozenset[str] | None = None,
) -> MeterMapping:
    """Read meters.csv, checking every row; the header must be sound (RegistryError if not).

    ``strict`` raises RegistryError for the first bad row (by line). Otherwise every bad row is
    skipped and kept in ``mapping.bad_rows``; its device, when its EUI can be read, is marked
    invalid (:meth:`MeterMapping.bad_row`). ``networks``, when given, are the networks some
    organisation answers for: a row naming another is kept and listed as ``undetermined``.
    ``lenient=True`` keeps MPANs whose check digit or top line is wrong (test data such as the
    DCC's sample MPANs, ``reference/market.md`` 1.3.5) instead of rejecting them.
    """
    header, rows = read_rows(
        path,
        required=("device_id",),
        optional=("mpan", "mprn", "network", "device_type"),
        any_of=("mpan", "mprn"),
        check_width=False,
    )
    mapping = MeterMapping(header.path)
    _read_rows(mapping, header, rows, lenient, networks)
    _refuse_repeated(mapping, path, header.index["device_id"])
    if strict:
        first = next((bad for bad in mapping.bad_rows if not bad.undetermined), None)
        if first is not None:
            raise first.error()
    return mapping


def _read_rows(  # type: ignore[no-untyped-def]
    mapping: MeterMapping, header, rows, lenient: bool, networks: frozenset[str] | None
) -> None:
    """Validate each row and store it; a bad row is recorded and its device marked invalid."""
    shown = header.path
    names = header.names
    width = len(names)
    i_device = header.index["device_id"]
    i_mpan = header.position("mpan")
    i_mprn = header.position("mprn")
    i_network = header.position("network")
    i_type = header.position("device_type")
    put = mapping._put
    for line, row in rows:
        try:
            if len(row) != width:
                raise _width(row, names)
            raw_device = row[i_device].strip()
            number = eui_number(raw_device)
            if number is None:
                raise _Bad(
                    "device_id",
                    f"{raw_device!r} is not an EUI-64 (expected 8 hex octets, "
                    "e.g. 00-DB-12-34-56-78-90-A0)",
                )
            mpan, mprn = _row_number(row, i_mpan, i_mprn, lenient)
            raw_network = row[i_network] if i_network is not None else ""
            if not raw_network or _NETWORK.fullmatch(raw_network):
                network = raw_network or None
            else:
                network = _row_network(raw_network)
            raw_type = row[i_type] if i_type is not None else ""
            kind = _TYPES.get(raw_type) if mpan is not None else None
            if kind is None:
                kind = _row_type(raw_type, mpan)
        except _Bad as bad:
            device = row[i_device].strip() if i_device < len(row) else ""
            mapping._bad(BadRow(shown, line, bad.column, bad.reason), eui_number(device))
            continue
        if networks is not None and network is not None and network not in networks:
            mapping._note(_unanswered(shown, line, network))
        put(number, mpan, mprn, network, kind)


# The usual spellings of an electricity row's device type, read without a call.
_TYPES = {"ESME": DeviceType.ESME, "": DeviceType.ESME}


def _width(row: list[str], names: tuple[str, ...]) -> _Bad:
    if len(row) < len(names):
        missing = names[len(row)]
        return _Bad(
            missing,
            f"row has {len(row)} fields, the header has {len(names)}; "
            f"expected a value for column {missing!r}",
        )
    return _Bad(
        None,
        f"row has {len(row)} fields, the header has {len(names)} "
        "(a value with a comma must be in double quotes)",
    )


METER_ARGUMENT = "--meter"


def mapping_from_arguments(
    values: Sequence[str], networks: frozenset[str] | None = None
) -> MeterMapping:
    """``--meter DEVICE=MPAN[:NETWORK]`` values as a mapping (SPEC.md "Inputs").

    The number is an MPAN (13-digit core or 21-character full MPAN: an ESME) or an MPRN (6 to
    11 digits: a GPF). Raises RegistryError naming the value when one is malformed or a device
    is given twice with different values. A network no organisation answers for is kept and
    listed in ``bad_rows`` as ``undetermined`` (line = the value's position).
    """
    mapping = MeterMapping(METER_ARGUMENT)
    for index, value in enumerate(values, start=1):
        device, equals, rest = value.partition("=")
        number_text, _, network_text = rest.partition(":")
        try:
            if not equals or not number_text.strip():
                raise _Bad(
                    None,
                    "expected DEVICE=MPAN[:NETWORK], e.g. 00-DB-12-34-56-78-90-A0="
                    "1200000000002:LOND",
                )
            number = eui_number(device.strip())
            if number is None:
                raise _Bad(None, f"{device.strip()!r} is not an EUI-64 (expected 8 hex octets)")
            digits = "".join(number_text.split())
            if len(digits) >= 13:
                mpan, mprn = _row_mpan(digits, lenient=False), None
            else:
                mpan, mprn = _row_number([digits], None, 0, lenient=False)
            network = _row_network(network_text)
        except _Bad as bad:
            raise RegistryError(f"{METER_ARGUMENT} {value!r}: {bad.reason}") from None
        if networks is not None and network is not None and network not in networks:
            mapping._note(_unanswered(METER_ARGUMENT, index, network))
        kind = DeviceType.ESME if mpan is not None else DeviceType.GPF
        mapping._put(number, mpan, mprn, network, kind)
    conflicting = mapping._seal()
    if conflicting:
        device = format_eui64(conflicting[0].to_bytes(8, "big"))
        raise RegistryError(f"{METER_ARGUMENT}: device {device} is given twice, differently")
    return mapping


def _unanswered(path: str, line: int, network: str) -> BadRow:
    return BadRow(
        path,
        line,
        "network",
        f"{network!r}: no organisation in operators.csv answers for this network; "
        "its devices get NETWORK_UNDETERMINED",
        undetermined=True,
    )


def _row_number(
    row: list[str], i_mpan: int | None, i_mprn: int | None, lenient: bool
) -> tuple[str | None, str | None]:
    """The row's MPAN core or MPRN (exactly one)."""
    raw_mpan = row[i_mpan].strip() if i_mpan is not None else ""
    raw_mprn = row[i_mprn].strip() if i_mprn is not None else ""
    if raw_mpan:
        if raw_mprn:
            raise _Bad("mprn", "a row has an MPAN or an MPRN, not both")
        return _row_mpan(raw_mpan, lenient), None
    if raw_mprn:
        try:
            return None, parse_mprn(raw_mprn).mprn
        except MprnError:
            raise _Bad("mprn", f"{raw_mprn!r} is not an MPRN (expected 6 to 11 digits)") from None
    raise _Bad("mpan" if i_mpan is not None else "mprn", "empty; expected an MPAN or an MPRN")


def _row_network(raw: str) -> str | None:
    network = raw.strip().upper()
    if not network:
        return None
    if not _NETWORK.fullmatch(network):
        raise _Bad(
            "network",
            f"{raw.strip()!r} is not an MPID or transporter code "
            "(expected letters or digits, e.g. LOND)",
        )
    return network


def _row_mpan(raw: str, lenient: bool) -> str:
    if len(raw) == 13 and raw.isascii() and raw.isdigit() and (lenient or core_check_ok(raw)):
        return raw
    try:
        parsed = parse_mpan(raw)
    except MpanError:
        raise _Bad(
            "mpan",
            f"{raw!r} is not an MPAN (expected a 13-digit core or a 21-character full MPAN)",
        ) from None
    if parsed.problems and not lenient:
        raise _Bad("mpan", f"MPAN {raw}: {'; '.join(parsed.problems)}")
    return parsed.core


def _row_type(raw: str, mpan: str | None) -> DeviceType:
    text = raw.strip().upper()
    if not text:
        return DeviceType.ESME if mpan is not None else DeviceType.GPF
    if text not in DeviceType.__members__:
        raise _Bad(
            "device_type",
            f"{raw.strip()!r} is not a device type (expected one of {', '.join(DeviceType)})",
        )
    kind = DeviceType(text)
    if kind.is_gas == (mpan is not None):
        needs = "an MPRN" if kind.is_gas else "an MPAN"
        article = "a" if kind.is_gas else "an"
        raise _Bad("device_type", f"{article} {kind} needs {needs}")
    return kind


def _refuse_repeated(mapping: MeterMapping, path: str | Path, i_device: int) -> None:
    """Sort the mapping; a device listed again with a different row makes each of its rows bad.

    Finding the lines re-reads the file, only when there is such a device.
    """
    conflicting = set(mapping._seal())
    if not conflicting:
        return
    if not Path(path).is_file():  # a stream (FIFO) cannot be read again to find the lines
        for number in conflicting:
            device = format_eui64(number.to_bytes(8, "big"))
            reason = f"device id {device} appears more than once with different rows"
            mapping._bad(BadRow(str(path), None, "device_id", reason), number)
        mapping._seal()
        return
    header, rows = read_rows(path, required=(), check_width=False)
    lines: dict[int, list[int]] = {}
    for line, row in rows:
        number = eui_number(row[i_device].strip()) if i_device < len(row) else None
        if number in conflicting:
            lines.setdefault(number, []).append(line)
    for number, found in lines.items():
        device = format_eui64(number.to_bytes(8, "big"))
        for line in found:
            others = ", ".join(str(n) for n in found if n != line)
            mapping._bad(
                BadRow(
                    header.path,
                    line,
                    "device_id",
                    f"device id {device} is also on line {others} with a different row "
                    "(each device must have one row)",
                ),
                number,
            )
    mapping._seal()


__all__ = [
    "BadRow",
    "DeviceType",
    "Meter",
    "MeterMapping",
    "RegistryError",
    "eui_number",
    "load_meters",
    "mapping_from_arguments",
]
