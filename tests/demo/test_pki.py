"""The demonstration PKI: deterministic, and every certificate follows the SMKI profile."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime

import pytest
from asn1crypto import core
from asn1crypto import x509 as ax509
from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec

from certcheck.demo import pki
from certcheck.demo.world import DS, KA, build_world
from certcheck.smki.certificate import decode_certificate
from certcheck.smki.roles import DEVICE_HW_TYPE

OID_ECDSA_SHA256 = "1.2.840.10045.4.3.2"
OID_P256 = "1.2.840.10045.3.1.7"
# DER of AlgorithmIdentifier{ecdsa-with-SHA256} with the parameters absent (RFC 5758 3.2).
ECDSA_SHA256_ALG_DER = bytes.fromhex("300a06082a8648ce3d040302")


@pytest.fixture(scope="module")
def world():
    return build_world("pki-test", 20)


def _ext(cert: ax509.Certificate, oid: str):
    for ext in cert["tbs_certificate"]["extensions"]:
        if ext["extn_id"].dotted == oid:
            return ext
    return None


def _method2(point: bytes) -> bytes:
    low = hashlib.sha1(point).digest()[-8:]
    return bytes([0x40 | (low[0] & 0x0F)]) + low[1:]


def test_same_seed_gives_identical_certificates_and_another_seed_does_not():
    a, b, c = build_world("s1", 12), build_world("s1", 12), build_world("s2", 12)
    assert [x.der for x in a.certs.values()] == [x.der for x in b.certs.values()]
    assert a.root.der == b.root.der and a.oca.der == b.oca.der
    assert a.certs[("LOND", DS)].der != c.certs[("LOND", DS)].der


def test_derived_key_is_sha256_of_seed_and_label_mod_n():
    key = pki.derive_private_key("seed", "label")
    digest = hashlib.sha256(b"seed\x00label").digest()
    assert key.private_numbers().private_value == int.from_bytes(digest, "big") % pki.P256_ORDER


def test_every_organisation_certificate_decodes_to_what_it_was_made_with(world):
    for (handle, tag), issued in world.certs.items():
        org = world.orgs[handle]
        cert = decode_certificate(issued.der)
        assert cert.kind == "organisation"
        assert cert.entity_id == org.eui
        assert cert.role == org.role
        assert cert.key_usage == (("digitalSignature",) if tag == DS else ("keyAgreement",))
        assert int(cert.serial, 16) == issued.certificate.serial_number
        assert len(issued.certificate.serial_number.to_bytes(16, "big")) == 16
        assert cert.not_before == datetime(2025, 9, 1, tzinfo=UTC)
        assert cert.not_after == datetime(2035, 9, 1, 23, 59, 59, tzinfo=UTC)
        assert cert.common_name == org.common_name
        assert cert.problems == ()
        assert cert.authority_key_id == world.oca.key_id.hex().upper()


def test_organisation_certificates_follow_the_smki_profile_byte_for_byte(world):
    oca_key = world.oca.certificate.public_key()
    oca_ski = _ext(ax509.Certificate.load(world.oca.der), "2.5.29.14")["extn_value"].parsed
    for (handle, tag), issued in world.certs.items():
        der = issued.der
        cert = ax509.Certificate.load(der)
        tbs = cert["tbs_certificate"]
        # ecdsa-with-SHA256, parameters absent, in both places.
        assert cert["signature_algorithm"].dump() == ECDSA_SHA256_ALG_DER
        assert tbs["signature"].dump() == ECDSA_SHA256_ALG_DER
        # P-256, uncompressed point.
        spki = tbs["subject_public_key_info"]
        assert spki["algorithm"]["parameters"].chosen.dotted == OID_P256
        point = spki["public_key"].contents[1:]
        assert len(point) == 65 and point[0] == 4
        # Subject: [CN], OU (UTF8String, two upper-case hex digits), x500UniqueIdentifier.
        rdns = [rdn[0] for rdn in tbs["subject"].chosen]
        oids = [a["type"].dotted for a in rdns]
        expected = ["2.5.4.11", "2.5.4.45"]
        if world.orgs[handle].common_name:
            expected.insert(0, "2.5.4.3")
        assert oids == expected
        ou = next(a for a in rdns if a["type"].dotted == "2.5.4.11")
        assert ou["value"].dump() == b"\x0c\x02" + f"{world.orgs[handle].role:02X}".encode()
        uid = next(a for a in rdns if a["type"].dotted == "2.5.4.45")
        assert uid["value"].dump() == b"\x03\x09\x00" + world.orgs[handle].entity_id
        # keyUsage critical, exactly one of digitalSignature / keyAgreement.
        ku = _ext(cert, "2.5.29.15")
        assert ku["critical"].native is True
        assert ku["extn_value"].parsed.native == (
            {"digital_signature"} if tag == DS else {"key_agreement"}
        )
        # SKI non-critical, 8 bytes, method 2.
        ski = _ext(cert, "2.5.29.14")
        assert ski["critical"].native is False
        assert ski["extn_value"].parsed.native == _method2(point)
        # AKI non-critical, key identifier only, equal to the issuer's SKI.
        aki = _ext(cert, "2.5.29.35")
        assert aki["critical"].native is False
        value = aki["extn_value"].parsed
        assert value["key_identifier"].native == oca_ski.native
        assert value["authority_cert_issuer"].native is None
        assert value["authority_cert_serial_number"].native is None
        # One critical certificate policy; no SAN, no basicConstraints.
        policies = _ext(cert, "2.5.29.32")
        assert policies["critical"].native is True and len(policies["extn_value"].parsed) == 1
        assert _ext(cert, "2.5.29.17") is None and _ext(cert, "2.5.29.19") is None
        # The OCA's key verifies the signature.
        oca_key.verify(
            cert["signature_value"].native, tbs.dump(), ec.ECDSA(hashes.SHA256())
        )


def test_untrusted_certificates_do_not_verify_with_the_trusted_oca(world):
    from cryptography.exceptions import InvalidSignature

    issued = world.untrusted_certs[("LOND", KA)]
    cert = issued.certificate
    with pytest.raises(InvalidSignature):
        world.oca.certificate.public_key().verify(
            cert.signature, cert.tbs_certificate_bytes, ec.ECDSA(hashes.SHA256())
        )
    assert decode_certificate(issued.der).entity_id == world.orgs["LOND"].eui


def test_oca_is_a_critical_path_length_zero_ca_under_the_root(world):
    oca = world.oca.certificate
    bc = oca.extensions.get_extension_for_class(x509.BasicConstraints)
    assert bc.critical and bc.value.ca and bc.value.path_length == 0
    ku = oca.extensions.get_extension_for_class(x509.KeyUsage)
    assert ku.critical and ku.value.key_cert_sign and ku.value.crl_sign
    assert oca.extensions.get_extension_for_class(x509.CertificatePolicies).critical
    assert decode_certificate(world.oca.der).subject == "OU=07,CN=DEMO OCA"
    assert decode_certificate(world.root.der).subject == "OU=00,CN=DEMO ROOT"
    world.root.certificate.public_key().verify(
        oca.signature, oca.tbs_certificate_bytes, ec.ECDSA(hashes.SHA256())
    )


def test_device_certificates_have_empty_subject_and_critical_hardware_module_name(world):
    assert world.device_certs
    for (device, tag), issued in world.device_certs.items():
        cert = ax509.Certificate.load(issued.der)
        tbs = cert["tbs_certificate"]
        assert tbs["subject"].dump() == b"\x30\x00"
        assert tbs["validity"]["not_after"].chosen.dump()[2:] == b"99991231235959Z"
        san = _ext(cert, "2.5.29.17")
        assert san["critical"].native is True
        other = san["extn_value"].parsed[0].chosen
        assert other["type_id"].dotted == "1.3.6.1.5.5.7.8.4"
        # HardwareModuleName SEQUENCE contents: hwType OID, then hwSerialNum OCTET STRING.
        hmn = other["value"].contents
        hw_type = core.ObjectIdentifier(DEVICE_HW_TYPE).dump()
        assert hmn == hw_type + b"\x04\x08" + device
        decoded = decode_certificate(issued.der)
        assert decoded.kind == "device"
        assert decoded.key_usage == (("digitalSignature",) if tag == DS else ("keyAgreement",))
