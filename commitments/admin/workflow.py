"""The commitment's life in the admin: move buttons, small forms, extensions and evidence.

Every button and action calls one function of commitments.services.workflow / extensions /
evidence; those check the state and the actor's role, so hiding a button is a courtesy, not the
protection. Querysets are narrowed to what the user may see (`selectors.access`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import replace
from typing import Any, cast

from django import forms
from django.contrib import admin, messages
from django.contrib.auth.models import User
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import path, reverse
from django.utils.functional import Promise, lazy
from django.utils.html import format_html
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from simple_history.admin import SimpleHistoryAdmin

from ..choices import Move, TrafficLight
from ..models import Commitment, DeadlineExtension, Evidence, ProgressUpdate
from ..selectors.access import rows_of_visible_commitments, user_is_supervisor, user_may_publish
from ..selectors.office import office_today
from ..services.errors import InvalidInput, WorkflowError
from ..services.evidence import ALLOWED_EXTENSIONS
from ..services.publication import progress_publish
from ..services.workflow.extensions import extension_approve
from ..services.workflow.registry import DECISIONS, MOVES, DecisionEntry, MoveEntry, MoveInput
from ..services.workflow.transitions import allowed_moves
from .pages import ChangePageContext, action_page, commitment_change_url
from .readonly import ReadOnly, VisibleHistory


def acting_user(request: HttpRequest) -> User:
    """The user behind an admin request: the admin site lets only signed-in staff through."""
    return cast(User, request.user)


def is_supervisor(request: HttpRequest) -> bool:
    """user_is_supervisor, asked once per request: the admin asks it many times per page."""
    cached = getattr(request, "_ledger_is_supervisor", None)
    if cached is None:
        cached = user_is_supervisor(request.user)
        request._ledger_is_supervisor = cached  # type: ignore[attr-defined]
    return cached


# --- forms, built from the registry of moves ------------------------------------------------------


_ACCEPT = ",".join(sorted(ALLOWED_EXTENSIONS))


def _form_field(spec: MoveInput) -> forms.Field:
    common: dict[str, Any] = {"label": spec.label, "required": spec.required}
    if spec.kind == "text":
        rows = 5 if spec.max_length and spec.max_length > 2000 else 3
        return forms.CharField(
            max_length=spec.max_length, widget=forms.Textarea(attrs={"rows": rows}), **common
        )
    if spec.kind == "line":
        return forms.CharField(max_length=spec.max_length, **common)
    if spec.kind == "percent":
        return forms.IntegerField(min_value=0, max_value=100, **common)
    if spec.kind == "flag":
        return forms.BooleanField(**common)
    if spec.kind == "date":
        return forms.DateField(widget=forms.DateInput(attrs={"type": "date"}), **common)
    return forms.FileField(
        widget=forms.ClearableFileInput(attrs={"accept": _ACCEPT}),
        help_text=str(spec.help_text or ""),
        **common,
    )


def move_form(entry: MoveEntry) -> type[forms.Form]:
    """The form asking for a move's inputs (none: a confirmation)."""
    fields = {spec.name: _form_field(spec) for spec in entry.inputs}
    return type(f"{entry.move.title().replace('_', '')}Form", (forms.Form,), fields)


MOVE_FORMS: dict[str, type[forms.Form]] = {move: move_form(e) for move, e in MOVES.items()}


def decision_form(entries: Iterable[DecisionEntry]) -> type[forms.Form]:
    """The office's answer to a 延期申请 on one page: which decision, then the inputs the
    decisions ask for. An input only some of them require is optional here, marked as required
    for those; their service refuses it missing and says why (请填写不予批准的理由)."""
    entries = list(entries)
    fields: dict[str, forms.Field] = {
        "decision": forms.ChoiceField(
            label=_("审批结果"),
            choices=[(entry.verb, entry.label) for entry in entries],
            widget=forms.RadioSelect,
        )
    }
    for entry in entries:
        for spec in entry.inputs:
            if spec.name in fields:
                continue
            required_by = [
                other.label
                for other in entries
                if any(s.name == spec.name and s.required for s in other.inputs)
            ]
            everywhere = len(required_by) == len(entries)
            field = _form_field(replace(spec, required=everywhere))
            if required_by and not everywhere:
                field.help_text = _required_for(required_by)
            fields[spec.name] = field
    return type("DecisionForm", (forms.Form,), fields)


