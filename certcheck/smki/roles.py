"""SMKI remote party roles, key usages, cell usages and object identifiers.

The single home of these domain constants. Sources:
- GBCS v1 section 12 and the RTDS test data, via ``reference/smki.md`` section 2
  (remote party role codes, subject OU as two hex digits);
- DUIS Schema V5.4 simpleType ``RemotePartyRole`` (the DUIS role names), via
  ``reference/smki.md`` section 2 and ``reference/payloads.md`` section 1.3;
- RFC 5280 / RFC 4108 / RFC 5480 / X.520 for the object identifiers.
"""

from __future__ import annotations

from enum import IntEnum


class RemotePartyRole(IntEnum):
    """Remote party role codes (GBCS RemotePartyRole; subject OU in hex)."""

    ROOT = 0
    RECOVERY = 1
    SUPPLIER = 2
    NETWORK_OPERATOR = 3
    ACCESS_CONTROL_BROKER = 4
    TRANSITIONAL_COS = 5
    WAN_PROVIDER = 6
    ISSUING_AUTHORITY = 7
    LOAD_CONTROLLER = 8
    OTHER = 127
    XML_SIGN = 135
    DSP_XML_SIGN = 137


ROLE_NAMES: dict[int, str] = {
    0: "root",
    1: "recovery",
    2: "supplier",
    3: "networkOperator",
    4: "accessControlBroker",
    5: "transitionalCoS",
    6: "wanProvider",
    7: "issuingAuthority",
    8: "loadController",
    127: "other",
    135: "xmlSign",
    137: "dspXmlSign",
}

# DUIS XSD enumeration value -> role code (DUIS Schema V5.4, simpleType RemotePartyRole).
DUIS_ROLE_CODES: dict[str, int] = {
    "Root": 0,
    "Recovery": 1,
    "Supplier": 2,
    "NetworkOperator": 3,
    "ACB": 4,
    "TransCoS": 5,
    "LoadController": 8,
}


def role_name(code: int | None) -> str | None:
    """Human name of a remote party role code, ``role<N>`` when unknown."""
    if code is None:
        return None
    return ROLE_NAMES.get(code, f"role{code}")


# RFC 5280 section 4.2.1.3 KeyUsage bit names, in bit order (bit 0 first).
KEY_USAGE_BITS: tuple[str, ...] = (
    "digitalSignature",
    "nonRepudiation",
    "keyEncipherment",
    "dataEncipherment",
    "keyAgreement",
    "keyCertSign",
    "cRLSign",
    "encipherOnly",
    "decipherOnly",
)
# The key usages of trust-anchor cells and certificates.
DIGITAL_SIGNATURE = KEY_USAGE_BITS[0]
KEY_AGREEMENT = KEY_USAGE_BITS[4]
KEY_CERT_SIGN = KEY_USAGE_BITS[5]

# Cell usages (GBCS TrustAnchorCellIdentifier.cellUsage; payloads.md section 2.4).
CELL_MANAGEMENT = "management"
CELL_PREPAYMENT_TOP_UP = "prepaymentTopUp"
CELL_USAGES: dict[int, str] = {0: CELL_MANAGEMENT, 1: CELL_PREPAYMENT_TOP_UP}


# Object identifiers as dotted strings, namespaced as ``cryptography.x509.oid`` names them
# (smki.md sections 1.2, 1.3 and 3.1; RFC 5280, RFC 5480, RFC 4108, X.520).
class NameOID:
    """Name attribute types found in SMKI subjects and issuers (X.520)."""

    COMMON_NAME = "2.5.4.3"
    COUNTRY_NAME = "2.5.4.6"
    ORGANIZATION_NAME = "2.5.4.10"
    ORGANIZATIONAL_UNIT_NAME = "2.5.4.11"
    X500_UNIQUE_IDENTIFIER = "2.5.4.45"


# Short labels of name attributes in subject and issuer text (RFC 4514 where it has one).
NAME_LABELS: dict[str, str] = {
    NameOID.COMMON_NAME: "CN",
    NameOID.ORGANIZATIONAL_UNIT_NAME: "OU",
    NameOID.ORGANIZATION_NAME: "O",
    NameOID.COUNTRY_NAME: "C",
    NameOID.X500_UNIQUE_IDENTIFIER: "x500UniqueIdentifier",
}


class ExtensionOID:
    """Certificate extensions of the SMKI profiles (RFC 5280 section 4.2)."""

    SUBJECT_KEY_IDENTIFIER = "2.5.29.14"
    KEY_USAGE = "2.5.29.15"
    SUBJECT_ALTERNATIVE_NAME = "2.5.29.17"
    BASIC_CONSTRAINTS = "2.5.29.19"
    CERTIFICATE_POLICIES = "2.5.29.32"
    AUTHORITY_KEY_IDENTIFIER = "2.5.29.35"


class SignatureAlgorithmOID:
    ECDSA_WITH_SHA256 = "1.2.840.10045.4.3.2"


class PublicKeyAlgorithmOID:
    EC_PUBLIC_KEY = "1.2.840.10045.2.1"


class EllipticCurveOID:
    SECP256R1 = "1.2.840.10045.3.1.7"  # NIST P-256


class OtherNameFormOID:
    HARDWARE_MODULE_NAME = "1.3.6.1.5.5.7.8.4"  # RFC 4108 id-on-hardwareModuleName


class CertificatePoliciesOID:
    """Test-environment certificate policies (smki.md section 1.2), used by the demo PKI."""

    TEST_ORGANISATION = "1.2.826.0.1.8641679.1.2.1.4"  # ZAZ1 organisation PKI
    TEST_DEVICE = "1.2.826.0.1.1800000.1.2.1.4"


# The hwType a demo Device Certificate's hardwareModuleName names.
DEVICE_HW_TYPE = "1.2.826.0.1.8641679.1.2.2.1"
