"""Decoded SMKI certificates as plain JSON values and back, for a keystore kept compiled.

Every field of a :class:`SmkiCertificate` is written, so reading one back decodes nothing:
bytes as base64, instants as ISO 8601 with their offset, tuples as lists. Reading checks each
value's type, and that the DER's SHA-256 is the one recorded; anything else raises ValueError
or TypeError, and the caller then decodes the certificate files again.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
from collections.abc import Callable
from dataclasses import fields
from datetime import datetime
from typing import Any

from certcheck.smki.certificate import Extension, SmkiCertificate


def _bytes_out(value: bytes) -> str:
    if not isinstance(value, bytes):
        raise TypeError("expected bytes")
    return base64.b64encode(value).decode("ascii")


def _bytes_in(value: Any) -> bytes:
    if not isinstance(value, str):
        raise TypeError("expected base64 text")
    try:
        return binascii.a2b_base64(value, strict_mode=True)
    except (binascii.Error, ValueError) as exc:  # ValueError: text that is not ASCII
        raise ValueError("broken base64") from exc


def _instant_out(value: datetime) -> str:
    if type(value) is not datetime or value.tzinfo is None:  # asn1crypto's year 0 is not one
        raise TypeError("expected an aware datetime")
    return value.isoformat()


def _instant_in(value: Any) -> datetime:
    if not isinstance(value, str):
        raise TypeError("expected ISO 8601 text")
    moment = datetime.fromisoformat(value)
    if moment.tzinfo is None:
        raise ValueError("an instant without its offset")
    return moment


def _strings_in(value: Any) -> tuple[str, ...]:
    if not isinstance(value, list) or not all(isinstance(text, str) for text in value):
        raise TypeError("expected a list of strings")
    return tuple(value)


def _extensions_out(value: tuple[Extension, ...]) -> list[list[Any]]:
    return [[ext.oid, ext.critical, _bytes_out(ext.value)] for ext in value]


def _extensions_in(value: Any) -> tuple[Extension, ...]:
    if not isinstance(value, list):
        raise TypeError("expected a list of extensions")
    extensions = []
    for entry in value:
        oid, critical, der = entry  # ValueError (or TypeError) when not three values
        if not isinstance(oid, str) or not isinstance(critical, bool):
            raise TypeError("expected an extension's OID and criticality")
        extensions.append(Extension(oid=oid, critical=critical, value=_bytes_in(der)))
    return tuple(extensions)


def _plain(*kinds: type | None) -> Callable[[Any], Any]:
    """A JSON value kept as it is, when it is of one of ``kinds`` (None: null)."""
    allowed = tuple(type(None) if kind is None else kind for kind in kinds)

    def check(value: Any) -> Any:
        # bool is an int to isinstance: an int field must not take true or false
        if not isinstance(value, allowed) or (isinstance(value, bool) and bool not in allowed):
            raise TypeError(f"expected {' or '.join(kind.__name__ for kind in allowed)}")
        return value

    return check


# (to JSON, from JSON) for each field annotation of SmkiCertificate
_CODECS: dict[str, tuple[Callable[[Any], Any], Callable[[Any], Any]]] = {
    "bytes": (_bytes_out, _bytes_in),
    "str": (_plain(str), _plain(str)),
    "str | None": (_plain(str, None), _plain(str, None)),
    "int | None": (_plain(int, None), _plain(int, None)),
    "bool": (_plain(bool), _plain(bool)),
    "datetime": (_instant_out, _instant_in),
    "tuple[str, ...]": (list, _strings_in),
    "tuple[Extension, ...]": (_extensions_out, _extensions_in),
}
# KeyError here, at import, when SmkiCertificate gains a field of a type not known above
_FIELDS = tuple((field.name, *_CODECS[str(field.type)]) for field in fields(SmkiCertificate))


def certificate_values(certificate: SmkiCertificate) -> list[Any]:
    """Every field of ``certificate``, in order, as JSON values (TypeError when one cannot be
    written, such as an instant asn1crypto gives as year 0: the caller keeps nothing)."""
    return [to_json(getattr(certificate, name)) for name, to_json, _ in _FIELDS]


def certificate_from_values(values: Any) -> SmkiCertificate:
    """The certificate :func:`certificate_values` wrote (ValueError or TypeError when
    ``values`` is not exactly that)."""
    if not isinstance(values, list) or len(values) != len(_FIELDS):
        raise ValueError("not a compiled certificate")
    fields_in = {
        name: from_json(value) for (name, _, from_json), value in zip(_FIELDS, values, strict=True)
    }
    if hashlib.sha256(fields_in["der"]).hexdigest() != fields_in["sha256"]:
        raise ValueError("the DER is not the one recorded")
    return SmkiCertificate(**fields_in)
