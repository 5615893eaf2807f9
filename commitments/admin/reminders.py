"""Reminders in the admin: each commitment's reminder history, 催办 now, failed e-mails."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import path
from django.utils.html import format_html, format_html_join
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from ..models import ChannelMessage, ReminderLog, ReminderMessage, ReminderSweep
from ..selectors.access import (
    commitment_list_for,
    rows_of_visible_commitments,
    user_is_supervisor,
)
from ..services.reminders.send import reminder_messages_retry
from ..services.reminders.sweep import reminder_manual_send
from ..tasks import QUEUE
from .pages import ChangePageContext, action_page, commitment_change_url
from .readonly import ReadOnly

_STATUS_CLASS: dict[str, str] = {
    ReminderMessage.Status.PENDING: "ledger-reminder-pending",
    ReminderMessage.Status.SENDING: "ledger-reminder-pending",
    ReminderMessage.Status.SENT: "ledger-reminder-sent",
    ReminderMessage.Status.FAILED: "ledger-reminder-failed",
}


def _deliveries_cell(log: ReminderLog) -> str:
    """Each e-mail address and group robot the reminder went to, with how its message stands."""
    deliveries = list(log.deliveries.all())
    robots = list(log.channel_deliveries.all())
    if not deliveries and not robots:
        # Not final: the sweep looks again while the period lasts (services/reminders/claim.py).
        return str(_("无收件人(补充邮箱后,下次提醒时补发)"))
    rows: list[tuple[str, ReminderMessage | ChannelMessage | None]] = [
        (d.recipient, d.message) for d in deliveries
    ]
    rows += [(str(r.channel), r.message) for r in robots]
    return format_html_join(
        mark_safe("<br>"),
        '{} <span class="{}">{}</span>',
        (
            (
                name,
                _STATUS_CLASS.get(message.status, "") if message else "",
                message.get_status_display() if message else _("待汇总"),
            )
            for name, message in rows
        ),
    )


def _period_label(log: ReminderLog) -> str:
    """The claim key in words: which deadline, which round, which report week, month or
    quarter."""
    period = log.period
    if log.kind in (ReminderLog.Kind.OVERDUE, ReminderLog.Kind.ESCALATION) and "/" in period:
        deadline, _slash, bucket = period.partition("/")
        if bucket.isdigit():
            return str(_("时限 %(d)s,第 %(n)d 轮")) % {"d": deadline, "n": int(bucket) + 1}
    if log.kind == ReminderLog.Kind.DUE_SOON:
        return str(_("时限 %(d)s")) % {"d": period}
    if log.kind == ReminderLog.Kind.MISSING_REPORT:
        year, _dash, rest = period.partition("-")
        if rest.startswith("W") and rest[1:].isdigit():
            return str(_("%(y)s年第%(w)d周")) % {"y": year, "w": int(rest[1:])}
        if rest.startswith("Q") and rest[1:].isdigit():
            return str(_("%(y)s年第%(q)d季度")) % {"y": year, "q": int(rest[1:])}
        if rest.isdigit():
            return str(_("%(y)s年%(m)d月")) % {"y": year, "m": int(rest)}
    return period


class ReminderLogInline(admin.TabularInline):
    """The commitment's reminder history (提醒记录), newest first."""

    model = ReminderLog
    fields = ("created_at", "kind", "period_label", "created_by", "recipients")
    readonly_fields = fields
    classes = ("ledger-reminder-history",)
    extra = 0
    can_delete = False
    ordering = ("-created_at", "-id")
    verbose_name_plural = _("提醒记录")

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        # Not super(): it asks for the view permission without the commitment, which
        # has_view_permission below refuses so that the add page has no history formset.
        return ReminderLog.objects.select_related("created_by").prefetch_related(
            "deliveries__message", "channel_deliveries__message", "channel_deliveries__channel"
        )

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False  # the history is written by the services only

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        # A commitment being added has no history; leaving the inline out keeps its form simple.
        return obj is not None and super().has_view_permission(request, obj)

    @admin.display(description=_("收件人及发送状态"))
    def recipients(self, obj: ReminderLog) -> str:
        return _deliveries_cell(obj)

    @admin.display(description=_("周期"))
    def period_label(self, obj: ReminderLog) -> str:
        return _period_label(obj)


