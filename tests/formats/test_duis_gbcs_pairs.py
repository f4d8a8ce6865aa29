"""A DUIS request and the GBCS command it became carry the same certificates for the same cells.

payloads.md section 2.7: certificates are byte-identical between the DUIS base64 and the GBCS
DER, in the same order. The pairs are the templates of ``payloads/duis/templates-rtds-4.5.0-paired``
(when present) and ``templates-HEAD``'s 6.15.2 request, each with the RTDS 4.5.0 COMMAND of the
same name. The CS02g load-controller templates do not pair (INDEX.md): RTDS used Supplier
certificates in its CS02g data.
"""

from __future__ import annotations

from pathlib import Path

from certcheck.audit.model import Item
from certcheck.formats.sniff import decode_item

PAIRED_FOLDERS = ("templates-rtds-4.5.0-paired", "templates-HEAD")


def _pairs(reference: Path) -> list[tuple[Path, Path]]:
    commands = {p.name: p for p in (reference / "payloads" / "gbcs").rglob("*_COMMAND_GBCS.HEX")}
    pairs = []
    for folder in PAIRED_FOLDERS:
        for request in sorted(
            (reference / "payloads" / "duis" / folder).glob("*_REQUEST_DUIS.XML")
        ):
            if request.name.startswith("CS02g"):
                continue
            command = commands.get(request.name.replace("_REQUEST_DUIS.XML", "_COMMAND_GBCS.HEX"))
            if command is None:
                continue
            if folder == "templates-HEAD" and not request.name.startswith("CS02d"):
                continue  # HEAD carries the 2025 re-issued certificates; only CS02d is unchanged
            pairs.append((request, command))
    return pairs


def _cells(item: Item) -> list[tuple[str, object, bool]]:
    return [(p.certificate.sha256, p.cell, p.path) for p in item.placements]


def test_duis_request_and_gbcs_command_carry_the_same_certificates(reference_dir: Path) -> None:
    pairs = _pairs(reference_dir)
    assert pairs, "no DUIS/GBCS pair found"
    for request, command in pairs:
        duis = decode_item(request.read_bytes(), str(request))
        gbcs = decode_item(command.read_bytes(), str(command))
        assert duis.problems == () and gbcs.problems == (), (request.name, command.name)
        assert duis.device_id == gbcs.device_id, request.name
        assert _cells(duis) == _cells(gbcs), request.name
        assert duis.placements, request.name
