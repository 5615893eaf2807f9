"""The office's daily UI. Every write goes through commitments.services."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import date, timedelta
from typing import Any

from django import forms
from django.contrib import admin, messages
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db.models import Count, Q, QuerySet
from django.http import HttpRequest
from django.urls import reverse
from django.utils.functional import Promise
from django.utils.html import format_html, format_html_join
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy as _
from simple_history.admin import SimpleHistoryAdmin

from ..models import (
    Commitment,
    Directive,
    ImportRecord,
    ProgressUpdate,
    SourceDocument,
    Unit,
    UnitAlias,
)
from ..querysets import OVERDUE_FIRST_ORDER, due_soon_condition, silent_condition
from ..selectors.access import (
    commitment_is_read_only,
    commitment_list_for,
    responsible_candidates,
    unit_has_commitments,
    unit_ids_named,
    unit_list_for,
    user_may_create_commitments,
    user_may_publish,
)
from ..selectors.drafts import commitment_draft_from_directive
from ..selectors.history import history_rows
from ..selectors.office import office_today
from ..services.ledger import (
    COMMITMENT_EDITABLE_FIELDS,
    commitment_create,
    commitment_links_check,
    commitment_update,
)
from ..services.publication import commitment_description_publish
from .documents import DocumentImportAdminMixin
from .outputs import CommitmentOutputsAdminMixin
from .pagination import EstimatedCountPaginator
from .reminders import ReminderLogInline, UrgeAdminMixin, send_reminder_now
from .workflow import (
    CommitmentWorkflowMixin,
    TrafficLightFilter,
    acting_user,
    annotate_for_changelist,
)

admin.site.site_header = _("认责承诺台账")
admin.site.site_title = _("认责承诺台账")
admin.site.index_title = _("检查督促兑现落实")
# An empty cell reads as a dash of its own, not a hyphen.
admin.site.empty_value_display = "—"
# The 工作台 home and the breadcrumbs lead everywhere; at an office PC's 1366 px the side menu
# took a fifth of the width from the ledger's columns.
admin.site.enable_nav_sidebar = False


class ConditionFilter(admin.SimpleListFilter):
    """A list filter whose every choice keeps the rows meeting one condition; conditions get
    the office's today, so 逾期, 临期 and 无进展 count as the 工作台 counts them."""

    # value -> (label, condition of today)
    conditions: Mapping[str, tuple[Promise, Callable[[date], Q]]] = {}

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, Any]]:
        return [(value, label) for value, (label, _condition) in self.conditions.items()]

    def queryset(self, request: HttpRequest, queryset: QuerySet) -> QuerySet:
        chosen = self.conditions.get(self.value() or "")
        if chosen is None:
            return queryset
        return queryset.filter(chosen[1](office_today()))


def _overdue(today: date) -> Q:
    return Q(id__in=Commitment.objects.overdue(today).values("id"))


class OverdueFilter(ConditionFilter):
    title = _("是否逾期")
    parameter_name = "overdue"
    conditions = {
        "yes": (_("已逾期"), _overdue),
        "no": (_("未逾期"), lambda today: ~_overdue(today)),
    }


class DueSoonFilter(ConditionFilter):
    title = _("是否临期")
    parameter_name = "due"
    conditions = {"soon": (_("临期"), due_soon_condition)}


class SilentFilter(ConditionFilter):
    # No report for the stale-report days.
    title = _("进展报送")
    parameter_name = "progress"
    conditions = {"silent": (_("无进展"), silent_condition)}


class DeadlineWindowFilter(admin.SimpleListFilter):
    """完成时限 by the windows an office plans in (instead of a year/month drill-down, whose
    MIN/MAX and DISTINCT over every row cost more than the page itself)."""

    title = _("完成时限")
    parameter_name = "deadline_in"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, Any]]:
        return [
            ("week", _("本周到期")),
            ("month", _("本月到期")),
            ("next_month", _("下月到期")),
            ("quarter", _("本季度到期")),
            ("year", _("本年度到期")),
            ("none", _("未定时限")),
        ]

    def queryset(self, request: HttpRequest, queryset: QuerySet) -> QuerySet:
        if self.value() == "none":
            return queryset.filter(deadline__isnull=True)
        window = deadline_window(self.value() or "", office_today())
        if window is None:
            return queryset
        return queryset.filter(deadline__gte=window[0], deadline__lte=window[1])


