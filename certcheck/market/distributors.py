"""GB electricity distributor ids and Market Participant IDs (MPIDs).

The table is package data, ``distributors.csv``: one row per distributor id, 10 to 38
(``reference/market.md`` section 2: 2.1 the fourteen DNO licence areas 10-23, 2.3 the IDNOs
24-38). It is loaded once, on first use.
"""

from __future__ import annotations

import csv
import io
import pkgutil
from dataclasses import dataclass
from functools import lru_cache
from typing import Literal

DistributorKind = Literal["dno", "idno"]


@dataclass(frozen=True, slots=True)
class Distributor:
    """One distributor licence: its two-digit id, MPID, area, licensee, group and kind."""

    distributor_id: str
    mpid: str
    area: str
    operator: str
    group: str
    kind: DistributorKind


@dataclass(frozen=True, slots=True)
class _Table:
    by_id: dict[str, Distributor]
    by_mpid: dict[str, Distributor]


@lru_cache(maxsize=1)
def _table() -> _Table:
    # pkgutil reads package data through the loader, as importlib.resources would, without
    # importing importlib.resources' readers (zipfile, tempfile: about 2 ms of start-up)
    data = pkgutil.get_data("certcheck.market", "distributors.csv")
    if data is None:
        raise FileNotFoundError("certcheck.market: distributors.csv cannot be read")
    text = data.decode("utf-8")
    by_id: dict[str, Distributor] = {}
    by_mpid: dict[str, Distributor] = {}
    for row in csv.DictReader(io.StringIO(text)):
        kind = row["kind"].strip()
        if kind not in ("dno", "idno"):
            raise ValueError(f"distributors.csv: bad kind {kind!r} for {row['distributor_id']}")
        entry = Distributor(
            distributor_id=row["distributor_id"].strip(),
            mpid=row["mpid"].strip().upper(),
            area=row["area"].strip(),
            operator=row["operator"].strip(),
            group=row["group"].strip(),
            kind=kind,  # type: ignore[arg-type]
        )
        by_id[entry.distributor_id] = entry
        by_mpid[entry.mpid] = entry
    return _Table(by_id, by_mpid)


def distributor_by_id(distributor_id: str) -> Distributor | None:
    """The distributor for a two-digit id such as ``"12"``, or None when unknown."""
    return _table().by_id.get(distributor_id.strip())


def distributor_by_mpid(mpid: str) -> Distributor | None:
    """The distributor whose MPID (e.g. ``"LOND"``, any case) is given, or None."""
    return _table().by_mpid.get(mpid.strip().upper())


def all_distributors() -> tuple[Distributor, ...]:
    """Every known distributor, in distributor-id order."""
    table = _table().by_id
    return tuple(table[key] for key in sorted(table))
