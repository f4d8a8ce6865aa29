"""Writing a demonstration world to disk: ``pki/``, ``operators.csv``, ``meters.csv``,
``payloads/`` (files, ``batch.jsonl``, ``history.jsonl``) and ``truth.json``.

Kept apart from :mod:`certcheck.demo.world` (what the world is) because it needs the payloads
and the truth, which are both built from a world.
"""

from __future__ import annotations

import json
from pathlib import Path

from certcheck.demo.history import HISTORY_PATH, history_text, plan_history
from certcheck.demo.payloads import render_payloads
from certcheck.demo.truthfile import truth_document
from certcheck.demo.world import World


def _write(path: Path, data: bytes | str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(data, str):
        data = data.encode()
    path.write_bytes(data)


def write_pki(world: World, directory: Path) -> list[Path]:
    """PEM files: trust anchors ``pki/root.pem`` and ``pki/oca.pem``, then the rest."""
    base = directory / "pki"
    files: dict[Path, bytes] = {
        base / "root.pem": world.root.pem,
        base / "oca.pem": world.oca.pem,
        base / "dca.pem": world.dca.pem,
        base / "untrusted" / "root.pem": world.untrusted_root.pem,
        base / "untrusted" / "oca.pem": world.untrusted_oca.pem,
    }
    for (handle, tag), issued in world.certs.items():
        files[base / "orgs" / f"{world.orgs[handle].compact_eui}-{tag}.pem"] = issued.pem
    for (handle, tag), issued in world.untrusted_certs.items():
        name = f"{world.orgs[handle].compact_eui}-{tag}.pem"
        files[base / "untrusted" / "orgs" / name] = issued.pem
    for (device, tag), issued in world.device_certs.items():
        files[base / "devices" / f"{device.hex().upper()}-{tag}.pem"] = issued.pem
    for path, data in files.items():
        _write(path, data)
    return list(files)


def write_world(
    world: World, directory: str | Path, batch_lines: int | None = None
) -> dict[str, int]:
    """Write the whole world under ``directory`` (a batch of ``batch_lines`` JSON Lines, by
    default a tenth of the ESMEs, and the device histories); return counts of what was
    written."""
    directory = Path(directory)
    pki_files = write_pki(world, directory)
    _write(directory / "operators.csv", world.operators_csv())
    _write(directory / "meters.csv", world.meters_csv())
    rendered = render_payloads(world, batch_lines)
    for item in rendered.files:
        _write(directory / item.path, item.content)
    _write(directory / rendered.batch_path, rendered.batch_text)
    history = plan_history(world)
    _write(directory / HISTORY_PATH, history_text(history))
    truth = truth_document(world, rendered, history)
    _write(directory / "truth.json", json.dumps(truth, indent=1, sort_keys=True) + "\n")
    return {
        "certificates": len(pki_files),
        "operators": sum(1 for org in world.orgs.values() if org.listed),
        "meters": len(world.meters),
        "payload_files": len(rendered.files),
        "batch_lines": len(rendered.batch),
        "history_lines": len(history),
    }
