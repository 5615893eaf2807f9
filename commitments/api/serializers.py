"""What the API reads and writes. Writes call commitments.services; nothing saves here."""

from __future__ import annotations

import functools
from datetime import datetime
from typing import Any, cast

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError as DjangoValidationError
from django.utils import timezone, translation
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from ..choices import TrafficLight
from ..models import Commitment, Directive, ProgressUpdate, SourceDocument, Unit
from ..people import person_name
from ..querysets import CommitmentQuerySet, light_thresholds, report_baseline
from ..selectors.access import (
    COMMITMENT_WRITABLE_FIELDS,
    commitment_fields_writable_by,
)
from ..selectors.lights import light_rule, traffic_light
from ..selectors.office import office_today
from ..services.ledger import commitment_create, commitment_update
from ..services.workflow.transitions import allowed_moves


def user_display(user: Any) -> str:
    return "" if user is None else person_name(user)


class DjangoValidationMixin:
    """Turn a model's ValidationError raised inside a service into a DRF field error (400)."""

    @staticmethod
    def as_drf_error(exc: DjangoValidationError) -> serializers.ValidationError:
        if hasattr(exc, "error_dict"):
            return serializers.ValidationError(exc.message_dict)
        return serializers.ValidationError({"non_field_errors": exc.messages})


# --- documents, directives, units --------------------------------------------------------------


class DirectiveSerializer(serializers.ModelSerializer):
    kind_display = serializers.CharField(source="get_kind_display", read_only=True)

    class Meta:
        model = Directive
        fields = (
            "id",
            "document",
            "ref",
            "section",
            "text",
            "kind",
            "kind_display",
            "owner_names",
            "deadline",
            "deadline_text",
            "deadline_pending",
        )
        read_only_fields = fields


class DocumentListSerializer(serializers.ModelSerializer):
    class Meta:
        model = SourceDocument
        fields: tuple[str, ...] = (
            "id",
            "title",
            "speaker",
            "issuer",
            "document_number",
            "delivered_on",
            "issued_on",
            "imported_at",
        )
        read_only_fields = fields


class DocumentDetailSerializer(DocumentListSerializer):
    directives = DirectiveSerializer(many=True, read_only=True)

    class Meta(DocumentListSerializer.Meta):
        fields = (*DocumentListSerializer.Meta.fields, "addressees", "source_name", "directives")
        read_only_fields = fields


class UnitSerializer(serializers.ModelSerializer):
    kind_display = serializers.CharField(source="get_kind_display", read_only=True)

    class Meta:
        model = Unit
        # Members and contact e-mails stay out: the API is read by other systems.
        fields = ("id", "name", "kind", "kind_display", "parent", "is_supervisor")
        read_only_fields = fields


class PerformanceSerializer(serializers.Serializer):
    """One line of the 业绩榜: counts for a unit or a document."""

    key = serializers.IntegerField(allow_null=True, help_text="单位或文件的 id;合计行为空")
    name = serializers.CharField()
    total = serializers.IntegerField(help_text="不含已撤销")
    open = serializers.IntegerField(help_text="未办结")
    overdue = serializers.IntegerField(help_text="已逾期未办结")
    done = serializers.IntegerField(help_text="已复核或已销号")
    done_on_time = serializers.IntegerField(help_text="按期完成")
    done_late = serializers.IntegerField(help_text="逾期完成")
    completion_rate = serializers.FloatField(help_text="完成率:done / total")
    rank = serializers.IntegerField(help_text="名次;并列同名次")


class SummarySerializer(serializers.Serializer):
    totals = PerformanceSerializer()
    by_unit = PerformanceSerializer(many=True, help_text="按牵头单位分列的业绩榜")


# --- commitments -------------------------------------------------------------------------------


class CommitmentListSerializer(serializers.ModelSerializer):
    """Lean on purpose: every field comes from the row or a select_related join."""

    status_display = serializers.CharField(source="get_status_display", read_only=True)
    lead_unit_name = serializers.CharField(source="lead_unit.name", read_only=True)
    responsible_name = serializers.SerializerMethodField()
    overdue = serializers.SerializerMethodField()
    traffic_light = serializers.SerializerMethodField()

    class Meta:
        model = Commitment
        fields: tuple[str, ...] = (
            "id",
            "title",
            "status",
            "status_display",
            "lead_unit",
            "lead_unit_name",
            "responsible",
            "responsible_name",
            "deadline",
            "deadline_pending",
            "original_deadline",
            "document",
            "is_public",
            "completed_on",
            "finished_on_time",
            "last_progress_at",
            "overdue",
            "traffic_light",
        )
        read_only_fields = fields

    @extend_schema_field(serializers.CharField())
    def get_responsible_name(self, obj: Commitment) -> str:
        return user_display(obj.responsible)

    @extend_schema_field(serializers.BooleanField())
    def get_overdue(self, obj: Commitment) -> bool:
        today = self.context.get("today") or office_today()
        return obj.is_overdue(today)

    @extend_schema_field(
        serializers.ChoiceField(
            choices=TrafficLight.values,
            help_text="红:逾期;黄:临期或久未报送进展;绿:正常;灰:已办结或撤销",
        )
    )
    def get_traffic_light(self, obj: Commitment) -> str:
        light = getattr(obj, "traffic_light", None)
        if light is None:
            light = traffic_light(obj, self.context.get("today") or office_today())
        return light


