"""Ground truth: the findings ``certcheck verify`` must report for each demonstration payload.

The rules below restate SPEC.md's finding codes for the world's cases, independently of the
checks themselves, so a test can compare verify's output with them exactly. Decisions taken:

* network rules apply to Network Operator certificates (role 3) in Network Operator cells:
  a Gas Transporter's on an ESME is ``NO_CERT_GAS_ON_ESME`` only, an electricity
  distributor's on a GSME/GPF is ``NO_CERT_ELECTRICITY_ON_GAS_DEVICE`` only, another
  distributor's is ``NO_CERT_WRONG_NETWORK``; an entity missing from operators.csv is
  ``NO_CERT_UNKNOWN_ORGANISATION`` only; a certificate of another role in a Network Operator
  cell is ``CELL_ROLE_MISMATCH`` only;
* ``NO_CERT_PAIR_MISMATCH`` is one finding per item, on the key-agreement cell's certificate,
  when the digital-signing and key-agreement Network Operator cells receive certificates of
  two entities; the foreign certificate also gets its own network finding;
* the meter mapping matters only to a payload that puts a Network Operator certificate into a
  Network Operator cell; for such a payload, a device missing from meters.csv gets
  ``DEVICE_NOT_IN_MAPPING`` and no network finding, a meter whose registered network differs
  from its MPAN's home distributor gets ``MPAN_PREFIX_DISAGREES``, and one without a
  registered network gets the info ``NETWORK_FROM_MPAN_PREFIX``; one whose network cannot be
  told (none registered and none from the MPAN, or a registered one no listed organisation
  answers for) gets ``NETWORK_UNDETERMINED`` and no ``NO_CERT_WRONG_NETWORK`` (the
  gas/electricity rules still apply).
"""

from __future__ import annotations

from typing import Any

from certcheck.demo.identities import ELECTRICITY_DISTRIBUTOR, GAS_TRANSPORTER
from certcheck.demo.payloads import Case, Rendered, batch_time
from certcheck.demo.world import VERIFY_AT, World, verify_arguments
from certcheck.smki.eui import format_eui64
from certcheck.smki.roles import DIGITAL_SIGNATURE, KEY_AGREEMENT, RemotePartyRole

ERROR = "error"
WARNING = "warning"
INFO = "info"

# Severity of each code (SPEC.md, "Finding codes").
SEVERITY: dict[str, str] = {
    "NO_CERT_GAS_ON_ESME": ERROR,
    "NO_CERT_ELECTRICITY_ON_GAS_DEVICE": ERROR,
    "NO_CERT_WRONG_NETWORK": ERROR,
    "NO_CERT_UNKNOWN_ORGANISATION": WARNING,
    "CELL_ROLE_MISMATCH": ERROR,
    "CELL_KEY_USAGE_MISMATCH": ERROR,
    "NO_CERT_PAIR_MISMATCH": ERROR,
    "CERT_PROFILE_VIOLATION": ERROR,
    "CERT_CHAIN_UNTRUSTED": ERROR,
    "CERT_EXPIRED": WARNING,
    "CERT_NOT_YET_VALID": WARNING,
    "COMMAND_SIGNATURE_INVALID": ERROR,
    "DEVICE_NOT_IN_MAPPING": WARNING,
    "MPAN_PREFIX_DISAGREES": WARNING,
    "NETWORK_UNDETERMINED": WARNING,
    "MAPPING_ROW_INVALID": WARNING,
    "NETWORK_FROM_MPAN_PREFIX": INFO,
    "CHAIN_NOT_CHECKED": INFO,
    "INPUT_UNREADABLE": ERROR,
}

_NO = int(RemotePartyRole.NETWORK_OPERATOR)


