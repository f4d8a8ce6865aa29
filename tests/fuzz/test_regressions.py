"""Inputs that once made a reader raise instead of reporting a Problem (found by fuzzing)."""

from __future__ import annotations

import base64
import re
from pathlib import Path

import pytest

from certcheck.formats.duis import decode_duis
from certcheck.formats.sniff import decode_item
from certcheck.smki.certificate import CertificateError, decode_certificate

# fuzz/fuzz_der.py, atheris: a demo certificate whose signatureAlgorithm OID became an OCTET
# STRING. decode_certificate parsed that field lazily, outside its error handling, and raised
# ValueError instead of CertificateError: a DER item was "could not decode: ValueError" with
# no offset, a DUIS element was misreported as bad base64, and a GBCS message carrying it
# became unreadable as a whole.
BAD_SIGNATURE_ALGORITHM = bytes.fromhex(
    "308201973082013ea00302010202100d110c703b0b9c8b4ec47036b820353d080a3048862a06ce3d04030230"
    "20310b3009060355040b130230373111300f0603550403130844454d4f204f4341301e170d32353039303130"
    "30303030305a170d3335303930313233353935395a3021310b3009060355040b0c0230333112301006035504"
    "2d03090090b3d51fd00302003059301306072a8648ce3d020106082a8648ce3d030107034200041b518550da"
    "1f0fef2645a5b59c6e0bbcac57e30a77dde3416ee09b68d847a476a56669e3c3b0d0bcb0d079babcd75819bf"
    "6f9579024cd2e04ccd5a788baa0dd8a3593057300e0603551d0f0101ff04040302078030110603551d0e040a"
    "04084014a4c435189abb301d0603551d200101ff04133011250f060d2a863a0001848fb90f01020104301306"
    "03551d23040c300a8027084383a8974b8eb7300a04082a8648ce3d040302034700304402201080787161bc48"
    "23b60c58192b4abba4b226b185a78ed3d9c3130ea2cc481ba40220535cedc18f8c7beb4cf807b19dd520e55f"
    "9858e4c95e9f7fc69b899251d41c58"
)


def test_bad_signature_algorithm_is_a_certificate_error() -> None:
    with pytest.raises(CertificateError, match=r"not a DER X\.509 certificate"):
        decode_certificate(BAD_SIGNATURE_ALGORITHM)


def test_bad_signature_algorithm_item_names_the_certificate() -> None:
    item = decode_item(BAD_SIGNATURE_ALGORITHM, "bad.der")
    assert item.kind is None
    (problem,) = item.problems
    assert problem.message.startswith("not a DER X.509 certificate")
    assert problem.where == "certificates[0]"


def test_bad_signature_algorithm_inside_duis_is_one_certificate_problem(fuzz_world) -> None:
    xml = next(p for p in fuzz_world.payloads if p.startswith(b"<?xml")).decode()
    element = "DigitalSigningCertificate"
    encoded = base64.b64encode(BAD_SIGNATURE_ALGORITHM).decode()
    broken = re.sub(
        rf"(<sr:{element}>)[^<]+(</sr:{element}>)", rf"\g<1>{encoded}\g<2>", xml, count=1
    )
    assert broken != xml
    item = decode_duis(broken.encode(), "bad.xml")
    assert item.kind is not None
    (problem,) = item.problems
    assert "not an X.509 certificate" in problem.message
    assert "base64" not in problem.message
    assert problem.where is not None and problem.where.endswith(element)


# fuzz/fuzz_gbcs.py, atheris: a demo CS02b command (crashes/gbcs-subject-not-utf8.bin) whose
# second replacement certificate has a subject UTF8String that is not UTF-8. Reading the
# subject fields raised UnicodeDecodeError outside decode_certificate's error handling, so
# the whole GBCS message was "unexpected UnicodeDecodeError" instead of one certificate problem.
CRASHES = Path(__file__).parent / "crashes"


def test_subject_not_utf8_is_one_certificate_problem_in_gbcs() -> None:
    item = decode_item((CRASHES / "gbcs-subject-not-utf8.bin").read_bytes(), "bad.gbcs")
    assert item.kind is not None and item.kind.value == "gbcs-command"
    problems = {problem.where: problem.message for problem in item.problems}
    assert "subject: 'utf-8' codec can't decode" in problems["replacements[1]"]
    assert not any("unexpected" in message for message in problems.values())
    assert len(item.placements) == 1


