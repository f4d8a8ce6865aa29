"""Date-time text as SPEC.md writes it: ISO 8601 UTC with a ``Z`` (SPEC.md, "Output")."""

from __future__ import annotations

from datetime import UTC, datetime


def iso_utc(text: str) -> str:
    """xs:dateTime or ISO 8601 text as ISO 8601 UTC; a time without a zone is taken as UTC.

    Fractions of a second are kept to the millisecond. Raises ValueError when ``text`` is not a
    date-time.
    """
    moment = datetime.fromisoformat(text.strip())
    moment = moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)
    spec = "seconds" if moment.microsecond == 0 else "milliseconds"
    return moment.replace(tzinfo=None).isoformat(timespec=spec) + "Z"
