"""The shared CSV reader: layout tolerance and located errors."""

from __future__ import annotations

from pathlib import Path

import pytest

from certcheck.market.csvread import RegistryError, located, read_rows


def _read(path: Path, **kwargs) -> list[tuple[int, list[str]]]:
    _, rows = read_rows(path, required=("a",), **kwargs)
    return list(rows)


def test_located_message_format() -> None:
    assert str(located("f.csv", 3, "mpan", "bad")) == "f.csv:3:mpan: bad"
    assert str(located("f.csv", 3, None, "bad")) == "f.csv:3: bad"
    assert str(located("f.csv", None, None, "bad")) == "f.csv: bad"


def test_line_numbers_count_blank_lines_and_header(tmp_path: Path) -> None:
    path = tmp_path / "t.csv"
    path.write_bytes(b"\r\n A ,B\r\n1,2\r\n\r\n3,4\r\n")
    header, rows = read_rows(path, required=("a", "b"))
    assert header.index == {"a": 0, "b": 1}
    assert list(rows) == [(3, ["1", "2"]), (5, ["3", "4"])]


def test_quoted_field_spanning_lines_keeps_later_line_numbers_right(tmp_path: Path) -> None:
    path = tmp_path / "t.csv"
    path.write_text('a,b\n"x\ny",2\nz,3\n', encoding="utf-8")
    assert [line for line, _ in _read(path)] == [3, 4]


def test_empty_file(tmp_path: Path) -> None:
    path = tmp_path / "t.csv"
    path.write_bytes(b"\xef\xbb\xbf\n")
    with pytest.raises(RegistryError, match=r"t\.csv:1: empty file; expected a header"):
        _read(path)


def test_repeated_column(tmp_path: Path) -> None:
    path = tmp_path / "t.csv"
    path.write_text("a,B,b\n", encoding="utf-8")
    with pytest.raises(RegistryError, match=r"t\.csv:1:b: column appears twice"):
        _read(path)


def test_any_of_columns(tmp_path: Path) -> None:
    path = tmp_path / "t.csv"
    path.write_text("a,c\n1,2\n", encoding="utf-8")
    with pytest.raises(RegistryError, match=r"t\.csv:1:mpan: missing column: expected one of mpan"):
        _read(path, any_of=("mpan", "mprn"))


def test_short_row_names_the_first_missing_column(tmp_path: Path) -> None:
    path = tmp_path / "t.csv"
    path.write_text("a,b,c\n1,2,3\n1,2\n", encoding="utf-8")
    with pytest.raises(RegistryError, match=r"t\.csv:3:c: row has 2 fields, the header has 3"):
        _read(path)


def test_long_row(tmp_path: Path) -> None:
    path = tmp_path / "t.csv"
    path.write_text("a,b\n1,2,3\n", encoding="utf-8")
    with pytest.raises(RegistryError, match=r"t\.csv:2: row has 3 fields, the header has 2"):
        _read(path)


def test_not_utf8_names_the_line(tmp_path: Path) -> None:
    path = tmp_path / "t.csv"
    path.write_bytes(b"a,b\n1,2\n3,caf\xe9\n")
    with pytest.raises(RegistryError, match=r"t\.csv:3: not UTF-8 text \(byte 0xE9\)"):
        _read(path)


def test_unterminated_quote_is_reported(tmp_path: Path) -> None:
    path = tmp_path / "t.csv"
    path.write_text('a,b\n1,"2\n', encoding="utf-8")
    with pytest.raises(RegistryError, match=r"t\.csv:\d+: not valid CSV"):
        _read(path)
