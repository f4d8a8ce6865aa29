"""The bulk reader of meters.csv gives exactly what the csv module's reading gives."""

from __future__ import annotations

from pathlib import Path

import pytest

from certcheck.market.csvread import MAX_LINE_CHARS, RegistryError, read_header
from certcheck.market.meters import COLUMNS, MeterMapping, read_carefully, read_mapping
from certcheck.market.meters.bulk import read_bulk
from certcheck.market.meters.repeats import refuse_repeated
from certcheck.market.meters.rows import RowJudge

HEADER = "device_id,device_type,mpan,mprn,network"
LOND = "1200000000002"  # check digit right
FULL = "00111ABC" + LOND  # profile class 00, MTC 111, LLFC ABC
# Every shape of row: sound ones read in bulk, the rest judged one by one.
ROWS = [
    f"00-DB-12-34-56-78-90-01,ESME,{LOND},,LOND",
    f"00-DB-12-34-56-78-90-02,,{LOND},,",
    f"00DB1234567890A3,ESME,{FULL},,SOUT",
    "00-db-12-34-56-78-90-04,GSME,,3938424403,NGN",
    "00-DB-12-34-56-78-90-05,GPF,,0010903408,",
    "00-DB-12-34-56-78-90-06,,,123456,WWU",
    "00:DB:12:34:56:78:90:07,ESME,1312345678907,,",  # colons: judged
    "00-DB-12-34-56-78-90-08,esme, 1312345678907 ,, lond ",  # case and spaces: judged
    "00-DB-12-34-56-78-90-09,ESME,1312345678111,,",  # check digit wrong
    "00-DB-12-34-56-78-90-10,ESME,99111ABC1312345678907,,",  # profile class 99
    "00-DB-12-34-56-78-90-11,ESME,00000ABC1312345678907,,",  # MTC 000
    "00-DB-12-34-56-78-90-12,GSME,1312345678907,,",  # a GSME with an MPAN
    "00-DB-12-34-56-78-90-13,ESME,,3938424403,",  # an ESME with an MPRN
    f"00-DB-12-34-56-78-90-14,ESME,{LOND},3938424403,",  # both
    "00-DB-12-34-56-78-90-15,ESME,,,",  # neither
    f"00-DB-12-34-56-78-90-16,ESME,{LOND},,LO-ND",  # network
    f"00-DB-12-34-56-78-90-17,SMETS,{LOND},,",  # device type
    f"00-DB-12,ESME,{LOND},,",  # EUI
    f"00-DB-12-34-56-78-90-18,ESME,{LOND}",  # too few fields
    f"00-DB-12-34-56-78-90-19,ESME,{LOND},,,extra",  # too many
    "",  # blank
    "   ",  # blank
    ",,,,",  # empty fields
    f"00-DB-12-34-56-78-90-20,ESME,{LOND},,ZZZZ",  # nobody answers for ZZZZ
    f"00-DB-12-34-56-78-90-01,ESME,{LOND},,LOND",  # identical repeat of the first row
    f"00-DB-12-34-56-78-90-02,ESME,{LOND},,SOUT",  # a different repeat of the second
    "00-DB-12-34-56-78-90-21,ESME,0000000000000,,\u00e9",  # non-ASCII network
]
NETWORKS = frozenset({"LOND", "SOUT", "NGN", "WWU"})


def _seen(mapping: MeterMapping, path: Path) -> tuple:
    """Everything a caller can observe of a mapping."""
    devices = [f"00-DB-12-34-56-78-90-{n:02d}" for n in range(1, 22)] + ["00-DB-12-34-56-78-90-A3"]
    return (
        len(mapping),
        sorted(mapping, key=lambda meter: meter.device_id),
        [(str(bad), bad.undetermined) for bad in mapping.bad_rows],
        [(mapping.by_device(eui), mapping.bad_row(eui)) for eui in devices],
        mapping.path == str(path),
    )


def _bulk(path: Path, block_bytes: int, slice_rows: int = 512, **options) -> MeterMapping:
    header = read_header(path, **COLUMNS)
    mapping = MeterMapping(header.path)
    judge = RowJudge(mapping, header, options.get("lenient", False), options.get("networks"))
    assert read_bulk(path, header, judge, block_bytes, slice_rows)
    refuse_repeated(mapping, path, header.index["device_id"])
    return mapping


