"""Send the 办理通知 digests without a worker (for cron, every few minutes): what the beat task
`send_notice_digests` does under Celery."""

from __future__ import annotations

from django.core.management.base import BaseCommand

from commitments.services.reminders.dispatch import INLINE
from commitments.services.reminders.notices import notice_digests_send


class Command(BaseCommand):
    help = (
        "发送办理通知(交办、退回、签收、申请办结等动态):每位收件人一封汇总邮件,每单位每群一条"
        "群机器人消息;同一通知不会重复发送。未运行 Celery 时请每隔几分钟由 cron 调用"
    )

    def handle(self, *args: object, **options: object) -> None:
        sent = notice_digests_send(dispatch=INLINE)
        self.stdout.write(f"办理通知邮件 {sent} 封" if sent else "没有新的办理通知")
