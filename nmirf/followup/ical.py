"""An iCalendar (RFC 5545) feed of deadlines, written by hand: all-day VEVENTs, text
escaped (backslash, semicolon, comma, newline), lines ended by CRLF and folded at 75
octets without splitting a UTF-8 character. A few dozen lines did not warrant a
dependency."""

import datetime

from django.utils import timezone

PRODID = "-//OpenNMIRF//Follow-up calendar//EN"


def escape(text: str) -> str:
    return (str(text).replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,")
            .replace("\r\n", "\\n").replace("\n", "\\n").replace("\r", "\\n"))


def fold(line: str) -> str:
    """One content line, folded: at most 75 octets per physical line, continuation lines
    starting with a space."""
    data = line.encode("utf-8")
    if len(data) <= 75:
        return line
    parts, start, limit = [], 0, 75
    while start < len(data):
        end = min(start + limit, len(data))
        while end < len(data) and (data[end] & 0xC0) == 0x80:  # inside a character
            end -= 1
        parts.append(data[start:end].decode("utf-8"))
        start, limit = end, 74  # the leading space counts
    return "\r\n ".join(parts)


def _date(day: datetime.date) -> str:
    return day.strftime("%Y%m%d")


def calendar(deadlines, *, name: str, base_url: str, host: str, entity_names=None) -> str:
    """The text of a VCALENDAR holding one all-day event per deadline."""
    entity_names = entity_names or {}
    stamp = timezone.now().astimezone(datetime.UTC).strftime("%Y%m%dT%H%M%SZ")
    lines = ["BEGIN:VCALENDAR", "VERSION:2.0", f"PRODID:{PRODID}", "CALSCALE:GREGORIAN",
             "METHOD:PUBLISH", f"X-WR-CALNAME:{escape(name)}"]
    for deadline in deadlines:
        responsible = ", ".join(entity_names.get(pk, "") for pk in deadline.entity_ids)
        description = "\n".join(part for part in (str(deadline.kind_label), responsible,
                                                  base_url + deadline.url) if part)
        lines += [
            "BEGIN:VEVENT",
            f"UID:{escape(deadline.key.replace(':', '-'))}@{host}",
            f"DTSTAMP:{stamp}",
            f"DTSTART;VALUE=DATE:{_date(deadline.date)}",
            f"DTEND;VALUE=DATE:{_date(deadline.date + datetime.timedelta(days=1))}",
            f"SUMMARY:{escape(f'{deadline.kind_label}: {deadline.title}')}",
            f"DESCRIPTION:{escape(description)}",
            f"URL:{base_url}{deadline.url}",
            "TRANSP:TRANSPARENT",
            "END:VEVENT",
        ]
    lines.append("END:VCALENDAR")
    return "".join(fold(line) + "\r\n" for line in lines)
