"""GET /api/v1/commitments/export/: the filtered commitment list as an Excel 台账 (.xlsx)."""

from __future__ import annotations

from django.db.models import QuerySet
from django.http import HttpResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiExample, OpenApiResponse, extend_schema
from rest_framework.generics import GenericAPIView
from rest_framework.request import Request

from ..models import Commitment
from ..selectors.access import commitment_list_for
from ..selectors.office import office_today
from ..services.excel import XLSX_CONTENT_TYPE, commitments_to_xlsx
from ..views.files import xlsx_response
from .filters import CommitmentFilter


class CommitmentExportView(GenericAPIView):
    """The same filters as GET /api/v1/commitments/, every matching row, no pagination."""

    filterset_class = CommitmentFilter
    pagination_class = None

    def get_queryset(self) -> QuerySet[Commitment]:
        return commitment_list_for(self.request.user)

    @extend_schema(
        summary="导出Excel台账",
        description="按与承诺事项列表相同的筛选条件导出全部匹配事项(序号、事项、责任单位、责任人、"
        "完成时限、进展情况、状态、红黄绿灯、备注)。",
        responses={
            (200, XLSX_CONTENT_TYPE): OpenApiResponse(
                response=OpenApiTypes.BINARY, description="Excel 台账"
            ),
            400: OpenApiResponse(response=OpenApiTypes.OBJECT, description="筛选条件有误"),
        },
        examples=[
            OpenApiExample(
                "筛选条件有误",
                value={"status": ["选择一个有效的选项。 nonsense 不在可用的选项中。"]},
                response_only=True,
                status_codes=["400"],
            )
        ],
    )
    def get(self, request: Request) -> HttpResponse:
        queryset = self.filter_queryset(self.get_queryset())
        return xlsx_response(commitments_to_xlsx(commitments=queryset, today=office_today()))
