"""REST endpoints under /api/v1/. Views validate input and call selectors or services only."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, cast

from django.contrib.auth.models import User
from django.db.models import Prefetch, QuerySet
from django.shortcuts import get_object_or_404
from drf_spectacular.utils import (
    OpenApiExample,
    extend_schema,
    extend_schema_view,
)
from rest_framework import mixins, viewsets
from rest_framework.decorators import action
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response

from ..choices import Status
from ..models import Commitment, Directive, SourceDocument, Unit
from ..selectors.access import (
    commitment_list_for,
    progress_list_for,
    unit_list_for,
    user_is_supervisor,
)
from ..selectors.office import office_today
from ..selectors.public import public_commitments
from ..selectors.statistics import performance_totals, unit_performance
from ..services.publication import progress_publish
from . import examples as ex
from . import serializers as s
from .actions import WorkflowActionsMixin
from .filters import (
    CommitmentFilter,
    DirectiveFilter,
    ProgressUpdateFilter,
    PublicCommitmentFilter,
    UnitFilter,
)
from .pagination import (
    CommitmentPagination,
    NewestFirstPagination,
    PublicCommitmentPagination,
    SmallListPagination,
)
from .permissions import CommitmentPermission
from .throttling import AnonBurstThrottle

# Ids in URLs: digits within the database's integer range, anything else is a 404 at routing.
ID_PATTERN = r"[0-9]{1,18}"


def read_docs(
    noun: str,
    name: str,
    example: Any,
    *,
    description: str | None = None,
    list_summary: str | None = None,
    detail: tuple[str, str, Any] | None = None,
) -> dict[str, Any]:
    """The docs of a resource's list and detail (for `extend_schema_view`): 「<noun>列表」 and
    「<noun>详情」, each with the example `name`: `example`; `detail` gives the detail's own
    (summary, name, example) where it shows more."""
    detail_summary, detail_name, detail_example = detail or (f"{noun}详情", name, example)
    return {
        "list": extend_schema(
            summary=list_summary or f"{noun}列表",
            description=description,
            examples=[ex.response(name, example)],
        ),
        "retrieve": extend_schema(
            summary=detail_summary, examples=[ex.response(detail_name, detail_example)]
        ),
    }


# A resource the API only reads: its list and, by id, each row. (No docstring: drf-spectacular
# would print it as the description of every operation of the subclasses.)
class ReadOnlyViewSet(viewsets.ReadOnlyModelViewSet):
    lookup_value_regex = ID_PATTERN


def statistics_endpoint(
    summary: str, description: str, *, detail: bool = True
) -> Callable[[Callable], Any]:
    """A GET answering with the 业绩榜 figures (SummarySerializer): no paging, no list filters."""
    documented = extend_schema(
        summary=summary,
        description=description,
        responses=s.SummarySerializer,
        examples=[ex.response("统计", ex.SUMMARY)],
    )
    routed = action(detail=detail, methods=["get"], pagination_class=None, filter_backends=[])
    return lambda view: documented(routed(view))


def statistics_response(commitments: QuerySet | None) -> Response:
    """The 业绩榜 of these commitments (None: all of them), ranked, with the totals."""
    rows = unit_performance(today=office_today(), commitments=commitments)
    return Response(
        {"totals": performance_totals(rows).as_dict(), "by_unit": [row.as_dict() for row in rows]}
    )


@extend_schema_view(
    **read_docs(
        "来源文件",
        "来源文件",
        ex.DOCUMENT,
        description="领导讲话、通知等来源文件。",
        detail=("来源文件详情(含工作指示)", "来源文件及其工作指示", ex.DOCUMENT_DETAIL),
    )
)
class DocumentViewSet(ReadOnlyViewSet):
    """Documents are the office's published sources: every signed-in user may read them."""

    pagination_class = SmallListPagination

    def get_queryset(self) -> QuerySet[SourceDocument]:
        qs = SourceDocument.objects.order_by("-imported_at", "-id")
        if self.action == "retrieve":
            qs = qs.prefetch_related(
                Prefetch("directives", queryset=Directive.objects.order_by("span_start", "id"))
            )
        return qs

    def get_serializer_class(self) -> type:
        if self.action == "retrieve":
            return s.DocumentDetailSerializer
        return s.DocumentListSerializer

    @statistics_endpoint(
        "按来源文件统计(业绩榜)",
        "该文件下承诺事项的未办结、逾期、按期完成、逾期完成与完成率,按牵头单位排名。"
        "只统计调用者可见的事项。",
    )
    def summary(self, request: Request, pk: str | None = None) -> Response:
        document = self.get_object()
        return statistics_response(commitment_list_for(request.user).filter(document=document))


