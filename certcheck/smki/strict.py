"""Whether ``cryptography``'s strict X.509 parser accepts a certificate's DER.

SMKI profile checking reports a certificate that parser refuses (:mod:`certcheck.smki.profile`).
Asking it imports ``cryptography.x509`` (about 40 ms of a run's start-up, most of it compiling
one regular expression), so the verdicts on a keystore's certificates are kept in its compiled
form (:mod:`certcheck.audit.keystore_cache`, whose name includes cryptography's version) and
taken from there (:func:`remember`) when an item carries one of them.
"""

from __future__ import annotations

KNOWN_LIMIT = 65_536  # verdicts remembered at most, beyond the keystores of any real run
_KNOWN: dict[bytes, tuple[str, ...]] = {}


def strict_problems(der: bytes) -> tuple[str, ...]:
    """What the strict parser says of ``der``: empty when it accepts it, else one problem."""
    known = _KNOWN.get(der)
    if known is not None:
        return known
    from cryptography import x509

    try:
        x509.load_der_x509_certificate(der)
    except Exception as exc:  # any refusal (ValueError, InvalidVersion, ...) is the finding
        return (f"rejected by strict X.509 parsing: {str(exc).splitlines()[0][:120]}",)
    return ()


def remember(der: bytes, problems: tuple[str, ...]) -> None:
    """Take ``problems`` as :func:`strict_problems`' verdict on ``der`` (given by the same
    version of cryptography) from now on in this process."""
    if len(_KNOWN) < KNOWN_LIMIT or der in _KNOWN:
        _KNOWN[der] = problems
