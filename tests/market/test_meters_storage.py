"""The compact meter mapping: every row found again, extremes packed, repeats reported in order."""

from __future__ import annotations

import random
from pathlib import Path

import pytest

from certcheck.market.csvread import RegistryError
from certcheck.market.meters import BadRow, DeviceType, Meter, MeterMapping, load_meters
from certcheck.market.meters.table import INVALID, NET_SHIFT, TYPE_MASK
from certcheck.market.mpan import check_digit
from certcheck.smki.eui import format_eui64


def _core(rng: random.Random) -> str:
    first12 = f"{rng.randrange(10**12):012d}"
    return first12 + str(check_digit(first12))


def _meters(count: int, seed: int = 7) -> list[Meter]:
    rng = random.Random(seed)
    numbers = list(dict.fromkeys(rng.getrandbits(64) for _ in range(count)))
    meters = []
    for index, number in enumerate(numbers):
        device = format_eui64(number.to_bytes(8, "big"))
        network = rng.choice([None, "LOND", "SOUT", "NGN", "WWU"])
        if index % 3:
            meters.append(Meter(device, _core(rng), None, network, "ESME"))
        else:
            mprn = f"{rng.randrange(10**10):0{rng.randint(6, 11)}d}"
            meters.append(Meter(device, None, mprn, network, rng.choice(["GSME", "GPF"])))
    return meters


def _csv(meters: list[Meter]) -> str:
    rows = [
        f"{m.device_id},{m.mpan or ''},{m.mprn or ''},{m.network or ''},{m.device_type}"
        for m in meters
    ]
    return "device_id,mpan,mprn,network,device_type\n" + "\n".join(rows) + "\n"


def test_every_row_of_a_large_mapping_is_found(tmp_path: Path) -> None:
    meters = _meters(20000)
    path = tmp_path / "meters.csv"
    path.write_text(_csv(meters))
    mapping = load_meters(path)
    assert len(mapping) == len(meters)
    for meter in meters[::7]:
        assert mapping.by_device(meter.device_id) == meter
        assert mapping.by_device(meter.device_id.lower().replace("-", ":")) == meter
    assert sorted(mapping, key=lambda m: m.device_id) == sorted(meters, key=lambda m: m.device_id)
    rng = random.Random(1)
    absent = (format_eui64(rng.getrandbits(64).to_bytes(8, "big")) for _ in range(2000))
    assert not any(eui in mapping for eui in absent)


def test_extreme_values_are_packed_exactly() -> None:
    meters = [
        Meter("FF-FF-FF-FF-FF-FF-FF-FF", "9999999999999", None, "ZZZZZZZZZZ", "ESME"),
        Meter("00-00-00-00-00-00-00-00", None, "99999999999", None, "GPF"),
        Meter("00-00-00-00-00-00-00-01", None, "000000", "WWU", "GSME"),
        Meter("00-00-00-00-00-00-00-02", "0000000000000", None, None, "ESME"),
    ]
    mapping = MeterMapping.from_meters(meters)
    assert [mapping.by_device(m.device_id) for m in meters] == meters


def test_from_meters_keeps_the_later_of_a_repeated_device() -> None:
    first = Meter("00-DB-12-34-56-78-90-A0", "1200000000002", None, None, "ESME")
    later = Meter("00-DB-12-34-56-78-90-A0", "2000024512368", None, "LOND", "ESME")
    mapping = MeterMapping.from_meters([first, later])
    assert len(mapping) == 1 and mapping.by_device(first.device_id) == later


def _error(path: Path) -> str:
    with pytest.raises(RegistryError) as caught:
        load_meters(path)
    return str(caught.value)


def _other_network(row: str) -> str:
    parts = row.split(",")
    parts[3] = "ZZZ"
    return ",".join(parts)


