"""The meter mapping as a lookup table: two sorted arrays of 64-bit numbers, 16 bytes a row.

A mapping holds millions of meters, so each row is kept as its device id and one packed value,
side by side in two arrays sorted by device id and searched by bisection; a :class:`Meter` is
built only when looked up. Rows are gathered unsorted and sorted once (:meth:`_seal`).
"""

from __future__ import annotations

import sys
from array import array
from bisect import bisect_left
from collections.abc import Iterable, Iterator
from itertools import islice, repeat
from operator import eq

from certcheck.market.meters.model import (
    DEVICE_TYPES,
    BadRow,
    DeviceType,
    Meter,
    MeterProfile,
    eui_number,
    meter_profile,
)
from certcheck.market.meters.model import eui_text as _eui_text

# Packed row value (64 bits): bits 0-1 device type (3: the row was bad), bit 2 MPRN (else
# MPAN), bits 3-18 network index (0 = none), bits 19 up the MPAN core (13 digits < 2^44), or
# the MPRN length (4 bits) then the MPRN (at most 11 digits < 2^37).
TYPE_BITS = 2
TYPE_MASK = (1 << TYPE_BITS) - 1
INVALID = 3  # the free device-type value marks a device whose row was bad; the line number
# is then kept in bits 3 up
MPRN_FLAG = 1 << 2
NET_SHIFT = 3
NET_LIMIT = 1 << 16
NUM_SHIFT = 19
LEN_BITS = 4
# What decides a row's MeterProfile: its type, MPRN flag and network bits, with the MPAN's
# distributor id (its first two of 13 digits) above them; at most PROFILES_KEPT kept at once.
PROFILE_MASK = (1 << NUM_SHIFT) - 1
MPAN_DISTRIBUTOR = 10**11
PROFILES_KEPT = 4096
_SPLIT_ROWS = 1 << 16  # rows turned into bytes at a time when sealing


