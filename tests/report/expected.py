"""Report figures computed from records with plain Python, without certcheck.report.

Written from SPEC.md's words, not from the report code: an incident is an item with an error
finding of a NO_CERT_* or CELL_* code; Suppliers are counted by ``supplier`` and everyone else
by sender apart; each device's Network Operator cells are taken as last seen, a later right
placement or read closing an earlier wrong one.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable
from typing import Any

# SPEC.md "Finding codes": the error codes that start NO_CERT_ or CELL_.
INCIDENT = frozenset(
    {
        "NO_CERT_GAS_ON_ESME",
        "NO_CERT_ELECTRICITY_ON_GAS_DEVICE",
        "NO_CERT_WRONG_NETWORK",
        "CELL_ROLE_MISMATCH",
        "CELL_KEY_USAGE_MISMATCH",
        "NO_CERT_PAIR_MISMATCH",
    }
)
NETWORK_OPERATOR = 3  # remote party role of the Network Operator cells


def incidents(record: dict[str, Any]) -> set[str]:
    return {
        f["code"] for f in record["findings"] if f["severity"] == "error" and f["code"] in INCIDENT
    }


def senders(records: Iterable[dict[str, Any]]) -> tuple[dict, dict]:
    """(per Supplier party, per other sender entity id) -> {items, incorrect, by_code}."""
    suppliers: dict[str, Counter] = defaultdict(Counter)
    others: dict[str | None, Counter] = defaultdict(Counter)
    for record in records:
        sender = record.get("sender") or {}
        if record["supplier"]:
            row = suppliers[record["supplier"]]
        else:
            row = others[sender.get("entity_id") or record["originator"]]
        found = incidents(record)
        row["items"] += 1
        row["incorrect"] += bool(found)
        for code in found:
            row["code:" + code] += 1
    return dict(suppliers), dict(others)


def as_figures(row: dict[str, Any]) -> Counter:
    """A report row as the same Counter :func:`senders` builds."""
    figures = Counter({"items": row["items"], "incorrect": row["incorrect"]})
    figures.update({"code:" + code: n for code, n in row["by_code"].items()})
    return +figures


def estate(records: Iterable[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """Each device's state from ``records`` in the order events happened.

    Per device: ``state``, ``cells`` {(key usage, cell usage): entity id}, ``responsible`` (the
    entity ids holding wrong cells) and ``items`` (incident items per responsible entity id
    since the device was last right).
    """
    devices: dict[str, dict[str, Any]] = {}
    for record in records:
        shown = []
        for cert in record["certificates"]:
            cell = cert.get("cell")
            if cert.get("path") or not cell or cell["role"] != NETWORK_OPERATOR:
                continue
            shown.append((cell, cert["entity_id"], cert["sha256"], "certificate"))
        for occupant in record.get("occupants") or ():
            cell = occupant["cell"]
            if cell["role"] != NETWORK_OPERATOR or occupant["status"] not in (None, "success"):
                continue
            if occupant["entity_id"]:
                shown.append((cell, occupant["entity_id"], occupant["where"], "where"))
        if not record["device_id"] or not shown:
            continue
        device = devices.setdefault(
            record["device_id"], {"cells": {}, "items": Counter(), "source": None}
        )
        named = set()
        for cell, entity, handle, field in shown:
            mine = [f for f in record["findings"] if f[field] == handle]
            wrong = [f for f in mine if f["severity"] == "error" and f["code"] in INCIDENT]
            if wrong:
                state = "wrong"
            elif record["expected_network"] is None or any(
                f["code"] == "NO_CERT_UNKNOWN_ORGANISATION" for f in mine
            ):
                state = "unknown"
            else:
                state = "right"
            who = {f["responsible"]["entity_id"] for f in wrong if f["responsible"]}
            device["cells"][(cell["key_usage"], cell["cell_usage"])] = (entity, state, who)
            named |= who
        states = {state for _, state, _ in device["cells"].values()}
        device["state"] = (
            "wrong" if "wrong" in states else "unknown" if "unknown" in states else "right"
        )
        if device["state"] == "right":
            device["items"] = Counter()
        device["items"].update(named)
        device["source"] = record["source"]
    return {
        device_id: {
            "state": d["state"],
            "cells": {key: entity for key, (entity, _, _) in d["cells"].items()},
            "responsible": set().union(
                *(who for _, state, who in d["cells"].values() if state == "wrong")
            ),
            "items": d["items"],
            "source": d["source"],
        }
        for device_id, d in devices.items()
    }


def worklist(devices: dict[str, dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """Responsible entity id -> {devices: set of device ids, items}."""
    found: dict[str, dict[str, Any]] = defaultdict(lambda: {"devices": set(), "items": 0})
    for device_id, device in devices.items():
        if device["state"] != "wrong":
            continue
        for entity in device["responsible"]:
            found[entity]["devices"].add(device_id)
            found[entity]["items"] += device["items"][entity]
    return dict(found)
