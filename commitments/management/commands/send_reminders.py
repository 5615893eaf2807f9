"""Run a reminder sweep without a worker (for cron): claims, composes and sends in-process."""

from __future__ import annotations

import argparse
from datetime import date

from django.core.management.base import BaseCommand, CommandParser

from commitments.models import ReminderLog, ReminderMessage
from commitments.selectors.reminders import channel_message_counts, reminder_message_counts
from commitments.services.reminders.dispatch import INLINE
from commitments.services.reminders.sweep import reminder_sweep_preview, reminder_sweep_run


def _parse_day(value: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError as exc:
        # argparse turns this into a one-line usage error (a CommandError when called in code).
        raise argparse.ArgumentTypeError(f"日期格式应为 YYYY-MM-DD:{value}") from exc


class Command(BaseCommand):
    help = (
        "发送临期、逾期、进展未报和督办提醒邮件(每人每次一封汇总)及群机器人消息(每单位每群一条);"
        "同一提醒不会重复发送"
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--dry-run", action="store_true", help="只统计将要发送的提醒,不写入")
        parser.add_argument("--today", type=_parse_day, help="按该日期计算 (YYYY-MM-DD)")
        parser.add_argument(
            "--force", action="store_true", help="即使设置了仅工作日提醒,非工作日也发送"
        )

    def handle(
        self, *args: object, dry_run: bool, today: date | None, force: bool, **options: object
    ) -> None:
        if dry_run:
            preview = reminder_sweep_preview(today=today)
            self._summary(
                preview.day,
                preview.skipped,
                f"演练 {preview.day}:将提醒 {sum(preview.by_kind.values())} 项,"
                f"收件人 {preview.recipients} 个,无收件人 {preview.without_recipient} 项",
                preview.by_kind,
                rehearsal=True,
            )
            return
        result = reminder_sweep_run(today=today, dispatch=INLINE, force=force)
        if not self._summary(
            result.day,
            result.skipped,
            f"{result.day}:新提醒 {result.claimed} 项,邮件 {result.messages} 封,"
            f"重发 {result.requeued} 封,无收件人 {result.without_recipient} 项",
            result.by_kind,
        ):
            return
        statuses = dict(ReminderMessage.Status.choices)
        for status, count in sorted(reminder_message_counts(day=result.day).items()):
            self.stdout.write(f"  邮件{statuses[status]}:{count}")
        for status, count in sorted(channel_message_counts(day=result.day).items()):
            self.stdout.write(f"  群机器人消息{statuses[status]}:{count}")

    def _summary(
        self,
        day: date,
        skipped: bool,
        headline: str,
        by_kind: dict[str, int],
        *,
        rehearsal: bool = False,
    ) -> bool:
        """A run's (or a rehearsal's) headline and count per kind; False for a day skipped."""
        if skipped:
            self.stdout.write(f"{day} 不是工作日,不发送提醒" + ("(演练)" if rehearsal else ""))
            return False
        self.stdout.write(headline)
        labels = dict(ReminderLog.Kind.choices)
        for kind, count in sorted(by_kind.items()):
            self.stdout.write(f"  {labels[kind]}:{count}")
        return True
