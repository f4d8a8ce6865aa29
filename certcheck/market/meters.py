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
from collections.abc import Iterable, Iterator
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

# Packed row value (64 bits): bits 0-1 device type, bit 2 MPRN (else MPAN), bits 3-18 network
# index (0 = none), bits 19 up the MPAN core (13 digits < 2^44), or the MPRN length (4 bits)
# then the MPRN (at most 11 digits < 2^37).
_TYPE_BITS = 2
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

    __slots__ = ("_count", "_keys", "_network_ids", "_networks", "_values", "path")

    def __init__(self, path: str = "") -> None:
        self.path = path
        self._keys: list[array[int] | None] = [None] * (1 << _BUCKET_BITS)
        self._values: list[array[int] | None] = [None] * (1 << _BUCKET_BITS)
        self._count = 0
        self._networks: list[str | None] = [None]
        self._network_ids: dict[str, int] = {}

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
                    yield self._unpack(number, packed)

    def by_device(self, eui: str) -> Meter | None:
        """The meter with this device id (any EUI-64 spelling), or None."""
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
        return self._unpack(number, self._values[bucket][at])  # type: ignore[index]

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
        bucket = _bucket(number)
        keys = self._keys[bucket]
        if keys is None:
            keys = self._keys[bucket] = array("Q")
            self._values[bucket] = array("Q")
        keys.append(number)
        self._values[bucket].append(value)  # type: ignore[union-attr]

    def _seal(self) -> list[int]:
        """Sort every bucket; return the device numbers that appear more than once."""
        repeated: list[int] = []
        count = 0
        for bucket, keys in enumerate(self._keys):
            if keys is None:
                continue
            values = self._values[bucket]
            rows = sorted([(k << 64) | v for k, v in zip(keys, values, strict=True)])  # type: ignore[arg-type]
            keys = self._keys[bucket] = array("Q", [row >> 64 for row in rows])
            self._values[bucket] = array("Q", [row & _U64 for row in rows])
            count += len(keys)
            repeated.extend(a for a, b in pairwise(keys) if a == b)
        self._count = count
        return repeated

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
            device_type=_DEVICE_TYPES[packed & ((1 << _TYPE_BITS) - 1)],
        )


def _bucket(number: int) -> int:
    return ((number * _MIX) & _U64) >> (64 - _BUCKET_BITS)


def _eui_text(number: int) -> str:
    """The canonical spelling of a device number (as format_eui64 writes it)."""
    return number.to_bytes(8, "big").hex("-").upper()


def load_meters(path: str | Path, *, lenient: bool = False) -> MeterMapping:
    """Read meters.csv; raise RegistryError naming file, line and column on any bad row.

    ``lenient=True`` keeps MPANs whose check digit or top line is wrong (test data such as the
    DCC's sample MPANs, ``reference/market.md`` 1.3.5) instead of rejecting them.
    """
    header, rows = read_rows(
        path,
        required=("device_id",),
        optional=("mpan", "mprn", "network", "device_type"),
        any_of=("mpan", "mprn"),
    )
    shown = header.path
    i_device = header.index["device_id"]
    i_mpan = header.position("mpan")
    i_mprn = header.position("mprn")
    i_network = header.position("network")
    i_type = header.position("device_type")
    mapping = MeterMapping(shown)
    put = mapping._put
    try:
        _read_rows(rows, put, shown, lenient, i_device, i_mpan, i_mprn, i_network, i_type)
    except RegistryError:
        _refuse_repeated(mapping, path, i_device)  # a repeated device id on an earlier line
        raise
    _refuse_repeated(mapping, path, i_device)
    return mapping


