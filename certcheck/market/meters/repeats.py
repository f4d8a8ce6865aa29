"""A device listed twice in meters.csv with different rows: each of its rows is bad."""

from __future__ import annotations

from pathlib import Path

from certcheck.market.csvread import read_rows
from certcheck.market.meters.model import BadRow, eui_number
from certcheck.market.meters.table import MeterMapping
from certcheck.smki.eui import format_eui64


def refuse_repeated(mapping: MeterMapping, path: str | Path, i_device: int) -> None:
    """Seal the mapping; a device listed again with a different row makes each of its rows bad.

    Finding the lines re-reads the file, only when there is such a device.
    """
    conflicting = set(mapping._seal())
    if not conflicting:
        return
    if not Path(path).is_file():  # a stream (FIFO) cannot be read again to find the lines
        for number in conflicting:
            device = format_eui64(number.to_bytes(8, "big"))
            reason = f"device id {device} appears more than once with different rows"
            mapping._bad(BadRow(str(path), None, "device_id", reason), number)
        mapping._seal()
        return
    header, rows = read_rows(path, required=(), check_width=False)
    lines: dict[int, list[int]] = {}
    for line, row in rows:
        number = eui_number(row[i_device].strip()) if i_device < len(row) else None
        if number in conflicting:
            lines.setdefault(number, []).append(line)
    for number, found in lines.items():
        device = format_eui64(number.to_bytes(8, "big"))
        for line in found:
            others = ", ".join(str(n) for n in found if n != line)
            mapping._bad(
                BadRow(
                    header.path,
                    line,
                    "device_id",
                    f"device id {device} is also on line {others} with a different row "
                    "(each device must have one row)",
                ),
                number,
            )
    mapping._seal()