@functools.lru_cache(maxsize=16)
def _status_labels(language: str | None) -> dict[str, str]:
    """Status labels in a language, translated once per process rather than per row."""
    with translation.override(language):
        return {value: str(label) for value, label in Commitment.Status.choices}


@functools.cache
def _rows_template() -> CommitmentQuerySet:
    # Resolving twenty column names through their joins is a visible share of a page; the
    # resolved query is kept and cloned per request (never evaluated itself).
    # Named tuples rather than .values() dicts: a page spent a visible share building dicts.
    expressions = CommitmentRows.expressions
    rows = Commitment.objects.annotate(**expressions).values_list(
        *CommitmentRows.columns, *expressions, named=True
    )
    return cast(CommitmentQuerySet, rows)  # still a CommitmentQuerySet, yielding tuples


class CommitmentRows:
    """The list's read path: named-tuple rows turned into CommitmentListSerializer's output.

    A page of 100 commitments through the serializer spends most of its time in per-field
    machinery (and in translating each status label on every row); this builds the same dicts
    in one loop, which keeps the list within reach of a bare `.values()` + JsonResponse.
    CommitmentListSerializer stays the documented shape, and a test holds the two identical.
    """

    columns = (
        "id",
        "title",
        "status",
        "lead_unit_id",
        "lead_unit__name",
        "responsible_id",
        "responsible__username",
        "responsible__first_name",
        "responsible__last_name",
        "deadline",
        "deadline_pending",
        "original_deadline",
        "document_id",
        "is_public",
        "completed_on",
        "finished_on_time",
        "last_progress_at",
        # What selectors.light_rule reads, so the light is computed per row in Python: the
        # SQL version of the rule costs more to compile than the whole page to build.
        "document__due_soon_days",
        "document__stale_report_days",
    )
    # The report baseline in one column: fewer timestamps for the driver to parse.
    expressions = {"report_baseline": report_baseline()}

    @classmethod
    def queryset(cls) -> CommitmentQuerySet:
        """Every commitment as these rows; filter it like any CommitmentQuerySet."""
        return _rows_template().all()

    def __init__(self, today: Any) -> None:
        self.today = today
        self.status_labels = _status_labels(get_language())
        self.open_statuses = frozenset(Commitment.OPEN_STATUSES)
        # DRF's DateTimeField output (ISO 8601 in the current time zone), without its
        # per-value machinery.
        self.zone = timezone.get_current_timezone()
        self.default_thresholds = light_thresholds(None, None)

    def __call__(self, rows: list[Any]) -> list[dict[str, Any]]:
        return [self.row(r) for r in rows]

    def moment(self, value: datetime | None) -> str | None:
        if value is None:
            return None
        text = value.astimezone(self.zone).isoformat()
        return text[:-6] + "Z" if text.endswith("+00:00") else text

    def row(self, r: Any) -> dict[str, Any]:
        deadline = r.deadline
        status = r.status
        username = r.responsible__username
        if username is None:
            responsible_name = ""
        else:
            responsible_name = person_name(
                username=username,
                last_name=r.responsible__last_name,
                first_name=r.responsible__first_name,
            )
        due_soon, stale = r.document__due_soon_days, r.document__stale_report_days
        if due_soon is None and stale is None:
            thresholds = self.default_thresholds
        else:
            thresholds = light_thresholds(due_soon, stale)
        last_progress_at = r.last_progress_at
        return {
            "id": r.id,
            "title": r.title,
            "status": status,
            "status_display": self.status_labels.get(status, status),
            "lead_unit": r.lead_unit_id,
            "lead_unit_name": r.lead_unit__name,
            "responsible": r.responsible_id,
            "responsible_name": responsible_name,
            "deadline": deadline and deadline.isoformat(),
            "deadline_pending": r.deadline_pending,
            "original_deadline": r.original_deadline and r.original_deadline.isoformat(),
            "document": r.document_id,
            "is_public": r.is_public,
            "completed_on": r.completed_on and r.completed_on.isoformat(),
            "finished_on_time": r.finished_on_time,
            "last_progress_at": self.moment(last_progress_at),
            "overdue": status in self.open_statuses
            and deadline is not None
            and deadline < self.today,
            "traffic_light": light_rule(
                status=status,
                deadline=deadline,
                completed_on=r.completed_on,
                report_baseline=r.report_baseline,
                thresholds=thresholds,
                today=self.today,
            ),
        }


