"""The office's outputs in the admin: Excel 台账 in and out, the dashboard and 业绩榜 snapshots,
calendar feeds and webhooks. Every write goes through commitments.services."""

from __future__ import annotations

import hashlib
import secrets
from datetime import date
from typing import Any

from django import forms
from django.conf import settings
from django.contrib import admin, messages
from django.core.cache import cache
from django.core.exceptions import PermissionDenied
from django.db.models import Max, QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import URLPattern, path, reverse
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST

from ..choices import TrafficLight
from ..models import (
    CalendarToken,
    Commitment,
    RankingSnapshot,
    WebhookDelivery,
    WebhookEvent,
    WebhookSubscription,
)
from ..selectors.access import commitment_list_for, unit_ids_of_member, user_is_supervisor
from ..selectors.office import office_today
from ..selectors.statistics import (
    dashboard_figures,
    performance_totals,
)
from ..services.calendar import calendar_feed_url, calendar_token_create, calendar_token_revoke
from ..services.errors import InvalidInput
from ..services.excel import commitments_import_xlsx, commitments_to_xlsx
from ..services.figures import figure_tally_refresh
from ..services.rankings import ranking_snapshot_publish
from ..services.webhooks import webhook_delivery_retry
from ..views.charts import Bar, grouped_columns, horizontal_bars
from ..views.files import xlsx_response
from .readonly import ReadOnly
from .workflow import acting_user

# The admin's own index template shadows an app's admin/index.html: point the site at ours,
# which adds links to the dashboard and the public page above the app list.
admin.site.index_template = "commitments/admin/index.html"

IMPORT_MAX_BYTES = 5 * 1024 * 1024


@admin.action(description=_("导出Excel台账"))
def export_xlsx(modeladmin: admin.ModelAdmin, request: HttpRequest, queryset: QuerySet) -> Any:
    return xlsx_response(commitments_to_xlsx(commitments=queryset, today=office_today()))


class ImportXlsxForm(forms.Form):
    file = forms.FileField(
        label=_("Excel 台账(.xlsx)"),
        help_text=_(
            "表头须含“事项”“责任单位”,可含 序号、责任人、完成时限、进展情况、状态、红黄绿灯、备注"
        ),
    )

    def clean_file(self) -> Any:
        upload = self.cleaned_data["file"]
        if upload.size > IMPORT_MAX_BYTES:
            raise forms.ValidationError(_("文件不能超过 5 MB"))
        if not upload.name.lower().endswith(".xlsx"):
            raise forms.ValidationError(_("请上传 .xlsx 格式的文件"))
        return upload


class CommitmentOutputsAdminMixin:
    """Added to CommitmentAdmin: the 导出Excel台账 action, whole-list export and import pages."""

    def get_urls(self) -> list[URLPattern]:
        wrap = self.admin_site.admin_view  # type: ignore[attr-defined]
        return [
            path(
                "export-xlsx/",
                wrap(self.export_xlsx_view),
                name="commitments_commitment_export_xlsx",
            ),
            path(
                "import-xlsx/",
                wrap(self.import_xlsx_view),
                name="commitments_commitment_import_xlsx",
            ),
            path(
                "import-xlsx/template/",
                wrap(self.import_template_view),
                name="commitments_commitment_import_template",
            ),
            *super().get_urls(),  # type: ignore[misc]
        ]

    def get_actions(self, request: HttpRequest) -> dict[str, Any]:
        actions = super().get_actions(request)  # type: ignore[misc]
        if self.has_view_permission(request):  # type: ignore[attr-defined]
            action = self.get_action(export_xlsx)  # type: ignore[attr-defined]
            actions[action[1]] = action
        return actions

    def export_xlsx_view(self, request: HttpRequest) -> HttpResponse:
        """The whole list as the changelist shows it: same filters, search and order."""
        if not self.has_view_permission(request):  # type: ignore[attr-defined]
            raise PermissionDenied
        changelist = self.get_changelist_instance(request)  # type: ignore[attr-defined]
        queryset = changelist.get_queryset(request)
        return xlsx_response(commitments_to_xlsx(commitments=queryset, today=office_today()))

    def import_template_view(self, request: HttpRequest) -> HttpResponse:
        """An empty 台账 with the headers, to fill in and import."""
        if not self.has_add_permission(request):  # type: ignore[attr-defined]
            raise PermissionDenied
        empty = commitments_to_xlsx(commitments=Commitment.objects.none(), today=office_today())
        return xlsx_response(empty, stem="认责承诺台账导入模板")

    def import_xlsx_view(self, request: HttpRequest) -> HttpResponse:
        if not self.has_add_permission(request):  # type: ignore[attr-defined]
            raise PermissionDenied
        result = None
        form = ImportXlsxForm(request.POST or None, request.FILES or None)
        if request.method == "POST" and form.is_valid():
            result = commitments_import_xlsx(
                source=form.cleaned_data["file"].read(), actor=acting_user(request)
            )
            if result.ok:
                messages.success(
                    request,
                    gettext("已导入 %(n)d 项承诺事项,更新已有事项 %(u)d 项。")
                    % {"n": len(result.created), "u": len(result.updated)},
                )
                return HttpResponseRedirect(reverse("admin:commitments_commitment_changelist"))
        context = {
            **self.admin_site.each_context(request),  # type: ignore[attr-defined]
            "title": gettext("导入Excel台账"),
            "opts": Commitment._meta,
            "form": form,
            "result": result,
        }
        return TemplateResponse(request, "commitments/admin/import_xlsx.html", context)


