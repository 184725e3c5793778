"""Validation of record fields while parsing, so a bad value fails with its file and line, before any write."""

from __future__ import annotations

import json
import re
from datetime import date, datetime

_YEAR = re.compile(r"^\d{4}$")
_YEAR_MONTH = re.compile(r"^(\d{4})-(\d{2})$")
DATE_FORMS = "YYYY-MM-DD, YYYY-MM or YYYY"


def _shown(value: object) -> str:
    return json.dumps(value, ensure_ascii=False, default=str)


def iso_date(value: object) -> str:
    """`value` as an ISO date ("2023-10-03", "2023-10" or "2023"; a datetime is cut to its date).

    Raises ValueError('bad date "yesterday" (expected ...)') for anything else: free text, lists,
    impossible days such as 2023-02-30, years outside 1000-9999.
    """
    if isinstance(value, int) and not isinstance(value, bool) and 1000 <= value <= 9999:
        return str(value)
    if isinstance(value, str):
        text = value.strip()
        if _YEAR.match(text):
            return text
        if (m := _YEAR_MONTH.match(text)) and 1 <= int(m.group(2)) <= 12:
            return text
        try:
            if len(text) == 10:
                return date.fromisoformat(text).isoformat()
            if len(text) > 10:
                return datetime.fromisoformat(text.replace("Z", "+00:00")).date().isoformat()
        except ValueError:
            pass
    raise ValueError(f"bad date {_shown(value)} (expected {DATE_FORMS})")


def dump_date(text: str) -> str:
    """A dump's "Oct 3, 2023" as ISO; ValueError('bad date "Feb 30, 2023"') if no such day exists."""
    try:
        return datetime.strptime(text, "%b %d, %Y").date().isoformat()
    except ValueError:
        raise ValueError(f"bad date {_shown(text)} (no such day)") from None


def count(value: object, field: str) -> int:
    """A non-negative integer field (upvotes, author count)."""
    if isinstance(value, int) and not isinstance(value, bool) and value >= 0:
        return value
    raise ValueError(f"bad {field} {_shown(value)} (expected a whole number >= 0)")


def string_list(value: object, field: str) -> list[str]:
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        return list(value)
    raise ValueError(f"bad {field} {_shown(value)} (expected a list of strings)")
