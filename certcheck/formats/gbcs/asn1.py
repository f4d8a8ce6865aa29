"""asn1crypto declarations of the GBCS CS02 message contents.

Structures as observed in the RTDS 4.5.0 samples and written out in ``reference/payloads.md``
sections 2.4, 2.5 and 2.8 (not the normative GBCS text, which was not available; GBCS v1
section 13.3.5.11 is the definition of record). Field names follow payloads.md. Every sample in
``payloads/gbcs`` decodes with these classes (tests/formats/test_gbcs_reference.py).

Certificates are declared ``core.Any`` (asn1crypto treats only that exact class as "any"),
so ``value.dump()`` gives their exact DER for ``certcheck.smki.certificate``; read such
structures field by field, not through ``.native``.
"""

from __future__ import annotations

from asn1crypto import core

from certcheck.smki.roles import KEY_USAGE_BITS


class KeyUsage(core.BitString):
    """RFC 5280 KeyUsage bits as used by TrustAnchorCellIdentifier (``03 02 07 80`` = DS)."""

    _map = dict(enumerate(KEY_USAGE_BITS))  # noqa: RUF012 - asn1crypto's declaration style


class StatusCode(core.Integer):
    """ENUMERATED status (universal tag 10) read as a plain number.

    Names live in ``messages.STATUS_CODES``; declaring it as an integer keeps unknown
    values readable instead of failing.
    """

    tag = 10


class TrustAnchorCellIdentifier(core.Sequence):
    """{remotePartyRole, keyUsage, cellUsage DEFAULT management(0)}."""

    _fields = [  # noqa: RUF012
        ("remote_party_role", core.Integer),
        ("key_usage", KeyUsage),
        ("cell_usage", core.Integer, {"default": 0}),
    ]


class SpecialistSeqNumber(core.Sequence):
    """{seqNumberUsage prepaymentTopUp(0), seqNumber}."""

    _fields = [  # noqa: RUF012
        ("seq_number_usage", core.Integer),
        ("seq_number", core.Integer),
    ]


class SpecialistSeqNumbers(core.SequenceOf):
    _child_spec = SpecialistSeqNumber


class RemotePartySeqNumberChange(core.Sequence):
    _fields = [  # noqa: RUF012
        ("remote_party_role", core.Integer),
        ("floor_seq_number", core.Integer),
        ("specialist_floor_seq_numbers", SpecialistSeqNumbers, {"optional": True}),
    ]


class RemotePartySeqNumberChanges(core.SequenceOf):
    _child_spec = RemotePartySeqNumberChange


class AuthorisingRemotePartyControl(core.Sequence):
    """The authorising party's control block of a CS02b/CS02g command (payloads.md 2.4)."""

    _fields = [  # noqa: RUF012
        ("credentials_replacement_mode", core.Integer),
        ("plaintext_symmetric_key", core.OctetString, {"implicit": 0, "optional": True}),
        ("apply_time_based_cpv_checks", core.Integer, {"implicit": 1, "optional": True}),
        (
            "authorising_remote_party_ta_cell_identifier",
            TrustAnchorCellIdentifier,
            {"implicit": 2, "optional": True},
        ),
        ("authorising_remote_party_seq_number", core.Integer, {"implicit": 3}),
        ("new_remote_party_floor_seq_number", core.Integer, {"implicit": 4, "optional": True}),
        (
            "new_remote_party_specialist_floor_seq_numbers",
            SpecialistSeqNumbers,
            {"implicit": 5, "optional": True},
        ),
        (
            "other_remote_party_seq_number_changes",
            RemotePartySeqNumberChanges,
            {"implicit": 6, "optional": True},
        ),
    ]


class TrustAnchorReplacement(core.Sequence):
    """A new certificate (DER kept as is) and the cell it goes into."""

    _fields = [  # noqa: RUF012
        ("new_trust_anchor", core.Any),
        ("target_trust_anchor_cell", TrustAnchorCellIdentifier),
    ]


