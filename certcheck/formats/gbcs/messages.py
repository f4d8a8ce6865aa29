"""GBCS message codes, credentials replacement modes, status codes and alert codes.

The one table of these values in certcheck. Sources:
- ``reference/payloads.md`` section 2.3 (message codes and replacement modes, with the names
  that the SmartDCCInnovation gbcs-parser ``src/util.ts`` table gives as facts);
- GBCS section 15 "Message Codes" and section 16 "Alert Codes" as the tables of record;
- the RTDS 4.5.0 samples for CS02f (0x011B) and CS02g (0x0124, 0x0125, 0x0126), whose codes
  and modes 10 and 11 are observed, not named, in the sources.
"""

from __future__ import annotations

from dataclasses import dataclass

# Content kinds: how the reader decodes a message's content (command side / response side).
CONTENT_CREDENTIALS_UPDATE = "credentials-update"  # CS02b/CS02g
CONTENT_CREDENTIALS_ALERT = "credentials-alert"  # future-dated CS02b/CS02g alert
CONTENT_CREDENTIALS_DETAILS = "credentials-details"  # CS02a/CS02f
CONTENT_DEVICE_CERTIFICATE_UPDATE = "device-certificate-update"  # CS02d
CONTENT_DEVICE_CERTIFICATE_RETRIEVAL = "device-certificate-retrieval"  # CS02e
CONTENT_CREDENTIALS_ISSUE = "credentials-issue"  # CS02c (response: PKCS#10 request)


@dataclass(frozen=True, slots=True)
class MessageInfo:
    """A GBCS message code's use case, name, content kind (None: not decoded) and, for
    CS02b/CS02g commands and responses, the credentials replacement mode it carries."""

    code: int
    use_case: str
    name: str
    content: str | None = None
    mode: int | None = None


def _cs02b(mode: int, mode_name: str) -> MessageInfo:
    return MessageInfo(0x0100 + mode, "CS02b", f"Update Security Credentials ({mode_name})",
                       CONTENT_CREDENTIALS_UPDATE, mode)


# payloads.md section 2.3; for modes 0-9 the code is 0x0100 + mode.
MESSAGES: dict[int, MessageInfo] = {
    info.code: info
    for info in (
        MessageInfo(0x0008, "CS02a", "Provide Security Credential Details",
                    CONTENT_CREDENTIALS_DETAILS),
        MessageInfo(0x000A, "CS02c", "Issue Security Credentials", CONTENT_CREDENTIALS_ISSUE),
        MessageInfo(0x000B, "CS02d", "Update Device Certificates on Device",
                    CONTENT_DEVICE_CERTIFICATE_UPDATE),
        MessageInfo(0x000C, "CS02e", "Provide Device Certificates from Device",
                    CONTENT_DEVICE_CERTIFICATE_RETRIEVAL),
        # ECS52: the non-certificate control sample in payloads/INDEX.md.
        MessageInfo(0x0059, "ECS52", "Read Firmware Version"),
        MessageInfo(0x00CB, "CS02b", "Future Dated Update Security Credentials Alert",
                    CONTENT_CREDENTIALS_ALERT),
        _cs02b(0, "rootBySupplier"),
        _cs02b(1, "rootByWanProvider"),
        _cs02b(2, "supplierBySupplier"),
        _cs02b(3, "networkOperatorByNetworkOperator"),
        _cs02b(4, "accessControlBrokerByACB"),
        _cs02b(5, "wanProviderByWanProvider"),
        _cs02b(6, "transCoSByTransCoS"),
        _cs02b(7, "supplierByTransCoS"),
        _cs02b(8, "anyExceptAbnormalRootByRecovery"),
        _cs02b(9, "anyByContingency"),
        # Observed in RTDS 4.5.0 NA_CS02fSignature; title from duis-templates
        # src/gbcs-mapping-table.json (payloads.md section 2.3).
        MessageInfo(0x011B, "CS02f", "Provide Security Credential Details (ESME and SAPC)",
                    CONTENT_CREDENTIALS_DETAILS),
        # Observed in the RTDS 4.5.0 CS02g samples (payloads.md section 2.3).
        MessageInfo(0x0124, "CS02g",
                    "Future Dated Update Load Controller Security Credentials Alert",
                    CONTENT_CREDENTIALS_ALERT),
        MessageInfo(0x0125, "CS02g",
                    "Update Load Controller Security Credentials (loadControllerByLoadController)",
                    CONTENT_CREDENTIALS_UPDATE, 10),
        MessageInfo(0x0126, "CS02g",
                    "Update Load Controller Security Credentials (loadControllerBySupplier)",
                    CONTENT_CREDENTIALS_UPDATE, 11),
    )
}