class PublishRankingForm(forms.Form):
    title = forms.CharField(label=_("业绩榜标题"), max_length=200)


@admin.register(RankingSnapshot)
class RankingSnapshotAdmin(admin.ModelAdmin):
    """Published 业绩榜 snapshots (read-only) and the dashboard they are published from."""

    list_display = ("title", "published_on", "as_of", "unit_count", "published_by")
    date_hierarchy = "published_on"
    search_fields = ("title",)
    list_select_related = ("published_by",)
    fields = ("title", "published_on", "as_of", "published_by", "ranking_table")
    readonly_fields = fields

    def get_urls(self) -> list[URLPattern]:
        wrap = self.admin_site.admin_view
        return [
            path("dashboard/", wrap(self.dashboard_view), name="commitments_dashboard"),
            path("publish/", wrap(self.publish_view), name="commitments_ranking_publish"),
            *super().get_urls(),
        ]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # published from the dashboard, through the service

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False  # a published ranking never changes

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return bool(request.user.is_active and request.user.is_staff)

    @admin.display(description=_("上榜单位数"))
    def unit_count(self, obj: RankingSnapshot) -> int:
        return len(obj.rows)

    @admin.display(description=_("榜单"))
    def ranking_table(self, obj: RankingSnapshot) -> str:
        head = format_html(
            "<tr><th>{}</th><th>{}</th><th>{}</th><th>{}</th><th>{}</th><th>{}</th>"
            "<th>{}</th><th>{}</th></tr>",
            _("名次"),
            _("责任单位"),
            _("承诺总数"),
            _("已完成"),
            _("按期完成"),
            _("逾期完成"),
            _("逾期未完成"),
            _("完成率"),
        )
        body = format_html_join(
            "",
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td>"
            "<td>{}</td><td>{}%</td></tr>",
            (
                (
                    r["rank"],
                    r["name"],
                    r["total"],
                    r["done"],
                    r["done_on_time"],
                    r["done_late"],
                    r["overdue"],
                    f"{r['completion_rate'] * 100:.1f}",
                )
                for r in obj.rows
            ),
        )
        return format_html('<table class="ledger-ranking">{}{}</table>', head, body)

    def dashboard_view(self, request: HttpRequest) -> HttpResponse:
        if not request.user.is_staff:
            raise PermissionDenied
        today = office_today()
        figures = _dashboard_figures(request, today)
        documents, selected = figures["documents"], figures["selected"]
        units, lights, trend = figures["units"], figures["lights"], figures["trend"]
        ranking_chart = horizontal_bars(
            [
                Bar(
                    f"{r.rank}. {r.name}",
                    round(r.completion_rate * 100, 1),
                    "#4472c4",
                    f"{r.completion_rate * 100:.1f}%",
                )
                for r in units[:20]
            ],
            title=gettext("业绩榜:完成率(%)"),
            maximum=100,
        )
        light_chart = horizontal_bars(
            [Bar(str(light.label), lights[light], light.colour) for light in TrafficLight],
            title=gettext("红黄绿灯"),
        )
        trend_chart = grouped_columns(
            [f"{p.week_start:%m-%d}" for p in trend],
            [
                (gettext("到期"), "#ed7d31", [p.due for p in trend]),
                (gettext("完成"), "#4472c4", [p.completed for p in trend]),
                (gettext("按期完成"), "#38a169", [p.completed_on_time for p in trend]),
            ],
            title=gettext("近12周趋势(按周)"),
        )
        context = {
            **self.admin_site.each_context(request),
            "title": gettext("业绩看板"),
            "opts": self.model._meta,
            "today": today,
            "units": units,
            "unit_totals": performance_totals(units),
            "documents": documents,
            "lights": [(light.label, lights[light], light.colour) for light in TrafficLight],
            "ranking_chart": ranking_chart,
            "light_chart": light_chart,
            "trend_chart": trend_chart,
            "selected_document": selected,
            "can_publish": selected is None and user_is_supervisor(request.user),
            "publish_form": PublishRankingForm(
                initial={"title": gettext("%(day)s 业绩榜") % {"day": f"{today:%Y年%m月%d日}"}}
            ),
            "snapshots": RankingSnapshot.objects.all()[:10],
            "computed_at": figures["computed_at"],
            "changelist_url": reverse("admin:commitments_commitment_changelist"),
        }
        return TemplateResponse(request, "commitments/admin/dashboard.html", context)

    def publish_view(self, request: HttpRequest) -> HttpResponse:
        return _publish(request)