class MeterMapping:
    """Meters indexed by device id (O(log n) lookups, 16 bytes a row)."""

    __slots__ = (
        "_bad_lines",
        "_bad_streamed",
        "_count",
        "_keys",
        "_network_ids",
        "_networks",
        "_pending",
        "_profiles",
        "_values",
        "bad_rows",
        "path",
    )

    def __init__(self, path: str = "") -> None:
        self.path = path
        self._keys = array("Q")  # device numbers, sorted once sealed
        self._values = array("Q")  # the packed row of each
        self._pending: list[int] = []  # ``device << 64 | value`` rows not yet sealed
        self._count = 0
        self._networks: list[str | None] = [None]
        self._network_ids: dict[str, int] = {}
        self.bad_rows: list[BadRow] = []  # every skipped or undetermined row, in line order
        self._bad_lines: dict[int, BadRow] = {}
        self._bad_streamed: dict[int, BadRow] = {}  # by device: bad rows with no line
        self._profiles: dict[int, MeterProfile] = {}  # by PROFILE_MASK bits and distributor

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

    @classmethod
    def from_sealed(
        cls,
        path: str,
        keys: array[int],
        values: array[int],
        networks: list[str | None],
        bad_rows: list[BadRow],
        count: int,
    ) -> MeterMapping:
        """A mapping from the parts of a sealed one (as :mod:`meters.cache` keeps them)."""
        mapping = cls(path)
        mapping._keys, mapping._values, mapping._count = keys, values, count
        mapping._networks = networks
        mapping._network_ids = {n: i for i, n in enumerate(networks) if n is not None}
        mapping.bad_rows = bad_rows
        for bad in bad_rows:
            if bad.line is not None:
                mapping._bad_lines.setdefault(bad.line, bad)
        return mapping

    def __len__(self) -> int:
        return self._count

    def __contains__(self, eui: object) -> bool:
        return isinstance(eui, str) and self.by_device(eui) is not None

    def __iter__(self) -> Iterator[Meter]:
        for number, packed in zip(self._keys, self._values, strict=True):
            if packed & TYPE_MASK != INVALID:
                yield self._unpack(number, packed)

    def by_device(self, eui: str) -> Meter | None:
        """The meter with this device id (any EUI-64 spelling), or None (also when the
        device's row was bad: see :meth:`bad_row`)."""
        return self.by_devices((eui,))[0]

    def by_devices(self, euis: Iterable[str]) -> list[Meter | None]:
        """:meth:`by_device` of each device id, in one loop: a block's lookups made together
        cost a DUIS 6.21 request some 9,000 fewer instructions than one call each."""
        keys, values = self._keys, self._values
        size = len(keys)
        meters: list[Meter | None] = []
        for eui in euis:
            number = eui_number(eui)
            at = size if number is None else bisect_left(keys, number)
            if at == size or keys[at] != number or values[at] & TYPE_MASK == INVALID:
                meters.append(None)
                continue
            canonical = eui if eui[2::3] == "-------" and eui == eui.upper() else None
            meters.append(self._unpack(number, values[at], canonical))  # type: ignore[arg-type]
        return meters

    def bad_row(self, eui: str) -> BadRow | None:
        """The bad row that named this device (it was skipped), or None."""
        found = self._packed(eui)
        if found is None or found[1] & TYPE_MASK != INVALID:
            return None
        line = found[1] >> NET_SHIFT
        if not line:
            return self._bad_streamed.get(found[0])
        return self._bad_lines.get(line) or BadRow(self.path, line, None, "invalid row")

    def _packed(self, eui: str) -> tuple[int, int] | None:
        number = eui_number(eui)
        if number is None:
            return None
        keys = self._keys
        at = bisect_left(keys, number)
        if at == len(keys) or keys[at] != number:
            return None
        return number, self._values[at]

    def _note(self, bad: BadRow) -> None:
        """List a bad row."""
        self.bad_rows.append(bad)
        if bad.line is not None:
            self._bad_lines.setdefault(bad.line, bad)

    def _bad(self, bad: BadRow, number: int | None) -> None:
        """List a bad row and, when its EUI could be read, mark that device invalid."""
        self._note(bad)
        if number is None:
            return
        if bad.line is None:
            self._bad_streamed.setdefault(number, bad)
        self._pending.append((number << 64) | INVALID | ((bad.line or 0) << NET_SHIFT))

    def network_id(self, network: str | None) -> int:
        """The index packed for ``network`` (0 for none), added on first use."""
        if network is None:
            return 0
        found = self._network_ids.get(network)
        if found is None:
            found = len(self._networks)
            if found >= NET_LIMIT:
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
        """Add a row (unsorted until :meth:`_seal`)."""
        value = DEVICE_TYPES.index(kind) | (self.network_id(network) << NET_SHIFT)
        if mpan is not None:
            value |= int(mpan) << NUM_SHIFT
        else:
            assert mprn is not None
            value |= MPRN_FLAG | (((int(mprn) << LEN_BITS) | len(mprn)) << NUM_SHIFT)
        self._pending.append((number << 64) | value)

    def _extend(self, rows: list[int]) -> None:
        """Add ``device << 64 | value`` rows packed by the caller (unsorted until sealed)."""
        self._pending += rows

    def _seal(self) -> list[int]:
        """Sort the rows and keep one per device; return the devices listed more than once
        with different rows (the caller marks them invalid).

        Identical repeats are kept once; a device with a bad row stays invalid whatever other
        rows name it.
        """
        rows, self._pending = self._pending, []
        if self._keys:
            rows += [(k << 64) | v for k, v in zip(self._keys, self._values, strict=True)]
        rows.sort()
        keys, values = _split(rows)
        conflicting: list[int] = []
        if any(map(eq, islice(keys, 1, None), keys)):
            keys, values = _split(_one_per_device(rows, conflicting))
        del rows
        self._keys, self._values = keys, values
        invalid = sum(1 for v in values if v & TYPE_MASK == INVALID) if self.bad_rows else 0
        self._count = len(keys) - invalid
        self.bad_rows.sort(key=_line_order)
        return conflicting

    def _unpack(self, number: int, packed: int, device_id: str | None = None) -> Meter:
        """The meter of a row; ``device_id`` is the device's canonical spelling when the
        caller has it (else it is written from ``number``)."""
        identifier = packed >> NUM_SHIFT
        if packed & MPRN_FLAG:
            width = identifier & ((1 << LEN_BITS) - 1)
            mpan, mprn = None, f"{identifier >> LEN_BITS:0{width}d}"
            profile_key = packed & PROFILE_MASK
        else:
            mpan, mprn = f"{identifier:013d}", None
            profile_key = (packed & PROFILE_MASK) | (identifier // MPAN_DISTRIBUTOR << NUM_SHIFT)
        network = self._networks[(packed >> NET_SHIFT) & (NET_LIMIT - 1)]
        kind = DEVICE_TYPES[packed & TYPE_MASK]
        profile = self._profiles.get(profile_key)
        if profile is None:
            profile = self._profile(profile_key, kind, network, mpan)
        return Meter.of_row(device_id or _eui_text(number), mpan, mprn, network, kind, profile)

    def _profile(
        self, key: int, kind: DeviceType, network: str | None, mpan: str | None
    ) -> MeterProfile:
        """The profile of rows whose packed value gives ``key`` (their type, network and MPAN
        distributor id), kept by key: a lookup then takes it from a dict, where finding it
        from the Meter's fields cost a DUIS 6.21 request some 4,000 instructions."""
        if len(self._profiles) >= PROFILES_KEPT:
            self._profiles.clear()
        found = self._profiles[key] = meter_profile(kind, network, mpan[:2] if mpan else None)
        return found


def _split(rows: list[int]) -> tuple[array[int], array[int]]:
    """The devices and the values of ``device << 64 | value`` rows, as two arrays.

    Each row is written as 16 bytes in the machine's order and the halves read back as 64-bit
    numbers (faster than shifting and masking each row), a slice of rows at a time.
    """
    keys, values = array("Q"), array("Q")
    high_first = sys.byteorder == "big"
    for start in range(0, len(rows), _SPLIT_ROWS):
        part = rows[start : start + _SPLIT_ROWS]
        joined = b"".join(map(int.to_bytes, part, repeat(16), repeat(sys.byteorder)))
        halves = memoryview(joined).cast("Q")
        keys.frombytes(halves[not high_first :: 2].tobytes())
        values.frombytes(halves[high_first::2].tobytes())
    return keys, values


def _line_order(bad: BadRow) -> tuple[bool, int]:
    """Bad rows by line; those of a stream (no line) after the rest."""
    return (bad.line is None, bad.line or 0)


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
        if last == row or last & TYPE_MASK == INVALID:
            continue
        if row & TYPE_MASK == INVALID:
            kept[-1] = row
        elif not conflicting or conflicting[-1] != row >> 64:
            conflicting.append(row >> 64)
    return kept
