"""Build GBCS CS02 messages: the encoding side of ``reader.py``, for test worlds and fuzzing.

Messages follow the layout of ``frame.py`` and the declarations of ``asn1.py``, so that
``decode_gbcs(build_...(...))`` gives back the values put in. Signatures are real ECDSA
P-256 / SHA-256 signatures over the signed bytes (``payloads.md`` section 2.1) when a private
key is given.

The MAC header's 12-byte MAC is NOT a real MAC: it is twelve zero bytes. A real GBCS MAC is an
AES-GCM tag derived by ECDH between the ACB and the device, which certcheck never computes
or checks. The invocation counter is zero as well.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from asn1crypto import core
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature

from certcheck.audit.model import Cell, CellOccupant, CellOutcome
from certcheck.formats.gbcs import asn1
from certcheck.formats.gbcs import messages as mc
from certcheck.formats.gbcs.frame import (
    GENERAL_CIPHERING,
    GENERAL_SIGNING,
    MAC_LENGTH,
    SECURITY_CONTROL_AUTHENTICATED,
)
from certcheck.smki.eui import parse_eui64
from certcheck.smki.roles import CELL_USAGES

FAKE_MAC = bytes(MAC_LENGTH)  # placeholder, not a MAC (see the module docstring)
CANCEL_TIME = datetime(9999, 12, 31, 23, 59, 59, tzinfo=UTC)  # "cancel pending command"

_STATUS_CODES = {name: code for code, name in mc.STATUS_CODES.items()}
_CELL_USAGE_CODES = {name: code for code, name in CELL_USAGES.items()}


@dataclass(frozen=True, slots=True)
class RoleListing:
    """One remote party's answer in a CS02a/CS02f response."""

    role: int
    status: str = "success"
    seq_number: int | None = 0
    cells: tuple[CellOccupant, ...] = ()


def eui_bytes(value: bytes | str) -> bytes:
    """8 raw bytes from raw bytes or any EUI-64 spelling (``90-B3-D5-1F-30-02-00-00``)."""
    if isinstance(value, bytes):
        if len(value) != 8:
            raise ValueError(f"an EUI-64 is 8 bytes, got {len(value)}")
        return value
    return bytes.fromhex(parse_eui64(value).replace("-", ""))