@extend_schema_view(**read_docs("工作指示", "工作指示", ex.DIRECTIVE))
class DirectiveViewSet(ReadOnlyViewSet):
    serializer_class = s.DirectiveSerializer
    filterset_class = DirectiveFilter
    pagination_class = SmallListPagination

    def get_queryset(self) -> QuerySet[Directive]:
        return Directive.objects.order_by("document_id", "span_start", "id")


@extend_schema_view(
    **read_docs(
        "责任单位", "单位", ex.UNIT, description="督办人员看到全部单位,其他人看到本单位及下级单位。"
    )
)
class UnitViewSet(ReadOnlyViewSet):
    serializer_class = s.UnitSerializer
    filterset_class = UnitFilter
    pagination_class = SmallListPagination

    def get_queryset(self) -> QuerySet:
        return unit_list_for(self.request.user).order_by("name", "id")

    @statistics_endpoint(
        "单位统计(含下级单位)",
        "该单位及其下级单位牵头的承诺事项:未办结、逾期、按期完成、逾期完成、完成率。",
    )
    def summary(self, request: Request, pk: str | None = None) -> Response:
        subtree = Unit.objects.descendant_ids([self.get_object().pk])
        return statistics_response(
            commitment_list_for(request.user).filter(lead_unit_id__in=subtree)
        )

    @statistics_endpoint(
        "业绩榜(全部可见单位)",
        "按完成率、逾期数、按期完成数排名;只统计调用者可见的事项。",
        detail=False,
    )
    def ranking(self, request: Request) -> Response:
        return statistics_response(self._ranking_scope(request))

    def _ranking_scope(self, request: Request) -> QuerySet | None:
        return None if user_is_supervisor(request.user) else commitment_list_for(request.user)