class TrustAnchorReplacements(core.SequenceOf):
    _child_spec = TrustAnchorReplacement


class Certificates(core.SequenceOf):
    _child_spec = core.Any


class UpdateSecurityCredentialsCommand(core.Sequence):
    """CS02b / CS02g command content (0x0100-0x0109, 0x0125, 0x0126)."""

    _fields = [  # noqa: RUF012
        ("authorising_remote_party_control", AuthorisingRemotePartyControl),
        ("replacements", TrustAnchorReplacements),
        ("certification_path_certificates", Certificates),
        ("execution_date_time", core.GeneralizedTime, {"optional": True}),
    ]


class ReplacementOutcome(core.Sequence):
    _fields = [  # noqa: RUF012
        ("affected_trust_anchor_cell", TrustAnchorCellIdentifier),
        ("status_code", StatusCode),
        ("existing_subject_unique_id", core.OctetString),
        ("existing_subject_key_id", core.OctetString),
        ("replacing_subject_unique_id", core.OctetString),
        ("replacing_subject_key_id", core.OctetString),
    ]


class ReplacementOutcomes(core.SequenceOf):
    _child_spec = ReplacementOutcome


class ExecutionOutcome(core.Sequence):
    _fields = [  # noqa: RUF012
        ("authorising_remote_party_seq_number", core.Integer),
        ("credentials_replacement_mode", core.Integer),
        ("remote_party_seq_number_changes", RemotePartySeqNumberChanges),
        ("replacement_outcomes", ReplacementOutcomes),
    ]


class UpdateSecurityCredentialsResponse(core.Sequence):
    """CS02b / CS02g response: NULL, plus the outcome unless future dated or cancelled."""

    _fields = [  # noqa: RUF012
        ("command_accepted", core.Null),
        ("execution_outcome", ExecutionOutcome, {"optional": True}),
    ]


class UpdateSecurityCredentialsAlert(core.Sequence):
    """Future-dated execution alert content (0x00CB; 0x0124 for CS02g)."""

    _fields = [  # noqa: RUF012
        ("alert_code", core.Integer),
        ("execution_date_time", core.GeneralizedTime),
        ("execution_outcome", ExecutionOutcome),
    ]


class RemotePartyRoles(core.SequenceOf):
    _child_spec = core.Integer


class ProvideSecurityCredentialDetailsCommand(core.Sequence):
    """CS02a / CS02f command: the authorising cell and the roles asked about."""

    _fields = [  # noqa: RUF012
        ("authorising_remote_party_ta_cell_identifier", TrustAnchorCellIdentifier),
        ("remote_party_roles", RemotePartyRoles),
    ]


class TrustAnchorCellContents(core.Sequence):
    """One cell as listed by CS02a / CS02f: usages, occupant EUI and subject key id."""

    _fields = [  # noqa: RUF012
        ("key_usage", KeyUsage),
        ("cell_usage", core.Integer, {"default": 0}),
        ("subject_unique_id", core.OctetString),
        ("subject_key_identifier", core.OctetString),
    ]


class TrustAnchorCellContentsList(core.SequenceOf):
    _child_spec = TrustAnchorCellContents


class RemotePartyDetails(core.Sequence):
    """Per-role answer; seq number and cells are absent when the status is an error."""

    _fields = [  # noqa: RUF012
        ("remote_party_role", core.Integer),
        ("status_code", StatusCode),
        ("current_seq_number", core.Integer, {"optional": True}),
        ("trust_anchor_cells", TrustAnchorCellContentsList, {"optional": True}),
    ]


class ProvideSecurityCredentialDetailsResponse(core.SequenceOf):
    """CS02a / CS02f response: one entry per role asked about."""

    _child_spec = RemotePartyDetails


class ProvideDeviceCertificateCommand(core.Sequence):
    """CS02e command: the key usage of the device certificate wanted."""

    _fields = [("key_usage", KeyUsage)]  # noqa: RUF012