def ber_length(length: int) -> bytes:
    """Minimal BER definite length."""
    if length < 0x80:
        return bytes([length])
    body = length.to_bytes((length.bit_length() + 7) // 8, "big")
    return bytes([0x80 | len(body)]) + body


def sign_bytes(signed: bytes, private_key: ec.EllipticCurvePrivateKey) -> bytes:
    """ECDSA P-256 / SHA-256 signature of ``signed`` as 64-byte ``r || s``."""
    r, s = decode_dss_signature(private_key.sign(signed, ec.ECDSA(hashes.SHA256())))
    return r.to_bytes(32, "big") + s.to_bytes(32, "big")


def build_frame(
    *,
    cra_flag: int,
    counter: int,
    originator: bytes | str,
    recipient: bytes | str,
    message_code: int,
    content: bytes,
    date_time: bytes | None = None,
    sign_with: ec.EllipticCurvePrivateKey | None = None,
    null_signature: bool = False,
    mac_header: bool = False,
) -> bytes:
    """A GBCS message around ``content``.

    Signature: ``sign_with`` gives ``40`` + r||s; else ``null_signature`` gives ``00``; else
    the signature is absent (a DUIS pre-command). ``mac_header`` wraps the APDU in a
    General-Ciphering header with the placeholder :data:`FAKE_MAC`.
    """
    if date_time is not None and len(date_time) != 12:
        raise ValueError("date-time must be 12 bytes")
    header = (
        bytes([9, cra_flag])
        + counter.to_bytes(8, "big")
        + b"\x08" + eui_bytes(originator)
        + b"\x08" + eui_bytes(recipient)
        + (b"\x0c" + date_time if date_time is not None else b"\x00")
        + b"\x02" + message_code.to_bytes(2, "big")
    )
    apdu = bytes([GENERAL_SIGNING]) + header + ber_length(len(content)) + content
    if sign_with is not None:
        apdu = append_signature(apdu, sign_bytes(apdu[1:], sign_with))
    elif null_signature:
        apdu += b"\x00"
    return wrap_mac_header(apdu) if mac_header else apdu


def append_signature(unsigned: bytes, signature: bytes) -> bytes:
    """A signed APDU: an unsigned one (``DF`` ... content) + ``40`` + the 64-byte r||s.

    The signature must be over ``unsigned[1:]`` (everything after the ``DF`` tag).
    """
    if len(signature) != 64:
        raise ValueError(f"a GBCS signature is 64 bytes (r || s), got {len(signature)}")
    return unsigned + b"\x40" + signature


def wrap_mac_header(apdu: bytes) -> bytes:
    """``apdu`` inside a General-Ciphering MAC header, ending with the placeholder MAC."""
    ciphered = bytes([SECURITY_CONTROL_AUTHENTICATED]) + bytes(4) + apdu + FAKE_MAC
    return bytes([GENERAL_CIPHERING]) + bytes(6) + ber_length(len(ciphered)) + ciphered


def cell_identifier(cell: Cell) -> asn1.TrustAnchorCellIdentifier:
    """The TrustAnchorCellIdentifier of a :class:`Cell` (cellUsage omitted when default)."""
    value = asn1.TrustAnchorCellIdentifier(
        {"remote_party_role": cell.role, "key_usage": {cell.key_usage}}
    )
    usage = _CELL_USAGE_CODES[cell.cell_usage]
    if usage:
        value["cell_usage"] = usage
    return value


def _time(moment: datetime | None) -> core.GeneralizedTime | None:
    if moment is None:
        return None
    return core.GeneralizedTime(moment.astimezone(UTC).replace(microsecond=0))


def cs02b_command_content(
    *,
    mode: int,
    counter: int,
    authorising_cell: Cell | None,
    replacements: Sequence[tuple[bytes, Cell]],
    path_certificates: Sequence[bytes] = (),
    execution_time: datetime | None = None,
    new_floor_seq_number: int | None = 0,
    disapply_time_based_cpv_checks: bool = False,
) -> bytes:
    """DER of an UpdateSecurityCredentials command (``authorisingRemotePartySeqNumber`` =
    ``counter``, as in DUIS-originated commands)."""
    control = asn1.AuthorisingRemotePartyControl(
        {"credentials_replacement_mode": mode, "authorising_remote_party_seq_number": counter}
    )
    if disapply_time_based_cpv_checks:
        control["apply_time_based_cpv_checks"] = 1
    if authorising_cell is not None:
        control["authorising_remote_party_ta_cell_identifier"] = cell_identifier(
            authorising_cell
        )
    if new_floor_seq_number is not None:
        control["new_remote_party_floor_seq_number"] = new_floor_seq_number
    command = asn1.UpdateSecurityCredentialsCommand(
        {
            "authorising_remote_party_control": control,
            "replacements": [
                asn1.TrustAnchorReplacement(
                    {
                        "new_trust_anchor": core.Any.load(der),
                        "target_trust_anchor_cell": cell_identifier(cell),
                    }
                )
                for der, cell in replacements
            ],
            "certification_path_certificates": [core.Any.load(der) for der in path_certificates],
        }
    )
    if execution_time is not None:
        command["execution_date_time"] = _time(execution_time)
    return command.dump()


def message_code_for_mode(mode: int) -> int:
    """The CS02b/CS02g command message code that carries credentials replacement ``mode``."""
    for info in mc.MESSAGES.values():
        if info.mode == mode:
            return info.code
    raise ValueError(f"no message code for credentials replacement mode {mode}")


def build_cs02b_command(
    *,
    mode: int,
    originator: bytes | str,
    recipient: bytes | str,
    counter: int,
    authorising_cell: Cell | None,
    replacements: Sequence[tuple[bytes, Cell]],
    path_certificates: Sequence[bytes] = (),
    execution_time: datetime | None = None,
    sign_with: ec.EllipticCurvePrivateKey | None = None,
    null_signature: bool = False,
    mac_header: bool = False,
    message_code: int | None = None,
    new_floor_seq_number: int | None = 0,
) -> bytes:
    """A CS02b (or CS02g, modes 10/11) Update Security Credentials command.

    ``replacements`` pairs each new certificate's DER with its target cell; ``path_certificates``
    are the certification-path (CA) certificates. Signed with ``sign_with``, null-signed, or
    unsigned (a pre-command); with or without a MAC header (placeholder MAC). The message
    code defaults to the one of ``mode`` (0x0100 + mode; 0x0125 / 0x0126 for 10 / 11).
    """
    content = cs02b_command_content(
        mode=mode,
        counter=counter,
        authorising_cell=authorising_cell,
        replacements=replacements,
        path_certificates=path_certificates,
        execution_time=execution_time,
        new_floor_seq_number=new_floor_seq_number,
    )
    return build_frame(
        cra_flag=mc.CRA_COMMAND,
        counter=counter,
        originator=originator,
        recipient=recipient,
        message_code=message_code if message_code is not None else message_code_for_mode(mode),
        content=content,
        sign_with=sign_with,
        null_signature=null_signature,
        mac_header=mac_header,
    )


def _occupant_id(occupant: CellOccupant | None) -> tuple[bytes, bytes]:
    if occupant is None or occupant.entity_id is None or occupant.subject_key_id is None:
        raise ValueError("an outcome needs existing and replacing entity ids and key ids")
    return eui_bytes(occupant.entity_id), bytes.fromhex(occupant.subject_key_id)


def _status_code(name: str | None) -> int:
    if name in _STATUS_CODES:
        return _STATUS_CODES[name]
    if name and name.startswith("status") and name[6:].isdigit():
        return int(name[6:])
    raise ValueError(f"unknown status {name!r}")


def execution_outcome(
    *, mode: int, seq_number: int, outcomes: Sequence[CellOutcome]
) -> asn1.ExecutionOutcome:
    """An ExecutionOutcome listing ``outcomes`` (existing and replacing occupants required).

    One remotePartySeqNumberChange (floor 0) is added for each role the outcomes touch.
    """
    entries = []
    for outcome in outcomes:
        existing_id, existing_ski = _occupant_id(outcome.existing)
        replacing_id, replacing_ski = _occupant_id(outcome.replacing)
        entries.append(
            asn1.ReplacementOutcome(
                {
                    "affected_trust_anchor_cell": cell_identifier(outcome.cell),
                    "status_code": _status_code(outcome.status),
                    "existing_subject_unique_id": existing_id,
                    "existing_subject_key_id": existing_ski,
                    "replacing_subject_unique_id": replacing_id,
                    "replacing_subject_key_id": replacing_ski,
                }
            )
        )
    roles = sorted({outcome.cell.role for outcome in outcomes})
    return asn1.ExecutionOutcome(
        {
            "authorising_remote_party_seq_number": seq_number,
            "credentials_replacement_mode": mode,
            "remote_party_seq_number_changes": [
                {"remote_party_role": role, "floor_seq_number": 0} for role in roles
            ],
            "replacement_outcomes": entries,
        }
    )


def build_cs02b_response(
    *,
    mode: int,
    device: bytes | str,
    recipient: bytes | str,
    counter: int,
    outcomes: Sequence[CellOutcome] | None,
    seq_number: int | None = None,
    sign_with: ec.EllipticCurvePrivateKey | None = None,
    null_signature: bool = False,
    mac_header: bool = False,
    message_code: int | None = None,
) -> bytes:
    """A device's CS02b/CS02g response: accepted, plus the outcome unless ``outcomes`` is None
    (future dated or cancelled). ``seq_number`` defaults to ``counter``."""
    response = asn1.UpdateSecurityCredentialsResponse({"command_accepted": core.Null()})
    if outcomes is not None:
        response["execution_outcome"] = execution_outcome(
            mode=mode, seq_number=counter if seq_number is None else seq_number,
            outcomes=outcomes,
        )
    return build_frame(
        cra_flag=mc.CRA_RESPONSE,
        counter=counter,
        originator=device,
        recipient=recipient,
        message_code=message_code if message_code is not None else message_code_for_mode(mode),
        content=response.dump(),
        sign_with=sign_with,
        null_signature=null_signature,
        mac_header=mac_header,
    )


def build_cs02b_alert(
    *,
    mode: int,
    device: bytes | str,
    recipient: bytes | str,
    counter: int,
    seq_number: int,
    execution_time: datetime,
    outcomes: Sequence[CellOutcome],
    alert_code: int = 0x8F66,
    sign_with: ec.EllipticCurvePrivateKey | None = None,
    message_code: int | None = None,
) -> bytes:
    """A future-dated execution alert (0x00CB; 0x0124 for CS02g modes 10 and 11)."""
    alert = asn1.UpdateSecurityCredentialsAlert(
        {
            "alert_code": alert_code,
            "execution_date_time": _time(execution_time),
            "execution_outcome": execution_outcome(
                mode=mode, seq_number=seq_number, outcomes=outcomes
            ),
        }
    )
    default_code = 0x0124 if mode in (10, 11) else 0x00CB
    return build_frame(
        cra_flag=mc.CRA_ALERT,
        counter=counter,
        originator=device,
        recipient=recipient,
        message_code=default_code if message_code is None else message_code,
        content=alert.dump(),
        sign_with=sign_with,
    )


def build_cs02a_response(
    *,
    device: bytes | str,
    recipient: bytes | str,
    counter: int,
    listings: Sequence[RoleListing],
    sign_with: ec.EllipticCurvePrivateKey | None = None,
    null_signature: bool = False,
    mac_header: bool = False,
    message_code: int = 0x0008,
) -> bytes:
    """A CS02a (0x0008) or CS02f (0x011B) response listing each role's cell occupants."""
    parties = []
    for listing in listings:
        party = asn1.RemotePartyDetails(
            {"remote_party_role": listing.role, "status_code": _status_code(listing.status)}
        )
        if listing.seq_number is not None:
            party["current_seq_number"] = listing.seq_number
        if listing.cells:
            cells = []
            for occupant in listing.cells:
                entity, ski = _occupant_id(occupant)
                entry = asn1.TrustAnchorCellContents(
                    {
                        "key_usage": {occupant.cell.key_usage},
                        "subject_unique_id": entity,
                        "subject_key_identifier": ski,
                    }
                )
                usage = _CELL_USAGE_CODES[occupant.cell.cell_usage]
                if usage:
                    entry["cell_usage"] = usage
                cells.append(entry)
            party["trust_anchor_cells"] = cells
        parties.append(party)
    return build_frame(
        cra_flag=mc.CRA_RESPONSE,
        counter=counter,
        originator=device,
        recipient=recipient,
        message_code=message_code,
        content=asn1.ProvideSecurityCredentialDetailsResponse(parties).dump(),
        sign_with=sign_with,
        null_signature=null_signature,
        mac_header=mac_header,
    )