@admin.action(description=_("立即催办(发送提醒邮件)"))
def send_reminder_now(modeladmin: Any, request: HttpRequest, queryset: QuerySet) -> None:
    """催办 through the same log as the sweep: at most once per commitment per day."""
    if not user_is_supervisor(request.user):
        modeladmin.message_user(request, _("只有活动办公室可以催办"), messages.ERROR)
        return
    result = reminder_manual_send(
        commitment_ids=list(queryset.values_list("id", flat=True)),
        actor=request.user,
        dispatch=QUEUE,
    )
    if result.claimed:
        modeladmin.message_user(
            request,
            ngettext("已催办 %(n)d 项", "已催办 %(n)d 项", len(result.claimed))
            % {"n": len(result.claimed)},
            messages.SUCCESS,
        )
    if result.already:
        modeladmin.message_user(
            request,
            _("%(n)d 项今日已催办过,未重复发送") % {"n": len(result.already)},
            messages.WARNING,
        )
    if result.not_open:
        modeladmin.message_user(
            request,
            _("%(n)d 项不在办理中(已办结、撤销或尚未交办),未发送") % {"n": len(result.not_open)},
            messages.WARNING,
        )
    if result.without_recipient:
        modeladmin.message_user(
            request,
            _("%(n)d 项没有责任人邮箱或单位联系邮箱,无法发送;补充邮箱后可再次催办")
            % {"n": len(result.without_recipient)},
            messages.ERROR,
        )


class _ReadOnlyAdmin(ReadOnly, admin.ModelAdmin):
    pass


class OutboxColumns(ChangePageContext, admin.ModelAdmin):
    """What the lists of sent things (e-mails, robot messages) share: the status in colour,
    the last error in short, a change page that only shows (its change permission exists
    for the retry action, not for saving), and the retry action (`retry_failed`, named in
    each list's own words)."""

    actions = ["retry_failed"]

    class Media:
        css = {"all": ["commitments/admin.css"]}

    @admin.display(description=_("状态"), ordering="status")
    def status_cell(self, obj: Any) -> str:
        return format_html(
            '<span class="{}">{}</span>',
            _STATUS_CLASS.get(obj.status, ""),
            obj.get_status_display(),
        )

    @admin.display(description=_("最近错误"))
    def error_short(self, obj: Any) -> str:
        return str(obj.last_error[:80])

    def change_page_context(self, request: HttpRequest, object_id: str) -> dict[str, Any]:
        context = super().change_page_context(request, object_id)
        return {**context, "show_save": False, "show_save_and_continue": False}

    def retry_selected(
        self, request: HttpRequest, queryset: QuerySet, retry: Callable[..., int], done: Any
    ) -> None:
        """The retry action: the failed ones among the selected go back in the queue; `done`
        says how many, as "%(n)d"."""
        count = retry(message_ids=list(queryset.values_list("id", flat=True)), dispatch=QUEUE)
        self.message_user(request, done % {"n": count}, messages.SUCCESS)


@admin.register(ReminderMessage)
class ReminderMessageAdmin(OutboxColumns, _ReadOnlyAdmin):
    list_display = (
        "recipient",
        "subject",
        "status_cell",
        "attempts",
        "sweep_day",
        "created_at",
        "sent_at",
        "error_short",
    )
    list_filter = ("status", "sweep_day")
    search_fields = ("recipient", "subject")
    date_hierarchy = "created_at"
    readonly_fields = (
        "recipient",
        "subject",
        "status",
        "attempts",
        "last_error",
        "sweep_day",
        "created_at",
        "queued_at",
        "sending_since",
        "sent_at",
        "body_text",
    )
    exclude = ("body_html", "send_token")

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        # E-mails hold other units' work: the office only.
        return super().has_view_permission(request, obj) and user_is_supervisor(request.user)

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        # Needed for the retry action; every field is read-only.
        return user_is_supervisor(request.user) and request.user.has_perm(
            "commitments.change_remindermessage"
        )

    @admin.action(description=_("重新发送选中的失败邮件"))
    def retry_failed(self, request: HttpRequest, queryset: QuerySet) -> None:
        self.retry_selected(
            request, queryset, reminder_messages_retry, _("已重新排队 %(n)d 封邮件")
        )