def expected_findings(world: World, case: Case) -> list[tuple[str, str | None]]:
    """(code, certificate sha256 or None) of every finding the case must produce, info included."""
    found: list[tuple[str, str | None]] = []
    meter = next((m for m in world.meters if m.device_id == case.device_id), None)
    places_no = any(p.cell_role == _NO and p.holder.role == _NO for p in case.placements)
    if places_no and meter is None:
        found.append(("DEVICE_NOT_IN_MAPPING", None))
    if places_no and meter is not None and meter.network_from_prefix:
        found.append(("NETWORK_FROM_MPAN_PREFIX", None))
    if places_no and meter is not None and meter.prefix_disagrees:
        found.append(("MPAN_PREFIX_DISAGREES", None))
    undetermined = meter is not None and (
        not meter.expected_network
        or (meter.network is not None and not _answered(world, meter.network))
    )
    if places_no and undetermined:
        found.append(("NETWORK_UNDETERMINED", None))
    if case.corrupt_signature:
        found.append(("COMMAND_SIGNATURE_INVALID", None))
    for p in case.placements:
        sha = p.certificate.sha256
        if p.holder.role != p.cell_role:
            found.append(("CELL_ROLE_MISMATCH", sha))
        if p.key_usage != p.cell_usage:
            found.append(("CELL_KEY_USAGE_MISMATCH", sha))
        if not p.trusted:
            found.append(("CERT_CHAIN_UNTRUSTED", sha))
        if p.cell_role != _NO or p.holder.role != _NO:
            continue
        if not p.holder.listed:
            found.append(("NO_CERT_UNKNOWN_ORGANISATION", sha))
            continue
        if meter is None:
            continue
        if not meter.is_gas and p.holder.user_role == GAS_TRANSPORTER:
            found.append(("NO_CERT_GAS_ON_ESME", sha))
        elif meter.is_gas and p.holder.user_role == ELECTRICITY_DISTRIBUTOR:
            found.append(("NO_CERT_ELECTRICITY_ON_GAS_DEVICE", sha))
        elif not undetermined and meter.expected_network not in p.holder.mpids:
            found.append(("NO_CERT_WRONG_NETWORK", sha))
    cells = {
        p.cell_usage: p for p in case.placements if p.cell_role == _NO and p.holder.role == _NO
    }
    if len(cells) == 2:
        ds, ka = cells[DIGITAL_SIGNATURE], cells[KEY_AGREEMENT]
        if ds.holder.entity_id != ka.holder.entity_id:
            found.append(("NO_CERT_PAIR_MISMATCH", ka.certificate.sha256))
    return found


def _answered(world: World, network: str) -> bool:
    """Whether a listed organisation answers for ``network`` ("" when none is known)."""
    return bool(network) and any(
        org.listed and network in org.mpids for org in world.orgs.values()
    )


def truth_entry(
    world: World, case: Case, entry_id: str | None = None, sent: str | None = None
) -> dict[str, Any]:
    """The ground-truth record of one payload (``entry_id`` and ``sent`` of a batch line)."""
    findings = expected_findings(world, case)
    reported = [(c, s) for c, s in findings if SEVERITY[c] != INFO]
    codes = sorted({c for c, _ in reported})
    severities = {SEVERITY[c] for c in codes}
    verdict = "fail" if ERROR in severities else "warn" if WARNING in severities else "pass"
    return {
        "case": case.kind,
        "form": case.form,
        "id": entry_id,
        "sent": sent,
        "originator": case.sender.eui,
        "device_id": format_eui64(case.device_id),
        "codes": codes,
        "findings": [{"code": c, "certificate": s} for c, s in sorted(reported, key=_order)],
        "info": sorted({c for c, _ in findings if SEVERITY[c] == INFO}),
        "verdict": verdict,
    }


def _order(item: tuple[str, str | None]) -> tuple[str, str]:
    return item[0], item[1] or ""


def truth_document(world: World, rendered: Rendered) -> dict[str, Any]:
    """truth.json: one entry per payload file and per batch line (``payloads/batch.jsonl#N``)."""
    items: dict[str, Any] = {}
    for payload in rendered.files:
        items[payload.path] = truth_entry(world, payload.case)
    for number, (_, case) in enumerate(rendered.batch, start=1):
        items[f"{rendered.batch_path}#{number}"] = truth_entry(
            world, case, case.name, batch_time(number)
        )
    return {
        "schema": "certcheck-demo-truth/1",
        "seed": world.seed,
        "size": world.size,
        "verify_at": VERIFY_AT,
        "verify_arguments": list(verify_arguments(".")),
        "severity_reported": [ERROR, WARNING],
        "items": items,
    }