@extend_schema_view(
    **read_docs(
        "承诺事项",
        "办理中的事项",
        ex.COMMITMENT,
        description="游标分页(next 链接),每页默认 50 条、最多 200 条。单位成员只看到本单位"
        "(含下级单位)牵头或配合的事项。",
        detail=("承诺事项详情", "承诺事项", ex.COMMITMENT_DETAIL),
    ),
    create=extend_schema(
        summary="新建承诺事项(督办人员)",
        request=s.CommitmentWriteSerializer,
        responses={201: s.CommitmentDetailSerializer},
        examples=[
            OpenApiExample(
                "新建",
                value={
                    "title": "建立认责承诺台账",
                    "lead_unit": 3,
                    "deadline": "2026-12-31",
                    "is_public": True,
                },
                request_only=True,
            ),
            ex.response("新建的事项", {**ex.COMMITMENT_DETAIL, "status": Status.DRAFT.value}),
        ],
    ),
    partial_update=extend_schema(
        summary="修改承诺事项",
        description="单位成员只能修改 description 与 responsible;写入其他字段返回 400。",
        request=s.CommitmentWriteSerializer,
        responses={200: s.CommitmentDetailSerializer},
        examples=[
            OpenApiExample("改责任人", value={"responsible": 7}, request_only=True),
            ex.response("修改后的事项", ex.COMMITMENT_DETAIL),
        ],
    ),
    update=extend_schema(
        summary="修改承诺事项(全部可写字段)",
        request=s.CommitmentWriteSerializer,
        responses={200: s.CommitmentDetailSerializer},
        examples=[ex.response("修改后的事项", ex.COMMITMENT_DETAIL)],
    ),
)
class CommitmentViewSet(
    WorkflowActionsMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    viewsets.GenericViewSet,
):
    """Commitments: no DELETE, a commitment is cancelled, never deleted."""

    lookup_value_regex = ID_PATTERN

    filterset_class = CommitmentFilter
    pagination_class = CommitmentPagination
    permission_classes = [CommitmentPermission]

    def get_queryset(self) -> QuerySet[Commitment]:
        return commitment_list_for(self.request.user).select_related("lead_unit", "responsible")

    def get_serializer_class(self) -> type:
        if self.action in ("create", "update", "partial_update"):
            return s.CommitmentWriteSerializer
        if self.action == "list":
            return s.CommitmentListSerializer
        return s.CommitmentDetailSerializer

    def get_serializer_context(self) -> dict[str, Any]:
        return {**super().get_serializer_context(), "today": office_today()}

    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        # Same output as CommitmentListSerializer, read as plain rows: see CommitmentRows.
        today = office_today()
        reader = s.CommitmentRows(today)
        visible = commitment_list_for(request.user, base=reader.queryset())
        queryset = self.filter_queryset(visible)
        page = self.paginate_queryset(queryset) or []
        return self.get_paginated_response(reader(page))

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        commitment = serializer.save()
        return self.detail_response(commitment.pk, status=201)

    def update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        partial = kwargs.pop("partial", False)
        instance = self.get_object()
        serializer = self.get_serializer(instance, data=request.data, partial=partial)
        serializer.is_valid(raise_exception=True)
        serializer.save()
        return self.detail_response(instance.pk)

    def retrieve(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return self.detail_response(self.get_object().pk)

    def detail_response(self, pk: int, status: int = 200) -> Response:
        """The commitment as saved, read fresh with the same joins as a GET."""
        commitment = (
            Commitment.objects.with_traffic_light(office_today())
            .select_related("lead_unit", "responsible")
            .prefetch_related("co_units")
            .get(pk=pk)
        )
        context = self.get_serializer_context()
        return Response(s.CommitmentDetailSerializer(commitment, context=context).data, status)

    @extend_schema(
        summary="该事项的进展情况",
        responses=s.ProgressUpdateSerializer(many=True),
        examples=[ex.response("进展", ex.PROGRESS)],
    )
    @action(
        detail=True,
        methods=["get"],
        url_path="progress",
        pagination_class=NewestFirstPagination,
        filter_backends=[],
    )
    def progress(self, request: Request, pk: str | None = None) -> Response:
        commitment = get_object_or_404(commitment_list_for(request.user), pk=pk)
        qs = commitment.progress_updates.select_related("author")
        page = self.paginate_queryset(qs)
        data = s.ProgressUpdateSerializer(page, many=True).data
        return self.get_paginated_response(data)


@extend_schema_view(
    **read_docs("进展情况", "进展", ex.PROGRESS, description="可见事项的全部进展报送,最新在前。")
)
class ProgressUpdateViewSet(ReadOnlyViewSet):
    serializer_class = s.ProgressUpdateSerializer
    filterset_class = ProgressUpdateFilter
    pagination_class = NewestFirstPagination

    def get_queryset(self) -> QuerySet:
        return progress_list_for(self.request.user).select_related("author")

    @extend_schema(
        summary="确认或撤回公开进展(督办人员)",
        description="is_public 为 true:该进展出现在向社会公开页面;false:不予公开或撤回。"
        "单位报送时勾选的“申请公开”(publish_requested)随之办结。单位成员返回 403。",
        request=s.PublishInput,
        responses={200: s.ProgressUpdateSerializer},
        examples=[
            OpenApiExample("确认公开", value={"is_public": True}, request_only=True),
            ex.response("已公开的进展", ex.PROGRESS),
        ],
    )
    @action(detail=True, methods=["post"], filter_backends=[])
    def publish(self, request: Request, pk: str | None = None) -> Response:
        update = self.get_object()
        data = s.PublishInput(data=request.data)
        data.is_valid(raise_exception=True)
        published = progress_publish(
            # The permission class has already refused anonymous callers.
            update=update,
            actor=cast(User, request.user),
            public=data.validated_data["is_public"],
        )
        return Response(s.ProgressUpdateSerializer(published).data)


@extend_schema_view(
    **read_docs(
        "向社会公开的承诺事项",
        "公开事项",
        ex.PUBLIC,
        description="无需登录。只含公开事项,不含责任人、邮箱等个人信息;默认按时限由近及远。",
        list_summary="向社会公开的承诺事项",
    )
)
class PublicCommitmentViewSet(ReadOnlyViewSet):
    serializer_class = s.PublicCommitmentSerializer
    filterset_class = PublicCommitmentFilter
    pagination_class = PublicCommitmentPagination
    permission_classes = [AllowAny]
    authentication_classes: list = []
    throttle_classes = [AnonBurstThrottle]

    def get_queryset(self) -> QuerySet:
        return public_commitments().order_by()
