"""Named reads for e-mail reminders: what is due for a reminder, and who supervises.

Which commitments are remindable at all is `choices.REMINDABLE_STATUSES`.
"""

from __future__ import annotations

from datetime import date

from django.db.models import Count, QuerySet

from ..choices import REMINDABLE_STATUSES
from ..models import ChannelMessage, Commitment, ReminderLog, ReminderMessage, Unit
from ..querysets import CommitmentQuerySet

# What a delivery (an e-mail's or a robot's) is about, as the digests read it: its log's kind
# and the commitment's id, title, deadline and status.
DELIVERY_SUBJECT_FIELDS = (
    "log__kind",
    "log__commitment_id",
    "log__commitment__title",
    "log__commitment__deadline",
    "log__commitment__status",
)


def _candidates(queryset: CommitmentQuerySet) -> CommitmentQuerySet:
    # The sweep reads the few columns it needs as plain rows (services.reminders.Candidate).
    return queryset.filter(status__in=REMINDABLE_STATUSES)


def reminder_due_soon_candidates(*, today: date, days: int) -> CommitmentQuerySet:
    """Due from today up to `days` days ahead."""
    return _candidates(Commitment.objects.due_within(today, days))


def reminder_overdue_candidates(*, today: date) -> CommitmentQuerySet:
    """Past their deadline (a deadline of today is not overdue yet)."""
    return _candidates(Commitment.objects.overdue(today))


def reminder_missing_report_candidates(*, today: date) -> CommitmentQuerySet:
    """Weekly, monthly and quarterly reporters whose report is overdue (the workflow's
    `reports_missing`)."""
    return _candidates(Commitment.objects.reports_missing(today))


def reminder_supervisor_emails() -> list[str]:
    """Contacts of the supervising offices (督办单位), who are copied on escalations."""
    emails: list[str] = []
    for unit in Unit.objects.filter(is_supervisor=True).only("id", "contact_emails"):
        emails.extend(unit.email_list())
    return emails


def reminder_history(*, commitment_id: int) -> QuerySet[ReminderLog]:
    """A commitment's reminders, newest first, with their recipients and messages."""
    return (
        ReminderLog.objects.filter(commitment_id=commitment_id)
        .select_related("created_by")
        .prefetch_related(
            "deliveries__message", "channel_deliveries__message", "channel_deliveries__channel"
        )
        .order_by("-created_at", "-id")
    )


def _status_counts(queryset: QuerySet) -> dict[str, int]:
    return dict(queryset.values_list("status").annotate(n=Count("id")).order_by())


def reminder_message_counts(*, day: date) -> dict[str, int]:
    """How the digests of one sweep day stand: {status: count}."""
    return _status_counts(ReminderMessage.objects.filter(sweep_day=day))


def channel_message_counts(*, day: date) -> dict[str, int]:
    """How the group-robot messages of one sweep day stand: {status: count}."""
    return _status_counts(ChannelMessage.objects.filter(sweep_day=day))
