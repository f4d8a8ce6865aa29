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
    from certcheck.audit.model import Item
    from certcheck.formats.gbcs.reader import decode_gbcs
    from certcheck.formats.sniff import decode_item, is_reader_defect



def TestOneInput(data: bytes) -> None:
    for item in (decode_gbcs(data, "fuzz"), decode_item(data, "fuzz")):
        if not isinstance(item, Item):
            raise AssertionError(f"not an Item: {item!r}")
        if item.kind is None and not item.problems:
            raise AssertionError("unreadable item without a problem")
        for problem in item.problems:  # the readers' catch-alls: a defect, not bad input
            if is_reader_defect(problem):
                raise AssertionError(f"reader defect: {problem}")


def main() -> None:
    atheris.Setup(sys.argv, TestOneInput)
    atheris.Fuzz()


if __name__ == "__main__":
    main()