class CommitmentDetailSerializer(CommitmentListSerializer):
    co_units = serializers.PrimaryKeyRelatedField(many=True, read_only=True)  # type: ignore[var-annotated]
    report_cycle_display = serializers.CharField(source="get_report_cycle_display", read_only=True)
    allowed_moves = serializers.SerializerMethodField()

    class Meta(CommitmentListSerializer.Meta):
        fields = (
            *CommitmentListSerializer.Meta.fields,
            "description",
            "description_publish_requested",
            "public_description",
            "co_units",
            "directive",
            "deadline_text",
            "report_cycle",
            "report_cycle_display",
            "status_reason",
            "assigned_at",
            "accepted_at",
            "completion_note",
            "created_at",
            "updated_at",
            "allowed_moves",
        )
        read_only_fields = fields

    @extend_schema_field(serializers.ListField(child=serializers.CharField()))
    def get_allowed_moves(self, obj: Commitment) -> list[str]:
        """What the caller may do next (POST /commitments/{id}/<move>/)."""
        request = self.context.get("request")
        if request is None:
            return []
        return [str(m) for m in allowed_moves(commitment=obj, actor=request.user)]


class CommitmentWriteSerializer(DjangoValidationMixin, serializers.ModelSerializer):
    """Create (supervisors) and edit. A field the caller's role may not write is a 400."""

    co_units = serializers.PrimaryKeyRelatedField(
        many=True, queryset=Unit.objects.all(), required=False
    )
    responsible = serializers.PrimaryKeyRelatedField(
        queryset=get_user_model().objects.all(), required=False, allow_null=True
    )
    document = serializers.PrimaryKeyRelatedField(
        queryset=SourceDocument.objects.all(), required=False, allow_null=True
    )
    directive = serializers.PrimaryKeyRelatedField(
        queryset=Directive.objects.all(), required=False, allow_null=True
    )

    class Meta:
        model = Commitment
        fields = COMMITMENT_WRITABLE_FIELDS

    def to_internal_value(self, data: Any) -> Any:
        if hasattr(data, "keys"):
            self._reject_fields(set(data.keys()))
        return super().to_internal_value(data)

    def _reject_fields(self, sent: set[str]) -> None:
        user = self.context["request"].user
        writable = commitment_fields_writable_by(user, self.instance)
        errors: dict[str, list[str]] = {}
        for name in sorted(sent):
            if name not in self.fields:
                errors[name] = [str(_("未知字段或只读字段,不能写入。"))]
            elif name not in writable:
                errors[name] = [str(_("您的角色无权修改该字段。"))]
        if errors:
            raise serializers.ValidationError(errors)

    def create(self, validated_data: dict[str, Any]) -> Commitment:
        try:
            return commitment_create(**validated_data)
        except DjangoValidationError as exc:
            raise self.as_drf_error(exc) from exc

    def update(self, instance: Commitment, validated_data: dict[str, Any]) -> Commitment:
        co_units = validated_data.pop("co_units", None)
        try:
            return commitment_update(
                commitment=instance,
                data=validated_data,
                co_units=co_units,
                actor=self.context["request"].user,
            )
        except DjangoValidationError as exc:
            raise self.as_drf_error(exc) from exc


class ProgressUpdateSerializer(serializers.ModelSerializer):
    author_name = serializers.SerializerMethodField()

    class Meta:
        model = ProgressUpdate
        fields = (
            "id",
            "commitment",
            "author",
            "author_name",
            "text",
            "percent",
            "is_public",
            "publish_requested",
            "created_at",
        )
        read_only_fields = fields

    @extend_schema_field(serializers.CharField())
    def get_author_name(self, obj: ProgressUpdate) -> str:
        return user_display(obj.author)


class PublishInput(serializers.Serializer):
    is_public = serializers.BooleanField(help_text="true 确认公开;false 不予公开或撤回公开")


# --- the public list ---------------------------------------------------------------------------


class PublicCommitmentSerializer(serializers.ModelSerializer):
    """向社会公开: no responsible person, no e-mails, no user names."""

    lead_unit_name = serializers.CharField(source="lead_unit.name", read_only=True)
    status = serializers.CharField(source="get_status_display", read_only=True)
    # The text the office confirmed, never the unit's working description.
    description = serializers.CharField(
        source="public_description", read_only=True, help_text="经督办人员确认公开的具体内容"
    )
    public_note = serializers.CharField(
        read_only=True, allow_null=True, help_text="最近一条经督办人员确认公开的进展"
    )
    public_note_at = serializers.DateTimeField(read_only=True, allow_null=True)

    class Meta:
        model = Commitment
        fields = (
            "id",
            "title",
            "description",
            "lead_unit_name",
            "deadline",
            "status",
            "public_note",
            "public_note_at",
        )
        read_only_fields = fields
