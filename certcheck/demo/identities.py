"""The organisations of the demonstration world and the identifiers of its meters.

Distributor names and MPIDs are the real GB ones (``reference/distributors.csv``); entity ids,
gas transporters and suppliers are invented. Entity ids sit in ``90-B3-D5-1F-D0-..``, apart from
the DCC test identities ``90-B3-D5-1F-30-..`` (smki.md section 4).
"""

from __future__ import annotations

import random
from dataclasses import dataclass

from certcheck.market.mpan import check_digit
from certcheck.market.mprn import mprn_check_digits
from certcheck.smki.eui import format_eui64
from certcheck.smki.roles import RemotePartyRole

# operators.csv user roles (SPEC.md, operators.csv).
ELECTRICITY_DISTRIBUTOR = "electricity_distributor"
GAS_TRANSPORTER = "gas_transporter"
SUPPLIER = "supplier"
DCC = "dcc"


@dataclass(frozen=True)
class Organisation:
    """One organisation identity: a DCC User ID with its SMKI role and market identifiers."""

    handle: str
    party: str
    user_role: str
    mpids: tuple[str, ...]
    entity_id: bytes
    role: int
    common_name: str | None = None
    listed: bool = True

    @property
    def eui(self) -> str:
        """Canonical hyphenated EUI-64."""
        return format_eui64(self.entity_id)

    @property
    def compact_eui(self) -> str:
        return self.entity_id.hex().upper()

    @property
    def is_network_operator(self) -> bool:
        return self.user_role in (ELECTRICITY_DISTRIBUTOR, GAS_TRANSPORTER)


def _eui(group: int, number: int) -> bytes:
    return bytes([0x90, 0xB3, 0xD5, 0x1F, 0xD0, group, number, 0x00])


_NO = RemotePartyRole.NETWORK_OPERATOR
_ED = ELECTRICITY_DISTRIBUTOR

# (handle, party, mpids) of the electricity distributors: six DNO licence areas, one group
# holding two licences (SP Energy Networks: 13 MANW and 18 SPOW, market.md 2.2), two IDNOs.
_DISTRIBUTORS: tuple[tuple[str, str, tuple[str, ...]], ...] = (
    ("LOND", "London Power Networks plc", ("LOND",)),
    ("SEEB", "South Eastern Power Networks plc", ("SEEB",)),
    ("EELC", "Eastern Power Networks plc", ("EELC",)),
    ("SPEN", "SP Energy Networks", ("MANW", "SPOW")),
    ("NEEB", "Northern Powergrid (Northeast) plc", ("NEEB",)),
    ("SOUT", "Southern Electric Power Distribution plc", ("SOUT",)),
    ("IPNL", "Independent Power Networks Ltd", ("IPNL",)),
    ("LENG", "ESP Electricity Ltd", ("LENG",)),
)


def organisations() -> tuple[Organisation, ...]:
    """Every organisation of the world, in a fixed order."""
    orgs: list[Organisation] = [
        Organisation(handle, party, _ED, mpids, _eui(0x03, i + 1), _NO)
        for i, (handle, party, mpids) in enumerate(_DISTRIBUTORS)
    ]
    orgs += [
        Organisation("DGN", "Demo Gas North", GAS_TRANSPORTER, ("DGN",), _eui(0x13, 1), _NO),
        Organisation("DGS", "Demo Gas South", GAS_TRANSPORTER, ("DGS",), _eui(0x13, 2), _NO),
        Organisation(
            "BRIGHT", "Brightwater Energy", SUPPLIER, (), _eui(0x02, 1),
            RemotePartyRole.SUPPLIER, common_name="BRIGHTWATER",
        ),
        Organisation(
            "KESTREL", "Kestrel Power", SUPPLIER, (), _eui(0x02, 2),
            RemotePartyRole.SUPPLIER, common_name="KESTREL",
        ),
        Organisation(
            "MERIDIAN", "Meridian Gas & Power", SUPPLIER, (), _eui(0x02, 3),
            RemotePartyRole.SUPPLIER, common_name="MERIDIAN",
        ),
        Organisation(
            "ACB", "DCC Access Control Broker", DCC, (), _eui(0x00, 2),
            RemotePartyRole.ACCESS_CONTROL_BROKER,
        ),
        # A Network Operator identity missing from operators.csv (NO_CERT_UNKNOWN_ORGANISATION).
        Organisation(
            "UNLISTED", "Unlisted Networks Ltd", _ED, ("UNLS",), _eui(0x03, 0x7E), _NO,
            listed=False,
        ),
    ]
    return tuple(orgs)


def mpan_core(rng: random.Random, distributor_id: str) -> str:
    """A random 13-digit MPAN core under ``distributor_id`` with a valid check digit."""
    body = distributor_id + "".join(str(rng.randrange(10)) for _ in range(10))
    return body + str(check_digit(body))


def mprn(rng: random.Random) -> str:
    """A random 10-digit MPRN (8 body digits, first non-zero) with valid check digits."""
    body = str(rng.randrange(1, 10)) + "".join(str(rng.randrange(10)) for _ in range(7))
    return body + mprn_check_digits(body)


def device_eui(rng: random.Random, kind: int) -> bytes:
    """A random device EUI-64 ``00-DE-<kind>-..`` (kind: 1 ESME, 2 GSME, 3 GPF, 9 unmapped)."""
    return bytes([0x00, 0xDE, kind]) + rng.randbytes(5)