def _dashboard_figures(request: HttpRequest, today: date) -> dict[str, Any]:
    """The dashboard's figures for this user (and ?document=), from the cache when current.

    Counted afresh, the office's figures come from the running tally (services.figures), a
    unit member's from their units' commitments. The cache key holds what the figures depend
    on: the day, whose commitments (everything for the office, else the user's units), the
    document, and the latest recorded change to any commitment (every service write leaves a
    history row), so a change shows at once; the lifetime (LEDGER_DASHBOARD_CACHE_SECONDS)
    bounds what history does not see, such as a renamed unit.
    """
    supervisor = user_is_supervisor(request.user)
    units_key = (
        "all" if supervisor else ",".join(map(str, sorted(unit_ids_of_member(request.user))))
    )
    document = request.GET.get("document", "")
    document = document if document.isdigit() else ""
    version = Commitment.history.aggregate(last=Max("history_id"))["last"]
    digest = hashlib.sha256(f"{today}|{units_key}|{document}|{version}".encode()).hexdigest()
    key = f"ledger:dashboard:{digest}"
    figures = cache.get(key)
    if figures is None:
        # The office sees everything: no "id IN (its own ids)" to join the aggregates against,
        # and the running tally answers for the whole ledger.
        scope = None if supervisor else commitment_list_for(request.user)
        if scope is None:
            figure_tally_refresh(today=today)
        figures = dashboard_figures(today=today, commitments=scope, document=document)
        cache.set(key, figures, settings.LEDGER_DASHBOARD_CACHE_SECONDS)
    return figures


@require_POST
def _publish(request: HttpRequest) -> HttpResponse:
    if not user_is_supervisor(request.user):
        raise PermissionDenied
    form = PublishRankingForm(request.POST)
    dashboard = reverse("admin:commitments_dashboard")
    if not form.is_valid():
        messages.error(request, gettext("请填写业绩榜标题。"))
        return HttpResponseRedirect(dashboard)
    try:
        snapshot = ranking_snapshot_publish(
            title=form.cleaned_data["title"], published_by=acting_user(request)
        )
    except InvalidInput as exc:
        messages.error(request, str(exc))
        return HttpResponseRedirect(dashboard)
    messages.success(request, gettext("业绩榜已发布并存档:%(title)s") % {"title": snapshot.title})
    return HttpResponseRedirect(
        reverse("admin:commitments_rankingsnapshot_change", args=[snapshot.pk])
    )


# --- calendar feeds -----------------------------------------------------------------------------


class CalendarTokenForm(forms.ModelForm):
    class Meta:
        model = CalendarToken
        fields = ("unit", "user", "label")

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if bool(data.get("unit")) == bool(data.get("user")):
            raise forms.ValidationError(_("请选择责任单位或责任人之一(只能选一个)"))
        return data


