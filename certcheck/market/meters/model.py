"""What a meters.csv row says: the device type, the :class:`Meter` and a :class:`BadRow`.

When no network is registered the expected one is the home MPID of the MPAN's distributor id
(``reference/market.md`` 1.3.7 and 0.3: the prefix is a heuristic, so certcheck says so with
NETWORK_FROM_MPAN_PREFIX). When one is registered and differs from that MPID, the row is kept
and MPAN_PREFIX_DISAGREES applies (SPEC.md "Finding codes").
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from functools import lru_cache

from certcheck.market.csvread import RegistryError, located
from certcheck.market.distributors import Distributor, distributor_by_id
from certcheck.market.mpan import core_check_ok
from certcheck.market.mprn import mprn_check_digits
from certcheck.market.operators import UserRole
from certcheck.smki.eui import EuiError, parse_eui64


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


DEVICE_TYPES = tuple(DeviceType)  # packed by position (meters.table): keep this order


@dataclass(frozen=True, slots=True, eq=False)
class MeterProfile:
    """A meter row less its identity (device id, MPAN, MPRN): its device type, registered
    network and MPAN distributor id, with what follows from them.

    Many meters share a profile, and whether a network or mapping finding applies to a meter
    depends only on its profile (its wording names the meter too): see
    :func:`certcheck.checks.registry.run_checks`. Built once per distinct profile
    (:func:`meter_profile`), so compared and hashed by identity: a plan key hashes one per
    item.
    """

    device_type: DeviceType
    network: str | None
    distributor: Distributor | None
    expected_network: str | None
    network_from_prefix: bool
    prefix_disagrees: bool


@lru_cache(maxsize=4096)
def meter_profile(
    device_type: DeviceType, network: str | None, distributor_id: str | None
) -> MeterProfile:
    """The shared profile of meters of ``device_type`` on ``network`` (None when none is
    registered) whose MPAN begins with ``distributor_id`` (None for an MPRN)."""
    distributor = distributor_by_id(distributor_id) if distributor_id else None
    home = distributor.mpid if distributor else None
    return MeterProfile(
        device_type=DeviceType(device_type),
        network=network,
        distributor=distributor,
        expected_network=network if network is not None else home,
        network_from_prefix=network is None and distributor is not None,
        prefix_disagrees=network is not None and home is not None and home != network,
    )


@dataclass(frozen=True, slots=True)
class Meter:
    """One meters.csv row. ``mpan`` is the 13-digit core; exactly one of mpan/mprn is set.

    ``profile`` is what the network checks read of the row besides the meter's identity,
    found when the meter is made: a field rather than a property computed on first use, as
    checks and records read it (and what follows from it) several times per item, at about
    1,000 instructions per property call.
    """

    device_id: str
    mpan: str | None
    mprn: str | None
    network: str | None
    device_type: DeviceType
    profile: MeterProfile = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        distributor_id = self.mpan[:2] if self.mpan else None
        object.__setattr__(
            self, "profile", meter_profile(self.device_type, self.network, distributor_id)
        )

    @classmethod
    def of_row(
        cls,
        device_id: str,
        mpan: str | None,
        mprn: str | None,
        network: str | None,
        device_type: DeviceType,
        profile: MeterProfile,
    ) -> Meter:
        """``Meter(...)`` for the mapping's lookups, one per item: stored as plain attribute
        stores into a class of Meter's slot layout that then takes its class (``__class__``
        assignment between classes of one layout), at about half the cost of storing through
        the frozen dataclass's slot descriptors. ``profile`` must be :func:`meter_profile`'s
        for these fields (the mapping keeps them by row)."""
        meter = _MeterSlots()
        meter.device_id = device_id
        meter.mpan = mpan
        meter.mprn = mprn
        meter.network = network
        meter.device_type = device_type
        meter.profile = profile
        meter.__class__ = cls
        return meter  # type: ignore[return-value]

    @property
    def distributor(self) -> Distributor | None:
        """The distributor whose id begins the MPAN core, or None (gas, or unknown id)."""
        return self.profile.distributor

    @property
    def expected_network(self) -> str | None:
        """The registered network, else the MPAN distributor's MPID, else None."""
        return self.profile.expected_network

    @property
    def network_from_prefix(self) -> bool:
        """True when expected_network came from the MPAN prefix (NETWORK_FROM_MPAN_PREFIX)."""
        return self.profile.network_from_prefix

    @property
    def prefix_disagrees(self) -> bool:
        """True when the registered network is not the MPAN distributor's MPID
        (MPAN_PREFIX_DISAGREES). False when either side is unknown."""
        return self.profile.prefix_disagrees

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


class _MeterSlots:
    """Meter's slot layout without its frozen ``__setattr__`` (see :meth:`Meter.of_row`)."""

    __slots__ = Meter.__slots__


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


def eui_number(text: str) -> int | None:
    """An EUI-64 spelling as a 64-bit int, or None when it is not one."""
    compact = text.replace("-", "").replace(":", "")
    if len(compact) == 16 and compact.isascii() and compact.isalnum() and compact[1] not in "xX":
        # ASCII letters and digits only, and no 0x: no sign, space, underscore or prefix for
        # int() to allow. A try rather than contextlib.suppress, whose object and its two
        # calls were some 4,300 of this function's 9,600 instructions for a canonical id.
        try:
            return int(compact, 16)
        except ValueError:  # a letter past F
            pass
    try:
        return int(parse_eui64(text).replace("-", ""), 16)
    except EuiError:
        return None


def eui_text(number: int) -> str:
    """The canonical spelling of a device number (as format_eui64 writes it)."""
    return number.to_bytes(8, "big").hex("-").upper()
