"""Date parsing for news pages: displayed dates in uk/ru/en and ISO strings, read by the rules of one site.

How a page's times are read is a ``SiteTime``: a site profile names its own timezone (the Ukrainska Pravda
group's is ``Europe/Kyiv``), so its naive times are local time there and every time is shown with the
offset of that zone at that moment (+02:00 winter, +03:00 summer). A page of an unknown site keeps the
offset it states; its naive times are local time of the zone the user gives (``-a tz=Europe/Berlin``) or,
with none given, stay naive: no offset is invented. The default rule, where none is passed, is Kyiv's.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta, timezone, tzinfo
from email.utils import parsedate_to_datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

KYIV = ZoneInfo("Europe/Kyiv")


@dataclass(frozen=True)
class SiteTime:
    """How one site's times are read.

    ``zone``: where a time without offset is local time; None when nobody knows (it then stays naive).
    ``convert``: show every time in ``zone`` (a site profile) instead of the offset the page states.
    """

    zone: tzinfo | None
    convert: bool = False

    def place(self, dt: datetime) -> datetime:
        if dt.tzinfo is None:
            return dt.replace(tzinfo=self.zone) if self.zone is not None else dt
        return dt.astimezone(self.zone) if self.convert and self.zone is not None else dt

    @classmethod
    def of_site(cls, name: str) -> SiteTime:
        """The rule of a site profile: its own timezone, for naive times and for display."""
        return cls(ZoneInfo(name), convert=True)

    @classmethod
    def unknown_site(cls, name: str | None = None) -> SiteTime:
        """The rule of a site without a profile: the page's own offsets; naive times in ``name`` if given."""
        return cls(ZoneInfo(name) if name else None, convert=False)


KYIV_TIME = SiteTime(KYIV, convert=True)


def check_zone(name: str) -> str:
    """An IANA timezone name as given (``Europe/Berlin``); raises ValueError with a readable message."""
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(f"{name!r} is not an IANA timezone name such as Europe/Berlin") from None
    return name

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
# Not datetime.fromisoformat alone: it also takes "20230510", week dates ("2023-W19-3"), an hour alone and
# offsets with seconds, which would turn values pages put in date attributes into dates that records lack.
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


def parse_iso(value: str | None, rule: SiteTime = KYIV_TIME) -> datetime | None:
    """Parse an ISO-like date (``2026-01-08T17:46:00+02:00``, ``2025-10-24 15:26:00``, ``2023-05-10``).

    A value with an offset keeps its instant; ``rule`` says whether it is shown in the site's zone or
    with its own offset, and what a naive value is (a date alone is midnight). Returns None for anything
    that is not such a date.
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
            return rule.place(dt.replace(tzinfo=UTC))
        sign = 1 if tz[0] == "+" else -1
        digits = tz[1:].replace(":", "")
        offset = timedelta(hours=int(digits[:2]), minutes=int(digits[2:]))
        try:
            return rule.place(dt.replace(tzinfo=timezone(sign * offset)))
        except ValueError:  # an offset of a day or more
            return None
    return rule.place(dt)


def parse_rfc822(value: str | None, rule: SiteTime = KYIV_TIME) -> datetime | None:
    """Parse an RSS ``pubDate``, placed by ``rule``; None when it is no such date."""
    if not value:
        return None
    try:
        dt = parsedate_to_datetime(value.strip())
    except (TypeError, ValueError, IndexError):
        return None
    return rule.place(dt)


def parse_display_date(
    text: str | None, reference: datetime | None = None, rule: SiteTime = KYIV_TIME
) -> datetime | None:
    """Parse a date as the pages display it, in Ukrainian, Russian or English.

    ``Середа, 10 травня 2023, 11:21``, ``Среда, 10 мая 2023, 11:21``, ``Wednesday, 10 May 2023, 11:21``,
    ``Ольга Глущенко — 1 грудня, 00:08`` (no year: today's articles on the current platform). A missing year
    is taken from ``reference`` (the crawl time); a date that would then lie in the future belongs to the
    year before. The displayed time is local time by ``rule``.
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
            ref = reference or utc_now()
            if ref.tzinfo is not None:  # compared in the site's local time
                ref = ref.astimezone(rule.zone or UTC).replace(tzinfo=None)
            year = ref.year
            try:
                if datetime(year, month, day, hour, minute) > ref + timedelta(days=1):
                    year -= 1
            except ValueError:
                return None
        try:
            return rule.place(datetime(year, month, day, hour, minute))
        except ValueError:
            return None
    return None


def parse_day(value: str) -> date:
    """Parse a ``YYYY-MM-DD`` command-line date; raises ValueError with a readable message."""
    try:
        return date.fromisoformat(value)
    except (TypeError, ValueError):
        raise ValueError(f"{value!r} is not a date in the form YYYY-MM-DD") from None