@pytest.mark.parametrize(
    ("block_bytes", "slice_rows"), [(8, 1), (61, 2), (1 << 20, 3), (1 << 20, 512)]
)
@pytest.mark.parametrize("ending", ["\n", "\r\n"])
@pytest.mark.parametrize(
    "options", [{}, {"lenient": True}, {"networks": NETWORKS}], ids=["plain", "lenient", "nets"]
)
def test_bulk_reading_equals_the_csv_module(
    tmp_path: Path, block_bytes: int, slice_rows: int, ending: str, options: dict
) -> None:
    path = tmp_path / "meters.csv"
    path.write_bytes(("\n\n" + HEADER + ending + ending.join(ROWS)).encode())  # no final newline
    careful = read_carefully(path, **options)
    assert len(careful.bad_rows) > 12  # the rows above exercise the judge
    assert _seen(_bulk(path, block_bytes, slice_rows, **options), path) == _seen(careful, path)
    assert _seen(read_mapping(path, **options), path) == _seen(careful, path)


@pytest.mark.parametrize(
    "order", ["network,mprn,device_id,mpan,device_type", "mpan,device_id", "device_id,mprn,note"]
)
def test_any_column_order_and_subset(tmp_path: Path, order: str) -> None:
    names = order.split(",")
    values = {"device_id": "", "mpan": LOND, "mprn": "", "network": "LOND", "device_type": ""}
    if "mpan" not in names:
        values |= {"mprn": "3938424403", "network": ""}
    rows = []
    for n in range(50):
        values["device_id"] = f"00-DB-12-34-56-78-{n:02X}-00"
        values["note"] = f"row {n}"
        rows.append(",".join(values[name] for name in names))
    rows[7] = rows[7].replace("00-DB", "XX-DB")
    path = tmp_path / "meters.csv"
    path.write_text(order.upper() + "\n" + "\n".join(rows) + "\n")
    careful = read_carefully(path)
    assert len(careful) == 49 and len(careful.bad_rows) == 1
    for slice_rows in (1, 5, 512):
        assert _seen(_bulk(path, 100, slice_rows), path) == _seen(careful, path)


@pytest.mark.parametrize(
    "trouble",
    [
        f'"00-DB-12-34-56-78-90-30",ESME,{LOND},,',  # quotes
        f'00-DB-12-34-56-78-90-30,"ESME\nX",{LOND},,',  # a field over two lines
        f"00-DB-12-34-56-78-90-30,ESME,{LOND},,\rLOND",  # a lone carriage return
        f"00-DB-12-34-56-78-90-30,ESME,{LOND},,\x00",  # NUL
    ],
)
def test_what_only_the_csv_module_reads_is_left_to_it(tmp_path: Path, trouble: str) -> None:
    path = tmp_path / "meters.csv"
    path.write_text(HEADER + "\n" + "\n".join([*ROWS[:4], trouble, *ROWS[4:]]) + "\n")
    header = read_header(path, **COLUMNS)
    judge = RowJudge(MeterMapping(header.path), header, False, None)
    assert not read_bulk(path, header, judge, 64)
    try:
        expected = _seen(read_carefully(path), path)
    except RegistryError as error:
        with pytest.raises(RegistryError) as caught:
            read_mapping(path)
        assert str(caught.value) == str(error)
    else:
        assert _seen(read_mapping(path), path) == expected


def test_a_row_over_the_line_limit_is_refused_however_many_columns(tmp_path: Path) -> None:
    extra = [f"note{n}" for n in range(400)]
    path = tmp_path / "meters.csv"
    row = ",".join([ROWS[0], *("n" * 200 for _ in extra)])
    path.write_text(",".join([HEADER, *extra]) + "\n" + row + "\n")
    assert len(row) > MAX_LINE_CHARS
    with pytest.raises(RegistryError) as careful:
        read_carefully(path)
    with pytest.raises(RegistryError) as bulk:
        read_mapping(path)
    assert str(bulk.value) == str(careful.value) and ":2:" in str(bulk.value)


@pytest.mark.parametrize(
    "raw",
    [
        b"\xff\xfe not UTF-8",
        b"x" * (MAX_LINE_CHARS + 10),
        b"00-DB-12-34-56-78-90-31,ESME," + b"1" * (MAX_LINE_CHARS * 5),
    ],
    ids=["not-utf8", "long-line", "long-line-no-newline"],
)
def test_file_errors_read_the_same(tmp_path: Path, raw: bytes) -> None:
    path = tmp_path / "meters.csv"
    path.write_bytes(("\ufeff" + HEADER + "\n" + ROWS[0] + "\n").encode() + raw + b"\n")
    with pytest.raises(RegistryError) as careful:
        read_carefully(path)
    with pytest.raises(RegistryError) as bulk:
        read_mapping(path)
    assert str(bulk.value) == str(careful.value)
    assert ":3" in str(bulk.value) or "UTF-8" in str(bulk.value)
