"""Date parsing for news pages: displayed dates in uk/ru/en and ISO strings, all to Kyiv-aware datetimes.

Naive times on the Ukrainska Pravda group's sites are Kyiv local time, so every naive value is placed in
``Europe/Kyiv`` and rendered as ISO 8601 with the offset of that moment (+02:00 winter, +03:00 summer).
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta, timezone
from email.utils import parsedate_to_datetime
from zoneinfo import ZoneInfo

KYIV = ZoneInfo("Europe/Kyiv")

# Genitive month names as the sites print them ("10 травня", "10 мая"), plus nominative forms and
# English, so an archive or listing that uses either still parses.
_MONTHS: dict[str, int] = {}
for _names in (
    # uk genitive / nominative
    "січня лютого березня квітня травня червня липня серпня вересня жовтня листопада грудня",
    "січень лютий березень квітень травень червень липень серпень вересень жовтень листопад грудень",
    # ru genitive / nominative
    "января февраля марта апреля мая июня июля августа сентября октября ноября декабря",
    "январь февраль март апрель май июнь июль август сентябрь октябрь ноябрь декабрь",
    # en full / short
    "january february march april may june july august september october november december",
    "jan feb mar apr may jun jul aug sep oct nov dec",
):
    for _i, _name in enumerate(_names.split(), start=1):
        _MONTHS[_name] = _i

_DISPLAY_RE = re.compile(
    r"(?P<day>\d{1,2})\s+(?P<month>[^\W\d_]+)\.?(?:\s*,?\s*(?P<year>\d{4}))?"
    r"(?:\s*(?:,|о|в|at)?\s*(?P<hour>\d{1,2})[:.](?P<minute>\d{2}))?",
    re.IGNORECASE,
)
_ISO_RE = re.compile(
    r"^\s*(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.\d+)?)?)?\s*(Z|[+-]\d{2}:?\d{2})?\s*$"
)


def kyiv(dt: datetime) -> datetime:
    """A timezone-aware datetime in Kyiv time; naive input is taken to be Kyiv local time already."""
    if dt.tzinfo is None:
        return dt.replace(tzinfo=KYIV)
    return dt.astimezone(KYIV)


def to_iso(dt: datetime | None) -> str | None:
    """ISO 8601 with the offset of the moment, to the second (``2023-05-10T11:21:00+03:00``)."""
    if dt is None:
        return None
    return dt.replace(microsecond=0).isoformat()


def utc_now() -> datetime:
    return datetime.now(UTC).replace(microsecond=0)


def parse_iso(value: str | None) -> datetime | None:
    """Parse an ISO-like date (``2026-01-08T17:46:00+02:00``, ``2025-10-24 15:26:00``, ``2023-05-10``).

    A value with an offset keeps its instant and is shown in Kyiv time with Kyiv's offset; a naive value
    is Kyiv local time. Returns None for anything that is not such a date.
    """
    if not value:
        return None
    m = _ISO_RE.match(value)
    if not m:
        return None
    y, mo, d, h, mi, s, tz = m.groups()
    try:
        dt = datetime(int(y), int(mo), int(d), int(h or 0), int(mi or 0), int(s or 0))
    except ValueError:
        return None
    if tz:
        if tz == "Z":
            return dt.replace(tzinfo=UTC).astimezone(KYIV)
        sign = 1 if tz[0] == "+" else -1
        digits = tz[1:].replace(":", "")
        offset = timedelta(hours=int(digits[:2]), minutes=int(digits[2:]))

        return dt.replace(tzinfo=timezone(sign * offset)).astimezone(KYIV)
    return kyiv(dt)


def parse_rfc822(value: str | None) -> datetime | None:
    """Parse an RSS ``pubDate``; returns a Kyiv-time datetime or None."""
    if not value:
        return None
    try:
        dt = parsedate_to_datetime(value.strip())
    except (TypeError, ValueError, IndexError):
        return None
    return kyiv(dt)


def parse_display_date(text: str | None, reference: datetime | None = None) -> datetime | None:
    """Parse a date as the pages display it, in Ukrainian, Russian or English.

    ``Середа, 10 травня 2023, 11:21``, ``Среда, 10 мая 2023, 11:21``, ``Wednesday, 10 May 2023, 11:21``,
    ``Ольга Глущенко — 1 грудня, 00:08`` (no year: today's articles on the current platform). A missing year
    is taken from ``reference`` (the crawl time); a date that would then lie in the future belongs to the
    year before.
    """
    if not text:
        return None
    for m in _DISPLAY_RE.finditer(text):
        month = _MONTHS.get(m.group("month").lower())
        if month is None:
            continue
        day = int(m.group("day"))
        hour = int(m.group("hour") or 0)
        minute = int(m.group("minute") or 0)
        if m.group("year"):
            year = int(m.group("year"))
        else:
            ref = kyiv(reference or utc_now())
            year = ref.year
            try:
                if kyiv(datetime(year, month, day, hour, minute)) > ref + timedelta(days=1):
                    year -= 1
            except ValueError:
                return None
        try:
            return kyiv(datetime(year, month, day, hour, minute))
        except ValueError:
            return None
    return None


def parse_day(value: str) -> date:
    """Parse a ``YYYY-MM-DD`` command-line date; raises ValueError with a readable message."""
    try:
        return date.fromisoformat(value)
    except (TypeError, ValueError):
        raise ValueError(f"{value!r} is not a date in the form YYYY-MM-DD") from None