def _required_for_text(labels: list[Promise]) -> str:
    return gettext("%(decisions)s时必填") % {"decisions": "、".join(str(label) for label in labels)}


# In the language of the page that shows it, not of the process that built the form.
_required_for = lazy(_required_for_text, str)

DECISION_FORM = decision_form(DECISIONS.values())


# --- list filter and inlines --------------------------------------------------------------------


class TrafficLightFilter(admin.SimpleListFilter):
    title = _("红黄绿灯")
    parameter_name = "light"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, Any]]:
        return [(light.value, light.meaning) for light in TrafficLight]

    def queryset(self, request: HttpRequest, queryset: QuerySet) -> QuerySet:
        if self.value() in TrafficLight.values:
            # The changelist queryset carries the annotation (see CommitmentWorkflowMixin).
            return queryset.filter(traffic_light=self.value())
        return queryset


class _ReadOnlyInline(ReadOnly, admin.TabularInline):
    extra = 0
    can_delete = False


class DeadlineExtensionInline(_ReadOnlyInline):
    model = DeadlineExtension
    fields = (
        "created_at",
        "requested_by",
        "deadline_before",
        "requested_deadline",
        "reason",
        "status",
        "decided_by",
        "decided_at",
        "decision_note",
        "decide_link",
    )
    readonly_fields = fields

    @admin.display(description=_("操作"))
    def decide_link(self, obj: DeadlineExtension) -> str:
        if obj.pk is None or obj.status != DeadlineExtension.Status.PENDING:
            return ""
        url = reverse("admin:commitments_deadlineextension_decide", args=[obj.pk])
        return format_html('<a href="{}">{}</a>', url, _("审批"))


class EvidenceInline(_ReadOnlyInline):
    model = Evidence
    fields = ("uploaded_at", "uploaded_by", "download", "content_type", "size", "note")
    readonly_fields = fields

    @admin.display(description=_("文件"))
    def download(self, obj: Evidence) -> str:
        if obj.pk is None:
            return ""
        url = reverse("commitments:evidence-download", args=[obj.pk])
        return format_html('<a href="{}">{}</a>', url, obj.original_name)


# --- the commitment admin's workflow half -------------------------------------------------------


def _batch(entry: MoveEntry) -> Callable[..., None]:
    """An admin action making the move on each selected commitment through its service."""
    move = entry.move

    def action(modeladmin: Any, request: HttpRequest, queryset: QuerySet) -> None:
        done, refused = 0, []
        for commitment in queryset:
            try:
                entry.call(commitment=commitment, actor=request.user, data={})
                done += 1
            except WorkflowError as error:
                refused.append(f"{commitment}: {error}")
        if done:
            modeladmin.message_user(
                request,
                _("已对 %(count)d 个事项执行「%(move)s」")
                % {"count": done, "move": Move(move).label},
                messages.SUCCESS,
            )
        for line in refused:
            modeladmin.message_user(request, line, messages.ERROR)

    action.__name__ = f"workflow_{move}"
    return admin.action(description=Move(move).label)(action)


BATCH_ACTIONS = [_batch(entry) for entry in MOVES.values() if entry.batch]
# What a unit member may do in bulk; the services refuse the rest anyway, this only tidies the menu.
UNIT_BATCH_ACTIONS = {
    f"workflow_{entry.move}" for entry in MOVES.values() if entry.batch and not entry.office_only
}


