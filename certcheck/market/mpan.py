"""MPAN parsing and validation (``reference/market.md`` section 1).

An MPAN is written as a 13-digit core (distributor id, unique identifier, check digit) or as a
21-character full MPAN whose 8-character top line carries the profile class, the meter time
switch code and the line loss factor class. Spaces and a leading ``S`` (the box printed on
bills) are ignored; nothing else is (market.md 1.3.3: no "last 13 digits" leniency).

A wrong check digit or an unknown top-line value is a result, not an exception: :func:`parse_mpan`
raises :class:`MpanError` only when the text does not have the shape of an MPAN at all.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache

from certcheck.market.distributors import Distributor, distributor_by_id

# Check-digit weights: the primes from 3 to 43 with 11 left out (market.md 1.2).
CHECK_WEIGHTS: tuple[int, ...] = (3, 5, 7, 13, 17, 19, 23, 29, 31, 37, 41, 43)

# Profile classes 00 (half-hourly) to 08 (market.md 1.1, table "Part").
PROFILE_CLASSES: frozenset[str] = frozenset(f"{n:02d}" for n in range(9))

_CORE = re.compile(r"[0-9]{13}")
_FULL = re.compile(r"([0-9]{2})([0-9]{3})([A-Z0-9]{3})([0-9]{13})")
_SPACES = re.compile(r"\s+")

# Per-position lookup: _PRODUCTS[i][c] is weight i times digit c, for c in "0".."9".
_PRODUCTS: tuple[dict[str, int], ...] = tuple(
    {str(d): d * w for d in range(10)} for w in CHECK_WEIGHTS
)


class MpanError(ValueError):
    """The text does not have the shape of an MPAN (13-digit core or 21-character full MPAN)."""


def check_digit(first12: str) -> int:
    """The check digit of the first 12 core digits: (sum of digit x prime) mod 11 mod 10."""
    if len(first12) != 12 or not first12.isascii() or not first12.isdigit():
        raise MpanError(f"expected 12 digits, got {first12!r}")
    p = _PRODUCTS
    total = (
        p[0][first12[0]]
        + p[1][first12[1]]
        + p[2][first12[2]]
        + p[3][first12[3]]
        + p[4][first12[4]]
        + p[5][first12[5]]
        + p[6][first12[6]]
        + p[7][first12[7]]
        + p[8][first12[8]]
        + p[9][first12[9]]
        + p[10][first12[10]]
        + p[11][first12[11]]
    )
    return total % 11 % 10


# For checking cores in bulk: per position, each digit's weighted value mod 11 as a byte; and
# a sum of twelve such values (at most 120) as the check digit's character.
_WEIGHTED = tuple(
    bytes.maketrans(b"0123456789", bytes(w * d % 11 for d in range(10))) for w in CHECK_WEIGHTS
)
_CHECK_CHARACTER = bytes(48 + total % 11 % 10 for total in range(256))


def cores_check_ok(cores: Sequence[str]) -> bool:
    """True when every core's check digit is right; each core must be 13 ASCII digits.

    All at once: the cores' digits at each position, weighted through a translation table,
    read as one big number (a byte a core) and the twelve numbers added: no byte carries, as
    each sum is at most 120.
    """
    if not cores:
        return True
    digits = "".join(cores).encode("ascii")
    total = sum(
        int.from_bytes(digits[at::13].translate(table), "big") for at, table in enumerate(_WEIGHTED)
    )
    return total.to_bytes(len(cores), "big").translate(_CHECK_CHARACTER) == digits[12::13]


@cache
def check_quads() -> tuple[dict[str, int], dict[str, int], dict[str, int]]:
    """Tables for checking cores in bulk: ``(q0[c[0:4]] + q1[c[4:8]] + q2[c[8:12]]) % 11 % 10``
    is the check digit of core ``c``. Each maps four digits to their weighted sum."""
    tables = []
    for start in (0, 4, 8):
        w0, w1, w2, w3 = CHECK_WEIGHTS[start : start + 4]
        tables.append(
            {
                f"{a}{b}{c}{d}": a * w0 + b * w1 + c * w2 + d * w3
                for a in range(10)
                for b in range(10)
                for c in range(10)
                for d in range(10)
            }
        )
    return tables[0], tables[1], tables[2]


def core_check_ok(core: str) -> bool:
    """True when a 13-digit core's last digit is its check digit (no other validation)."""
    return check_digit(core[:12]) == ord(core[12]) - 48


@dataclass(frozen=True, slots=True)
class Mpan:
    """A parsed MPAN and what is right or wrong with it.

    ``problems`` make the MPAN invalid (check digit, profile class, meter time switch code);
    ``warnings`` do not (an unknown distributor id may be a newly licensed IDNO, market.md 1.3.8).
    """

    text: str
    core: str
    distributor_id: str
    distributor: Distributor | None
    check_expected: int
    check_actual: int
    profile_class: str | None = None
    mtc: str | None = None
    llfc: str | None = None
    problems: tuple[str, ...] = ()
    warnings: tuple[str, ...] = ()

    @property
    def valid(self) -> bool:
        """True when the check digit matches and the top line (if any) is well formed."""
        return not self.problems

    @property
    def check_ok(self) -> bool:
        return self.check_expected == self.check_actual

    @property
    def full(self) -> bool:
        """True when the input carried the 8-character top line."""
        return self.profile_class is not None

    @property
    def top_line(self) -> str | None:
        """``PC MTC LLFC`` as 8 characters, or None for a bare core."""
        if self.profile_class is None:
            return None
        return f"{self.profile_class}{self.mtc}{self.llfc}"


def normalise_mpan_text(text: str) -> str:
    """Remove whitespace and one leading ``S``; upper-case (LLFCs may hold letters)."""
    compact = _SPACES.sub("", text).upper()
    if compact.startswith("S"):
        compact = compact[1:]
    return compact


def looks_like_mpan(text: str) -> bool:
    """True when the text has the shape of an MPAN core or full MPAN."""
    compact = normalise_mpan_text(text)
    return bool(_CORE.fullmatch(compact) or _FULL.fullmatch(compact))


def parse_mpan(text: str) -> Mpan:
    """Parse a 13-digit core or 21-character full MPAN; raise MpanError for any other shape."""
    compact = normalise_mpan_text(text)
    pc = mtc = llfc = None
    problems: list[str] = []
    if _CORE.fullmatch(compact):
        core = compact
    else:
        full = _FULL.fullmatch(compact)
        if full is None:
            raise MpanError(
                f"not an MPAN: {text!r} (expected a 13-digit core, or 21 characters: profile "
                "class 2 digits, meter time switch code 3 digits, line loss factor class "
                "3 letters or digits, then the 13-digit core)"
            )
        pc, mtc, llfc, core = full.groups()
        if pc not in PROFILE_CLASSES:
            problems.append(f"profile class {pc} does not exist (expected 00 to 08)")
        if mtc == "000":
            problems.append("meter time switch code 000 is not valid (expected 001 to 999)")
    expected = check_digit(core[:12])
    actual = ord(core[12]) - 48
    if expected != actual:
        problems.insert(0, f"check digit is {actual}, expected {expected}")
    distributor_id = core[:2]
    distributor = distributor_by_id(distributor_id)
    warnings = () if distributor else (f"unknown distributor id {distributor_id}",)
    return Mpan(
        text=text,
        core=core,
        distributor_id=distributor_id,
        distributor=distributor,
        check_expected=expected,
        check_actual=actual,
        profile_class=pc,
        mtc=mtc,
        llfc=llfc,
        problems=tuple(problems),
        warnings=warnings,
    )
