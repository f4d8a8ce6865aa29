"""MPRN (gas Meter Point Reference Number) parsing and its two-digit check.

``reference/market.md`` section 3.1: 6 to 11 digits; the body is every digit but the last two,
weighted n, n-1, ..., 1 from the left (n = number of body digits); the last two digits are the
sum mod 11, zero-padded. The source is secondary, so a failed check is a warning, never an error.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

MPRN_MIN_DIGITS = 6
MPRN_MAX_DIGITS = 11

_MPRN = re.compile(r"[0-9]{6,11}")
_SPACES = re.compile(r"\s+")


class MprnError(ValueError):
    """The text is not 6 to 11 digits."""


def mprn_check_digits(body: str) -> str:
    """The two check digits for an MPRN body (its digits without the last two)."""
    n = len(body)
    total = sum(int(c) * (n - i) for i, c in enumerate(body))
    return f"{total % 11:02d}"


@dataclass(frozen=True, slots=True)
class Mprn:
    """A parsed MPRN; ``check_ok`` False is a warning-level result."""

    text: str
    mprn: str
    check_expected: str
    check_actual: str

    @property
    def check_ok(self) -> bool:
        return self.check_expected == self.check_actual

    @property
    def warnings(self) -> tuple[str, ...]:
        if self.check_ok:
            return ()
        return (f"check digits are {self.check_actual}, expected {self.check_expected}",)


def looks_like_mprn(text: str) -> bool:
    """True when the text (spaces ignored) is 6 to 11 digits."""
    return bool(_MPRN.fullmatch(_SPACES.sub("", text)))


def parse_mprn(text: str) -> Mprn:
    """Parse an MPRN; raise MprnError unless it is 6 to 11 digits (spaces ignored)."""
    digits = _SPACES.sub("", text)
    if not _MPRN.fullmatch(digits):
        raise MprnError(f"not an MPRN: {text!r} (expected 6 to 11 digits)")
    return Mprn(
        text=text,
        mprn=digits,
        check_expected=mprn_check_digits(digits[:-2]),
        check_actual=digits[-2:],
    )