class CommitmentWorkflowMixin(ChangePageContext, VisibleHistory):
    """Mixed into CommitmentAdmin: traffic light, move buttons and views, safe history."""

    change_form_template = "admin/commitments/commitment/workflow_change_form.html"

    def get_urls(self) -> list[Any]:
        urls = super().get_urls()  # type: ignore[misc]
        mine = [
            path(
                "<path:object_id>/move/<str:move>/",
                self.admin_site.admin_view(self.move_view),  # type: ignore[attr-defined]
                name="commitments_commitment_move",
            ),
        ]
        return mine + urls

    def get_actions(self, request: HttpRequest) -> dict[str, Any]:
        actions = super().get_actions(request)  # type: ignore[misc]
        office = is_supervisor(request)
        for func in BATCH_ACTIONS:
            if not office and func.__name__ not in UNIT_BATCH_ACTIONS:
                continue
            actions[func.__name__] = (func, func.__name__, getattr(func, "short_description", ""))
        return actions

    def get_inlines(self, request: HttpRequest, obj: Any = None) -> list[Any]:
        inlines = super().get_inlines(request, obj)  # type: ignore[misc]
        if obj is None:  # nothing to show yet, and the add form must not expect their formsets
            return inlines
        return [*inlines, DeadlineExtensionInline, EvidenceInline]

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        # Unit members never edit a commitment's fields, whatever permissions they were given;
        # they act through the move buttons.
        return super().has_change_permission(request, obj) and is_supervisor(request)  # type: ignore[misc]

    @admin.display(description=_("灯"), ordering="traffic_light_rank")
    def traffic_light_cell(self, obj: Commitment) -> str:
        value = getattr(obj, "traffic_light", "")
        light = TrafficLight(value) if value in TrafficLight.values else TrafficLight.GREY
        return format_html(
            '<span class="ledger-light" title="{}" style="color:{};font-size:1.3em">●</span>',
            light.meaning if value else "",
            light.colour,
        )

    def change_page_context(self, request: HttpRequest, object_id: str) -> dict[str, Any]:
        context = super().change_page_context(request, object_id)
        try:
            commitment = self._visible(request, object_id)
        except Http404:
            return context  # the admin itself answers for unknown or hidden objects
        moves = allowed_moves(commitment=commitment, actor=request.user)
        return {**context, "workflow_moves": [(move, Move(move).label) for move in moves]}

    def move_view(self, request: HttpRequest, object_id: str, move: str) -> HttpResponse:
        commitment = self._visible(request, object_id)
        if move not in MOVES:
            raise Http404
        entry, form_class = MOVES[move], MOVE_FORMS[move]
        label = Move(move).label
        if request.method == "POST":
            form = form_class(request.POST, request.FILES)
            if form.is_valid():
                try:
                    entry.call(commitment=commitment, actor=request.user, data=form.cleaned_data)
                except InvalidInput as error:
                    form.add_error(error.field if error.field in form.fields else None, str(error))
                except WorkflowError as error:
                    self.message_user(request, str(error), messages.ERROR)  # type: ignore[attr-defined]
                    return HttpResponseRedirect(commitment_change_url(commitment))
                else:
                    self.message_user(  # type: ignore[attr-defined]
                        request,
                        _("已执行「%(move)s」:%(title)s") % {"move": label, "title": commitment},
                        messages.SUCCESS,
                    )
                    return HttpResponseRedirect(commitment_change_url(commitment))
        else:
            form = form_class()
        return action_page(
            self,
            request,
            commitment,
            form=form,
            title=f"{label}:{commitment}",
            button=label,
            allowed=move in allowed_moves(commitment=commitment, actor=request.user),
        )


def annotate_for_changelist(queryset: QuerySet) -> QuerySet:
    """The changelist's queryset with the traffic light, computed in SQL (no query per row)."""
    return queryset.with_traffic_light(office_today())  # type: ignore[attr-defined]


# --- extensions, evidence and progress on their own pages ---------------------------------------


class _LedgerChildAdmin(ReadOnly, VisibleHistory, SimpleHistoryAdmin):
    """Rows that belong to a commitment: seen by whoever sees it, never deleted or edited here."""

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        return rows_of_visible_commitments(request.user, super().get_queryset(request))


