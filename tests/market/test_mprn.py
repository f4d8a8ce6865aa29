"""MPRN check digits (reference/market.md section 3.1)."""

from __future__ import annotations

import pytest

from certcheck.market.mprn import MprnError, looks_like_mprn, mprn_check_digits, parse_mprn


def test_worked_example_weights_n_to_1() -> None:
    # 39384244 weighted 8..1: 24+63+18+40+16+6+8+4 = 179; 179 mod 11 = 3.
    assert mprn_check_digits("39384244") == "03"
    result = parse_mprn("3938424403")
    assert result.check_ok and result.warnings == ()


@pytest.mark.parametrize("text", ["10903408", "8815177407", "39 3842 4403"])
def test_public_mprns_of_several_lengths_pass(text: str) -> None:
    assert parse_mprn(text).check_ok


@pytest.mark.parametrize(("text", "expected"), [("1000999888", "09"), ("1234567890", "10")])
def test_dummy_mprns_fail_as_a_warning_not_an_exception(text: str, expected: str) -> None:
    result = parse_mprn(text)
    assert not result.check_ok
    assert result.check_expected == expected
    assert result.warnings == (f"check digits are {text[-2:]}, expected {expected}",)


def test_check_pair_is_always_00_to_10() -> None:
    for n in range(100000, 10**7, 9_973):
        assert 0 <= int(mprn_check_digits(str(n))) <= 10


@pytest.mark.parametrize("text", ["12345", "123456789012", "12345a", "", "12-3456"])
def test_not_6_to_11_digits_raises(text: str) -> None:
    assert not looks_like_mprn(text)
    with pytest.raises(MprnError):
        parse_mprn(text)
