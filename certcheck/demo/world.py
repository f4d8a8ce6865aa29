"""The demonstration world: PKI, organisations and meters, built from a seed and written to disk.

``build_world(seed, size)`` is pure (same arguments, same bytes);
:func:`certcheck.demo.write.write_world` writes it to disk.
"""

from __future__ import annotations

import csv
import io
import random
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from certcheck.demo import pki
from certcheck.demo.identities import (
    ELECTRICITY_DISTRIBUTOR,
    GAS_TRANSPORTER,
    Organisation,
    device_eui,
    mpan_core,
    mprn,
    organisations,
)
from certcheck.market.distributors import distributor_by_id
from certcheck.smki.eui import format_eui64
from certcheck.smki.roles import DIGITAL_SIGNATURE, KEY_AGREEMENT, CertificatePoliciesOID

DEFAULT_SEED = "certcheck-demo"
DEFAULT_SIZE = 300
DEFAULT_DIR = "certcheck-demo"
# The instant the demo world is verified at: inside every certificate's validity window.
VERIFY_AT = "2026-06-01T00:00:00Z"

# Names of the demonstration CAs (the DCC test PKI uses ZA / Z1 / E357, smki.md 3.2).
ROOT_NAME = "DEMO ROOT"
OCA_NAME = "DEMO OCA"
DCA_NAME = "DEMO DCA"
UNTRUSTED_ROOT_NAME = "ELSEWHERE ROOT"
UNTRUSTED_OCA_NAME = "ELSEWHERE OCA"

DS = "ds"
KA = "ka"
USAGES = {DS: DIGITAL_SIGNATURE, KA: KEY_AGREEMENT}

ESME = "ESME"
GSME = "GSME"
GPF = "GPF"

# Distributor ids the ESMEs are spread over (those of the world's distributors).
_ESME_PREFIXES = ("10", "12", "13", "15", "18", "19", "20", "24", "25")
# (MPAN distributor id, registered network) pairs that disagree (MPAN_PREFIX_DISAGREES):
# an IDNO-registered point under a DNO prefix, SOUT out of its area, LENG under EELC.
_DISAGREEING = (("12", "IPNL"), ("19", "SOUT"), ("10", "LENG"))
_GAS_NETWORKS = ("DGN", "DGS")
# Distributors whose pair is also issued by the untrusted OCA (CERT_CHAIN_UNTRUSTED).
_UNTRUSTED_HOLDERS = ("LOND", "NEEB", "DGN")
# ESMEs kept for the histories of payloads/history.jsonl (certcheck.demo.history), one each;
# no other payload targets them, so each history alone decides its device's state.
HISTORY_ESMES = 6


@dataclass(frozen=True)
class Meter:
    """One meters.csv row and what certcheck should derive from it."""

    device_id: bytes
    device_type: str
    mpan: str | None = None
    mprn: str | None = None
    network: str | None = None
    prefix_network: str | None = None

    @property
    def eui(self) -> str:
        return format_eui64(self.device_id)

    @property
    def expected_network(self) -> str:
        """The registered network, else the home distributor of the MPAN's distributor id."""
        return self.network or self.prefix_network or ""

    @property
    def network_from_prefix(self) -> bool:
        return self.network is None and self.mpan is not None

    @property
    def prefix_disagrees(self) -> bool:
        return (
            self.network is not None
            and self.prefix_network is not None
            and self.network != self.prefix_network
        )

    @property
    def is_gas(self) -> bool:
        return self.device_type in (GSME, GPF)


