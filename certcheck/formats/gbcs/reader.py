"""GBCS message reader: raw bytes (or hex / base64 text) to an :class:`Item`.

Decodes the frame (``frame.py``), then the content by message code (``messages.py``) with the
asn1crypto declarations of ``asn1.py``. Never raises: a message that cannot be read becomes an
item with ``kind=None`` and a :class:`Problem` naming the byte offset where decoding stopped.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from contextlib import suppress
from datetime import datetime
from functools import lru_cache
from typing import Any, NamedTuple, TypeVar

from asn1crypto import core

from certcheck.audit.limits import DEFAULT_LIMITS, Limits
from certcheck.audit.model import (
    Cell,
    CellOccupant,
    CellOutcome,
    Item,
    ItemKind,
    Placement,
    Problem,
    SignatureInfo,
)
from certcheck.audit.where import at, node, offset
from certcheck.formats.derguard import DerRefused, element_end, element_header, guard_der
from certcheck.formats.gbcs import asn1, fields
from certcheck.formats.gbcs import messages as mc
from certcheck.formats.gbcs.fields import NotPlain
from certcheck.formats.gbcs.frame import (
    GbcsDecodeError,
    GbcsFrame,
    dlms_date_time,
    parse_frame,
)
from certcheck.smki.certificate import MALFORMED, CertificateError, iso
from certcheck.smki.eui import format_eui64
from certcheck.smki.roles import CELL_USAGES

_T = TypeVar("_T")
_K = TypeVar("_K")

_KINDS = {
    mc.CRA_COMMAND: ItemKind.GBCS_COMMAND,
    mc.CRA_RESPONSE: ItemKind.GBCS_RESPONSE,
    mc.CRA_ALERT: ItemKind.GBCS_ALERT,
}


def decode_gbcs(
    data: bytes, source: str, limits: Limits = DEFAULT_LIMITS, digest: str | None = None
) -> Item:
    """Decode raw GBCS bytes into an :class:`Item` within ``limits``; never raises.

    ``digest`` is the item's SHA-256 when the caller has it already (the digest of the text
    the bytes were decoded from); otherwise it is computed over ``data``.
    """
    if digest is None:
        digest = hashlib.sha256(data).hexdigest()
    try:
        return _decode(bytes(data), source, digest, limits)
    except GbcsDecodeError as exc:
        problem = Problem(f"unreadable GBCS message: {exc}", exc.where)
    except Exception as exc:  # a reader defect must not stop a batch
        problem = Problem.of_defect(exc)
    return Item(source=source, kind=None, digest=digest, problems=(problem,))


class _Builder:
    """Collects the parts of an item while the content is decoded."""

    def __init__(self, frame: GbcsFrame, limits: Limits = DEFAULT_LIMITS) -> None:
        self.frame = frame
        self.limits = limits
        self.certificates_seen = 0
        # Tuples when shared by the commands that carry the same certificates (_PLACED_SETS).
        self.placements: list[Placement] | tuple[Placement, ...] = []
        self.outcomes: list[CellOutcome] = []
        self.problems: list[Problem] | tuple[Problem, ...] = []
        self.details: dict[str, Any] = {}
        self.remote_party_role: int | None = None
        self.execution_time: str | None = None
        self.reading = "content"  # what the content is being read as (for messages)

    def place(self, der: bytes, cell: Cell | None, where: str, *, path: bool = False) -> None:
        self.certificates_seen += 1
        if self.certificates_seen > self.limits.max_certificates:
            raise GbcsDecodeError(
                self.frame.content_offset,
                f"more than {self.limits.max_certificates} certificates in one message exceeds "
                f"max_certificates={self.limits.max_certificates}",
            )
        placed = _placed(der, cell, where, path, self.limits.max_der_depth)
        if isinstance(placed, Problem):
            self.problems.append(placed)  # type: ignore[union-attr]
        else:
            self.placements.append(placed)  # type: ignore[union-attr]


@lru_cache(maxsize=4096)
def _placed(
    der: bytes, cell: Cell | None, where: str, path: bool, max_der_depth: int
) -> Placement | Problem:
    """A certificate's placement, or the problem why it cannot be decoded: once per distinct
    placement, since the same certificates go into the same cells across a batch."""
    from certcheck.smki.cache import certificate_from_der

    # Walked already inside the content: this only remembers the certificate, so that the
    # next message's content walk steps over it (the certificate decoder says what is wrong
    # with bytes refused here).
    with suppress(DerRefused):
        guard_der(der, max_der_depth)
    try:
        certificate = certificate_from_der(der)
    except CertificateError as exc:
        return Problem(f"certificate could not be decoded: {exc}", where)
    return Placement(certificate, cell, where, path)


def _decode(data: bytes, source: str, digest: str, limits: Limits = DEFAULT_LIMITS) -> Item:
    frame = parse_frame(data)
    originator = format_eui64(frame.originator)
    recipient = format_eui64(frame.recipient)
    info = mc.message_info(frame.message_code)
    parts = _Builder(frame, limits)
    parts.details.update(
        {
            "mac_header": frame.mac_header,
            "recipient": recipient,
            "use_case": info.use_case if info else None,
            "date_time": frame.date_time.hex().upper() if frame.date_time else None,
        }
    )
    decoder = _DECODERS.get((info.content, frame.cra_flag)) if info and info.content else None
    if decoder is not None:
        if decoder is not _update_command:  # which checks the content on its own way
            _guard_content(frame, limits)
        try:
            decoder(parts)
        except GbcsDecodeError:
            raise
        except MALFORMED as exc:  # a field read lazily does not match its declaration
            raise _mismatch(parts, exc) from exc
    else:
        parts.details["content_decoded"] = False
        if info is not None and info.content is not None:
            parts.problems.append(
                Problem(
                    f"{info.use_case} message with CRA flag {frame.cra_flag}: content not decoded",
                    offset(frame.content_offset),
                )
            )
    is_command = frame.cra_flag == mc.CRA_COMMAND
    return Item(
        source=source,
        kind=_KINDS[frame.cra_flag],
        digest=digest,
        message_code=mc.format_message_code(frame.message_code),
        message_name=info.name if info else None,
        originator=originator,
        device_id=recipient if is_command else originator,
        counter=frame.counter,
        remote_party_role=parts.remote_party_role,
        placements=tuple(parts.placements),
        outcomes=tuple(parts.outcomes),
        signature=SignatureInfo(
            signer=originator,
            signed=frame.signed,
            value=frame.signature,
            state=frame.signature_state,
        ),
        execution_time=parts.execution_time,
        sent=dlms_date_time(frame.date_time),
        details=parts.details,
        problems=tuple(parts.problems),
    )


def _guard_content(frame: GbcsFrame, limits: Limits) -> None:
    """Nesting, lengths and trailing bytes of the content, checked before ASN.1 decoding."""
    base = frame.content_offset
    try:
        guard_der(frame.content, limits.max_der_depth, base, remember=False)
        end = element_end(frame.content)
    except DerRefused as refused:
        raise GbcsDecodeError(refused.offset, refused.message) from None
    if end != len(frame.content):
        raise GbcsDecodeError(
            base + end,
            f"end of content: expected after the outer element, found "
            f"{len(frame.content) - end} more byte(s)",
        )


# --- content decoders -------------------------------------------------------------------


def _load(spec: type[core.Asn1Value], parts: _Builder, what: str, *, lazy: bool = False) -> Any:
    """Load the content as ``spec``; parse it fully now unless ``lazy`` (certificates stay
    opaque). A lazy decoder reads its fields later: :func:`_decode` reports what does not
    match then, in the same words, and the decoder forces any field it does not read."""
    frame = parts.frame
    parts.reading = what
    try:
        value = spec.load(frame.content, strict=True)
        if not lazy:
            _force(value)
    except MALFORMED as exc:
        raise _mismatch(parts, exc) from exc
    return value


def _mismatch(parts: _Builder, exc: BaseException) -> GbcsDecodeError:
    return GbcsDecodeError(
        parts.frame.content_offset, f"{parts.reading}: content does not match: {_first_line(exc)}"
    )


def _force(value: core.Asn1Value) -> None:
    """Parse every nested field now so that errors surface inside :func:`_load`."""
    if isinstance(value, core.Any):
        return
    if isinstance(value, core.Sequence):
        for name, _spec, _opts in value._fields:
            _force(value[name])
    elif isinstance(value, core.SequenceOf):
        for child in value:
            _force(child)
    elif not isinstance(value, core.Void) and hasattr(type(value), "native"):
        # asn1crypto's ObjectDescriptor (7), InstanceOf (8) and Real (9) have no ``native``:
        # such a value (never what GBCS carries) stays opaque, like an Any.
        _ = value.native


def _encoded(value: core.Asn1Value) -> bytes:
    """The bytes of a certificate field, even when they are not DER (``dump()`` parses an
    Any first and raises then); the certificate decoder reports what is wrong with them."""
    try:
        return value.dump()
    except ValueError:
        return value._header + (value.contents or b"") + value._trailer


def _number(value: core.Asn1Value) -> int | None:
    return None if isinstance(value, core.Void) else int(value.native)


def _cell(value: core.Sequence, role: int | None = None) -> Cell:
    """A :class:`Cell` from a TrustAnchorCellIdentifier (or a listed cell with ``role``)."""
    names = _usage_names(value["key_usage"])
    key_usage = names[0] if len(names) == 1 else ("+".join(names) or "none")
    usage = int(value["cell_usage"].native)
    return Cell(
        role=int(value["remote_party_role"].native) if role is None else role,
        key_usage=key_usage,
        cell_usage=CELL_USAGES.get(usage, f"cellUsage{usage}"),
    )


def _usage_names(bits: core.Asn1Value) -> list[str]:
    """Key usage bit names, sorted; a bit without a name (an int in asn1crypto) is ``bitN``."""
    return sorted(name if isinstance(name, str) else f"bit{name}" for name in bits.native)


def _eui(raw: bytes) -> str:
    return format_eui64(raw) if len(raw) == 8 else raw.hex().upper()


def _time(value: core.Asn1Value) -> str | None:
    if isinstance(value, core.Void):
        return None
    moment = value.native
    return iso(moment) if isinstance(moment, datetime) else str(moment)


def _uniform_role(cells: list[Cell], mode: int | None) -> int | None:
    """The one role all ``cells`` share, else the role the mode targets."""
    roles = {cell.role for cell in cells}
    if len(roles) == 1:
        return roles.pop()
    return mc.MODE_TARGET_ROLES.get(mode) if mode is not None else None


class _UpdateCommand(NamedTuple):
    """The fields of a CS02b/CS02g command that an item keeps."""

    mode: int
    authorising: Cell | None
    seq_number: int | None
    floor_seq_number: int | None
    cpv: int | None
    plaintext_key: bool
    replacements: tuple[tuple[bytes, Cell], ...]
    path: tuple[bytes, ...]
    execution_time: str | None


def _update_command(parts: _Builder) -> None:
    """CS02b/CS02g command: the fields used, each once. The replacements, the certification
    path and cells recur across a batch and are read once per distinct bytes."""
    parts.reading = "Update Security Credentials"
    limits = parts.limits
    try:
        command, carried = _plain_update_read(parts.frame.content, limits.max_der_depth)
    except (NotPlain, *MALFORMED):
        _guard_content(parts.frame, limits)
        command, carried = _loaded_update_command(parts), None
    mode = command.mode
    parts.details.update(
        {
            "credentials_replacement_mode": mc.mode_name(mode),
            "credentials_replacement_mode_code": mode,
            "authorising_cell": None if command.authorising is None
            else command.authorising.as_dict(),
            "authorising_seq_number": command.seq_number,
            "new_floor_seq_number": command.floor_seq_number,
            "apply_time_based_cpv_checks": command.cpv is None or command.cpv == 0,
            "plaintext_symmetric_key": command.plaintext_key,
        }
    )
    if carried is not None and len(command.replacements) + len(command.path) <= (
        limits.max_certificates
    ):
        key = (carried, limits.max_der_depth)
        placed = _PLACED_SETS.get(key)
        if placed is None:
            placed = _keep(_PLACED_SETS, key, _placed_set(command, parts))
        parts.placements, parts.problems, roles = placed
    else:  # one by one: place() stops at the certificate past max_certificates
        _place_each(command, parts)
        roles = _roles(command)
    parts.remote_party_role = (
        next(iter(roles)) if len(roles) == 1 else mc.MODE_TARGET_ROLES.get(mode)
    )
    parts.execution_time = command.execution_time


# A command's placements, problems and replaced cells by the contents that carry its
# certificates (replacements, certification path) and max_der_depth: they recur in a batch.
# The tuples go into each command's item as they are: one tuple of placements for all the
# commands that carry the same certificates is one key for the checks' plans, found by its id
# (AuditContext.placement_set) rather than hashed placement by placement.
_PLACED_SETS: dict[tuple[tuple[bytes, bytes], int], Any] = {}


def _place_each(command: _UpdateCommand, parts: _Builder) -> None:
    for index, (der, cell) in enumerate(command.replacements):
        parts.place(der, cell, node("replacements", index))
    for index, der in enumerate(command.path):
        parts.place(der, None, node("certificationPathCertificates", index), path=True)


def _roles(command: _UpdateCommand) -> frozenset[int]:
    """The roles of the cells ``command`` replaces (one: the item's remote party role)."""
    return frozenset(cell.role for _, cell in command.replacements)


def _placed_set(
    command: _UpdateCommand, parts: _Builder
) -> tuple[tuple[Placement, ...], tuple[Problem, ...], frozenset[int]]:
    """What :func:`_place_each` gives for ``command``, placed by a builder of its own."""
    own = _Builder(parts.frame, parts.limits)
    _place_each(command, own)
    return tuple(own.placements), tuple(own.problems), _roles(command)


def _plain_update_command(content: bytes, max_depth: int) -> _UpdateCommand:
    """:func:`_plain_update_read`'s command."""
    return _plain_update_read(content, max_depth)[0]


def _plain_update_read(
    content: bytes, max_depth: int
) -> tuple[_UpdateCommand, tuple[bytes, bytes]]:
    """The command read by :mod:`fields` (about 10 us against 60 us with asn1crypto objects),
    with the checks of :func:`_guard_content` made on the way (about 20 us for a walk of the
    whole content): the walk reads the headers of the content and control block, and each
    field below them is walked once per distinct bytes, its nesting kept (``room`` is what
    ``max_depth`` leaves at its level). Raises :class:`NotPlain` (or what asn1crypto or the
    walk raises) for anything the careful read should judge instead. With the command, the
    contents that carry its certificates (replacements, certification path)."""
    if max_depth < 2:  # the content and its control block nest two deep
        raise NotPlain
    room = max_depth - 1  # for a field of the content; a control field has one level less
    control, carried = _content_fields(content, room)
    mode, plaintext, cpv, authorising, seq, floor, specialist, other = fields.contents_fields(
        asn1.AuthorisingRemotePartyControl, control[1]
    )
    if specialist is not None:
        _once_field(specialist, asn1.SpecialistSeqNumbers, _checked, room - 1, implicit=5)
    if other is not None:
        _once_field(other, asn1.RemotePartySeqNumberChanges, _checked, room - 1, implicit=6)
    mode_value = fields.integer(mode)
    assert mode_value is not None
    cell = (
        None
        if authorising is None
        else _once_field(authorising, asn1.TrustAnchorCellIdentifier, _cell, room - 1, implicit=2)
    )
    command = _new_command(  # an _UpdateCommand, made as the tuple it is (as a GbcsFrame is)
        _UpdateCommand,
        (
            mode_value,
            cell,  # authorising
            fields.integer(seq),  # seq_number
            fields.integer(floor),  # floor_seq_number
            fields.integer(cpv),  # cpv
            plaintext is not None,  # plaintext_key
            carried.replacements,
            carried.path,
            carried.execution_time,
        ),
    )
    return command, carried.contents


_new_command = tuple.__new__


class _Carried(NamedTuple):
    """What a CS02b/CS02g content carries after its control block, read by
    :func:`_content_fields`."""

    replacements: tuple[tuple[bytes, Cell], ...]
    path: tuple[bytes, ...]
    execution_time: str | None
    contents: tuple[bytes, bytes]  # of the replacements and the certification path


def _content_fields(content: bytes, room: int) -> tuple[fields.Field, _Carried]:
    """The control block of a CS02b/CS02g content, and what the rest carries, read once per
    distinct rest: the control block (its sequence numbers) differs from command to command,
    the replacements, certification path and execution time after it recur in a batch. A rest
    seen before is read the same way after any control block, so only the headers of the
    content and its control block are read here (about 21 thousand instructions a command
    less: 58 thousand against 79 thousand for the plain read of a benchmark CS02b command).
    Raises as :func:`fields.sequence_fields` and :func:`_once_field` do."""
    split = _split_control(content)
    if split is not None:
        found = _CARRIED.get((split[1], room))
        if found is not None:
            return split[0], found
    control, replacements, path, execution = fields.sequence_fields(
        asn1.UpdateSecurityCredentialsCommand, content
    )
    assert control is not None and replacements is not None and path is not None
    carried = _Carried(
        _once_field(replacements, asn1.TrustAnchorReplacements, _replacements, room),
        _once_field(path, asn1.Certificates, _certificates, room),
        None if execution is None else _once_field(execution, core.GeneralizedTime, _time, room),
        (replacements[1], path[1]),
    )
    if split is not None:
        _keep(_CARRIED, (split[1], room), carried)
    return control, carried


# What the rest of a CS02b/CS02g content carries after its control block, by those bytes and
# the nesting room of a content field (_content_fields).
_CARRIED: dict[tuple[bytes, int], _Carried] = {}


def _split_control(content: bytes) -> tuple[fields.Field, bytes] | None:
    """The control block of a content that is one SEQUENCE starting with a SEQUENCE (as
    :func:`fields.sequence_fields` reads it), and the bytes after that block; None for
    anything else, which the full read judges."""
    size = len(content)
    try:
        first, start, length = element_header(content, 0, size, False)
        if first != _SEQUENCE or start + length != size:
            return None
        tag, begin, length = element_header(content, start, size, True)
    except DerRefused:
        return None
    end = begin + length
    if tag != _SEQUENCE:
        return None
    return (content[start:begin], content[begin:end]), content[end:]


_SEQUENCE = 0x30  # universal, constructed, tag 16


def _loaded_update_command(parts: _Builder) -> _UpdateCommand:
    """The command read lazily from asn1crypto objects, which say what does not match."""
    value = _load(
        asn1.UpdateSecurityCredentialsCommand, parts, "Update Security Credentials", lazy=True
    )
    control = value["authorising_remote_party_control"]
    mode = int(control["credentials_replacement_mode"].native)
    authorising = control["authorising_remote_party_ta_cell_identifier"]
    command = _UpdateCommand(
        mode=mode,
        authorising=None if isinstance(authorising, core.Void) else _once(authorising, _cell),
        seq_number=_number(control["authorising_remote_party_seq_number"]),
        floor_seq_number=_number(control["new_remote_party_floor_seq_number"]),
        cpv=_number(control["apply_time_based_cpv_checks"]),
        plaintext_key=not isinstance(control["plaintext_symmetric_key"], core.Void),
        replacements=(),
        path=(),
        execution_time=None,
    )
    _force(control["new_remote_party_specialist_floor_seq_numbers"])
    _force(control["other_remote_party_seq_number_changes"])
    return command._replace(
        replacements=_once(value["replacements"], _replacements),
        path=_once(value["certification_path_certificates"], _certificates),
        execution_time=_time(value["execution_date_time"]),
    )


_ONCE: dict[tuple[Callable[[Any], Any], bytes], Any] = {}
_ONCE_MAX = 4096


def _once(value: core.Asn1Value, read: Callable[[Any], _T]) -> _T:
    """``read(value)``, once per distinct encoding of ``value`` (the result is shared, so
    ``read`` returns immutable values). A failed read is not kept, so it fails every time."""
    key = (read, value.contents or b"")
    found = _ONCE.get(key)
    if found is None:
        found = _keep(_ONCE, key, read(value))
    return found  # type: ignore[no-any-return]


_PLAIN: dict[tuple[Callable[[Any], Any], type[core.Asn1Value], bytes], tuple[int, Any]] = {}


def _once_field(
    field: fields.Field,
    spec: type[core.Asn1Value],
    read: Callable[[Any], _T],
    room: int,
    **params: Any,
) -> _T:
    """``read`` of a field found by :mod:`fields`, loaded as ``spec``, once per distinct
    contents; first walked by :func:`guard_der` within ``room`` levels of nesting (raises
    :class:`DerRefused`, or :class:`NotPlain` when a field read before nests deeper)."""
    header, contents = field
    key = (read, spec, contents)
    found = _PLAIN.get(key)
    if found is None:
        encoded = header + contents
        depth = guard_der(encoded, room)
        found = _keep(_PLAIN, key, (depth, read(spec.load(encoded, strict=True, **params))))
    if found[0] > room:
        raise NotPlain
    return found[1]  # type: ignore[no-any-return]


def _keep(cache: dict[_K, Any], key: _K, found: _T) -> _T:
    if len(cache) >= _ONCE_MAX:
        cache.clear()
    cache[key] = found
    return found


def _checked(value: core.Asn1Value) -> bool:
    """True once every nested field of ``value`` parses (kept by :func:`_once_field`)."""
    _force(value)
    return True


def _replacements(value: core.SequenceOf) -> tuple[tuple[bytes, Cell], ...]:
    return tuple(
        (_encoded(entry["new_trust_anchor"]), _cell(entry["target_trust_anchor_cell"]))
        for entry in value
    )


def _certificates(value: core.SequenceOf) -> tuple[bytes, ...]:
    return tuple(_encoded(certificate) for certificate in value)


def _execution_outcome(parts: _Builder, outcome: core.Sequence) -> None:
    mode = int(outcome["credentials_replacement_mode"].native)
    parts.details.update(
        {
            "credentials_replacement_mode": mc.mode_name(mode),
            "credentials_replacement_mode_code": mode,
            "outcome_seq_number": int(outcome["authorising_remote_party_seq_number"].native),
        }
    )
    cells: list[Cell] = []
    for index, entry in enumerate(outcome["replacement_outcomes"]):
        cell = _cell(entry["affected_trust_anchor_cell"])
        cells.append(cell)
        parts.outcomes.append(
            CellOutcome(
                cell=cell,
                status=mc.status_name(int(entry["status_code"].native)),
                existing=CellOccupant(
                    cell,
                    _eui(entry["existing_subject_unique_id"].native),
                    entry["existing_subject_key_id"].native.hex().upper(),
                ),
                replacing=CellOccupant(
                    cell,
                    _eui(entry["replacing_subject_unique_id"].native),
                    entry["replacing_subject_key_id"].native.hex().upper(),
                ),
                where=node("replacementOutcomes", index),
            )
        )
    parts.remote_party_role = _uniform_role(cells, mode)


def _update_response(parts: _Builder) -> None:
    value = _load(asn1.UpdateSecurityCredentialsResponse, parts, "Update Security Credentials")
    parts.details["response_status"] = "accepted"
    outcome = value["execution_outcome"]
    parts.details["execution_outcome"] = not isinstance(outcome, core.Void)
    if not isinstance(outcome, core.Void):
        _execution_outcome(parts, outcome)
        return
    info = mc.message_info(parts.frame.message_code)
    if info is not None and info.mode is not None:
        parts.remote_party_role = mc.MODE_TARGET_ROLES.get(info.mode)


def _update_alert(parts: _Builder) -> None:
    value = _load(asn1.UpdateSecurityCredentialsAlert, parts, "Update Security Credentials alert")
    code = int(value["alert_code"].native)
    parts.details["alert_code"] = f"0x{code:04X}"
    parts.details["alert_name"] = mc.ALERT_CODES.get(code)
    parts.execution_time = _time(value["execution_date_time"])
    _execution_outcome(parts, value["execution_outcome"])


def _details_command(parts: _Builder) -> None:
    value = _load(asn1.ProvideSecurityCredentialDetailsCommand, parts, "Credential Details")
    roles = [int(role.native) for role in value["remote_party_roles"]]
    parts.details["authorising_cell"] = _cell(
        value["authorising_remote_party_ta_cell_identifier"]
    ).as_dict()
    parts.details["requested_roles"] = roles
    parts.remote_party_role = roles[0] if len(roles) == 1 else None


def _details_response(parts: _Builder) -> None:
    value = _load(asn1.ProvideSecurityCredentialDetailsResponse, parts, "Credential Details")
    statuses: list[dict[str, Any]] = []
    for index, party in enumerate(value):
        role = int(party["remote_party_role"].native)
        status = mc.status_name(int(party["status_code"].native))
        statuses.append(
            {"role": role, "status": status, "seq_number": _number(party["current_seq_number"])}
        )
        cells = party["trust_anchor_cells"]
        if isinstance(cells, core.Void):
            continue
        for position, listed in enumerate(cells):
            cell = _cell(listed, role)
            parts.outcomes.append(
                CellOutcome(
                    cell=cell,
                    status=status,
                    existing=None,
                    replacing=CellOccupant(
                        cell,
                        _eui(listed["subject_unique_id"].native),
                        listed["subject_key_identifier"].native.hex().upper(),
                    ),
                    where=at(node("remoteParties", index), node("cells", position)),
                )
            )
    parts.details["role_statuses"] = statuses
    roles = {entry["role"] for entry in statuses}
    parts.remote_party_role = roles.pop() if len(roles) == 1 else None


def _device_certificate_command(parts: _Builder) -> None:
    _load(core.Any, parts, "device certificate")
    parts.place(parts.frame.content, None, "content")


def _integer_result(parts: _Builder, names: dict[int, str]) -> None:
    code = int(_load(core.Integer, parts, "result code").native)
    parts.details["response_status"] = names.get(code, f"code{code}")
    parts.details["response_code"] = code


def _device_certificate_response(parts: _Builder) -> None:
    _integer_result(parts, mc.DEVICE_CERTIFICATE_UPDATE_RESULTS)


def _key_usage_command(parts: _Builder) -> None:
    value = _load(asn1.ProvideDeviceCertificateCommand, parts, "key usage request")
    parts.details["requested_key_usage"] = _usage_names(value["key_usage"])


def _retrieval_response(parts: _Builder) -> None:
    if parts.frame.content[:1] == b"\x02":
        _integer_result(parts, mc.DEVICE_CERTIFICATE_RETRIEVAL_ERRORS)
        return
    _load(core.Any, parts, "device certificate")
    parts.details["response_status"] = "success"
    parts.place(parts.frame.content, None, "content")


def _issue_response(parts: _Builder) -> None:
    if parts.frame.content[:1] == b"\x02":
        _integer_result(parts, {})
        return
    _load(core.Any, parts, "certification request")
    parts.details["response_status"] = "success"
    parts.details["certification_request"] = True


_DECODERS: dict[tuple[str, int], Callable[[_Builder], None]] = {
    (mc.CONTENT_CREDENTIALS_UPDATE, mc.CRA_COMMAND): _update_command,
    (mc.CONTENT_CREDENTIALS_UPDATE, mc.CRA_RESPONSE): _update_response,
    (mc.CONTENT_CREDENTIALS_ALERT, mc.CRA_ALERT): _update_alert,
    (mc.CONTENT_CREDENTIALS_DETAILS, mc.CRA_COMMAND): _details_command,
    (mc.CONTENT_CREDENTIALS_DETAILS, mc.CRA_RESPONSE): _details_response,
    (mc.CONTENT_DEVICE_CERTIFICATE_UPDATE, mc.CRA_COMMAND): _device_certificate_command,
    (mc.CONTENT_DEVICE_CERTIFICATE_UPDATE, mc.CRA_RESPONSE): _device_certificate_response,
    (mc.CONTENT_DEVICE_CERTIFICATE_RETRIEVAL, mc.CRA_COMMAND): _key_usage_command,
    (mc.CONTENT_DEVICE_CERTIFICATE_RETRIEVAL, mc.CRA_RESPONSE): _retrieval_response,
    (mc.CONTENT_CREDENTIALS_ISSUE, mc.CRA_COMMAND): _key_usage_command,
    (mc.CONTENT_CREDENTIALS_ISSUE, mc.CRA_RESPONSE): _issue_response,
}


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0][:200] if text else type(exc).__name__
