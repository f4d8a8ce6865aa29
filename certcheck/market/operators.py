"""The organisation registry, operators.csv: EUI-64 entity id -> party, user role and MPIDs.

SPEC.md "Inputs": columns ``entity_id``, ``party``, ``user_role``, ``mpids`` (``;``-separated,
may be empty). An SMKI certificate names its organisation only by entity id, so this registry is
the only way to tell an electricity distributor from a gas transporter (``reference/market.md``
sections 5.3 and 5.4).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path

from certcheck.errors import RegistryError
from certcheck.smki.eui import EuiError, parse_eui64


class NetworkKind(StrEnum):
    """SPEC.md ``certificates[].network_kind``: whose network a certificate's owner runs."""

    ELECTRICITY = "electricity"
    GAS = "gas"
    OTHER = "other"
    UNKNOWN = "unknown"


class UserRole(StrEnum):
    """DCC User Roles relevant to certcheck (reference/market.md 5.3), as spelled in operators.csv.

    Both network roles hold remote party role 3 certificates; only this role tells them apart.
    """

    ELECTRICITY_DISTRIBUTOR = "electricity_distributor"
    GAS_TRANSPORTER = "gas_transporter"
    SUPPLIER = "supplier"
    DCC = "dcc"
    OTHER = "other"

    @property
    def network_kind(self) -> NetworkKind:
        """``electricity`` or ``gas`` for the two network roles, ``other`` for the rest."""
        return _NETWORK_KIND.get(self, NetworkKind.OTHER)


_NETWORK_KIND = {
    UserRole.ELECTRICITY_DISTRIBUTOR: NetworkKind.ELECTRICITY,
    UserRole.GAS_TRANSPORTER: NetworkKind.GAS,
}

# An MPID is four letters or digits (market.md 2); gas transporter short codes vary in length.
_MPID = re.compile(r"[A-Z0-9]{1,10}")
_ROLE_SEPARATORS = re.compile(r"[\s-]+")


@dataclass(frozen=True, slots=True)
class Operator:
    """One registered organisation identity (an EUI-64 User ID of a SEC Party)."""

    entity_id: str
    party: str
    user_role: UserRole
    mpids: tuple[str, ...] = ()


class OperatorRegistry:
    """Operators indexed by entity id and by MPID."""

    __slots__ = ("_by_entity", "_by_mpid", "path")

    def __init__(self, operators: list[Operator] | tuple[Operator, ...] = (), path: str = ""):
        self.path = path
        self._by_entity: dict[str, Operator] = {}
        self._by_mpid: dict[str, tuple[Operator, ...]] = {}
        for operator in operators:
            self._by_entity[operator.entity_id] = operator
            for mpid in operator.mpids:
                self._by_mpid[mpid] = (*self._by_mpid.get(mpid, ()), operator)

    def __len__(self) -> int:
        return len(self._by_entity)

    def __iter__(self):
        return iter(self._by_entity.values())

    def by_entity(self, eui: str) -> Operator | None:
        """The operator with this entity id (any EUI-64 spelling), or None."""
        found = self._by_entity.get(eui)
        if found is not None:
            return found
        try:
            return self._by_entity.get(parse_eui64(eui))
        except EuiError:
            return None

    def networks(self) -> frozenset[str]:
        """Every MPID or transporter code some organisation answers for."""
        return frozenset(self._by_mpid)

    def by_mpid(self, mpid: str) -> tuple[Operator, ...]:
        """Every operator answering for this MPID (any case); empty when none."""
        return self._by_mpid.get(mpid.strip().upper(), ())


def parse_user_role(text: str) -> UserRole | None:
    """Normalise a user_role spelling (case, spaces, hyphens); None when not a known role."""
    role = _ROLE_SEPARATORS.sub("_", text.strip().lower())
    return UserRole(role) if role in _ROLE_NAMES else None


_ROLE_NAMES = frozenset(UserRole)


def parse_mpids(text: str) -> tuple[str, ...] | None:
    """Split a ``;``-separated MPID list (upper-cased); None when an entry is malformed."""
    parts = tuple(part.strip().upper() for part in text.split(";") if part.strip())
    if not all(_MPID.fullmatch(part) for part in parts):
        return None
    return parts


def load_operators(path: str | Path) -> OperatorRegistry:
    """Read operators.csv; raise RegistryError naming file, line and column on any bad row."""
    from certcheck.market.csvread import located, read_rows  # the csv module, when one is read

    header, rows = read_rows(
        path, required=("entity_id", "party", "user_role"), optional=("mpids",)
    )
    shown = header.path
    i_entity = header.index["entity_id"]
    i_party = header.index["party"]
    i_role = header.index["user_role"]
    i_mpids = header.position("mpids")
    operators: list[Operator] = []
    first_line: dict[str, int] = {}
    for line, row in rows:
        raw_entity = row[i_entity].strip()
        try:
            entity_id = parse_eui64(raw_entity)
        except EuiError:
            raise located(
                shown,
                line,
                "entity_id",
                f"{raw_entity!r} is not an EUI-64 (expected 8 hex octets, "
                "e.g. 90-B3-D5-1F-30-02-00-00)",
            ) from None
        if entity_id in first_line:
            raise located(
                shown,
                line,
                "entity_id",
                f"entity id {entity_id} is also on line {first_line[entity_id]} "
                "(each entity id must appear once)",
            )
        party = row[i_party].strip()
        if not party:
            raise located(shown, line, "party", "empty; expected the organisation's name")
        role = parse_user_role(row[i_role])
        if role is None:
            raise located(
                shown,
                line,
                "user_role",
                f"{row[i_role].strip()!r} is not a user role (expected one of "
                f"{', '.join(UserRole)})",
            )
        mpids: tuple[str, ...] = ()
        if i_mpids is not None:
            parsed = parse_mpids(row[i_mpids])
            if parsed is None:
                raise located(
                    shown,
                    line,
                    "mpids",
                    f"{row[i_mpids].strip()!r} is not a list of MPIDs (expected letters or "
                    "digits separated by ';', e.g. LOND;SEEB)",
                )
            mpids = parsed
        first_line[entity_id] = line
        operators.append(Operator(entity_id, party, role, mpids))
    return OperatorRegistry(operators, shown)


__all__ = [
    "NetworkKind",
    "Operator",
    "OperatorRegistry",
    "RegistryError",
    "UserRole",
    "load_operators",
    "parse_mpids",
    "parse_user_role",
]
