"""The fields of a declared SEQUENCE, read straight from its encoding.

asn1crypto builds an object per field through several layers of calls: reading the fields of a
CS02b command's 21-byte control block costs about 30 us that way, against about 2 us for a walk
of the same bytes matched against the same declaration (the ``(class, tag)`` that asn1crypto
computes for each field of an ``asn1.py`` class, with the form its type has). Headers are read
by :func:`certcheck.formats.derguard.element_header`, so the walk accepts what the nesting and
length guard accepts. The walk answers only for an encoding that is plainly as declared (each
field's one-byte tag and form as declared, nothing left over); for anything else it raises
:class:`NotPlain` and the caller loads the value with asn1crypto, which says what is wrong in
its own words.
"""

from __future__ import annotations

from functools import cache

from asn1crypto import core

from certcheck.formats.derguard import DerRefused, element_header

Field = tuple[bytes, bytes]  # (header, contents) of one present field
_SEQUENCE = 0x30  # universal, constructed, tag 16


class NotPlain(Exception):
    """The encoding is not plainly as declared: leave it to asn1crypto."""


@cache
def _declared(spec: type[core.Sequence]) -> tuple[tuple[int | None, bool], ...] | None:
    """Each field of ``spec`` as the walk matches it: the identifier octet it takes (None: any
    element, for an ANY) and whether it may be absent (optional, or with a default). None when
    the walk cannot read ``spec`` (an explicit tag, a CHOICE, an optional ANY, a spec callback,
    a tag number above 30)."""
    spec()  # asn1crypto computes ``_field_ids`` on a class's first instance
    if spec._spec_callbacks or spec._oid_pair:
        return None
    declared: list[tuple[int | None, bool]] = []
    for (_name, field_spec, params), (class_, tag) in zip(
        spec._fields, spec._field_ids, strict=True
    ):
        optional = "optional" in params or "default" in params
        if field_spec is core.Any and not optional:
            declared.append((None, False))
            continue
        if "explicit" in params or issubclass(field_spec, (core.Choice, core.Any)) or tag > 30:
            return None
        declared.append(((class_ << 6) | (field_spec.method << 5) | tag, optional))
    return tuple(declared)


def sequence_fields(spec: type[core.Sequence], encoded: bytes) -> list[Field | None]:
    """The fields of ``encoded``, one DER SEQUENCE declared by ``spec`` with nothing after it:
    ``(header, contents)`` of each, None for an absent one. Raises :class:`NotPlain`."""
    try:
        first, start, length = element_header(encoded, 0, len(encoded), False)
    except DerRefused:
        raise NotPlain from None
    if first != _SEQUENCE or start + length != len(encoded):
        raise NotPlain
    return contents_fields(spec, encoded[start:])


def contents_fields(spec: type[core.Sequence], contents: bytes) -> list[Field | None]:
    """:func:`sequence_fields` of a SEQUENCE's contents (as under an implicit tag)."""
    declared = _declared(spec)
    if declared is None:
        raise NotPlain
    found: list[Field | None] = []
    index, pos, size = 0, 0, len(contents)
    try:
        while pos < size:
            # A one-byte tag with a length of up to two bytes is read here as element_header
            # reads it; any other header by element_header.
            first = contents[pos]
            length = contents[pos + 1] if pos + 1 < size else 0x80
            if first & 0x1F != 0x1F and length < 0x80:
                start = pos + 2
            elif first & 0x1F != 0x1F and 0x80 < length <= 0x82 and pos + length - 0x7E <= size:
                start = pos + length - 0x7E  # after the tag, 0x81 or 0x82 and 1 or 2 bytes
                length = int.from_bytes(contents[pos + 2 : start], "big")
            else:
                first, start, length = element_header(contents, pos, size, True)
            if start + length > size:
                raise NotPlain
            while True:
                if index == len(declared):
                    raise NotPlain
                want, optional = declared[index]
                index += 1
                if want is None or first == want:
                    found.append((contents[pos:start], contents[start : start + length]))
                    break
                if not optional:
                    raise NotPlain
                found.append(None)
            pos = start + length
    except DerRefused:
        raise NotPlain from None
    for _want, optional in declared[index:]:
        if not optional:
            raise NotPlain
        found.append(None)
    return found


def integer(field: Field | None) -> int | None:
    """An INTEGER field's value as asn1crypto reads it; None when absent. Raises
    :class:`NotPlain` for empty contents."""
    if field is None:
        return None
    if not field[1]:
        raise NotPlain
    return int.from_bytes(field[1], "big", signed=True)
