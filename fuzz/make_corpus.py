"""Write seed corpora for the atheris targets from certcheck's own demo builders.

    python fuzz/make_corpus.py [DIR]      # default fuzz/corpus; writes DIR/gbcs and DIR/der

Seeds: the demo world's GBCS commands (raw bytes, with and without the MAC header), its
certificates (DER), and a few edge cases (deep nesting, indefinite length, empty content).
"""

from __future__ import annotations

import hashlib
import sys
from pathlib import Path


def _write(directory: Path, data: bytes) -> None:
    directory.mkdir(parents=True, exist_ok=True)
    (directory / hashlib.sha1(data).hexdigest()).write_bytes(data)


def _nested(depth: int) -> bytes:
    """``depth`` SEQUENCEs around a NULL (short-form lengths: keep depth under 60)."""
    data = b"\x05\x00"
    for _ in range(depth):
        data = b"\x30" + bytes([len(data)]) + data
    return data


def main(argv: list[str] | None = None) -> int:
    from certcheck.demo.payloads import render_payloads
    from certcheck.demo.world import build_world
    from certcheck.formats.gbcs.builder import build_frame
    from certcheck.formats.gbcs.frame import parse_frame
    from certcheck.formats.hexb64 import text_to_bytes

    args = sys.argv[1:] if argv is None else argv
    root = Path(args[0] if args else "fuzz/corpus")
    world = build_world(size=10)
    gbcs, der = root / "gbcs", root / "der"
    count = 0
    for payload in render_payloads(world).files:
        if "/gbcs/" not in payload.path:
            continue
        raw = text_to_bytes(payload.content)
        if raw is None:
            continue
        _write(gbcs, raw)
        frame = parse_frame(raw)
        _write(der, frame.content)
        count += 2
    for issued in [*list(world.certs.values())[:12], world.root, world.oca, world.dca]:
        _write(der, issued.der)
        count += 1
    edge = [_nested(40), b"\x30\x80\x05\x00\x00\x00", b"\x30\x84\xff\xff\xff\xff", b"\x30\x00"]
    for data in edge:
        _write(der, data)
        _write(gbcs, build_frame(cra_flag=1, counter=1, originator=bytes(8),
                                 recipient=bytes(8), message_code=0x0103, content=data))
        count += 2
    print(f"wrote {count} seeds under {root}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
