"""DUIS service reference variants: body element, where certificates sit, and their cells.

Sources (cited as in ``reference/payloads.md``):
- DUIS Schema V5.4 (dccboxed-signing-tool ``src/main/resources/DUIS Schema V5.4.xsd``):
  ``Request`` ~line 3585, ``UpdateSecurityCredentialsKRP`` ~line 1061 with
  ``ReplacementCertificatesKRP`` and friends ~lines 1419-1473, ``CommandVariant`` ~line 1979,
  ``PreCommand`` ~line 4224, ``ResponseMessage`` ~line 4249, ``SecurityCredentialsUpdated``
  ~line 4819, ``DCCAlert`` ~line 4905, ``DCCAlertMessage`` ~line 4933 (payloads.md sections 1, 5);
- the body shapes of 6.21, 6.23, 8.5, 6.15.2, 6.17, 6.24.x: payloads.md section 1.5 and the
  duis-templates HEAD samples (``payloads/duis/templates-HEAD``);
- element name -> cell: payloads.md section 2.7 (DUIS -> GBCS CS02b mapping).
"""

from __future__ import annotations

from dataclasses import dataclass

from certcheck.smki.roles import (
    CELL_MANAGEMENT,
    CELL_PREPAYMENT_TOP_UP,
    DIGITAL_SIGNATURE,
    KEY_AGREEMENT,
    RemotePartyRole,
)

# DUIS namespaces (payloads.md section 1.1).
SR_NS = "http://www.dccinterface.co.uk/ServiceUserGateway"
DS_NS = "http://www.w3.org/2000/09/xmldsig#"
SCHEMA_VERSION = "5.4"

# Replacement-certificate element name -> (cell key usage, cell usage); payloads.md section 2.7.
ELEMENT_CELLS: dict[str, tuple[str, str]] = {
    "DigitalSigningCertificate": (DIGITAL_SIGNATURE, CELL_MANAGEMENT),
    "KeyAgreementCertificate": (KEY_AGREEMENT, CELL_MANAGEMENT),
    "KeyAgreementTopUpCertificate": (KEY_AGREEMENT, CELL_PREPAYMENT_TOP_UP),
}
# Order in which the XSD sequences list them (ReplacementCertificates*, ~lines 1419-1473).
ELEMENT_ORDER: tuple[str, ...] = tuple(ELEMENT_CELLS)


@dataclass(frozen=True, slots=True)
class ServiceSpec:
    """How one service reference variant carries certificates.

    ``certificates`` is the path below the body element to the element holding the
    replacement certificates (empty tuple: none); ``fixed_role`` is the cell role when the
    service implies it, otherwise the role comes from ``RemotePartyRole``.
    ``device_certificate`` names a single device-certificate element (6.15.2).
    """

    variant: str
    name: str
    body: str
    certificates: tuple[str, ...] = ()
    fixed_role: int | None = None
    device_certificate: str | None = None
    path_certificates: bool = False
    source: str = ""

    @property
    def places_certificates(self) -> bool:
        return bool(self.certificates) or self.device_certificate is not None


SERVICES: dict[str, ServiceSpec] = {
    spec.variant: spec
    for spec in (
        ServiceSpec(
            "6.15.1",
            "Update Security Credentials (KRP)",
            "UpdateSecurityCredentialsKRP",
            certificates=("ReplacementCertificates", "SupplierOrNetworkOperatorCertificates"),
            path_certificates=True,
            source="DUIS XSD V5.4 UpdateSecurityCredentialsKRP ~l.1061, ReplacementCertificatesKRP "
            "~l.1419-1473; payloads.md 1.3",
        ),
        ServiceSpec(
            "6.21",
            "Request Handover of DCC Controlled Device",
            "RequestHandoverOfDCCControlledDevice",
            certificates=("ReplacementCertificates",),
            path_certificates=True,
            source="DUIS XSD V5.4 RequestHandoverOfDCCControlledDevice (ReplacementCertificates "
            "DCCHandover ~l.1419-1473); payloads.md 1.5; templates-HEAD CS02b*Handover_6.21",
        ),
        ServiceSpec(
            "6.23",
            "Update Security Credentials (CoS)",
            "UpdateSecurityCredentialsCoS",
            certificates=("SupplierReplacementCertificates",),
            fixed_role=RemotePartyRole.SUPPLIER,
            path_certificates=True,
            source="DUIS XSD V5.4 UpdateSecurityCredentialsCoS; payloads.md 1.5; "
            "templates-HEAD CS02bSupplierByTransCoS_6.23",
        ),
        ServiceSpec(
            "8.5",
            "Service Opt Out",
            "ServiceOptOut",
            certificates=("ReplacementCertificates",),
            fixed_role=RemotePartyRole.ACCESS_CONTROL_BROKER,
            path_certificates=True,
            source="DUIS XSD V5.4 ServiceOptOut (ReplacementCertificates ACB); payloads.md 1.5; "
            "templates-HEAD CS02bACBByACB_8.5",
        ),
        ServiceSpec(
            "6.15.2",
            "Update Security Credentials (Device)",
            "UpdateSecurityCredentialsDevice",
            device_certificate="DeviceCertificate",
            source="DUIS XSD V5.4 UpdateSecurityCredentialsDevice; payloads.md 1.5, 2.8; "
            "templates-HEAD CS02d_6.15.2",
        ),
        ServiceSpec(
            "6.17",
            "Issue Security Credentials",
            "IssueSecurityCredentials",
            source="payloads.md 1.5; templates-HEAD CS02c_6.17",
        ),
        ServiceSpec(
            "6.24.1",
            "Retrieve Device Security Credentials (KRP)",
            "RetrieveDeviceSecurityCredentialsKRP",
            source="payloads.md 1.5; templates-HEAD CS02aMAC_6.24.1, CS02fMAC_6.24.1",
        ),
        ServiceSpec(
            "6.24.2",
            "Retrieve Device Security Credentials (Device)",
            "RetrieveDeviceSecurityCredentialsDevice",
            source="payloads.md 1.5; templates-HEAD CS02e_6.24.2",
        ),
        ServiceSpec(
            "11.2",
            "Read Firmware Version",
            "ReadFirmwareVersion",
            source="payloads/duis/responses/readfw-response.xml (ECS52)",
        ),
    )
}

# Body element local name -> spec, for requests whose header variant is missing or odd.
SERVICES_BY_BODY: dict[str, ServiceSpec] = {spec.body: spec for spec in SERVICES.values()}

# CV 5 body: a user-signed pre-command (payloads.md section 1.4).
SIGNED_PRE_COMMAND = "SignedPreCommand"

# Response bodies that wrap a GBCS payload (payloads.md section 1.6; XSD ~4249, ~4880-5013).
RESPONSE_GBCS_CONTAINERS: tuple[tuple[str, ...], ...] = (
    ("ResponseMessage",),
    ("ResponseMessage", "PreCommand"),
    ("ResponseMessage", "FutureDatedDeviceAlertMessage"),
    ("DeviceAlertMessage",),
)

# DCC alert N42 body (payloads.md section 5; XSD ~4819). Its link to N42 is inferred there.
SECURITY_CREDENTIALS_UPDATED = "SecurityCredentialsUpdated"


def service_name(variant: str | None) -> str | None:
    """Human name of a service reference variant, None when unknown."""
    spec = SERVICES.get(variant or "")
    return spec.name if spec else None
