"""CPU seconds to make a meters.csv ready, in one process (what bench/run.py sets beside
SPEC.md's 4 s target): ``python -m bench.mapping METERS OPERATORS CACHE_DIR`` loads the file as
``verify`` does (with the operators' networks, through the compiled-mapping cache in
CACHE_DIR) and prints the CPU seconds of the load, then the number of meters."""

from __future__ import annotations

import sys
import time
from pathlib import Path


def main(argv: list[str]) -> int:
    meters, operators, cache = argv
    from certcheck.market.meters import MappingCache, load_meters
    from certcheck.market.operators import load_operators

    networks = load_operators(operators).networks()
    started = time.process_time()
    mapping = load_meters(meters, strict=False, networks=networks, cache=MappingCache(Path(cache)))
    print(f"{time.process_time() - started:.3f} {len(mapping)}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
