"""Certificate files: PEM (one or many), DER, base64 of DER, hex of DER."""

from __future__ import annotations

import base64
import binascii
import re

from certcheck.audit.limits import DEFAULT_LIMITS, Limits
from certcheck.audit.model import Item, ItemKind, Placement, Problem
from certcheck.audit.where import at, node
from certcheck.audit.where import offset as at_offset
from certcheck.formats.derguard import DerRefused, guard_der
from certcheck.smki.cache import certificate_from_der
from certcheck.smki.certificate import CertificateError

_PEM_BLOCK = re.compile(rb"-----BEGIN ([A-Z0-9 ]+)-----(.*?)-----END \1-----", re.DOTALL)
PEM_MARKER = b"-----BEGIN "


def pem_blocks(data: bytes) -> list[tuple[int, bytes]]:
    """(byte offset, DER) for every CERTIFICATE block; raise ValueError on a broken body."""
    blocks: list[tuple[int, bytes]] = []
    for match in _PEM_BLOCK.finditer(data):
        if match.group(1) not in (b"CERTIFICATE", b"X509 CERTIFICATE", b"TRUSTED CERTIFICATE"):
            continue
        body = b"".join(match.group(2).split())
        try:
            blocks.append((match.start(), base64.b64decode(body, validate=True)))
        except (binascii.Error, ValueError) as exc:
            raise ValueError(
                f"PEM block at offset 0x{match.start():X} has a broken base64 body"
            ) from exc
    if not blocks:
        if PEM_MARKER in data:
            start = data.index(PEM_MARKER)
            raise ValueError(
                f"PEM block at offset 0x{start:X} is incomplete or holds no certificate"
            )
        raise ValueError("no PEM certificate block")
    return blocks


def decode_certificate_file(
    ders: list[tuple[int, bytes]], source: str, digest: str, limits: Limits = DEFAULT_LIMITS
) -> Item:
    """An item for a file of one or more certificates; undecodable ones become problems."""
    if len(ders) > limits.max_certificates:
        message = (
            f"{len(ders)} certificates in one item exceeds "
            f"max_certificates={limits.max_certificates}"
        )
        offset = ders[limits.max_certificates][0]
        problem = Problem(message, at_offset(offset))
        return Item(source=source, kind=None, digest=digest, problems=(problem,))
    placements: list[Placement] = []
    problems: list[Problem] = []
    for index, (_, der) in enumerate(ders):
        where = node("certificates", index)
        try:
            guard_der(der, limits.max_der_depth)
            cert = certificate_from_der(der)
        except DerRefused as exc:
            message = f"not a DER X.509 certificate: {exc.message}"
            problems.append(Problem(message, at(where, exc.where)))
            continue
        except CertificateError as exc:
            problems.append(Problem(f"{exc}", where))
            continue
        placements.append(Placement(certificate=cert, cell=None, where=where))
    if not placements:
        return Item(source=source, kind=None, digest=digest, problems=tuple(problems))
    return Item(
        source=source,
        kind=ItemKind.CERTIFICATE,
        digest=digest,
        placements=tuple(placements),
        problems=tuple(problems),
    )
