"""Benchmark inputs: a demo world sized for N meters and JSON Lines batches of N payloads.

``generate(directory, items)`` writes ``pki/``, ``operators.csv``, ``meters.csv`` (one row per
meter, about ``items`` rows), ``duis-6.21.jsonl`` (``items`` DUIS 6.21 Request Handover
requests, about 5% of them wrong) and ``gbcs-cs02b.jsonl`` (CS02b 0x0103 commands, signed by
the ACB). Everything comes from a fixed seed, so the same ``items`` gives the same bytes.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import random
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from itertools import islice
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # certcheck is imported where used: bench/run.py stays a small process
    from certcheck.demo.world import Meter, World

SEED = "certcheck-bench"
WRONG_SHARE = 0.05
DS, KA, ESME = "ds", "ka", "ESME"  # certcheck.demo.world's certificate tags and device type
DS_ELEMENT = "DigitalSigningCertificate"
KA_ELEMENT = "KeyAgreementCertificate"

# What a wrong request gets wrong (each a finding verify must report).
WRONG_NETWORK = "wrong-network"
GAS_ON_ESME = "gas-on-esme"
PAIR_MISMATCH = "pair-mismatch"
USAGE_SWAPPED = "usage-swapped"
UNTRUSTED_CA = "untrusted-ca"
NOT_IN_MAPPING = "not-in-mapping"
UNKNOWN_ORGANISATION = "unknown-organisation"
MISTAKES = (
    WRONG_NETWORK,
    GAS_ON_ESME,
    PAIR_MISMATCH,
    USAGE_SWAPPED,
    UNTRUSTED_CA,
    NOT_IN_MAPPING,
    UNKNOWN_ORGANISATION,
)


@dataclass(frozen=True)
class Inputs:
    """Paths of one generated benchmark input set."""

    directory: Path
    operators: Path
    meters: Path
    trust: tuple[Path, ...]
    certs: Path
    duis: Path
    gbcs: Path
    items: int
    gbcs_items: int

    def verify_arguments(self, batch: Path, meters: Path | None = None) -> list[str]:
        """``certcheck verify`` arguments (without output options) for one batch, over
        ``meters`` (default: the input set's own meters.csv)."""
        args = ["verify", str(batch), "--mapping", str(meters or self.meters)]
        args += ["--operators", str(self.operators)]
        for anchor in self.trust:
            args += ["--trust", str(anchor)]
        return [*args, "--certs", str(self.certs), "--at", "2026-06-01T00:00:00Z"]


def world_for(meters: int) -> World:
    """A demo world with about ``meters`` meters (ESMEs plus the usual share of gas)."""
    from certcheck.demo.world import build_world

    size = max(10, round(meters / (1 + 2 / 15 + 1 / 30)))
    return build_world(SEED, size=size)


class _Pairs:
    """Certificate DERs of the world's organisations, and who answers for which network."""

    def __init__(self, world: World) -> None:
        self.world = world
        self.der = {key: issued.der for key, issued in world.certs.items()}
        self.untrusted = {key: issued.der for key, issued in world.untrusted_certs.items()}
        self.oca = world.oca.der
        self.untrusted_oca = world.untrusted_oca.der
        orgs = list(world.orgs.values())
        self.owner = {mpid: o.handle for o in orgs if o.listed for mpid in o.mpids}
        self.distributors = [
            o.handle for o in orgs if o.user_role == "electricity_distributor" and o.listed
        ]
        self.transporters = [o.handle for o in orgs if o.user_role == "gas_transporter"]
        self.suppliers = [o.eui for o in orgs if o.user_role == "supplier"]

    def pair(self, handle: str) -> dict[str, bytes]:
        return {DS_ELEMENT: self.der[(handle, DS)], KA_ELEMENT: self.der[(handle, KA)]}


def _request(
    pairs: _Pairs, rng: random.Random, meter: Meter, counter: int, mistake: str | None
) -> bytes:
    from certcheck.demo.duis_build import build_duis_request
    from certcheck.smki.eui import format_eui64

    owner = pairs.owner[meter.expected_network]
    device = meter.eui
    path = [pairs.oca]
    certificates = pairs.pair(owner)
    if mistake == WRONG_NETWORK:
        other = rng.choice([d for d in pairs.distributors if d != owner])
        certificates = pairs.pair(other)
    elif mistake == GAS_ON_ESME:
        certificates = pairs.pair(rng.choice(pairs.transporters))
    elif mistake == PAIR_MISMATCH:
        other = rng.choice([d for d in pairs.distributors if d != owner])
        certificates[KA_ELEMENT] = pairs.der[(other, KA)]
    elif mistake == USAGE_SWAPPED:
        certificates = {DS_ELEMENT: certificates[KA_ELEMENT], KA_ELEMENT: certificates[DS_ELEMENT]}
    elif mistake == UNTRUSTED_CA:
        holder = rng.choice(sorted({h for h, _ in pairs.untrusted}))
        certificates = {
            DS_ELEMENT: pairs.untrusted[(holder, DS)],
            KA_ELEMENT: pairs.untrusted[(holder, KA)],
        }
        path = [pairs.untrusted_oca]
    elif mistake == NOT_IN_MAPPING:
        device = format_eui64(rng.choice(pairs.world.unmapped))
    elif mistake == UNKNOWN_ORGANISATION:
        certificates = pairs.pair("UNLISTED")
    return build_duis_request(
        "6.21",
        rng.choice(pairs.suppliers),
        device,
        counter,
        "NetworkOperator",
        certificates,
        path,
    )


def duis_lines(world: World, items: int) -> Iterator[str]:
    """``items`` JSON Lines entries of DUIS 6.21 requests over the world's meters."""
    pairs = _Pairs(world)
    rng = random.Random(f"{SEED}/duis")
    meters = [m for m in world.meters if m.expected_network in pairs.owner]
    esmes = [m for m in meters if m.device_type == ESME]
    for index in range(items):
        mistake = rng.choice(MISTAKES) if rng.random() < WRONG_SHARE else None
        pool = esmes if mistake in (GAS_ON_ESME, WRONG_NETWORK, PAIR_MISMATCH) else meters
        meter = pool[index % len(pool)]
        payload = _request(pairs, rng, meter, 10_000 + index, mistake)
        name = f"duis-{index + 1:07d}-{mistake or 'correct'}"
        yield json.dumps({"id": name, "payload": payload.decode()}) + "\n"


def gbcs_lines(world: World, items: int) -> Iterator[str]:
    """``items`` JSON Lines entries of signed CS02b 0x0103 commands (hex), about 5% wrong."""
    from certcheck.audit.model import Cell
    from certcheck.formats.gbcs.builder import build_cs02b_command
    from certcheck.smki.roles import DIGITAL_SIGNATURE, KEY_AGREEMENT

    pairs = _Pairs(world)
    rng = random.Random(f"{SEED}/gbcs")
    acb = world.orgs["ACB"]
    signer = world.certs[("ACB", DS)].key
    esmes = [m for m in world.meters if m.device_type == ESME and m.expected_network in pairs.owner]
    ds_cell, ka_cell = Cell(3, DIGITAL_SIGNATURE), Cell(3, KEY_AGREEMENT)
    for index in range(items):
        meter = esmes[index % len(esmes)]
        owner = pairs.owner[meter.expected_network]
        wrong = rng.random() < WRONG_SHARE
        if wrong:
            owner = rng.choice([d for d in pairs.distributors if d != owner])
        command = build_cs02b_command(
            mode=3,
            originator=acb.entity_id,
            recipient=meter.device_id,
            counter=20_000 + index,
            authorising_cell=ds_cell,
            replacements=[(pairs.der[(owner, DS)], ds_cell), (pairs.der[(owner, KA)], ka_cell)],
            path_certificates=[pairs.oca],
            sign_with=signer,
        )
        name = f"gbcs-{index + 1:07d}-{'wrong-network' if wrong else 'correct'}"
        yield json.dumps({"id": name, "payload": command.hex().upper()}) + "\n"


def inputs_in(directory: str | Path, items: int, gbcs_items: int) -> Inputs:
    """The paths of the input set for ``items`` under ``directory``."""
    directory = Path(directory)
    return Inputs(
        directory=directory,
        operators=directory / "operators.csv",
        meters=directory / "meters.csv",
        trust=(directory / "pki" / "root.pem", directory / "pki" / "oca.pem"),
        certs=directory / "pki" / "orgs",
        duis=directory / "duis-6.21.jsonl",
        gbcs=directory / "gbcs-cs02b.jsonl",
        items=items,
        gbcs_items=gbcs_items,
    )


def is_complete(inputs: Inputs) -> bool:
    """True when the input set was written completely for its sizes."""
    done = inputs.directory / "complete"
    return done.exists() and done.read_text() == f"{inputs.items} {inputs.gbcs_items}\n"


def generate(directory: str | Path, items: int, gbcs_items: int) -> Inputs:
    """Write a complete input set under ``directory`` (reused when already complete)."""
    inputs = inputs_in(directory, items, gbcs_items)
    directory = inputs.directory
    done = directory / "complete"
    if is_complete(inputs):
        return inputs
    from certcheck.demo.write import write_pki

    directory.mkdir(parents=True, exist_ok=True)
    world = world_for(items)
    write_pki(world, directory)
    inputs.operators.write_text(world.operators_csv())
    inputs.meters.write_text(world.meters_csv())
    with inputs.duis.open("w") as out:
        out.writelines(duis_lines(world, items))
    with inputs.gbcs.open("w") as out:
        out.writelines(gbcs_lines(world, gbcs_items))
    done.write_text(f"{items} {gbcs_items}\n")
    return inputs


WRAP = 76  # base64 characters per line in a signature value written by XML signature tools


def signed_lines(lines: Iterable[str]) -> Iterator[str]:
    """The DUIS requests of JSON Lines ``lines``, each with an enveloped ds:Signature of its
    own, as a Supplier's signing tool leaves them: the digest text is the request's SHA-256,
    the signature value 64 bytes wrapped with a carriage-return reference and a newline. The
    values are not a signature anyone could check; certcheck notes only that one is there,
    and what a batch must show is its cost with every request's values different."""
    from certcheck.demo.duis_build import signature_element

    for line in lines:
        entry = json.loads(line)
        payload = entry["payload"]
        data = payload.encode()
        digest = base64.b64encode(hashlib.sha256(data).digest()).decode()
        value = base64.b64encode(hashlib.sha512(data).digest()).decode()
        value = f"{value[:WRAP]}&#13;\n{value[WRAP:]}"
        element = signature_element(digest=digest, value=value)
        entry["payload"] = payload.replace("</sr:Request>", element + "</sr:Request>", 1)
        yield json.dumps(entry) + "\n"


def signed_batch(inputs: Inputs, count: int) -> Path:
    """The first ``count`` DUIS requests of ``inputs``, signed (:func:`signed_lines`), written
    once beside them."""
    path = inputs.directory / f"duis-6.21-signed-{count}.jsonl"
    if not path.exists():
        partial = path.with_suffix(".partial")
        with inputs.duis.open() as source, partial.open("w") as out:
            out.writelines(signed_lines(islice(source, count)))
        os.replace(partial, path)
    return path


def generate_mapping(path: str | Path, meters: int) -> Path:
    """Write a meters.csv of about ``meters`` demo-world rows at ``path`` (reused when there)."""
    path = Path(path)
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        partial = path.with_suffix(".partial")
        partial.write_text(world_for(meters).meters_csv())
        partial.replace(path)
    return path


def generate_devices(directory: str | Path, count: int) -> Path:
    """Write ``count`` device digital-signing certificates of the demo world's DCA under
    ``directory`` (``<EUI>-ds.pem``; reused when all are there): a keystore of the size a
    Supplier's or the DCC test environment's ``--certs`` directory has."""
    from certcheck.demo import pki
    from certcheck.demo.world import DCA_NAME, ROOT_NAME
    from certcheck.smki.roles import DIGITAL_SIGNATURE, CertificatePoliciesOID

    directory = Path(directory)
    if len(list(directory.glob("*-ds.pem"))) == count:
        return directory
    directory.mkdir(parents=True, exist_ok=True)
    root = pki.make_root(SEED, ROOT_NAME)
    dca = pki.make_issuing_ca(
        SEED, root, DCA_NAME, role=None, policy=CertificatePoliciesOID.TEST_DEVICE
    )
    for number in range(count):
        device = bytes.fromhex(f"00DEBE{number:010X}")
        issued = pki.issue_device(SEED, dca, device, DIGITAL_SIGNATURE)
        (directory / f"{device.hex().upper()}-ds.pem").write_bytes(issued.pem)
    return directory


if __name__ == "__main__":
    import sys

    if sys.argv[1] == "--mapping":
        generate_mapping(sys.argv[2], int(sys.argv[3]))
    elif sys.argv[1] == "--devices":
        generate_devices(sys.argv[2], int(sys.argv[3]))
    else:
        generate(sys.argv[1], int(sys.argv[2]), int(sys.argv[3]))
