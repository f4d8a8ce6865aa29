"""meters.csv loading and the expected network of each meter (SPEC.md "Inputs")."""

from __future__ import annotations

from pathlib import Path

import pytest

from certcheck.market.csvread import RegistryError
from certcheck.market.meters import DeviceType, Meter, MeterMapping, eui_number, load_meters

ESME = "00-DB-12-34-56-78-90-A0"
GSME = "00-DB-12-34-56-78-90-A1"
LOND_CORE = "1200000000002"  # distributor 12 = LOND, check digit computed in test_mpan.py
SOUT_CORE = "2000024512368"  # distributor 20 = SOUT (market.md 1.4)
UNKNOWN_CORE = "8699999999997"  # distributor 86 is not known; check digit 7 is right


def _write(tmp_path: Path, text: str, raw: bytes | None = None) -> Path:
    path = tmp_path / "meters.csv"
    path.write_bytes(raw if raw is not None else text.encode("utf-8"))
    return path


def _error(path: Path, **kwargs) -> str:
    with pytest.raises(RegistryError) as caught:
        load_meters(path, **kwargs)
    return str(caught.value)


def test_rows_with_defaults_and_expected_network(tmp_path: Path) -> None:
    path = _write(
        tmp_path,
        "device_id,mpan,mprn,network,device_type\n"
        f"{ESME},{LOND_CORE},,,\n"
        f"{GSME},,3938424403,NGN,GSME\n"
        "00-DB-12-34-56-78-90-A2,,0010903408,,\n"
        f"00-DB-12-34-56-78-90-A3,{SOUT_CORE},,LOND,esme\n",
    )
    mapping = load_meters(path)
    assert isinstance(mapping, MeterMapping) and len(mapping) == 4

    esme = mapping.by_device(ESME)
    assert esme == Meter(ESME, LOND_CORE, None, None, "ESME")
    assert esme.expected_network == "LOND"
    assert esme.network_from_prefix and not esme.prefix_disagrees
    assert esme.mpan_check_ok is True and esme.mprn_check_ok is None

    gsme = mapping.by_device(GSME)
    assert gsme == Meter(GSME, None, "3938424403", "NGN", "GSME")
    assert gsme.expected_network == "NGN" and not gsme.network_from_prefix
    assert gsme.mprn_check_ok is True and gsme.distributor is None

    gpf = mapping.by_device("00-DB-12-34-56-78-90-A2")
    assert gpf is not None and gpf.device_type == "GPF"
    assert gpf.mprn == "0010903408"  # leading zeros kept
    assert gpf.expected_network is None and not gpf.network_from_prefix

    moved = mapping.by_device("00-DB-12-34-56-78-90-A3")
    assert moved is not None and moved.network == "LOND" and moved.expected_network == "LOND"
    assert moved.prefix_disagrees and not moved.network_from_prefix
    assert moved.distributor is not None and moved.distributor.mpid == "SOUT"


def test_unknown_distributor_without_network_has_no_expected_network(tmp_path: Path) -> None:
    path = _write(tmp_path, f"device_id,mpan\n{ESME},{UNKNOWN_CORE}\n")
    meter = load_meters(path).by_device(ESME)
    assert meter is not None and meter.distributor is None
    assert meter.expected_network is None
    assert not meter.network_from_prefix and not meter.prefix_disagrees


def test_full_mpan_is_stored_as_its_core(tmp_path: Path) -> None:
    path = _write(tmp_path, f"device_id,mpan\n{ESME},S 00 111 222 1312345678907\n")
    assert load_meters(path).by_device(ESME).mpan == "1312345678907"  # type: ignore[union-attr]


@pytest.mark.parametrize("spelling", ["00:db:12:34:56:78:90:a0", "00DB1234567890A0", ESME.lower()])
def test_eui_spellings_in_file_and_lookup(tmp_path: Path, spelling: str) -> None:
    path = _write(tmp_path, f"device_id,mpan\n{spelling},{LOND_CORE}\n")
    mapping = load_meters(path)
    assert mapping.by_device(ESME).device_id == ESME  # type: ignore[union-attr]
    assert mapping.by_device(spelling).device_id == ESME  # type: ignore[union-attr]
    assert ESME in mapping and "00-00-00-00-00-00-00-00" not in mapping
    assert mapping.by_device("garbage") is None


def test_bom_crlf_order_and_case_tolerated(tmp_path: Path) -> None:
    text = f" Network , MPAN ,Device_ID\r\n lond , {SOUT_CORE} , {ESME} \r\n"
    path = _write(tmp_path, "", raw=b"\xef\xbb\xbf" + text.encode("utf-8"))
    assert load_meters(path).by_device(ESME) == Meter(ESME, SOUT_CORE, None, "LOND", "ESME")