@dataclass
class World:
    """Everything the payloads and the ground truth are made from."""

    seed: str
    size: int
    gas: int
    root: pki.Issued
    oca: pki.Issued
    dca: pki.Issued
    untrusted_root: pki.Issued
    untrusted_oca: pki.Issued
    orgs: dict[str, Organisation]
    certs: dict[tuple[str, str], pki.Issued]
    untrusted_certs: dict[tuple[str, str], pki.Issued]
    meters: list[Meter]
    unmapped: list[bytes]
    history: list[Meter] = field(default_factory=list)
    device_certs: dict[tuple[bytes, str], pki.Issued] = field(default_factory=dict)

    def rng(self, purpose: str) -> random.Random:
        """A generator for one purpose, so adding draws elsewhere changes nothing here."""
        return random.Random(f"{self.seed}/{purpose}")

    def meters_of(self, device_type: str) -> list[Meter]:
        return [m for m in self.meters if m.device_type == device_type]

    def network_owner(self, network: str) -> Organisation:
        """The listed organisation answering for an MPID or gas transporter code."""
        for org in self.orgs.values():
            if org.listed and network in org.mpids:
                return org
        raise KeyError(network)

    def operators_csv(self) -> str:
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(["entity_id", "party", "user_role", "mpids"])
        for org in self.orgs.values():
            if org.listed:
                writer.writerow([org.eui, org.party, org.user_role, ";".join(org.mpids)])
        return out.getvalue()

    def meters_csv(self) -> str:
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(["device_id", "device_type", "mpan", "mprn", "network"])
        for m in self.meters:
            writer.writerow([m.eui, m.device_type, m.mpan or "", m.mprn or "", m.network or ""])
        return out.getvalue()


def _prefix_mpid(mpan: str) -> str:
    core = mpan[-13:]
    found = distributor_by_id(core[:2])
    if found is None:  # pragma: no cover - the world only uses known ids
        raise ValueError(f"unknown distributor id in {mpan}")
    return found.mpid