@admin.register(CalendarToken)
class CalendarTokenAdmin(admin.ModelAdmin):
    form = CalendarTokenForm
    list_display = ("__str__", "label", "created_at", "revoked_at", "active")
    list_filter = (("revoked_at", admin.EmptyFieldListFilter),)
    search_fields = ("label", "unit__name", "user__username")
    list_select_related = ("unit", "user")
    autocomplete_fields = ("unit", "user")
    fields = ("unit", "user", "label", "created_at", "revoked_at")
    readonly_fields = ("created_at", "revoked_at")
    actions = ["revoke"]

    def has_module_permission(self, request: HttpRequest) -> bool:
        return user_is_supervisor(request.user)

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return user_is_supervisor(request.user)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return user_is_supervisor(request.user)

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False  # a feed is revoked and replaced, never edited

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    @admin.display(description=_("有效"), boolean=True)
    def active(self, obj: CalendarToken) -> bool:
        return obj.is_active

    def save_model(self, request: HttpRequest, obj: CalendarToken, form: Any, change: bool) -> None:
        token, raw = calendar_token_create(
            unit=form.cleaned_data.get("unit"),
            user=form.cleaned_data.get("user"),
            label=form.cleaned_data.get("label", ""),
        )
        obj.pk = token.pk
        obj._state.adding = False
        messages.warning(
            request,
            format_html(
                "{}<br><code>{}</code>",
                gettext("日历订阅地址如下(只显示这一次,请复制保存;泄露后请吊销并重新生成):"),
                calendar_feed_url(raw),
            ),
        )

    def response_add(self, request: HttpRequest, obj: Any, post_url_continue: Any = None) -> Any:
        return HttpResponseRedirect(reverse("admin:commitments_calendartoken_changelist"))

    @admin.action(description=_("吊销所选日历订阅"))
    def revoke(self, request: HttpRequest, queryset: QuerySet) -> None:
        for token in queryset:
            calendar_token_revoke(token=token)
        self.message_user(request, gettext("已吊销 %(n)d 个日历订阅。") % {"n": len(queryset)})


# --- webhooks -----------------------------------------------------------------------------------


class WebhookSubscriptionForm(forms.ModelForm):
    url = forms.URLField(label=_("接收地址"), max_length=500, assume_scheme="https")
    events = forms.MultipleChoiceField(
        label=_("订阅事件"), choices=WebhookEvent.choices, widget=forms.CheckboxSelectMultiple
    )

    class Meta:
        model = WebhookSubscription
        fields = ("name", "url", "secret", "events", "is_active")


@admin.register(WebhookSubscription)
class WebhookSubscriptionAdmin(admin.ModelAdmin):
    form = WebhookSubscriptionForm
    list_display = ("name", "url", "event_list", "is_active", "created_at")
    list_filter = ("is_active",)
    search_fields = ("name", "url")

    def has_module_permission(self, request: HttpRequest) -> bool:
        return bool(request.user.is_superuser)

    def get_changeform_initial_data(self, request: HttpRequest) -> dict[str, Any]:
        return {"secret": secrets.token_hex(32), "events": list(WebhookEvent.values)}

    @admin.display(description=_("订阅事件"))
    def event_list(self, obj: WebhookSubscription) -> str:
        labels = dict(WebhookEvent.choices)
        return "、".join(str(labels.get(e, e)) for e in obj.events)


@admin.register(WebhookDelivery)
class WebhookDeliveryAdmin(ReadOnly, admin.ModelAdmin):
    """The delivery log: read-only; failed deliveries can be sent again."""

    list_display = (
        "created_at",
        "subscription",
        "event",
        "commitment",
        "status",
        "attempts",
        "response_code",
        "delivered_at",
    )
    list_filter = ("status", "event", "subscription")
    list_select_related = ("subscription", "commitment")
    search_fields = ("commitment__title", "last_error")
    date_hierarchy = "created_at"
    readonly_fields = (
        "subscription",
        "commitment",
        "event",
        "status",
        "attempts",
        "response_code",
        "last_error",
        "created_at",
        "delivered_at",
        "payload",
    )
    fields = readonly_fields
    actions = ["resend"]

    def has_module_permission(self, request: HttpRequest) -> bool:
        return bool(request.user.is_superuser)

    @admin.action(description=_("重新发送所选投递"), permissions=["view"])
    def resend(self, request: HttpRequest, queryset: QuerySet) -> None:
        count = 0
        for delivery in queryset.exclude(status=WebhookDelivery.Status.SUCCEEDED):
            webhook_delivery_retry(delivery=delivery)
            count += 1
        self.message_user(request, gettext("已重新排队 %(n)d 条投递。") % {"n": count})
