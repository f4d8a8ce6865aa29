"""Floors timed in the benchmark's own process, and the ratio table printed against SPEC.md.

The floors are the least any implementation must do per item: one hardened lxml parse of a
DUIS request (the parser flags DESIGN.md names: no entities, no network, no DTD), and one ECDSA
P-256 / SHA-256 verify with ``cryptography`` of a CS02b command's signature, the key built
once. Both are timed with ``time.process_time`` over the batch's own first items, best of
three passes, so that the ratios compare CPU with CPU on the same inputs.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from dataclasses import dataclass
from itertools import islice
from pathlib import Path

REPEATS = 3


def best_cpu_per_call(work: Callable[[], int]) -> float:
    """CPU seconds per unit of ``work`` (which returns how many units it did), best of REPEATS."""
    best = float("inf")
    for _ in range(REPEATS):
        started = time.process_time()
        units = work()
        best = min(best, (time.process_time() - started) / units)
    return best


def payloads(batch: Path, count: int) -> list[str]:
    """The ``payload`` strings of a JSON Lines batch's first ``count`` entries."""
    with batch.open("rb") as lines:
        return [json.loads(line)["payload"] for line in islice(lines, count)]


def bare_parse_cpu(batch: Path, count: int = 5000) -> float:
    """CPU seconds of one hardened lxml parse of a DUIS request of ``batch``."""
    from lxml import etree

    documents = [text.encode() for text in payloads(batch, count)]
    parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False)

    def parse_all() -> int:
        for document in documents:
            etree.fromstring(document, parser)
        return len(documents)

    return best_cpu_per_call(parse_all)


def bare_verify_cpu(batch: Path, certificates: Path, count: int = 2000) -> float:
    """CPU seconds of one ECDSA P-256 verify of the first CS02b command's signature, with the
    originator's key from ``certificates`` (``<EUI>-ds.pem``) built once."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature

    from certcheck.formats.gbcs.frame import parse_frame

    frame = parse_frame(bytes.fromhex(payloads(batch, 1)[0]))
    assert frame.signature is not None
    pem = (certificates / f"{frame.originator.hex().upper()}-ds.pem").read_bytes()
    key = x509.load_pem_x509_certificate(pem).public_key()
    assert isinstance(key, ec.EllipticCurvePublicKey)
    r, s = frame.signature[:32], frame.signature[32:]
    signature = encode_dss_signature(int.from_bytes(r, "big"), int.from_bytes(s, "big"))
    signed, algorithm = frame.signed, ec.ECDSA(hashes.SHA256())
    key.verify(signature, signed, algorithm)  # raises unless the benchmark's input is right

    def verify_all() -> int:
        for _ in range(count):
            key.verify(signature, signed, algorithm)
        return count

    return best_cpu_per_call(verify_all)


@dataclass(frozen=True)
class Ratio:
    """One line of the table: a measured figure beside its target."""

    what: str
    value: float
    unit: str  # "x" for a ratio, "s" for CPU seconds, "MB"
    target: float
    at_most: bool = True
    note: str = ""

    @property
    def met(self) -> bool:
        return self.value <= self.target if self.at_most else self.value >= self.target

    def line(self) -> str:
        figure = f"{self.value:.2f}{self.unit}" if self.unit != "MB" else f"{self.value:.1f} MB"
        bound = "<=" if self.at_most else ">="
        target = f"{self.target:g}{self.unit}" if self.unit != "MB" else f"{self.target:g} MB"
        status = "met" if self.met else "NOT MET"
        text = f"{self.what:<46} {figure:>10}   target {bound} {target:<8} {status}"
        return f"{text}   ({self.note})" if self.note else text


def print_table(ratios: list[Ratio]) -> None:
    print("\nCPU ratios against SPEC.md 'Performance targets' (one run, this machine):")
    for ratio in ratios:
        print(ratio.line(), flush=True)