def _esmes(world_rng: random.Random, size: int) -> list[Meter]:
    meters: list[Meter] = []
    seen: set[bytes] = set()

    def new_id(kind: int) -> bytes:
        while True:
            eui = device_eui(world_rng, kind)
            if eui not in seen:
                seen.add(eui)
                return eui

    n_disagree = min(len(_DISAGREEING), max(2, size // 100))
    for i in range(size):
        if i < n_disagree:
            prefix, network = _DISAGREEING[i]
        else:
            prefix = world_rng.choice(_ESME_PREFIXES)
            network = None
        core = mpan_core(world_rng, prefix)
        home = _prefix_mpid(core)
        if network is None and world_rng.random() < 0.6:
            network = home
        text = core
        if i % 10 == 7:  # some full 21-character MPANs: PC, MTC, LLFC, core
            text = f"0{world_rng.randrange(1, 5)}{world_rng.randrange(801, 999)}"
            text += f"{world_rng.randrange(100, 999)}{core}"
        meters.append(Meter(new_id(1), ESME, mpan=text, network=network, prefix_network=home))
    return meters


def _history_esmes(world_rng: random.Random, taken: set[bytes]) -> list[Meter]:
    """ESMEs registered to their MPAN's home distributor, for the device histories."""
    meters = []
    for i in range(HISTORY_ESMES):
        core = mpan_core(world_rng, _ESME_PREFIXES[i % len(_ESME_PREFIXES)])
        device_id = device_eui(world_rng, 1)
        while device_id in taken:  # pragma: no cover - five random bytes
            device_id = device_eui(world_rng, 1)
        taken.add(device_id)
        home = _prefix_mpid(core)
        meters.append(Meter(device_id, ESME, mpan=core, network=home, prefix_network=home))
    return meters


def _gas_meters(world_rng: random.Random, count: int, device_type: str, kind: int) -> list[Meter]:
    return [
        Meter(
            bytes([0x00, 0xDE, kind]) + world_rng.randbytes(5),
            device_type,
            mprn=mprn(world_rng),
            network=world_rng.choice(_GAS_NETWORKS),
        )
        for _ in range(count)
    ]


def build_world(
    seed: str = DEFAULT_SEED, size: int = DEFAULT_SIZE, gas: int | None = None
) -> World:
    """Build the PKI, organisations and meters for ``seed`` with ``size`` ESMEs.

    Adds ``gas`` GSMEs (default ``max(4, size * 2 // 15)``, 40 for 300), a quarter as
    many GPFs, and :data:`HISTORY_ESMES` ESMEs kept for the device histories.
    """
    if size < 10:
        raise ValueError("size must be at least 10 ESMEs")
    gas = max(4, size * 2 // 15) if gas is None else gas
    root = pki.make_root(seed, ROOT_NAME)
    oca = pki.make_issuing_ca(seed, root, OCA_NAME)
    dca = pki.make_issuing_ca(
        seed, root, DCA_NAME, role=None, policy=CertificatePoliciesOID.TEST_DEVICE
    )
    untrusted_root = pki.make_root(seed, UNTRUSTED_ROOT_NAME)
    untrusted_oca = pki.make_issuing_ca(seed, untrusted_root, UNTRUSTED_OCA_NAME)

    orgs = {org.handle: org for org in organisations()}
    certs = {
        (org.handle, tag): pki.issue_organisation(
            seed, oca, org.entity_id, org.role, usage, common_name=org.common_name
        )
        for org in orgs.values()
        for tag, usage in USAGES.items()
    }
    untrusted = {
        (handle, tag): pki.issue_organisation(
            seed, untrusted_oca, orgs[handle].entity_id, orgs[handle].role, usage
        )
        for handle in _UNTRUSTED_HOLDERS
        for tag, usage in USAGES.items()
    }
    world_rng = random.Random(f"{seed}/meters")
    meters = _esmes(world_rng, size)
    meters += _gas_meters(world_rng, gas, GSME, 2)
    meters += _gas_meters(world_rng, max(1, gas // 4), GPF, 3)
    unmapped = [bytes([0x00, 0xDE, 0x09]) + world_rng.randbytes(5) for _ in range(4)]
    history = _history_esmes(world_rng, {m.device_id for m in meters} | set(unmapped))
    world = World(
        seed, size, gas, root, oca, dca, untrusted_root, untrusted_oca,
        orgs, certs, untrusted, meters + history, unmapped, history,
    )
    for meter in meters[:8] + world.meters_of(GSME)[:2] + world.meters_of(GPF)[:1]:
        for tag, usage in USAGES.items():
            world.device_certs[(meter.device_id, tag)] = pki.issue_device(
                seed, dca, meter.device_id, usage
            )
    return world


def verify_options(directory: str | Path) -> dict[str, Any]:
    """The verify options that audit a written world (``VerifyRequest`` field names).

    Trust anchors are the demonstration root and OCA; ``pki/orgs`` holds the signing
    certificates GBCS command signatures are checked with (the ACB's among them).
    """
    d = Path(directory)
    return {
        "paths": [str(d / "payloads")],
        "mapping": str(d / "meters.csv"),
        "operators": str(d / "operators.csv"),
        "trust": [str(d / "pki" / "root.pem"), str(d / "pki" / "oca.pem")],
        "certs": [str(d / "pki" / "orgs")],
        "at": VERIFY_AT,
    }


def verify_arguments(directory: str | Path) -> list[str]:
    """The same as a ``certcheck verify`` command line (without the program name)."""
    o = verify_options(directory)
    args = ["verify", *o["paths"], "--mapping", o["mapping"], "--operators", o["operators"]]
    for anchor in o["trust"]:
        args += ["--trust", anchor]
    for signer in o["certs"]:
        args += ["--certs", signer]
    return [*args, "--at", o["at"]]


__all__ = [
    "DEFAULT_DIR",
    "DEFAULT_SEED",
    "DEFAULT_SIZE",
    "ELECTRICITY_DISTRIBUTOR",
    "GAS_TRANSPORTER",
    "HISTORY_ESMES",
    "Meter",
    "World",
    "build_world",
    "verify_arguments",
    "verify_options",
]
