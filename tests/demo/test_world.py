"""The demonstration world's registry and meter mapping."""

from __future__ import annotations

import csv
import io

import pytest

from certcheck.demo.world import ESME, GPF, GSME, HISTORY_ESMES, build_world

# MPAN check-digit weights, restated here from market.md 1.2 (primes 3..43 without 11).
MPAN_WEIGHTS = (3, 5, 7, 13, 17, 19, 23, 29, 31, 37, 41, 43)
HOME_MPID = {
    "10": "EELC", "12": "LOND", "13": "MANW", "15": "NEEB", "18": "SPOW", "19": "SEEB",
    "20": "SOUT", "24": "IPNL", "25": "LENG",
}


def mpan_ok(core: str) -> bool:
    total = sum(int(d) * w for d, w in zip(core[:12], MPAN_WEIGHTS, strict=True))
    return len(core) == 13 and total % 11 % 10 == int(core[12])


def mprn_ok(mprn: str) -> bool:
    body, check = mprn[:-2], mprn[-2:]
    n = len(body)
    return int(check) == sum(int(d) * (n - i) for i, d in enumerate(body)) % 11


@pytest.fixture(scope="module")
def world():
    return build_world("world-test", 300)


def rows(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text)))


def test_check_helpers_agree_with_published_vectors():
    assert mpan_ok("2000024512368") and mpan_ok("1892941794350")
    assert not mpan_ok("2040015001165")
    assert mprn_ok("3938424403") and not mprn_ok("1234567890")


def test_every_mpan_and_mprn_in_meters_csv_passes_its_check_digits(world):
    table = rows(world.meters_csv())
    assert len(table) == len(world.meters)
    esmes = [r for r in table if r["device_type"] == ESME]
    gas = [r for r in table if r["device_type"] in (GSME, GPF)]
    assert len(esmes) == 300 + HISTORY_ESMES and len(gas) == 40 + 10
    for row in esmes:
        assert len(row["mpan"]) in (13, 21) and row["mprn"] == ""
        assert mpan_ok(row["mpan"][-13:]), row
        if len(row["mpan"]) == 21:
            assert row["mpan"][:2] in {f"{n:02d}" for n in range(9)} and row["mpan"][2:5] != "000"
    for row in gas:
        assert row["mpan"] == "" and mprn_ok(row["mprn"]), row
        assert row["network"] in ("DGN", "DGS")


def test_mapping_mixes_registered_networks_prefix_fallback_and_disagreements(world):
    esmes = [r for r in rows(world.meters_csv()) if r["device_type"] == ESME]
    registered = [r for r in esmes if r["network"]]
    assert 0 < len(registered) < len(esmes)
    disagreeing = [r for r in registered if HOME_MPID[r["mpan"][-13:][:2]] != r["network"]]
    assert {(r["mpan"][-13:][:2], r["network"]) for r in disagreeing} == {
        ("12", "IPNL"), ("19", "SOUT"), ("10", "LENG")
    }
    assert {r["mpan"][-13:][:2] for r in esmes} == set(HOME_MPID)
    ids = [r["device_id"] for r in rows(world.meters_csv())]
    assert len(set(ids)) == len(ids)
    assert not {f"{d.hex()}" for d in world.unmapped} & {i.replace("-", "").lower() for i in ids}


def test_operators_csv_lists_every_organisation_but_the_unlisted_one(world):
    table = rows(world.operators_csv())
    by_party = {r["party"]: r for r in table}
    assert by_party["London Power Networks plc"]["mpids"] == "LOND"
    assert by_party["SP Energy Networks"]["mpids"] == "MANW;SPOW"
    assert by_party["Demo Gas North"]["user_role"] == "gas_transporter"
    assert by_party["DCC Access Control Broker"]["user_role"] == "dcc"
    roles = [r["user_role"] for r in table]
    assert roles.count("electricity_distributor") == 8
    assert roles.count("gas_transporter") == 2 and roles.count("supplier") == 3
    assert world.orgs["UNLISTED"].eui not in {r["entity_id"] for r in table}
    assert len({r["entity_id"] for r in table}) == len(table)


def test_the_market_loader_reads_the_registry(world, tmp_path):
    from certcheck.market.operators import load_operators

    path = tmp_path / "operators.csv"
    path.write_text(world.operators_csv())
    registry = load_operators(path)
    assert len(registry) == 14
    assert registry.by_entity(world.orgs["SPEN"].eui).mpids == ("MANW", "SPOW")


def test_the_market_loader_reads_the_mapping_with_the_same_networks(world, tmp_path):
    from certcheck.market.meters import load_meters

    path = tmp_path / "meters.csv"
    path.write_text(world.meters_csv())
    mapping = load_meters(path)
    assert len(mapping) == len(world.meters)
    for meter in world.meters:
        loaded = mapping.by_device(meter.eui)
        assert loaded is not None and loaded.device_type == meter.device_type
        assert loaded.network == meter.network
        assert (loaded.mpan or loaded.mprn) == (meter.mpan[-13:] if meter.mpan else meter.mprn)