# fuzz/fuzz_gbcs.py, atheris: a CS02b command (crashes/gbcs-replacement-not-der.bin) whose
# newTrustAnchor (an ASN.1 ANY) holds universal tag 0. The reader's ``.dump()`` of the ANY
# re-parsed it and raised ValueError, making the whole message "unexpected ValueError"; the
# bytes now go to the certificate decoder, which reports them per replacement.
def test_replacement_that_is_not_der_is_one_certificate_problem() -> None:
    item = decode_item((CRASHES / "gbcs-replacement-not-der.bin").read_bytes(), "bad.gbcs")
    assert item.kind is not None and item.kind.value == "gbcs-command"
    wheres = [problem.where for problem in item.problems]
    assert "replacements[0]" in wheres
    assert all(p.message.startswith("certificate could not be decoded") for p in item.problems)


# fuzz/fuzz_gbcs.py, atheris: a CS02b command (crashes/gbcs-unnamed-key-usage-bit.bin) whose
# target cell's keyUsage sets a bit without a name. asn1crypto gives such a bit as an int
# beside the named ones (str), and sorting them raised TypeError: the whole message was
# "unexpected TypeError". Unnamed bits are now ``bitN``.
def test_unnamed_key_usage_bit_does_not_stop_the_message() -> None:
    item = decode_item((CRASHES / "gbcs-unnamed-key-usage-bit.bin").read_bytes(), "bad.gbcs")
    assert item.kind is not None and item.kind.value == "gbcs-command"
    assert not any(problem.defect for problem in item.problems)


def test_certificate_with_an_unknown_x509_version_is_a_profile_problem() -> None:
    """cryptography raises InvalidVersion (not a ValueError) for version 18; found by fuzzing."""
    from certcheck.smki.certificate import decode_certificate
    from certcheck.smki.profile import profile_problems

    der = _organisation_der()
    marker = bytes.fromhex("a003020102")
    assert marker in der
    mutated = der.replace(marker, bytes.fromhex("a003020112"), 1)
    cert = decode_certificate(mutated)
    problems = profile_problems(cert)
    assert any("version" in p for p in problems), problems
    assert any("rejected by strict X.509 parsing" in p for p in problems), problems


def _organisation_der() -> bytes:
    import base64

    from tests.conftest import FIXTURES

    pem = next((FIXTURES / "world" / "pki" / "orgs").glob("*-ds.pem")).read_text()
    body = "".join(line for line in pem.splitlines() if not line.startswith("-----"))
    return base64.b64decode(body)


# Issue 13: a GBCS Issue Security Credentials response whose content is a universal type that
# asn1crypto parses but cannot give a ``native`` value for (ObjectDescriptor 7, InstanceOf 8,
# Real 9) raised AttributeError inside the reader: the reader's catch-all hid it as bad input.
@pytest.mark.parametrize("tag", [7, 8, 9])
def test_gbcs_content_of_a_universal_type_without_a_native_value(tag: int) -> None:
    from fuzz.contract import check_item

    data = bytes.fromhex(
        f"df090200000000000000000800000000000000000800000000000000000002000a02{tag:02x}00"
    )
    item = decode_item(data, "x.hex")
    check_item(item)
    assert item.kind is not None and item.kind.value == "gbcs-response"
    assert item.message_code == "0x000a"


def test_a_reader_defect_is_told_apart_from_bad_input_by_type(monkeypatch) -> None:
    """An exception no reader expects is flagged ``defect`` (fuzzing fails on it); malformed
    input never is, whatever its message says."""
    from certcheck.formats.gbcs import reader

    def broken(*args, **kwargs):  # type: ignore[no-untyped-def]
        raise AttributeError("planted defect: bad input")

    item = decode_item(b"\xdf\x09" + bytes(40), "cut.gbcs")
    assert item.problems and not any(p.defect for p in item.problems)
    monkeypatch.setattr(reader, "_decode", broken)
    item = decode_item(b"\xdf\x09" + bytes(40), "cut.gbcs")
    (problem,) = item.problems
    assert problem.defect
    assert "AttributeError: planted defect" in problem.message


# fuzz/fuzz_gbcs.py, atheris, once the catch-alls flagged defects (issue 13): a certificate
# whose EC public key has no parameters left a Void where the curve choice was read, and the
# AttributeError had been hidden as "not a DER X.509 certificate". The key has no curve now,
# which the profile check reports.
def test_an_ec_key_without_parameters_is_read_without_a_defect() -> None:
    from fuzz.contract import check_item

    data = (CRASHES / "gbcs-ec-key-without-parameters.bin").read_bytes()
    check_item(decode_item(data, "bad.gbcs"))
