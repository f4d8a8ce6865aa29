"""SMKI remote party roles, key usages, cell usages and object identifiers.

The single home of these domain constants. Sources:
- GBCS v1 section 12 and the RTDS test data, via ``reference/smki.md`` section 2
  (remote party role codes, subject OU as two hex digits);
- DUIS Schema V5.4 simpleType ``RemotePartyRole`` (the DUIS role names), via
  ``reference/smki.md`` section 2 and ``reference/payloads.md`` section 1.3;
- RFC 5280 / RFC 4108 / X.520 for the object identifiers.
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


# Key usages of trust-anchor cells and certificates (RFC 5280 KeyUsage bit names).
DIGITAL_SIGNATURE = "digitalSignature"
KEY_AGREEMENT = "keyAgreement"
KEY_CERT_SIGN = "keyCertSign"

# Cell usages (GBCS TrustAnchorCellIdentifier.cellUsage; payloads.md section 2.4).
CELL_MANAGEMENT = "management"
CELL_PREPAYMENT_TOP_UP = "prepaymentTopUp"
CELL_USAGES: dict[int, str] = {0: CELL_MANAGEMENT, 1: CELL_PREPAYMENT_TOP_UP}

# Object identifiers (smki.md sections 1.2, 1.3, 3.1).
OID_X500_UNIQUE_IDENTIFIER = "2.5.4.45"
OID_ORGANIZATIONAL_UNIT = "2.5.4.11"
OID_HARDWARE_MODULE_NAME = "1.3.6.1.5.5.7.8.4"  # RFC 4108 id-on-hardwareModuleName
OID_ECDSA_WITH_SHA256 = "1.2.840.10045.4.3.2"
OID_EC_PUBLIC_KEY = "1.2.840.10045.2.1"
OID_P256 = "1.2.840.10045.3.1.7"
# Test-environment certificate policy of the ZAZ1 organisation PKI (smki.md section 1.2).
OID_TEST_ORG_POLICY = "1.2.826.0.1.8641679.1.2.1.4"
