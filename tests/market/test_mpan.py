"""MPAN parsing and the check-digit algorithm (reference/market.md section 1)."""

from __future__ import annotations

import random

import pytest

from certcheck.market.mpan import (
    CHECK_WEIGHTS,
    MpanError,
    check_digit,
    core_check_ok,
    cores_check_ok,
    looks_like_mpan,
    parse_mpan,
)

# Check-valid cores computed by hand with the weights 3..43 (11 left out): (core, S, S mod 11).
# They are certcheck's own worked examples, not taken from any published list.
OWN_VALID_CORES = (
    ("1200000000002", 13, 2),  # 1x3 + 2x5
    ("2300000000000", 21, 10),  # 2x3 + 3x5 = 21, remainder 10 -> check digit 0
    ("1400000000020", 109, 10),  # 3 + 20 + 2x43 = 109 = 9x11 + 10 -> 0
    ("1900000000101", 89, 1),  # 3 + 45 + 41
    ("1000000000012", 46, 2),  # 3 + 43
    ("2400000000004", 26, 4),
    ("1700000000005", 38, 5),
    ("2000000000033", 135, 3),  # 6 + 3x43
    ("3812345678905", 1380, 5),
)


def _slow_check(first12: str) -> int:
    return sum(int(d) * w for d, w in zip(first12, CHECK_WEIGHTS, strict=True)) % 11 % 10


def test_weights_are_the_primes_3_to_43_without_11() -> None:
    assert CHECK_WEIGHTS == (3, 5, 7, 13, 17, 19, 23, 29, 31, 37, 41, 43)


def test_worked_example_of_market_md() -> None:
    # 2000024512368: S = 767, 767 mod 11 = 8.
    assert check_digit("200002451236") == 8


def test_remainder_ten_gives_check_digit_zero() -> None:
    # 1892941794350: S = 1352, 1352 mod 11 = 10 -> 0.
    assert sum(int(d) * w for d, w in zip("189294179435", CHECK_WEIGHTS, strict=True)) == 1352
    assert check_digit("189294179435") == 0


@pytest.mark.parametrize(("core", "total", "remainder"), OWN_VALID_CORES)
def test_project_computed_cores_are_valid(core: str, total: int, remainder: int) -> None:
    assert sum(int(d) * w for d, w in zip(core[:12], CHECK_WEIGHTS, strict=True)) == total
    assert total % 11 == remainder
    assert check_digit(core[:12]) == remainder % 10 == int(core[12])
    result = parse_mpan(core)
    assert result.valid and result.check_ok and result.problems == ()


def test_all_zero_body_needs_check_digit_zero_only_when_the_sum_says_so() -> None:
    # 1 x 3 = 3, so 100000000000 takes check digit 3, not 0.
    assert check_digit("100000000000") == 3
    assert not parse_mpan("1000000000000").valid


def test_fast_check_agrees_with_the_plain_formula() -> None:
    for n in range(0, 10**12, 7_919_999_999):
        first12 = f"{n:012d}"
        assert check_digit(first12) == _slow_check(first12)


def test_every_wrong_last_digit_is_rejected() -> None:
    for last in "0123456789":
        core = "200002451236" + last
        assert core_check_ok(core) is (last == "8")
        assert parse_mpan(core).valid is (last == "8")


def test_bad_check_digit_is_a_result_with_a_reason() -> None:
    result = parse_mpan("2040015001165")
    assert not result.valid
    assert (result.check_expected, result.check_actual) == (9, 5)
    assert result.problems == ("check digit is 5, expected 9",)
    assert result.distributor is not None and result.distributor.mpid == "SOUT"


def test_unknown_distributor_is_a_warning_distinct_from_the_check_digit() -> None:
    # 86 + a correct check digit: valid, but the distributor is unknown.
    first12 = "869999999999"
    core = first12 + str(check_digit(first12))
    result = parse_mpan(core)
    assert result.valid
    assert result.distributor is None
    assert result.distributor_id == "86"
    assert result.warnings == ("unknown distributor id 86",)


def test_full_mpan_splits_the_top_line() -> None:
    result = parse_mpan("02116MEB2830997098859")
    assert (result.profile_class, result.mtc, result.llfc) == ("02", "116", "MEB")
    assert result.core == "2830997098859"
    assert result.full and result.top_line == "02116MEB"
    assert result.valid


@pytest.mark.parametrize(
    "text",
    [
        "S 00 111 222 1312345678907",
        "s001112221312345678907",
        " 13 1234 5678 907 ",
        "S1312345678907",
    ],
)
def test_spaces_and_a_leading_s_are_ignored(text: str) -> None:
    result = parse_mpan(text)
    assert result.core == "1312345678907" and result.valid
    assert result.text == text


def test_lower_case_llfc_is_accepted_and_upper_cased() -> None:
    assert parse_mpan("069238i51470116845051").llfc == "8I5"


def test_top_line_problems_make_the_mpan_invalid() -> None:
    assert parse_mpan("991112221312345678907").problems == (
        "profile class 99 does not exist (expected 00 to 08)",
    )
    assert parse_mpan("000002221312345678907").problems == (
        "meter time switch code 000 is not valid (expected 001 to 999)",
    )


@pytest.mark.parametrize(
    "text",
    [
        "",
        "131234567890",  # 12 digits
        "92040015001169",  # 14 digits: no "last 13 digits" leniency (market.md 1.3.3)
        "992040015001169",
        "13-1234-5678-907",
        "00A112221312345678907",  # letter in the MTC
        "0A1112221312345678907",  # letter in the profile class
        "00111222131234567890X",
        "SS1312345678907",
        "１３１２３４５６７８９０７",  # full-width digits
    ],
)
def test_other_shapes_raise(text: str) -> None:
    assert not looks_like_mpan(text)
    with pytest.raises(MpanError):
        parse_mpan(text)


def test_check_digit_rejects_a_wrong_length() -> None:
    with pytest.raises(MpanError):
        check_digit("12345")


def test_cores_checked_in_bulk_agree_with_one_by_one() -> None:
    rng = random.Random(12)
    cores = []
    for _ in range(3000):
        first12 = f"{rng.randrange(10**12):012d}"
        cores.append(first12 + str(check_digit(first12)))
    assert cores_check_ok(cores) and cores_check_ok([]) and cores_check_ok(cores[:1])
    assert cores_check_ok(["9" * 12 + str(check_digit("9" * 12))])  # the largest sums
    for at in (0, 1, 1234, 2999):
        for position in (0, 5, 11, 12):
            wrong = list(cores)
            digit = int(wrong[at][position])
            wrong[at] = wrong[at][:position] + str((digit + 1) % 10) + wrong[at][position + 1 :]
            assert cores_check_ok(wrong) == all(core_check_ok(core) for core in wrong)
