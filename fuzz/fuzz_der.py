"""Coverage-guided fuzzing of certificate decoding and the DER guard with atheris.

    python fuzz/make_corpus.py fuzz/corpus
    python fuzz/fuzz_der.py -max_total_time=3600 fuzz/corpus/der

``decode_certificate`` may raise CertificateError (that is its contract) and ``guard_der``
may raise DerRefused; any other exception, or one escaping ``decode_item``, is a crash.
"""

from __future__ import annotations

import contextlib
import sys

import atheris

with atheris.instrument_imports():
    from contract import check_item  # imports the readers, so inside the instrumentation

    from certcheck.formats.derguard import DerRefused, guard_der
    from certcheck.formats.sniff import decode_item
    from certcheck.smki.certificate import CertificateError, decode_certificate


def TestOneInput(data: bytes) -> None:
    try:
        guard_der(data, 32)
    except DerRefused:
        pass
    else:
        with contextlib.suppress(CertificateError):
            decode_certificate(data)
    check_item(decode_item(data, "fuzz"))


def main() -> None:
    atheris.Setup(sys.argv, TestOneInput)
    atheris.Fuzz()


if __name__ == "__main__":
    main()