def deadline_window(name: str, today: date) -> tuple[date, date] | None:
    """First and last day of the named window around `today` (None for an unknown name)."""
    month_start = today.replace(day=1)
    next_month = (month_start + timedelta(days=32)).replace(day=1)
    quarter_start = today.replace(month=(today.month - 1) // 3 * 3 + 1, day=1)
    starts = {
        "week": (today - timedelta(days=today.weekday()), 7),
        "month": (month_start, None),
        "next_month": (next_month, None),
        "quarter": (quarter_start, None),
        "year": (today.replace(month=1, day=1), None),
    }
    if name not in starts:
        return None
    start, days = starts[name]
    if days is not None:
        return start, start + timedelta(days=days - 1)
    months = {"quarter": 3, "year": 12}.get(name, 1)
    end_month = start.month - 1 + months
    end = date(start.year + end_month // 12, end_month % 12 + 1, 1) - timedelta(days=1)
    return start, end


class ResponsibleFilter(ConditionFilter):
    """Who answers for the work: an account, only a name from the source, or nobody yet."""

    title = _("责任人")
    parameter_name = "responsible_kind"
    conditions = {
        "account": (_("已关联用户账号"), lambda _today: Q(responsible__isnull=False)),
        "text": (
            _("仅有原文姓名(未关联账号)"),
            lambda _today: Q(responsible__isnull=True) & ~Q(responsible_name=""),
        ),
        "none": (_("未指定"), lambda _today: Q(responsible__isnull=True, responsible_name="")),
    }


class DirectiveInline(admin.TabularInline):
    model = Directive
    fields = ("ref", "kind", "section", "text", "owner_names", "deadline", "deadline_text")
    readonly_fields = fields
    extra = 0
    can_delete = False
    show_change_link = True

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class NeverDeletedAdmin(admin.ModelAdmin):
    """Documents and directives are the ledger's sources: nobody deletes them, the superuser
    included (a deleted document would strip its commitments of their source)."""

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


_FIELD_LABELS = {
    "lead": _("牵头单位"),
    "co": _("配合单位"),
    "deadline": _("完成时限"),
    "kind": _("类别"),
    "responsible": _("责任人"),
}
_UNIT_CHOICES = {"create": _("新建单位"), "map": _("对应已有单位"), "none": _("不作为单位")}


def _shown(value: Any) -> str:
    if isinstance(value, list):
        return "、".join(str(v) for v in value) or "—"
    if value in Directive.Kind.values:
        return str(Directive.Kind(value).label)
    return str(value) if value else "—"


def import_changes_lines(changes: dict[str, Any]) -> list[str]:
    """An ImportRecord's changes as a clerk reads them, one line per decision."""
    lines = []
    for name, decision in (changes.get("units") or {}).items():
        target = f" → {decision['unit']}" if decision.get("unit") else ""
        lines.append(f"{name}:{_UNIT_CHOICES.get(decision.get('choice'), '')}{target}")
    for ref in changes.get("excluded") or []:
        lines.append(f"{ref}:{_('不生成承诺事项')}")
    for ref, fields in (changes.get("tasks") or {}).items():
        for key, (before, after) in fields.items():
            label = _FIELD_LABELS.get(key, key)
            lines.append(f"{ref} {label}:{_shown(before)} → {_shown(after)}")
    for added in changes.get("added") or []:
        lead = (added.get("lead") or ["", ""])[1]
        lines.append(f"{added['ref']}:{_('从未识别段落添加')}({lead})「{added['text'][:40]}」")
    return lines


class ImportRecordInline(admin.TabularInline):
    model = ImportRecord
    fields = ("imported_at", "user", "changes_text")
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    @admin.display(description=_("审核改动"))
    def changes_text(self, obj: ImportRecord) -> str:
        return format_html_join(
            mark_safe("<br>"), "{}", ((line,) for line in import_changes_lines(obj.changes))
        ) or str(_("未改动,按识别结果导入"))


@admin.register(SourceDocument)
class SourceDocumentAdmin(DocumentImportAdminMixin, NeverDeletedAdmin):
    list_display = (
        "title",
        "speaker",
        "issuer",
        "document_number",
        "delivered_on",
        "issued_on",
        "imported_at",
    )
    search_fields = ("title", "speaker", "issuer", "document_number")
    date_hierarchy = "delivered_on"
    readonly_fields = ("sha256", "imported_at", "updated_at", "raw_text", "cleaned_text")
    inlines = [ImportRecordInline, DirectiveInline]


class HasCommitmentFilter(ConditionFilter):
    title = _("是否已建承诺事项")
    parameter_name = "has_commitment"
    conditions = {
        "yes": (_("已建"), lambda _today: Q(commitment_count__gt=0)),
        "no": (_("尚未建立"), lambda _today: Q(commitment_count=0)),
    }


@admin.register(Directive)
class DirectiveAdmin(NeverDeletedAdmin):
    list_display = (
        "ref",
        "kind",
        "short_text",
        "document",
        "deadline",
        "deadline_text",
    )
    list_filter = ("kind", HasCommitmentFilter, "deadline_pending", "document")
    search_fields = ("text", "section", "ref")
    list_select_related = ("document",)
    readonly_fields = ("document", "span_start", "span_end", "in_context")

    class Media:
        css = {"all": ["commitments/admin.css"]}

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        return super().get_queryset(request).annotate(commitment_count=Count("commitments"))

    def get_list_display(self, request: HttpRequest) -> Any:
        # The cell needs to know, once per page, whether this user may add commitments.
        may_add = user_may_create_commitments(request.user)

        @admin.display(description=_("承诺事项"), ordering="commitment_count")
        def commitments_cell(obj: Directive) -> str:
            count = getattr(obj, "commitment_count", 0)
            if count:
                url = reverse("admin:commitments_commitment_changelist")
                return format_html(
                    '<a href="{}?directive__id__exact={}">{}</a>', url, obj.pk, count
                )
            if obj.kind == Directive.Kind.TASK and may_add:
                url = reverse("admin:commitments_commitment_add")
                return format_html(
                    '<a class="addlink" href="{}?from_directive={}">{}</a>',
                    url,
                    obj.pk,
                    _("建立"),
                )
            return "—"

        return [*self.list_display, commitments_cell]

    @admin.display(description=_("内容"))
    def short_text(self, obj: Directive) -> str:
        return obj.text[:60]

    @admin.display(description=_("原文上下文"))
    def in_context(self, obj: Directive) -> str:
        text = obj.document.cleaned_text
        before = text[max(0, obj.span_start - 120) : obj.span_start]
        after = text[obj.span_end : obj.span_end + 120]
        return format_html(
            '<div style="max-width:60em">…{}<mark>{}</mark>{}…</div>',
            before,
            text[obj.span_start : obj.span_end],
            after,
        )


class UnitAliasInline(admin.TabularInline):
    model = UnitAlias
    fields = ("name",)
    extra = 1
    verbose_name = _("别名")
    verbose_name_plural = _("别名(文件中的其他写法,如“住建局”“市住建局”;导入时据此对应到本单位)")


@admin.register(Unit)
class UnitAdmin(admin.ModelAdmin):
    list_display = ("name", "kind", "alias_list", "parent", "is_supervisor")
    list_filter = ("kind", "is_supervisor")
    search_fields = ("name", "aliases__name")
    inlines = [UnitAliasInline]

    @admin.display(description=_("别名"))
    def alias_list(self, obj: Unit) -> str:
        return "、".join(a.name for a in obj.aliases.all()) or "—"

    list_select_related = ("parent",)
    autocomplete_fields = ("parent",)
    filter_horizontal = ("members",)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        # A unit that leads or supports commitments stays (the model refuses too); the bulk
        # delete action is gone, since it cannot tell which units those are.
        if obj is None or unit_has_commitments(obj):
            return False
        return super().has_delete_permission(request, obj)

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        # Members and contact e-mails of another unit are none of a unit member's business; the
        # commitment form's unit pickers (autocomplete) ask this queryset too.
        return (
            unit_list_for(request.user)
            .select_related(*self.list_select_related)
            .prefetch_related("aliases")
        )


class ProgressUpdateInline(admin.TabularInline):
    model = ProgressUpdate
    fields = ("created_at", "author", "percent", "text", "publish_requested", "is_public")
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class CommitmentAdminForm(forms.ModelForm):
    """Refuses what the services refuse, as field errors on the form rather than a crash when
    the service is called on save."""

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if self.instance.pk is None:
            try:
                commitment_links_check(
                    document=data.get("document"), directive=data.get("directive")
                )
            except ValidationError as error:
                self.add_error(None, error)
        return data


class ReadableHistoryMixin:
    """The history page as a clerk reads it: Chinese labels and values, local time to the
    minute, the move and its reason, "—" for nothing (selectors.history)."""

    object_history_list_template = "admin/commitments/ledger_history_list.html"

    def history_view(
        self, request: HttpRequest, object_id: str, extra_context: dict[str, Any] | None = None
    ) -> Any:
        model = self.model  # type: ignore[attr-defined]
        records = model.history.filter(id=object_id) if str(object_id).isdigit() else None
        rows = history_rows(records, model) if records is not None else {}
        return super().history_view(  # type: ignore[misc]
            request, object_id, {**(extra_context or {}), "ledger_history": rows}
        )


@admin.register(Commitment)
class CommitmentAdmin(
    ReadableHistoryMixin,
    UrgeAdminMixin,
    CommitmentWorkflowMixin,
    CommitmentOutputsAdminMixin,
    SimpleHistoryAdmin,
):
    form = CommitmentAdminForm
    # Fits a 1366×768 screen beside the menu and the filters, 状态 next to the title; the
    # report cycle, publication and source document are filters, not columns.
    list_display = (
        "traffic_light_cell",
        "title_short",
        "status",
        "deadline_cell",
        "lead_unit",
        "responsible_cell",
    )
    list_display_links = ("title_short",)
    list_filter = (
        "status",
        TrafficLightFilter,
        OverdueFilter,
        DeadlineWindowFilter,
        DueSoonFilter,
        SilentFilter,
        "is_public",
        "description_publish_requested",
        "deadline_pending",
        "report_cycle",
        ResponsibleFilter,
        "lead_unit",
        "document",
    )
    # See get_search_results: an index serves the search on PostgreSQL.
    search_fields = ("title", "description", "lead_unit__name")
    search_help_text = _("在事项、具体内容和牵头单位名称中查找（可用空格分隔多个词）")
    list_select_related = ("lead_unit", "responsible", "document")
    list_per_page = 50
    # Pages cost the same at any ledger size: no COUNT(*) of the whole table, no OFFSET reads.
    paginator = EstimatedCountPaginator
    show_full_result_count = False
    autocomplete_fields = ("lead_unit", "co_units", "directive")
    readonly_fields = (
        "requirements",
        "status",
        "status_reason",
        "original_deadline",
        "assigned_at",
        "accepted_at",
        "completion_note",
        "completed_on",
        "finished_on_time",
        "last_progress_at",
        "description_publish_requested",
        "directive",
        "responsible_name",
        "created_at",
        "updated_at",
    )
    fieldsets = (
        (None, {"fields": ("title", "description", "requirements", "document", "directive")}),
        (_("责任"), {"fields": ("lead_unit", "co_units", "responsible", "responsible_name")}),
        (
            _("时限"),
            {
                "fields": (
                    "deadline",
                    "is_long_term",
                    "deadline_text",
                    "deadline_pending",
                    "original_deadline",
                )
            },
        ),
        (
            _("状态"),
            {
                "fields": (
                    "status",
                    "status_reason",
                    "report_cycle",
                    "assigned_at",
                    "accepted_at",
                    "last_progress_at",
                    "completion_note",
                    "completed_on",
                    "finished_on_time",
                )
            },
        ),
        (
            _("向社会公开"),
            {"fields": ("is_public", "description_publish_requested", "public_description")},
        ),
        (_("记录"), {"fields": ("created_at", "updated_at")}),
    )
    inlines = [ProgressUpdateInline, ReminderLogInline]
    actions = [send_reminder_now, "publish_description"]

    class Media:
        css = {"all": ["commitments/admin.css"]}

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        return annotate_for_changelist(
            commitment_list_for(request.user).select_related(*self.list_select_related)
        ).overdue_first(office_today())  # type: ignore[attr-defined]

    def get_ordering(self, request: HttpRequest) -> Any:
        # Not `ordering`: the admin's checks know only model fields, not the annotation.
        return OVERDUE_FIRST_ORDER

    def get_search_results(
        self, request: HttpRequest, queryset: QuerySet, search_term: str
    ) -> tuple[QuerySet, bool]:
        def lead_unit_named(word: str) -> Q:
            # Units are few: their ids, read once per word, keep the search on indexes.
            return Q(lead_unit_id__in=list(unit_ids_named(word)))

        if not search_term.strip():
            return queryset, False
        return queryset.search(search_term, also=lead_unit_named), False  # type: ignore[attr-defined]

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        # Commitments are cancelled, never deleted: the record must survive.
        return False

    def has_publish_permission(self, request: HttpRequest) -> bool:
        return user_may_publish(request.user)

    @admin.action(description=_("公开所选事项的具体内容(以当前内容为准)"), permissions=["publish"])
    def publish_description(self, request: HttpRequest, queryset: QuerySet) -> None:
        for commitment in queryset:
            commitment_description_publish(commitment=commitment, actor=acting_user(request))
        self.message_user(
            request, _("已公开 %(n)d 个事项的具体内容。") % {"n": len(queryset)}, messages.SUCCESS
        )

    def has_add_permission(self, request: HttpRequest) -> bool:
        return user_may_create_commitments(request.user)

    def formfield_for_dbfield(self, db_field: Any, request: HttpRequest, **kwargs: Any) -> Any:
        if db_field.name == "title":
            # A commitment's title is often a whole sentence of the speech (up to 300 字).
            kwargs["widget"] = forms.TextInput(attrs={"class": "vTextField ledger-wide"})
        return super().formfield_for_dbfield(db_field, request, **kwargs)

    def get_form(
        self, request: HttpRequest, obj: Any = None, change: bool = False, **kwargs: Any
    ) -> Any:
        form = super().get_form(request, obj, change, **kwargs)
        field = form.base_fields.get("responsible")
        if field is not None:
            # The 责任人 is one of the lead unit's people (sub-units included); before a lead
            # unit is chosen, anyone who belongs to a unit. The current choice stays offered.
            people = (
                responsible_candidates(obj)
                if obj is not None
                else get_user_model().objects.filter(units__isnull=False).distinct()
            )
            current = obj.responsible_id if obj is not None else None
            field.queryset = (
                get_user_model()
                .objects.filter(Q(pk__in=people.values("pk")) | Q(pk=current))
                .order_by("last_name", "first_name", "username")
            )
        return form

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        # Finished or cancelled: the page is read-only, only 重新打开 (a move) leads out.
        if obj is not None and commitment_is_read_only(obj):
            return False
        return super().has_change_permission(request, obj)

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        fields = list(super().get_readonly_fields(request, obj))
        if obj is None:
            # The source directive is chosen when a commitment is made, then kept.
            return [f for f in fields if f != "directive"]
        if obj.status != Commitment.Status.DRAFT:
            # Handed off: the deadline moves only by an approved 延期 or 更正时限 with a reason.
            fields.append("deadline")
        return fields

    def get_changeform_initial_data(self, request: HttpRequest) -> dict[str, Any]:
        initial = super().get_changeform_initial_data(request)
        # 建立 on a directive: the form starts from the directive's words, deadline and owner.
        directive_id = request.GET.get("from_directive", "")
        directive = (
            Directive.objects.filter(pk=directive_id).first() if directive_id.isdigit() else None
        )
        if directive is not None:
            initial.pop("from_directive", None)
            initial.update(commitment_draft_from_directive(directive))
        return initial

    @admin.display(description=_("事项"), ordering="title")
    def title_short(self, obj: Commitment) -> str:
        return obj.title if len(obj.title) <= 40 else obj.title[:40] + "…"

    @admin.display(description=_("责任人"), ordering="responsible__last_name")
    def responsible_cell(self, obj: Commitment) -> str:
        if obj.responsible is not None:
            return str(obj.responsible)
        if obj.responsible_name:
            # The name as the source wrote it: no account of that name (yet) to link.
            return format_html(
                '<span title="{}">{}{}</span>',
                _("原文所列责任人,尚未关联用户账号"),
                obj.responsible_name,
                _("(原文)"),
            )
        return "—"

    @admin.display(description=_("完成时限"), ordering="deadline")
    def deadline_cell(self, obj: Commitment) -> str:
        if obj.deadline is None:
            return str(_("待定")) if obj.deadline_pending else "—"
        if obj.is_overdue(office_today()):
            return format_html('<span class="ledger-overdue">{} {}</span>', obj.deadline, _("逾期"))
        return str(obj.deadline)

    def save_model(self, request: HttpRequest, obj: Commitment, form: Any, change: bool) -> None:
        if change:
            data = {
                f: form.cleaned_data[f]
                for f in form.changed_data
                if f in COMMITMENT_EDITABLE_FIELDS
            }
            commitment_update(
                commitment=Commitment.objects.get(pk=obj.pk),
                data=data,
                actor=acting_user(request),
            )
        else:
            created = commitment_create(
                **{
                    f: form.cleaned_data.get(f)
                    for f in COMMITMENT_EDITABLE_FIELDS
                    if f in form.cleaned_data
                },
                directive=form.cleaned_data.get("directive"),
            )
            obj.pk = created.pk
            obj._state.adding = False
