"""Query-string filters of the API lists (django-filter)."""

from __future__ import annotations

from collections.abc import Collection
from typing import Any

from django import forms
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.http import QueryDict
from django.utils.translation import gettext_lazy as _
from django_filters import rest_framework as filters
from django_filters.rest_framework import DjangoFilterBackend
from django_filters.utils import translate_validation
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework.request import Request

from ..choices import TrafficLight
from ..models import Commitment, Directive, Unit
from ..querysets import CommitmentQuerySet
from ..search import search_words
from ..selectors.office import office_today

MAX_ID = 2**63 - 1


@extend_schema_field(OpenApiTypes.INT)
class IntFilter(filters.NumberFilter):
    """A whole number: a float or 1e400 is a 400, not a database overflow."""

    field_class = forms.IntegerField


class IdFilter(IntFilter):
    """A row id, within the database's range."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("min_value", 1)
        kwargs.setdefault("max_value", MAX_ID)
        super().__init__(*args, **kwargs)


class StaticFilterSet(filters.FilterSet):
    """A FilterSet that builds, per request, only the filters the query string uses.

    django-filter deep-copies every filter and builds and cleans every form field on each
    request; for the commitments list, with a dozen filters and usually one or two in use, that
    was a sixth of the time of a whole page. With `only` (given by FilterBackend) just the
    filters named in the query string are copied, and the form class for each set of filters
    is built once. Without it (the browsable API's filter form) every filter is there.

    Every filter is declared, none generated from a model's fields, so subclasses have no
    `Meta` (django-filter then takes the declared filters as they are).
    """

    _form_classes: dict[tuple[type, tuple[str, ...]], type] = {}

    def __init__(
        self,
        data: QueryDict | None = None,
        queryset: QuerySet | None = None,
        *,
        request: Any = None,
        prefix: str | None = None,
        only: Collection[str] | None = None,
    ) -> None:
        if only is not None:
            # django-filter deep-copies `self.base_filters`: this instance's holds the ones used.
            every: dict[str, Any] = type(self).base_filters  # type: ignore[has-type]
            self.base_filters = {
                name: filter_ for name, filter_ in every.items() if _named_in(name, only)
            }
        super().__init__(data, queryset, request=request, prefix=prefix)

    def get_form_class(self) -> type:
        key = (type(self), tuple(self.filters))
        form_class = self._form_classes.get(key)
        if form_class is None:
            if len(self._form_classes) > 512:  # bounded, whatever mix of filters callers send
                self._form_classes.clear()
            form_class = self._form_classes[key] = super().get_form_class()
        return form_class


def _named_in(name: str, params: Collection[str]) -> bool:
    # A filter whose widget reads several parameters names them "<name>_<suffix>".
    return name in params or any(param.startswith(name + "_") for param in params)


class FilterBackend(DjangoFilterBackend):
    """django-filter's backend, building only the filters a request names (StaticFilterSet)."""

    def filter_queryset(self, request: Request, queryset: QuerySet, view: Any) -> QuerySet:
        filterset_class = self.get_filterset_class(view, queryset)
        if filterset_class is None or not issubclass(filterset_class, StaticFilterSet):
            return super().filter_queryset(request, queryset, view)
        kwargs = self.get_filterset_kwargs(request, queryset, view)
        filterset = filterset_class(**kwargs, only=frozenset(request.query_params))
        if not filterset.is_valid():
            raise translate_validation(filterset.errors)
        return filterset.qs


class CommitmentFilter(StaticFilterSet):
    # distinct=False: a status is one column, no join; DISTINCT would sort the whole match.
    status = filters.MultipleChoiceFilter(
        distinct=False,
        method="filter_status",
        choices=Commitment.Status.choices,
        help_text=_("状态,可重复:?status=assigned&status=accepted"),
    )
    unit = IdFilter(method="filter_unit", help_text=_("责任单位 id:牵头或配合,含其下级单位"))
    lead_unit = IdFilter(method="filter_lead_unit", help_text=_("牵头单位 id,含其下级单位"))
    responsible = IdFilter(field_name="responsible_id", help_text=_("责任人 id"))
    document = IdFilter(field_name="document_id", help_text=_("来源文件 id"))
    deadline_before = filters.DateFilter(
        field_name="deadline", lookup_expr="lte", help_text=_("时限不晚于(含)")
    )
    deadline_after = filters.DateFilter(
        field_name="deadline", lookup_expr="gte", help_text=_("时限不早于(含)")
    )
    overdue = filters.BooleanFilter(method="filter_overdue", help_text=_("是否已逾期未办结"))
    due_within = IntFilter(
        method="filter_due_within",
        min_value=0,
        max_value=3650,
        help_text=_("未办结且在 N 天内到期(不含已逾期)"),
    )
    traffic_light = filters.MultipleChoiceFilter(
        distinct=False,
        choices=[(value, value) for value in TrafficLight.values],
        method="filter_traffic_light",
        help_text=_(
            "红绿灯,可重复:red 逾期、yellow 临期或久未报送、incomplete 待完善(缺少完成时限)、"
            "green 正常、grey 已办结"
        ),
    )
    is_public = filters.BooleanFilter(field_name="is_public", help_text=_("是否向社会公开"))
    q = filters.CharFilter(method="filter_text", help_text=_("在事项和具体内容中搜索"))

    def filter_status(self, queryset: QuerySet, name: str, value: list[str]) -> QuerySet:
        # One IN (...) instead of django-filter's OR of equalities: same rows, less to build.
        return queryset.filter(status__in=value) if value else queryset

    def filter_unit(self, queryset: QuerySet, name: str, value: int) -> QuerySet:
        ids = Unit.objects.descendant_ids([int(value)])
        # EXISTS instead of a join: no duplicate rows, so no DISTINCT over the whole table.
        supports = Commitment.co_units.through.objects.filter(
            commitment_id=OuterRef("pk"), unit_id__in=ids
        )
        return queryset.filter(Q(lead_unit_id__in=ids) | Q(Exists(supports)))

    def filter_lead_unit(self, queryset: QuerySet, name: str, value: int) -> QuerySet:
        return queryset.filter(lead_unit_id__in=Unit.objects.descendant_ids([int(value)]))

    def filter_overdue(self, queryset: CommitmentQuerySet, name: str, value: bool) -> QuerySet:
        overdue = queryset.model.objects.overdue(office_today()).values("id")
        if value:
            return queryset.overdue(office_today())
        return queryset.exclude(id__in=overdue)

    def filter_due_within(self, queryset: CommitmentQuerySet, name: str, value: int) -> QuerySet:
        return queryset.due_within(office_today(), int(value))

    def filter_traffic_light(
        self, queryset: CommitmentQuerySet, name: str, value: list[str]
    ) -> QuerySet:
        if not value:
            return queryset
        if "traffic_light" not in queryset.query.annotations:
            queryset = queryset.with_traffic_light(office_today())
        return queryset.filter(traffic_light__in=value)

    def filter_text(self, queryset: CommitmentQuerySet, name: str, value: str) -> QuerySet:
        return queryset.search(value)


class PublicCommitmentFilter(StaticFilterSet):
    unit = IdFilter(method="filter_lead_unit", help_text=_("牵头单位 id,含其下级单位"))
    document = IdFilter(field_name="document_id", help_text=_("来源文件 id"))
    q = filters.CharFilter(method="filter_text", help_text=_("在事项和具体内容中搜索"))

    filter_lead_unit = CommitmentFilter.filter_lead_unit

    def filter_text(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        # The title and the published text only: searching the unit's working description (as
        # the index of `CommitmentQuerySet.search` does) would let anyone probe, word by word,
        # what the office has not confirmed. A scan, but of the public rows only.
        for word in search_words(value):
            queryset = queryset.filter(
                Q(title__icontains=word) | Q(public_description__icontains=word)
            )
        return queryset


class DirectiveFilter(StaticFilterSet):
    document = IdFilter(field_name="document_id", help_text=_("来源文件 id"))
    kind = filters.ChoiceFilter(choices=Directive.Kind.choices)


class UnitFilter(StaticFilterSet):
    parent = IdFilter(field_name="parent_id", help_text=_("上级单位 id"))
    kind = filters.ChoiceFilter(choices=Unit.Kind.choices)


class ProgressUpdateFilter(StaticFilterSet):
    commitment = IdFilter(field_name="commitment_id", help_text=_("承诺事项 id"))
    is_public = filters.BooleanFilter(field_name="is_public")
    publish_requested = filters.BooleanFilter(
        field_name="publish_requested", help_text=_("申请公开,待督办人员确认")
    )