@admin.register(DeadlineExtension)
class DeadlineExtensionAdmin(_LedgerChildAdmin):
    list_display = (
        "commitment",
        "reason_short",
        "deadline_before",
        "requested_deadline",
        "status",
        "requested_by",
        "created_at",
        "decision_link",
    )
    list_filter = ("status",)
    list_select_related = ("commitment", "requested_by", "decided_by")
    search_fields = ("commitment__title", "reason")
    actions = ["approve_selected"]

    def get_urls(self) -> list[Any]:
        return [
            path(
                "<path:object_id>/decide/",
                self.admin_site.admin_view(self.decide_view),
                name="commitments_deadlineextension_decide",
            ),
            *super().get_urls(),
        ]

    @admin.action(description=_("批准所选延期申请"))
    def approve_selected(self, request: HttpRequest, queryset: QuerySet) -> None:
        for extension in queryset:
            try:
                extension_approve(extension=extension, actor=acting_user(request))
            except WorkflowError as error:
                self.message_user(request, f"{extension}: {error}", messages.ERROR)
            else:
                self.message_user(request, _("已批准:%s") % extension, messages.SUCCESS)

    @admin.display(description=_("延期理由"))
    def reason_short(self, obj: DeadlineExtension) -> str:
        return obj.reason if len(obj.reason) <= 40 else obj.reason[:40] + "…"

    @admin.display(description=_("审批"))
    def decision_link(self, obj: DeadlineExtension) -> str:
        url = reverse("admin:commitments_deadlineextension_decide", args=[obj.pk])
        if obj.status == DeadlineExtension.Status.PENDING:
            return format_html('<a class="button" href="{}">{}</a>', url, _("审批"))
        who = obj.decided_by or "—"
        return format_html('<a href="{}">{}({})</a>', url, obj.get_status_display(), who)

    def decide_view(self, request: HttpRequest, object_id: str) -> HttpResponse:
        extension = (
            self.get_queryset(request)
            .select_related("commitment__lead_unit", "requested_by", "decided_by")
            .filter(pk=object_id)
            .first()
        )
        if extension is None:
            raise Http404
        form = DECISION_FORM(request.POST or None)
        if request.method == "POST" and form.is_valid():
            entry = DECISIONS[form.cleaned_data["decision"]]
            data = {spec.name: form.cleaned_data[spec.name] for spec in entry.inputs}
            try:
                entry.call(extension=extension, actor=acting_user(request), data=data)
            except InvalidInput as error:
                form.add_error(error.field if error.field in form.fields else None, str(error))
            except WorkflowError as error:
                self.message_user(request, str(error), messages.ERROR)
                return HttpResponseRedirect(self._commitment_url(extension))
            else:
                self.message_user(request, _("已审批延期申请"), messages.SUCCESS)
                return HttpResponseRedirect(self._commitment_url(extension))
        commitment = extension.commitment
        today = office_today()
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "original": extension,
            "extension": extension,
            "commitment": commitment,
            "title": _("审批延期申请"),
            "form": form,
            "change_url": self._commitment_url(extension),
            "allowed": is_supervisor(request),
            "overdue": commitment.is_overdue(today),
            "extra_days": (extension.requested_deadline - extension.deadline_before).days,
            "latest": commitment.progress_updates.select_related("author").first(),
            "earlier": list(commitment.extensions.exclude(pk=extension.pk).order_by("created_at")),
        }
        return render(request, "admin/commitments/deadlineextension/decide.html", context)

    def _commitment_url(self, extension: DeadlineExtension) -> str:
        return reverse("admin:commitments_commitment_change", args=[extension.commitment_id])


@admin.register(Evidence)
class EvidenceAdmin(_LedgerChildAdmin):
    list_display = (
        "original_name",
        "commitment",
        "content_type",
        "size",
        "uploaded_by",
        "uploaded_at",
    )
    list_select_related = ("commitment", "uploaded_by")
    search_fields = ("original_name", "commitment__title", "note")
    exclude = ("file",)
    readonly_fields = ("download",)

    @admin.display(description=_("文件"))
    def download(self, obj: Evidence) -> str:
        url = reverse("commitments:evidence-download", args=[obj.pk])
        return format_html('<a href="{}">{}</a>', url, obj.original_name)


@admin.register(ProgressUpdate)
class ProgressUpdateAdmin(_LedgerChildAdmin):
    list_display = (
        "commitment",
        "percent",
        "author",
        "created_at",
        "publish_requested",
        "is_public",
    )
    list_filter = ("publish_requested", "is_public")
    list_select_related = ("commitment", "author")
    search_fields = ("commitment__title", "text")
    actions = ["publish_selected", "unpublish_selected"]

    def has_publish_permission(self, request: HttpRequest) -> bool:
        return user_may_publish(request.user)

    @admin.action(description=_("确认公开所选进展"), permissions=["publish"])
    def publish_selected(self, request: HttpRequest, queryset: QuerySet) -> None:
        self._publish(request, queryset, public=True)

    @admin.action(description=_("不予公开或撤回所选进展"), permissions=["publish"])
    def unpublish_selected(self, request: HttpRequest, queryset: QuerySet) -> None:
        self._publish(request, queryset, public=False)

    def _publish(self, request: HttpRequest, queryset: QuerySet, *, public: bool) -> None:
        for update in queryset:
            progress_publish(update=update, actor=acting_user(request), public=public)
        message = _("已公开 %(n)d 条进展。") if public else _("已将 %(n)d 条进展设为不公开。")
        self.message_user(request, message % {"n": len(queryset)}, messages.SUCCESS)
