"""Coverage-guided fuzzing of the GBCS reader (and the item decoder) with atheris.

    python fuzz/make_corpus.py fuzz/corpus
    python fuzz/fuzz_gbcs.py -max_total_time=3600 fuzz/corpus/gbcs

Any exception escaping the readers is a crash: atheris stops and writes the input to
``crash-<sha1>``; re-run one input with ``python fuzz/fuzz_gbcs.py crash-<sha1>``.
"""

from __future__ import annotations

import sys

import atheris

with atheris.instrument_imports():
    from contract import check_item  # imports the readers, so inside the instrumentation

    from certcheck.formats.gbcs.reader import decode_gbcs
    from certcheck.formats.sniff import decode_item


def TestOneInput(data: bytes) -> None:
    check_item(decode_gbcs(data, "fuzz"))
    check_item(decode_item(data, "fuzz"))


def main() -> None:
    atheris.Setup(sys.argv, TestOneInput)
    atheris.Fuzz()


if __name__ == "__main__":
    main()