def test_bad_check_digit_is_a_usage_error_unless_lenient(tmp_path: Path) -> None:
    path = _write(tmp_path, f"device_id,mpan\n{GSME},{LOND_CORE}\n{ESME},1312345678111\n")
    message = _error(path)
    assert message == f"{path}:3:mpan: MPAN 1312345678111: check digit is 1, expected 8"
    meter = load_meters(path, lenient=True).by_device(ESME)
    assert meter is not None and meter.mpan == "1312345678111"
    assert meter.mpan_check_ok is False
    assert meter.expected_network == "MANW"


def test_bad_top_line_is_rejected_unless_lenient(tmp_path: Path) -> None:
    path = _write(tmp_path, f"device_id,mpan\n{ESME},991112221312345678907\n")
    assert _error(path).startswith(f"{path}:2:mpan: MPAN 991112221312345678907: profile class 99")
    assert load_meters(path, lenient=True).by_device(ESME) is not None


def test_failed_mprn_check_is_kept_as_a_warning(tmp_path: Path) -> None:
    path = _write(tmp_path, f"device_id,mprn\n{GSME},1234567890\n")
    meter = load_meters(path).by_device(GSME)
    assert meter is not None and meter.mprn_check_ok is False


@pytest.mark.parametrize(
    ("row", "column", "fragment"),
    [
        (f"00-DB-12,{LOND_CORE},,,", "device_id", "'00-DB-12' is not an EUI-64"),
        (f"{ESME},131234567890,,,", "mpan", "'131234567890' is not an MPAN"),
        (f"{ESME},,12345,,", "mprn", "'12345' is not an MPRN (expected 6 to 11 digits)"),
        (f"{ESME},{LOND_CORE},3938424403,,", "mprn", "an MPAN or an MPRN, not both"),
        (f"{ESME},,,LOND,", "mpan", "empty; expected an MPAN or an MPRN"),
        (f"{ESME},{LOND_CORE},,LO-ND,", "network", "'LO-ND' is not an MPID"),
        (f"{ESME},{LOND_CORE},,,SMETS", "device_type", "'SMETS' is not a device type"),
        (f"{ESME},{LOND_CORE},,,GSME", "device_type", "a GSME needs an MPRN"),
        (f"{ESME},,3938424403,,ESME", "device_type", "an ESME needs an MPAN"),
    ],
)
def test_bad_rows_name_line_and_column(
    tmp_path: Path, row: str, column: str, fragment: str
) -> None:
    path = _write(
        tmp_path,
        f"device_id,mpan,mprn,network,device_type\n{GSME},,3938424403,,\n{row}\n",
    )
    message = _error(path)
    assert message.startswith(f"{path}:3:{column}: ")
    assert fragment in message


def test_missing_columns(tmp_path: Path) -> None:
    path = _write(tmp_path, f"mpan,network\n{LOND_CORE},LOND\n")
    assert _error(path).startswith(f"{path}:1:device_id: missing required column 'device_id'")
    path = _write(tmp_path, f"device_id,network\n{ESME},LOND\n")
    assert _error(path).startswith(f"{path}:1:mpan: missing column: expected one of mpan, mprn")


def test_duplicate_device_id_names_both_lines(tmp_path: Path) -> None:
    path = _write(
        tmp_path,
        "device_id,mpan\n"
        f"{GSME},{LOND_CORE}\n"
        f"{ESME},{LOND_CORE}\n"
        "\n"
        f"00db1234567890a0,{SOUT_CORE}\n",
    )
    assert _error(path) == (
        f"{path}:3:device_id: device id {ESME} is also on line 5 with a different row "
        "(each device must have one row)"
    )


def test_mapping_built_from_meters_round_trips() -> None:
    meters = [
        Meter(ESME, LOND_CORE, None, "LOND", "ESME"),
        Meter(GSME, None, "00010903408", None, "GSME"),
    ]
    mapping = MeterMapping.from_meters(meters)
    assert sorted(mapping, key=lambda m: m.device_id) == meters
    assert mapping.by_device(GSME).mprn == "00010903408"  # type: ignore[union-attr]


def test_eui_number() -> None:
    assert eui_number(ESME) == 0x00DB1234567890A0
    assert eui_number("00 DB 12 34 56 78 90 A0") == 0x00DB1234567890A0
    assert eui_number("0x00DB1234567890") is None
    assert eui_number("0X00DB1234567890") is None
    assert eui_number("00DB1234567890AG") is None
    assert eui_number("+0DB1234567890A0") is None
    assert eui_number("00_B1234567890A0") is None


def test_a_looked_up_meter_is_a_frozen_meter() -> None:
    """A lookup's Meter (Meter.of_row's stored slots) equals Meter(...) and stays frozen."""
    import dataclasses

    given = Meter("00-DE-01-00-00-00-00-01", "1200000000009", None, None, DeviceType.ESME)
    found = MeterMapping.from_meters([given]).by_device(given.device_id)
    assert type(found) is Meter and found == given and hash(found) == hash(given)
    assert found.profile is given.profile
    with pytest.raises(dataclasses.FrozenInstanceError):
        found.mpan = "1"  # type: ignore[misc]
