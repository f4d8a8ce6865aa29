"""Whether ``cryptography``'s strict X.509 parser accepts a certificate's DER.

SMKI profile checking reports a certificate that parser refuses (:mod:`certcheck.smki.profile`).
Asking it imports ``cryptography.x509`` (about 50 ms of a run's start-up, most of it compiling
one regular expression), so verdicts given before are taken instead where there are any:

- on a keystore's certificates, kept in its compiled form (:mod:`certcheck.audit.keystore_cache`,
  whose name includes cryptography's version), remembered by DER (:func:`remember`);
- on the other certificates earlier runs saw in items, kept by the SHA-256 of their DER
  (:mod:`certcheck.audit.verdict_cache`), learnt at start-up (:func:`learn`); the verdicts this
  process works out itself are :func:`found` for the next run.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

KNOWN_LIMIT = 65_536  # verdicts remembered at most, beyond the keystores of any real run
FOUND_LIMIT = 4096  # verdicts worked out here that are kept for the next run, at most
Verdict = tuple[str, ...]
_KNOWN: dict[bytes, Verdict] = {}  # by DER
_LEARNT: dict[str, Verdict] = {}  # by the DER's SHA-256 (hex): given by earlier runs
_FOUND: dict[str, Verdict] = {}  # by the DER's SHA-256 (hex): worked out by this process


def strict_problems(der: bytes, sha256: str) -> Verdict:
    """What the strict parser says of ``der``, whose SHA-256 is ``sha256`` (hex, as a decoded
    certificate carries it): empty when it accepts it, else one problem."""
    known = _KNOWN.get(der)
    if known is not None:
        return known
    known = _LEARNT.get(sha256)
    if known is None:
        known = judge(der)
        if len(_FOUND) < FOUND_LIMIT:
            _FOUND[sha256] = known
    return known  # asked again, profile_problems' cache answers


def judge(der: bytes) -> Verdict:
    """The strict parser's own verdict on ``der`` (nothing remembered)."""
    from cryptography import x509

    try:
        x509.load_der_x509_certificate(der)
    except Exception as exc:  # any refusal (ValueError, InvalidVersion, ...) is the finding
        return (f"rejected by strict X.509 parsing: {str(exc).splitlines()[0][:120]}",)
    return ()


def remember(der: bytes, problems: Verdict) -> None:
    """Take ``problems`` as :func:`strict_problems`' verdict on ``der`` (given by the same
    version of cryptography) from now on in this process."""
    if len(_KNOWN) < KNOWN_LIMIT or der in _KNOWN:
        _KNOWN[der] = problems


def learn(verdicts: Mapping[str, Verdict]) -> None:
    """Take verdicts given by the same version of cryptography, by the DER's SHA-256 (hex)."""
    room = KNOWN_LIMIT - len(_LEARNT)
    for digest, problems in verdicts.items():
        if room <= 0:
            break
        if digest not in _LEARNT:
            _LEARNT[digest] = problems
            room -= 1


def found() -> dict[str, Verdict]:
    """The verdicts this process worked out (or :func:`adopt`-ed), by the DER's SHA-256 (hex)."""
    return dict(_FOUND)


def found_count() -> int:
    """How many verdicts this process has worked out so far."""
    return len(_FOUND)


def found_since(count: int) -> list[tuple[str, Verdict]]:
    """The verdicts worked out after the first ``count`` (in the order they were)."""
    if len(_FOUND) <= count:
        return []
    return list(_FOUND.items())[count:]


def adopt(verdicts: Iterable[tuple[str, Verdict]]) -> None:
    """Take verdicts another process (a worker) worked out as :func:`found` here."""
    for digest, problems in verdicts:
        if len(_FOUND) >= FOUND_LIMIT:
            return
        _FOUND.setdefault(digest, problems)


def learnt() -> dict[str, Verdict]:
    """The verdicts :func:`learn` was given."""
    return dict(_LEARNT)
