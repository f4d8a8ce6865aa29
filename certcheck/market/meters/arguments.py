"""``--meter DEVICE=MPAN[:NETWORK]``: mapping rows given on the command line (SPEC.md "Inputs")."""

from __future__ import annotations

from collections.abc import Sequence

from certcheck.market.csvread import RegistryError
from certcheck.market.meters.model import DeviceType, eui_number
from certcheck.market.meters.rows import Bad, row_mpan, row_network, row_number, unanswered
from certcheck.market.meters.table import MeterMapping
from certcheck.smki.eui import format_eui64

METER_ARGUMENT = "--meter"


def mapping_from_arguments(
    values: Sequence[str], networks: frozenset[str] | None = None
) -> MeterMapping:
    """``--meter DEVICE=MPAN[:NETWORK]`` values as a mapping.

    The number is an MPAN (13-digit core or 21-character full MPAN: an ESME) or an MPRN (6 to
    11 digits: a GPF). Raises RegistryError naming the value when one is malformed or a device
    is given twice with different values. A network no organisation answers for is kept and
    listed in ``bad_rows`` as ``undetermined`` (line = the value's position).
    """
    mapping = MeterMapping(METER_ARGUMENT)
    for index, value in enumerate(values, start=1):
        device, equals, rest = value.partition("=")
        number_text, _, network_text = rest.partition(":")
        try:
            if not equals or not number_text.strip():
                raise Bad(
                    None,
                    "expected DEVICE=MPAN[:NETWORK], e.g. 00-DB-12-34-56-78-90-A0="
                    "1200000000002:LOND",
                )
            number = eui_number(device.strip())
            if number is None:
                raise Bad(None, f"{device.strip()!r} is not an EUI-64 (expected 8 hex octets)")
            digits = "".join(number_text.split())
            if len(digits) >= 13:
                mpan, mprn = row_mpan(digits, lenient=False), None
            else:
                mpan, mprn = row_number([digits], None, 0, lenient=False)
            network = row_network(network_text)
        except Bad as bad:
            raise RegistryError(f"{METER_ARGUMENT} {value!r}: {bad.reason}") from None
        if networks is not None and network is not None and network not in networks:
            mapping._note(unanswered(METER_ARGUMENT, index, network))
        kind = DeviceType.ESME if mpan is not None else DeviceType.GPF
        mapping._put(number, mpan, mprn, network, kind)
    conflicting = mapping._seal()
    if conflicting:
        device = format_eui64(conflicting[0].to_bytes(8, "big"))
        raise RegistryError(f"{METER_ARGUMENT}: device {device} is given twice, differently")
    return mapping
