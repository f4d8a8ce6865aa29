"""The packaged distributor table (reference/market.md section 2)."""

from __future__ import annotations

import csv
import dataclasses

import pytest

from certcheck.market.distributors import (
    Distributor,
    all_distributors,
    distributor_by_id,
    distributor_by_mpid,
)


def test_every_id_from_10_to_38_is_known_with_its_kind() -> None:
    ids = [d.distributor_id for d in all_distributors()]
    assert ids == [str(n) for n in range(10, 39)]
    assert {d.kind for d in all_distributors() if int(d.distributor_id) <= 23} == {"dno"}
    assert {d.kind for d in all_distributors() if int(d.distributor_id) >= 24} == {"idno"}


@pytest.mark.parametrize(
    ("distributor_id", "mpid"),
    [("10", "EELC"), ("12", "LOND"), ("17", "HYDE"), ("18", "SPOW"), ("20", "SOUT"),
     ("23", "YELG"), ("28", "EDFI"), ("38", "INDI")],
)
def test_lookup_by_id_and_by_mpid_agree(distributor_id: str, mpid: str) -> None:
    by_id = distributor_by_id(distributor_id)
    assert by_id is not None and by_id.mpid == mpid
    assert distributor_by_mpid(mpid) == by_id
    assert distributor_by_mpid(mpid.lower()) == by_id


def test_gsp_groups_are_stored_not_derived_from_id_order() -> None:
    # market.md 2.1: 17 is _P, 18 is _N, 20 is _H.
    assert "_P" in distributor_by_id("17").area  # type: ignore[union-attr]
    assert "_N" in distributor_by_id("18").area  # type: ignore[union-attr]
    assert "_H" in distributor_by_id("20").area  # type: ignore[union-attr]


def test_unknown_ids_and_mpids_give_none() -> None:
    assert distributor_by_id("86") is None
    assert distributor_by_id("09") is None
    assert distributor_by_mpid("NOPE") is None


def test_distributor_is_frozen() -> None:
    entry = distributor_by_id("12")
    assert isinstance(entry, Distributor)
    with pytest.raises(dataclasses.FrozenInstanceError):
        entry.mpid = "X"  # type: ignore[misc]


def test_packaged_table_matches_the_research_table(reference_dir) -> None:
    with open(reference_dir / "distributors.csv", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    assert [(r["distributor_id"], r["mpid"], r["kind"]) for r in rows] == [
        (d.distributor_id, d.mpid, d.kind) for d in all_distributors()
    ]
