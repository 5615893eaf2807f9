"""The ledger's vocabulary: a commitment's statuses and their groups, the moves between them,
the roles that make them, report cycles and the traffic lights.

Imports nothing of the app, so models, querysets, selectors, services, admin, API and the Excel
sheet all take their words from here; a status group or a light is written once, below.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class Status(models.TextChoices):
    DRAFT = "draft", _("立项")
    ASSIGNED = "assigned", _("交办")
    ACCEPTED = "accepted", _("签收")
    IN_PROGRESS = "in_progress", _("办理中")
    SUBMITTED = "submitted", _("申请办结")
    VERIFIED = "verified", _("已复核")
    CLOSED = "closed", _("销号")
    RETURNED = "returned", _("退回")
    CANCELLED = "cancelled", _("撤销")


# Not yet finished or dropped: what "open", "overdue" and "due soon" count.
OPEN_STATUSES = (
    Status.DRAFT,
    Status.ASSIGNED,
    Status.ACCEPTED,
    Status.IN_PROGRESS,
    Status.SUBMITTED,
    Status.RETURNED,
)
# The unit is doing the work: it reports progress, may fall behind with it, and may submit.
WORKING_STATUSES = (Status.ACCEPTED, Status.IN_PROGRESS, Status.RETURNED)
# Work the unit has been given and not handed back: reminded, and its light turns yellow when
# it stops reporting. A draft is not theirs yet, a submitted one waits for the office.
REMINDABLE_STATUSES = (Status.ASSIGNED, *WORKING_STATUSES)
# Done in the office's eyes (verified or closed): the 业绩榜's "done".
FINISHED_STATUSES = (Status.VERIFIED, Status.CLOSED)
# Carry a completion day: the unit said it was done, and the office may have confirmed it.
COMPLETED_STATUSES = (Status.SUBMITTED, *FINISHED_STATUSES)
# Over, one way or the other: the light is grey, and only 重新打开 leads out.
ENDED_STATUSES = (*FINISHED_STATUSES, Status.CANCELLED)


class ReportCycle(models.TextChoices):
    NONE = "none", _("不要求")
    WEEKLY = "weekly", _("每周")
    MONTHLY = "monthly", _("每月")
    QUARTERLY = "quarterly", _("每季度")


# How many days a report cycle lasts; a report is missing once the last one is older.
# A month or quarter counts at its longest (31 days; 92 for July–September and October–December).
REPORT_CYCLE_DAYS: dict[str, int] = {
    ReportCycle.WEEKLY: 7,
    ReportCycle.MONTHLY: 31,
    ReportCycle.QUARTERLY: 92,
}


class Role(models.TextChoices):
    """What a user is to one commitment (`selectors.access.actor_roles` decides)."""

    SUPERVISOR = "supervisor", _("督办人员")
    # The lead unit's (牵头单位, or a unit above it): signs for the whole, works on it, submits it.
    UNIT = "unit", _("责任单位人员")
    # A supporting unit's (配合单位): reports progress on its part, the lead answers for the rest.
    CO_UNIT = "co_unit", _("配合单位人员")


class Move(models.TextChoices):
    # In Chinese a move and the status it leads to are often the same word (交办, 签收, 退回 ...);
    # the context lets English say "Assign" for the move and "Assigned" for the status.
    ASSIGN = "assign", pgettext_lazy("move", "交办")
    ACCEPT = "accept", pgettext_lazy("move", "签收")
    START = "start", pgettext_lazy("move", "开始办理")
    REPORT = "report", pgettext_lazy("move", "报送进展")
    SUBMIT = "submit", pgettext_lazy("move", "申请办结")
    VERIFY = "verify", pgettext_lazy("move", "复核通过")
    CLOSE = "close", pgettext_lazy("move", "销号")
    RETURN = "return", pgettext_lazy("move", "退回")
    CANCEL = "cancel", pgettext_lazy("move", "撤销")
    REOPEN = "reopen", pgettext_lazy("move", "重新打开")
    REQUEST_EXTENSION = "request_extension", pgettext_lazy("move", "申请延期")
    ADD_EVIDENCE = "add_evidence", pgettext_lazy("move", "上传佐证材料")
    # The office corrects a handed-off deadline, with a reason (besides an approved extension,
    # the only way it moves).
    CORRECT_DEADLINE = "correct_deadline", pgettext_lazy("move", "更正时限")
    # Not a move on the commitment's own table: the office's answer to REQUEST_EXTENSION.
    DECIDE_EXTENSION = "decide_extension", pgettext_lazy("move", "审批延期")
    # Nor this: the office decides what /public/ shows (services.publication).
    PUBLISH = "publish", pgettext_lazy("move", "确认公开")


class NoticeAudience(models.TextChoices):
    UNIT = "unit", _("责任单位")
    OFFICE = "office", _("督办单位")


class NoticeEvent(models.TextChoices):
    """The hand-offs the other side is told of (办理通知)."""

    # To the unit
    ASSIGN = "assign", _("交办")
    RETURN = "return", _("退回")
    EXTENSION_APPROVED = "extension_approved", _("延期已批准")
    EXTENSION_REJECTED = "extension_rejected", _("延期未批准")
    VERIFY = "verify", _("复核通过")
    CLOSE = "close", _("销号")
    DEADLINE_CORRECTED = "deadline_corrected", _("更正时限")
    URGE = "urge", _("催办")
    # To the office
    ACCEPT = "accept", _("签收")
    SUBMIT = "submit", _("申请办结")
    REQUEST_EXTENSION = "request_extension", _("申请延期")


# Who is told of what: the unit hears the office's decisions, the office the unit's steps.
NOTICE_AUDIENCE: dict[str, str] = {
    **{
        e: NoticeAudience.UNIT
        for e in (
            NoticeEvent.ASSIGN,
            NoticeEvent.RETURN,
            NoticeEvent.EXTENSION_APPROVED,
            NoticeEvent.EXTENSION_REJECTED,
            NoticeEvent.VERIFY,
            NoticeEvent.CLOSE,
            NoticeEvent.DEADLINE_CORRECTED,
            NoticeEvent.URGE,
        )
    },
    **{
        e: NoticeAudience.OFFICE
        for e in (NoticeEvent.ACCEPT, NoticeEvent.SUBMIT, NoticeEvent.REQUEST_EXTENSION)
    },
}


class TrafficLight(models.TextChoices):
    """红黄绿灯, in the order lists sort them (the most urgent first)."""

    RED = "red", _("红灯")
    YELLOW = "yellow", _("黄灯")
    INCOMPLETE = "incomplete", _("待完善")
    GREEN = "green", _("绿灯")
    GREY = "grey", _("灰灯")

    @property
    def colour(self) -> str:
        """The colour of the dot and bar on screen."""
        return _LIGHT_LOOKS[self][0]

    @property
    def tint(self) -> str:
        """A pale shade of the colour, for a cell's background behind black text (Excel)."""
        return _LIGHT_LOOKS[self][1]

    @property
    def meaning(self) -> str:
        return str(_LIGHT_LOOKS[self][2])

    @property
    def rank(self) -> int:
        return _LIGHT_ORDER.index(self)


_LIGHT_LOOKS = {
    TrafficLight.RED: ("#c62828", "F8CBAD", _("逾期")),
    TrafficLight.YELLOW: ("#f9a825", "FFE699", _("临期或进展未报")),
    TrafficLight.INCOMPLETE: ("#5b7c99", "D6E0EA", _("缺少完成时限,待完善")),
    TrafficLight.GREEN: ("#2e7d32", "C6E0B4", _("正常")),
    TrafficLight.GREY: ("#9e9e9e", "D9D9D9", _("已办结或撤销")),
}
_LIGHT_ORDER = list(TrafficLight)
