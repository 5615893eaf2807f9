"""Calendar feeds: revocable secret tokens and the iCalendar text of a feed."""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Iterable
from datetime import date, datetime, timedelta

from django.conf import settings
from django.contrib.auth.models import User
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from icalendar import Calendar, Event

from ..models import CalendarToken, Commitment, Unit
from ..selectors.office import office_language
from .links import commitment_admin_url


def token_digest(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


def calendar_feed_url(raw: str) -> str:
    return settings.SITE_URL + reverse("commitments:calendar-feed", args=[raw])


@transaction.atomic
def calendar_token_create(
    *, unit: Unit | None = None, user: User | None = None, label: str = ""
) -> tuple[CalendarToken, str]:
    """A new feed for a unit or a person. Returns the token and its secret, shown only now."""
    raw = secrets.token_urlsafe(32)
    token = CalendarToken(unit=unit, user=user, label=label, token_hash=token_digest(raw))
    token.full_clean()
    token.save()
    return token, raw


@transaction.atomic
def calendar_token_revoke(*, token: CalendarToken) -> CalendarToken:
    """The feed URL stops working at once; calendars that subscribed keep their last copy."""
    if token.revoked_at is None:
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at"])
    return token


def calendar_ics(
    *, name: str, commitments: Iterable[Commitment], stamp: datetime | None = None
) -> bytes:
    """All-day events on each deadline; UIDs are stable so calendars update, not duplicate."""
    host = settings.SITE_URL.split("://", 1)[-1].split("/", 1)[0] or "ledger"
    stamp = stamp or timezone.now()
    calendar = Calendar()
    calendar.add("prodid", "-//认责承诺台账//commitments-ledger//ZH")
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("x-wr-calname", f"{name} · 承诺事项完成时限")
    calendar.add("x-wr-timezone", settings.TIME_ZONE)
    # The feed is Chinese throughout, whatever language the calendar program asks for.
    with office_language():
        status_labels = {value: str(label) for value, label in Commitment.Status.choices}
    calendar.add("refresh-interval;value=duration", "PT6H")
    for commitment in commitments:
        deadline: date | None = commitment.deadline
        if deadline is None:
            continue
        event = Event()
        event.add("uid", f"commitment-{commitment.pk}@{host}")
        event.add("dtstamp", stamp)
        event.add("dtstart", deadline)
        event.add("dtend", deadline + timedelta(days=1))
        event.add("summary", f"【完成时限】{commitment.title}")
        event.add(
            "description",
            f"责任单位:{commitment.lead_unit.name}\n状态:{status_labels[commitment.status]}",
        )
        event.add("url", commitment_admin_url(commitment.pk))
        event.add("transp", "TRANSPARENT")
        calendar.add_component(event)
    return calendar.to_ical()
