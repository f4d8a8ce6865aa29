"""The fields of a declared SEQUENCE, read straight from its encoding.

asn1crypto builds an object per field through several layers of calls: reading the fields of a
CS02b command's 21-byte control block costs about 30 us that way, against about 3 us for a walk
of the same bytes with asn1crypto's own header parser matched against the same declaration
(the ``(class, tag)`` that asn1crypto computes for each field of an ``asn1.py`` class). The
walk answers only for an encoding that is plainly as declared (each field's class, tag and
form, no BER indefinite length, no more length octets than ``derguard`` accepts, nothing left
over); for anything else it raises
:class:`NotPlain` and the caller loads the value with asn1crypto, which says what is wrong in
its own words.

It relies on two asn1crypto internals, ``parser._parse`` and ``Sequence._field_ids``: stable
since asn1crypto 1.0 and checked by the reference-sample tests, which decode every sample both
ways.
"""

from __future__ import annotations

from functools import cache
from typing import NamedTuple

from asn1crypto import core, parser

Field = tuple[bytes, bytes]  # (header, contents) of one present field


class NotPlain(Exception):
    """The encoding is not plainly as declared: leave it to asn1crypto."""


class _Declared(NamedTuple):
    """What one declared field accepts: its (class, tag, constructed form), or anything."""

    class_: int
    tag: int
    method: int
    optional: bool  # optional or with a default: may be absent
    anything: bool  # core.Any: any one element


@cache
def _declared(spec: type[core.Sequence]) -> tuple[_Declared, ...] | None:
    """The fields of ``spec`` as the walk matches them; None when the walk cannot read it
    (an explicit tag, a CHOICE, an optional ANY, a spec callback)."""
    spec()  # asn1crypto computes ``_field_ids`` on a class's first instance
    if spec._spec_callbacks or spec._oid_pair:
        return None
    declared = []
    for (_name, field_spec, params), (class_, tag) in zip(
        spec._fields, spec._field_ids, strict=True
    ):
        optional = "optional" in params or "default" in params
        anything = field_spec is core.Any
        if "explicit" in params or issubclass(field_spec, core.Choice) or (anything and optional):
            return None
        method = 0 if anything else field_spec.method
        declared.append(_Declared(class_, tag, method, optional, anything))
    return tuple(declared)


def sequence_fields(spec: type[core.Sequence], encoded: bytes) -> list[Field | None]:
    """The fields of ``encoded``, one DER SEQUENCE declared by ``spec`` with nothing after it:
    ``(header, contents)`` of each, None for an absent one. Raises :class:`NotPlain`."""
    try:
        (class_, method, tag, header, contents, trailer), end = parser._parse(
            encoded, len(encoded)
        )
    except ValueError:
        raise NotPlain from None
    if (class_, method, tag) != (0, 1, 16) or trailer or end != len(encoded):
        raise NotPlain
    if not _plain_header(header):
        raise NotPlain
    return contents_fields(spec, contents)


def contents_fields(spec: type[core.Sequence], contents: bytes) -> list[Field | None]:
    """:func:`sequence_fields` of a SEQUENCE's contents (as under an implicit tag)."""
    declared = _declared(spec)
    if declared is None:
        raise NotPlain
    found: list[Field | None] = []
    index, pos, size = 0, 0, len(contents)
    try:
        while pos < size:
            (class_, method, tag, header, value, trailer), pos = parser._parse(
                contents, size, pos
            )
            if trailer or not _plain_header(header):
                raise NotPlain
            while True:
                if index == len(declared):
                    raise NotPlain
                want_class, want_tag, want_method, optional, anything = declared[index]
                index += 1
                if anything or (class_ == want_class and tag == want_tag):
                    if not anything and method != want_method:
                        raise NotPlain
                    found.append((header, value))
                    break
                if not optional:
                    raise NotPlain
                found.append(None)
    except ValueError:
        raise NotPlain from None
    for field in declared[index:]:
        if not field.optional:
            raise NotPlain
        found.append(None)
    return found


def _plain_header(header: bytes) -> bool:
    """A one-byte tag and at most four length octets (what ``derguard`` accepts as well)."""
    return header[0] & 0x1F != 0x1F and len(header) <= 6


def integer(field: Field | None) -> int | None:
    """An INTEGER field's value as asn1crypto reads it; None when absent. Raises
    :class:`NotPlain` for empty contents."""
    if field is None:
        return None
    if not field[1]:
        raise NotPlain
    return int.from_bytes(field[1], "big", signed=True)
