"""One grammar for ``where``: the builders, the grammar, and every reader's output against it."""

from __future__ import annotations

from pathlib import Path

import pytest

from certcheck.audit.where import at, is_where, line, node, offset
from certcheck.formats.sniff import decode_item

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "world"


def test_spec_examples_are_in_the_grammar() -> None:
    for example in (
        "Body/UpdateSecurityCredentialsKRP/KeyAgreementCertificate",
        "replacements[1]",
        "offset 0x4C",
    ):
        assert is_where(example), example


def test_builders_spell_each_step() -> None:
    assert node("replacements", 1) == "replacements[1]"
    assert node("Header") == "Header"
    assert offset(0x4C) == "offset 0x4C"
    assert line(2) == "line 2"
    assert line(2, 14) == "line 2, column 14"
    assert at("Body/X", None, "GBCSPayload", "replacements[0]") == (
        "Body/X/GBCSPayload/replacements[0]"
    )
    assert at(node("certificates", 2), offset(0x1A)) == "certificates[2]/offset 0x1A"


@pytest.mark.parametrize(
    "text",
    [
        "Body/X/GBCSPayload, replacements[0]",  # two places joined by a comma
        "offset 0x4c",  # lower-case hex
        "offset 0x4C/replacements[0]",  # a position is always the last step
        "replacements[01]",
        "replacements[-1]",
        "remoteParties[0].cells[1]",  # steps are joined with /, not dots
        "line 0",
        "",
    ],
)
def test_other_spellings_are_not(text: str) -> None:
    assert not is_where(text)


def _wheres(path: Path) -> list[str]:
    item = decode_item(path.read_bytes(), str(path))
    found = [p.where for p in item.placements] + [o.where for o in item.outcomes]
    found += [p.where for p in item.problems if p.where is not None]
    if item.inner is not None:
        found += [p.where for p in item.inner.placements]
    return found


def test_every_where_of_the_demo_payloads_is_in_the_grammar() -> None:
    files = sorted((FIXTURES / "payloads").rglob("*.*"))
    wheres = [w for path in files if path.suffix in (".xml", ".hex") for w in _wheres(path)]
    assert len(wheres) > 100
    assert [w for w in wheres if not is_where(w)] == []
    assert {w.rpartition("/")[2] for w in wheres} >= {
        "DigitalSigningCertificate",
        "KeyAgreementCertificate",
        "Certificate[0]",
        "replacements[0]",
        "replacements[1]",
        "certificationPathCertificates[0]",
    }


def test_every_where_of_the_reference_payloads_is_in_the_grammar(reference_dir: Path) -> None:
    files = [p for p in sorted((reference_dir / "payloads").rglob("*")) if p.is_file()]
    wheres = [w for path in files for w in _wheres(path)]
    assert len(wheres) > 100
    assert [w for w in wheres if not is_where(w)] == []