def _read_rows(  # type: ignore[no-untyped-def]
    rows,
    put,
    shown: str,
    lenient: bool,
    i_device: int,
    i_mpan: int | None,
    i_mprn: int | None,
    i_network: int | None,
    i_type: int | None,
) -> None:
    """Validate each row and store it with ``put``; raise RegistryError on the first bad one."""
    for line, row in rows:
        raw_device = row[i_device].strip()
        number = eui_number(raw_device)
        if number is None:
            raise located(
                shown,
                line,
                "device_id",
                f"{raw_device!r} is not an EUI-64 (expected 8 hex octets, "
                "e.g. 00-DB-12-34-56-78-90-A0)",
            )
        raw_mpan = row[i_mpan].strip() if i_mpan is not None else ""
        raw_mprn = row[i_mprn].strip() if i_mprn is not None else ""
        mpan = mprn = None
        if raw_mpan:
            if raw_mprn:
                raise located(shown, line, "mprn", "a row has an MPAN or an MPRN, not both")
            mpan = _row_mpan(raw_mpan, shown, line, lenient)
        elif raw_mprn:
            try:
                mprn = parse_mprn(raw_mprn).mprn
            except MprnError:
                raise located(
                    shown, line, "mprn", f"{raw_mprn!r} is not an MPRN (expected 6 to 11 digits)"
                ) from None
        else:
            column = "mpan" if i_mpan is not None else "mprn"
            raise located(shown, line, column, "empty; expected an MPAN or an MPRN")
        network = None
        if i_network is not None:
            raw_network = row[i_network].strip().upper()
            if raw_network:
                if not _NETWORK.fullmatch(raw_network):
                    raise located(
                        shown,
                        line,
                        "network",
                        f"{row[i_network].strip()!r} is not an MPID or transporter code "
                        "(expected letters or digits, e.g. LOND)",
                    )
                network = raw_network
        kind = _row_type(row[i_type] if i_type is not None else "", mpan, shown, line)
        put(number, mpan, mprn, network, kind)


def _row_mpan(raw: str, shown: str, line: int, lenient: bool) -> str:
    if len(raw) == 13 and raw.isascii() and raw.isdigit() and (lenient or core_check_ok(raw)):
        return raw
    try:
        parsed = parse_mpan(raw)
    except MpanError:
        raise located(
            shown,
            line,
            "mpan",
            f"{raw!r} is not an MPAN (expected a 13-digit core or a 21-character full MPAN)",
        ) from None
    if parsed.problems and not lenient:
        raise located(shown, line, "mpan", f"MPAN {raw}: {'; '.join(parsed.problems)}")
    return parsed.core


def _row_type(raw: str, mpan: str | None, shown: str, line: int) -> DeviceType:
    text = raw.strip().upper()
    if not text:
        return DeviceType.ESME if mpan is not None else DeviceType.GPF
    if text not in DeviceType.__members__:
        raise located(
            shown,
            line,
            "device_type",
            f"{raw.strip()!r} is not a device type (expected one of {', '.join(DeviceType)})",
        )
    kind = DeviceType(text)
    if kind.is_gas == (mpan is not None):
        needs = "an MPRN" if kind.is_gas else "an MPAN"
        article = "a" if kind.is_gas else "an"
        raise located(shown, line, "device_type", f"{article} {kind} needs {needs}")
    return kind


def _refuse_repeated(mapping: MeterMapping, path: str | Path, i_device: int) -> None:
    """Sort the mapping; raise RegistryError naming both lines of the first repeated device id.

    "First" is the repeat on the earliest line, as a row-by-row check would find it. Finding
    the lines re-reads the file, only on this error path.
    """
    repeated = set(mapping._seal())
    if not repeated:
        return
    if not Path(path).is_file():  # a stream (FIFO) cannot be read again to find the lines
        first = format_eui64(min(repeated).to_bytes(8, "big"))
        raise located(
            str(path), None, "device_id", f"device id {first} appears more than once "
            "(each device id must appear once)"
        )
    header, rows = read_rows(path, required=())
    seen: dict[int, int] = {}
    for line, row in rows:
        number = eui_number(row[i_device].strip())
        if number not in repeated:
            continue
        if number in seen:
            raise located(
                header.path,
                line,
                "device_id",
                f"device id {format_eui64(number.to_bytes(8, 'big'))} is also on line "
                f"{seen[number]} (each device id must appear once)",
            )
        seen[number] = line


__all__ = [
    "DeviceType",
    "Meter",
    "MeterMapping",
    "RegistryError",
    "eui_number",
    "load_meters",
]