# credentialsReplacementMode (payloads.md section 2.3, column 3). Modes 10 and 11 are observed
# in the CS02g samples; 11's name follows the MMC enumeration "LoadControllerBySupplier" and
# 10's name is certcheck's own by analogy (no source names it).
REPLACEMENT_MODES: dict[int, str] = {
    0: "rootBySupplier",
    1: "rootByWanProvider",
    2: "supplierBySupplier",
    3: "networkOperatorByNetworkOperator",
    4: "accessControlBrokerByACB",
    5: "wanProviderByWanProvider",
    6: "transCoSByTransCoS",
    7: "supplierByTransCoS",
    8: "anyExceptAbnormalRootByRecovery",
    9: "anyByContingency",
    10: "loadControllerByLoadController",
    11: "loadControllerBySupplier",
}

# The remote party role whose cells each mode replaces (None: any role, per cell).
# From the mode names above; roles as in certcheck.smki.roles.
MODE_TARGET_ROLES: dict[int, int | None] = {
    0: 0, 1: 0, 2: 2, 3: 3, 4: 4, 5: 6, 6: 5, 7: 2, 8: None, 9: None, 10: 8, 11: 8,
}

# ReplacementOutcome.statusCode and the CS02a/CS02f per-role status (payloads.md section 2.5;
# gbcs-parser src/asn1.ts parseStatusCode and the MMC ASN1Status enumeration).
STATUS_CODES: dict[int, str] = {
    0: "success",
    5: "badCertificate",
    10: "noTrustAnchor",
    17: "insufficientMemory",
    25: "trustAnchorNotFound",
    30: "resourcesBusy",
    127: "other",
}

# CS02d response INTEGER (payloads.md section 2.8).
DEVICE_CERTIFICATE_UPDATE_RESULTS: dict[int, str] = {
    0: "success",
    1: "invalidCertificate",
    2: "wrongDeviceIdentity",
    3: "invalidKeyUsage",
    4: "noCorrespondingKeyPairGenerated",
    5: "wrongPublicKey",
    6: "certificateStorageFailed",
    7: "privateKeyChangeFailed",
}

# CS02e error response INTEGER (payloads.md section 2.8).
DEVICE_CERTIFICATE_RETRIEVAL_ERRORS: dict[int, str] = {
    1: "invalidKeyUsage",
    2: "noCertificateHeld",
    3: "certificateRetrievalFailure",
}

# Alert codes carried in the future-dated alerts 0x00CB / 0x0124 (payloads.md sections 2.3, 5).
ALERT_CODES: dict[int, str] = {
    0x8F66: "Future dated Update Security Credentials succeeded",
    0x8F67: "Future dated Update Security Credentials failed",
}

# CRA flag of the General-Signing transaction-id (payloads.md section 2.1).
CRA_COMMAND = 1
CRA_RESPONSE = 2
CRA_ALERT = 3


def message_info(code: int) -> MessageInfo | None:
    """The table entry for ``code``, or None when certcheck does not know it."""
    return MESSAGES.get(code)


def format_message_code(code: int) -> str:
    """``0x0103``: lower-case hex, four digits."""
    return f"0x{code:04x}"


def mode_name(mode: int) -> str:
    """Name of a credentials replacement mode, ``mode<N>`` when unknown."""
    return REPLACEMENT_MODES.get(mode, f"mode{mode}")


def status_name(code: int) -> str:
    """Name of a status code, ``status<N>`` when unknown."""
    return STATUS_CODES.get(code, f"status{code}")
