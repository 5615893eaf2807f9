"""The office's clock and language: "today" is a day on the office's calendar, stored text is
in the office's language."""

from __future__ import annotations

from datetime import date, datetime

from django.conf import settings
from django.utils import timezone, translation


def office_today(now: datetime | None = None) -> date:
    """Today (or the day of `now`) in the office's time zone (settings.TIME_ZONE).

    The office's zone, not the request's: a deadline is a day on the office's calendar.
    """
    return timezone.localdate(now, timezone=timezone.get_default_timezone())


def office_language() -> translation.override:
    """Write in the office's language (settings.LANGUAGE_CODE), whatever the reader's is.

    For text that is stored or sent on rather than shown to the person acting: history change
    reasons, webhook payloads, the Excel 台账. An English-speaking user must not leave English
    words in the office's Chinese audit trail.
    """
    return translation.override(settings.LANGUAGE_CODE)
