"""Every MPAN test vector of reference/market.md section 1.4, read from the document itself."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from certcheck.market.mpan import parse_mpan

_ROW = re.compile(r"^\| `([0-9A-Z]+)` \| ([^|]+) \|")


def _section_14(reference_dir: Path) -> str:
    text = (reference_dir / "market.md").read_text("utf-8")
    start = text.index("### 1.4 Test vectors")
    return text[start : text.index("\n## ", start)]


def _table_after(section: str, title: str) -> list[tuple[str, str]]:
    rows: list[tuple[str, str]] = []
    started = False
    for line in section[section.index(title) :].splitlines()[1:]:
        match = _ROW.match(line)
        if match:
            rows.append((match.group(1), match.group(2).strip()))
            started = True
        elif started and not line.startswith("|"):
            break
    return rows


def test_valid_cores_pass_and_name_their_distributor(reference_dir: Path) -> None:
    rows = _table_after(_section_14(reference_dir), "**Valid 13-digit cores.**")
    assert len(rows) == 9
    for core, distributor in rows:
        result = parse_mpan(core)
        assert result.valid, core
        distributor_id, mpid = distributor.split()
        assert result.distributor_id == distributor_id
        assert result.distributor is not None and result.distributor.mpid == mpid


def test_invalid_cores_fail_with_the_expected_check_digit(reference_dir: Path) -> None:
    rows = _table_after(_section_14(reference_dir), "**Invalid cores.**")
    assert len(rows) == 6
    for core, why in rows:
        result = parse_mpan(core)
        assert not result.valid, core
        expected = int(re.search(r"check digit should be (\d)", why).group(1))  # type: ignore[union-attr]
        assert result.check_expected == expected, core
        assert result.problems[0] == f"check digit is {core[-1]}, expected {expected}"
        if "unknown distributor" in why:
            assert result.distributor is None
            assert result.warnings == (f"unknown distributor id {core[:2]}",)
        else:
            assert result.distributor is not None


def test_full_mpan_invalids_fail_on_their_top_line(reference_dir: Path) -> None:
    section = _section_14(reference_dir)
    paragraph = section[section.index("Full-MPAN invalids") :].split("\n\n")[0]
    full = re.findall(r"`([0-9A-Z]{21})`", paragraph)
    assert len(full) == 2
    for text in full:
        result = parse_mpan(text)
        assert not result.valid
        assert result.check_ok  # the core itself is fine; the top line is not
        assert len(result.problems) == 1


@pytest.mark.parametrize(
    ("full", "llfc"),
    [("02116MEB2830997098859", "MEB"), ("069238I51470116845051", "8I5"),
     ("04989PT43433899920164", "PT4"), ("04962VE42544886475542", "VE4")],
)
def test_alphanumeric_llfc_full_mpans_cited_in_the_table(
    reference_dir: Path, full: str, llfc: str
) -> None:
    assert f"`{full}`" in _section_14(reference_dir)
    result = parse_mpan(full)
    assert result.valid and result.llfc == llfc