def test_identical_repeats_are_kept_once_and_different_ones_reported_in_order(
    tmp_path: Path,
) -> None:
    meters = _meters(3000, seed=3)
    rows = _csv(meters).splitlines()
    rows.insert(2500, rows[40].replace("ESME", "esme"))  # line 2501 repeats line 41 (same row)
    rows.insert(900, _other_network(rows[700]))  # line 902: line 701's device, another row
    rows.insert(900, rows[700])  # line 901 repeats line 701 exactly
    path = tmp_path / "meters.csv"
    path.write_text("\n".join(rows) + "\n")
    device = meters[699].device_id
    mapping = load_meters(path, strict=False)
    assert mapping.by_device(meters[39].device_id) == meters[39]
    assert mapping.by_device(device) is None and mapping.bad_row(device) is not None
    assert len(mapping) == len(meters) - 1
    assert [bad.line for bad in mapping.bad_rows] == [701, 901, 902]
    assert _error(path) == (
        f"{path}:701:device_id: device id {device} is also on line 901, 902 with a different row "
        "(each device must have one row)"
    )


def test_a_repeat_before_a_bad_row_is_reported_first(tmp_path: Path) -> None:
    rows = _csv(_meters(50, seed=5)).splitlines()
    rows.insert(20, _other_network(rows[10]))  # line 21: line 11's device, another row
    rows.append("00-11-22-33-44-55-66-77,1234,,,")  # a bad MPAN on the last line
    path = tmp_path / "meters.csv"
    path.write_text("\n".join(rows) + "\n")
    assert _error(path).startswith(f"{path}:11:device_id: device id ")
    del rows[20]
    path.write_text("\n".join(rows) + "\n")
    assert _error(path).startswith(f"{path}:{len(rows)}:mpan: '1234' is not an MPAN")


def _sealed_numbers(rows: list[tuple[int, int]]) -> tuple[list[int], list[int], list[int]]:
    """What sealing keeps of ``(device, value)`` rows: one row per device, an identical repeat
    once, the least invalid row over any valid one, and the devices with different valid rows,
    in order."""
    kept: dict[int, int] = {}
    conflicting: list[int] = []
    for device, value in sorted(rows):
        last = kept.setdefault(device, value)
        if last == value or last & TYPE_MASK == INVALID:
            continue
        if value & TYPE_MASK == INVALID:
            kept[device] = value
        elif device not in conflicting:
            conflicting.append(device)
    return list(kept), list(kept.values()), conflicting


@pytest.mark.parametrize("seed", range(4))
def test_sealing_sorts_by_device_and_value_and_keeps_one_row_per_device(seed: int) -> None:
    rng = random.Random(seed)
    devices = [0, (1 << 64) - 1, 1 << 63, *(rng.getrandbits(64) for _ in range(300))]
    rows = []
    for _ in range(2000):
        device = rng.choice(devices)
        if rng.random() < 0.1:
            value = INVALID | (rng.randrange(1, 5000) << NET_SHIFT)  # a bad row's line
        else:
            value = rng.choice([0, 1 << 63, rng.getrandbits(63), rng.getrandbits(8)])
        rows += [(device, value)] * rng.choice([1, 1, 2])
    mapping = MeterMapping()
    mapping._extend([(device << 64) | value for device, value in rows])
    mapping.bad_rows.append(BadRow("meters.csv", 1, None, "counted"))
    conflicting = mapping._seal()
    keys, values, expected = _sealed_numbers(rows)
    assert (list(mapping._keys), list(mapping._values), conflicting) == (keys, values, expected)
    assert expected and any(value & TYPE_MASK == INVALID for value in values)
    assert len(mapping) == sum(value & TYPE_MASK != INVALID for value in values)
    pairs = zip(keys, values, strict=True)
    valid = next(key for key, value in pairs if value & TYPE_MASK != INVALID)
    for device in (valid, 1):  # sealed again with a row more: the rows so far stay
        mapping._put(device, "1200000000002", None, None, DeviceType.ESME)
    assert mapping._seal() == [valid]
    assert list(mapping._keys) == sorted([*keys, 1])
