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
            if preview.skipped:
                self.stdout.write(f"{preview.day} 不是工作日,不发送提醒(演练)")
                return
            self.stdout.write(
                f"演练 {preview.day}:将提醒 {sum(preview.by_kind.values())} 项,"
                f"收件人 {preview.recipients} 个,无收件人 {preview.without_recipient} 项"
            )
            self._per_kind(preview.by_kind)
            return
        result = reminder_sweep_run(today=today, dispatch=INLINE, force=force)
        if result.skipped:
            self.stdout.write(f"{result.day} 不是工作日,不发送提醒")
            return
        self.stdout.write(
            f"{result.day}:新提醒 {result.claimed} 项,邮件 {result.messages} 封,"
            f"重发 {result.requeued} 封,无收件人 {result.without_recipient} 项"
        )
        self._per_kind(result.by_kind)
        statuses = dict(ReminderMessage.Status.choices)
        for status, count in sorted(reminder_message_counts(day=result.day).items()):
            self.stdout.write(f"  邮件{statuses[status]}:{count}")
        for status, count in sorted(channel_message_counts(day=result.day).items()):
            self.stdout.write(f"  群机器人消息{statuses[status]}:{count}")

    def _per_kind(self, by_kind: dict[str, int]) -> None:
        labels = dict(ReminderLog.Kind.choices)
        for kind, count in sorted(by_kind.items()):
            self.stdout.write(f"  {labels[kind]}:{count}")