@admin.register(ReminderLog)
class ReminderLogAdmin(_ReadOnlyAdmin):
    list_display = ("commitment", "kind", "period_label", "created_at", "created_by", "recipients")
    list_filter = ("kind",)
    search_fields = ("commitment__title", "deliveries__recipient")
    list_select_related = ("commitment", "created_by")
    date_hierarchy = "created_at"

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        # A unit member sees the history of the commitments they may see, nothing else.
        rows = rows_of_visible_commitments(request.user, super().get_queryset(request))
        return rows.prefetch_related(
            "deliveries__message", "channel_deliveries__message", "channel_deliveries__channel"
        )

    @admin.display(description=_("收件人及发送状态"))
    def recipients(self, obj: ReminderLog) -> str:
        return _deliveries_cell(obj)

    @admin.display(description=_("周期"), ordering="period")
    def period_label(self, obj: ReminderLog) -> str:
        return _period_label(obj)


@admin.register(ReminderSweep)
class ReminderSweepAdmin(_ReadOnlyAdmin):
    list_display = ("day", "started_at", "finished_at")


class UrgeForm(forms.Form):
    opinion = forms.CharField(
        label=_("催办意见"),
        widget=forms.Textarea(attrs={"rows": 4, "cols": 60}),
        help_text=_("写明需要对方做什么、何时前完成；邮件会附上您的姓名和联系邮箱。"),
    )


class UrgeAdminMixin(ChangePageContext):
    """催办 from the commitment's own page, with a 催办意见; the office only."""

    def get_urls(self) -> list[Any]:
        return [
            path(
                "<path:object_id>/urge/",
                self.admin_site.admin_view(self.urge_view),  # type: ignore[attr-defined]
                name="commitments_commitment_urge",
            ),
            *super().get_urls(),  # type: ignore[misc]
        ]

    def get_actions(self, request: HttpRequest) -> dict[str, Any]:
        actions = super().get_actions(request)  # type: ignore[misc]
        if not user_is_supervisor(request.user):
            # Unit members do not urge themselves: the office's action, not theirs.
            actions.pop("send_reminder_now", None)
        return actions

    def change_page_context(self, request: HttpRequest, object_id: str) -> dict[str, Any]:
        context = super().change_page_context(request, object_id)
        return {**context, "may_urge": user_is_supervisor(request.user)}

    def urge_view(self, request: HttpRequest, object_id: str) -> HttpResponse:
        if not user_is_supervisor(request.user):
            raise PermissionDenied
        commitment = commitment_list_for(request.user).filter(pk=object_id).first()
        if commitment is None:
            raise Http404
        form = UrgeForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            result = reminder_manual_send(
                commitment_ids=[commitment.pk],
                actor=request.user,
                dispatch=QUEUE,
                opinion=form.cleaned_data["opinion"],
            )
            level, text = _urge_outcome(result)
            self.message_user(request, text, level)  # type: ignore[attr-defined]
            return HttpResponseRedirect(commitment_change_url(commitment))
        title = f"{_('催办')}：{commitment}"
        return action_page(
            self, request, commitment, form=form, title=title, button=_("发送催办"), allowed=True
        )


def _urge_outcome(result: Any) -> tuple[int, str]:
    if result.claimed:
        return messages.SUCCESS, str(_("已催办，邮件将发给责任人或牵头单位联系人"))
    if result.already:
        return messages.WARNING, str(_("该事项今日已催办过，未重复发送"))
    if result.not_open:
        return messages.WARNING, str(_("该事项不在办理中（已办结、撤销或尚未交办），未发送"))
    return messages.ERROR, str(_("没有责任人邮箱或单位联系邮箱，无法发送；补充邮箱后可再次催办"))
