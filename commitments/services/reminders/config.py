"""The reminder settings, e-mail and group robots, read in one place: settings.LEDGER
(config/settings/base.py gives every default and reads the environment)."""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings


@dataclass(frozen=True)
class ReminderConfig:
    due_soon_days: int
    overdue_repeat_days: int
    escalation_days: int
    workdays_only: bool
    batch_size: int
    recipient_batch: int
    claim_threads: int
    max_attempts: int
    retry_base_seconds: int
    retry_max_seconds: int
    requeue_after_seconds: int
    sending_lease_seconds: int
    mark_sent_every: int
    # Group robots (services/channels/): the pace per robot, the wait after a platform's "too
    # fast", how long a send task sleeps for pacing and keeps its worker, the HTTP timeout,
    # and how many robots one send task takes.
    robot_rate_limit: int
    robot_rate_window_seconds: float
    robot_rate_limited_wait_seconds: float
    robot_max_sleep_seconds: float
    robot_task_budget_seconds: float
    robot_timeout_seconds: float
    robot_channels_per_task: int


def reminder_config() -> ReminderConfig:
    """The settings as they are now (read on every call: tests and deployments change them)."""
    ledger = settings.LEDGER
    return ReminderConfig(
        due_soon_days=int(ledger["DUE_SOON_DAYS"]),
        overdue_repeat_days=max(1, int(ledger["OVERDUE_REPEAT_DAYS"])),
        escalation_days=int(ledger["ESCALATION_DAYS"]),
        workdays_only=bool(ledger["REMINDER_WORKDAYS_ONLY"]),
        batch_size=int(ledger["REMINDER_BATCH_SIZE"]),
        recipient_batch=int(ledger["REMINDER_RECIPIENT_BATCH"]),
        claim_threads=int(ledger["REMINDER_CLAIM_THREADS"]),
        max_attempts=int(ledger["REMINDER_MAX_ATTEMPTS"]),
        retry_base_seconds=int(ledger["REMINDER_RETRY_BASE_SECONDS"]),
        retry_max_seconds=int(ledger["REMINDER_RETRY_MAX_SECONDS"]),
        requeue_after_seconds=int(ledger["REMINDER_REQUEUE_AFTER_SECONDS"]),
        sending_lease_seconds=int(ledger["REMINDER_SENDING_LEASE_SECONDS"]),
        mark_sent_every=max(1, int(ledger["REMINDER_MARK_SENT_EVERY"])),
        robot_rate_limit=max(1, int(ledger["ROBOT_RATE_LIMIT"])),
        robot_rate_window_seconds=float(ledger["ROBOT_RATE_WINDOW_SECONDS"]),
        robot_rate_limited_wait_seconds=float(ledger["ROBOT_RATE_LIMITED_WAIT_SECONDS"]),
        robot_max_sleep_seconds=float(ledger["ROBOT_MAX_SLEEP_SECONDS"]),
        robot_task_budget_seconds=float(ledger["ROBOT_TASK_BUDGET_SECONDS"]),
        robot_timeout_seconds=float(ledger["ROBOT_TIMEOUT_SECONDS"]),
        robot_channels_per_task=max(1, int(ledger["ROBOT_CHANNELS_PER_TASK"])),
    )
