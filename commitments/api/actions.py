"""Workflow moves as POST endpoints on a commitment.

Each endpoint validates its input, then calls one function of commitments.services.workflow or
.extensions; the service decides whether the move is allowed (state and role). The exception
handler turns its refusals into 409 (wrong state, with the allowed moves), 403 (wrong role) and
400 (bad input).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, cast

from django.contrib.auth.models import User
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiExample, OpenApiResponse, extend_schema
from rest_framework import serializers, status
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from ..models import Commitment, DeadlineExtension
from ..services.workflow import extensions as ext_services
from ..services.workflow import moves as workflow
from . import examples as ex
from . import serializers as s


class ReasonInput(serializers.Serializer):
    reason = serializers.CharField(max_length=2000, help_text=_("理由(必填)"))


class NoteInput(serializers.Serializer):
    note = serializers.CharField(max_length=2000, required=False, allow_blank=True, default="")


class RequiredNoteInput(serializers.Serializer):
    note = serializers.CharField(max_length=2000, help_text=_("审批意见(必填)"))


class SubmitInput(serializers.Serializer):
    evidence_text = serializers.CharField(max_length=5000, help_text=_("办结情况说明"))


class EmptyInput(serializers.Serializer):
    pass


class ReportInput(serializers.Serializer):
    text = serializers.CharField(max_length=5000, help_text=_("进展情况"))
    percent = serializers.IntegerField(min_value=0, max_value=100, help_text=_("完成进度(%)"))
    is_public = serializers.BooleanField(
        default=False, help_text=_("申请向社会公开:督办人员报送的直接公开,单位报送的待督办人员确认")
    )


class ExtensionRequestInput(serializers.Serializer):
    requested_deadline = serializers.DateField(help_text=_("申请延至"))
    reason = serializers.CharField(max_length=2000, help_text=_("延期理由"))


class DeadlineExtensionSerializer(serializers.ModelSerializer):
    status_display = serializers.CharField(source="get_status_display", read_only=True)

    class Meta:
        model = DeadlineExtension
        fields = (
            "id",
            "commitment",
            "requested_deadline",
            "deadline_before",
            "reason",
            "status",
            "status_display",
            "decided_at",
            "decision_note",
            "created_at",
        )
        read_only_fields = fields


class MoveErrorSerializer(serializers.Serializer):
    detail = serializers.CharField()
    code = serializers.CharField()
    current = serializers.CharField(help_text=_("当前状态"))
    move = serializers.CharField(help_text=_("被拒绝的操作"))
    allowed = serializers.ListField(child=serializers.CharField(), help_text=_("当前可执行的操作"))


MOVE_ERRORS = {
    400: OpenApiResponse(description="输入有误:字段错误"),
    403: OpenApiResponse(description="角色无权执行该操作"),
    404: OpenApiResponse(description="事项不存在或不可见"),
    409: OpenApiResponse(
        MoveErrorSerializer,
        description="当前状态不允许该操作;allowed 列出可执行的操作",
        examples=[
            OpenApiExample(
                "不能复核",
                value={
                    "detail": "当前状态为「办理中」,不能复核通过。当前可执行的操作:申请办结",
                    "code": "transition_not_allowed",
                    "current": "in_progress",
                    "move": "verify",
                    "allowed": ["report", "submit", "request_extension"],
                },
            )
        ],
    ),
}


def move_schema(summary: str, request: type[serializers.Serializer], **kwargs: Any) -> Any:
    kwargs.setdefault("examples", [ex.response("移交后的事项", ex.COMMITMENT_DETAIL)])
    responses = {200: s.CommitmentDetailSerializer, **MOVE_ERRORS}
    responses.update(kwargs.pop("responses", {}))
    return extend_schema(summary=summary, request=request, responses=responses, **kwargs)


class WorkflowActionsMixin:
    """Mixed into CommitmentViewSet: `get_object()` already hides other units' commitments."""

    get_object: Callable[[], Commitment]
    detail_response: Callable[..., Response]

    @staticmethod
    def _actor(request: Request) -> User:
        # The permission class has already refused anonymous callers.
        return cast(User, request.user)

    def _input(self, request: Request, serializer_class: type[serializers.Serializer]) -> dict:
        serializer = serializer_class(data=request.data)
        serializer.is_valid(raise_exception=True)
        return dict(serializer.validated_data)

    def _move(
        self,
        request: Request,
        service: Callable[..., Commitment],
        serializer_class: type[serializers.Serializer] = EmptyInput,
    ) -> Response:
        data = self._input(request, serializer_class)
        commitment = service(commitment=self.get_object(), actor=self._actor(request), **data)
        return self.detail_response(commitment.pk)

    @move_schema("交办(督办人员)", EmptyInput)
    @action(detail=True, methods=["post"])
    def assign(self, request: Request, pk: str | None = None) -> Response:
        return self._move(request, workflow.commitment_assign)

    @move_schema("签收", EmptyInput)
    @action(detail=True, methods=["post"])
    def accept(self, request: Request, pk: str | None = None) -> Response:
        return self._move(request, workflow.commitment_accept)

    @move_schema("开始办理", EmptyInput)
    @action(detail=True, methods=["post"])
    def start(self, request: Request, pk: str | None = None) -> Response:
        return self._move(request, workflow.commitment_start)

    @move_schema(
        "报送进展",
        ReportInput,
        responses={201: s.ProgressUpdateSerializer, 200: None},
        examples=[
            OpenApiExample(
                "进展",
                value={"text": "已召开专题会议部署", "percent": 30, "is_public": True},
                request_only=True,
            ),
            ex.response("新的进展", ex.PROGRESS),
        ],
    )
    @action(detail=True, methods=["post"], url_path="report-progress")
    def report_progress(self, request: Request, pk: str | None = None) -> Response:
        data = self._input(request, ReportInput)
        update = workflow.commitment_report_progress(
            commitment=self.get_object(), actor=self._actor(request), **data
        )
        return Response(s.ProgressUpdateSerializer(update).data, status=status.HTTP_201_CREATED)

    @move_schema(
        "申请办结",
        SubmitInput,
        examples=[
            OpenApiExample(
                "办结", value={"evidence_text": "台账已建立并上墙公示"}, request_only=True
            ),
            ex.response("申请办结后的事项", {**ex.COMMITMENT_DETAIL, "status": "submitted"}),
        ],
    )
    @action(detail=True, methods=["post"])
    def submit(self, request: Request, pk: str | None = None) -> Response:
        return self._move(request, workflow.commitment_submit, SubmitInput)

    @move_schema("复核通过(督办人员)", NoteInput)
    @action(detail=True, methods=["post"])
    def verify(self, request: Request, pk: str | None = None) -> Response:
        return self._move(request, workflow.commitment_verify, NoteInput)

    @move_schema("销号(督办人员)", EmptyInput)
    @action(detail=True, methods=["post"])
    def close(self, request: Request, pk: str | None = None) -> Response:
        return self._move(request, workflow.commitment_close)

    @move_schema(
        "退回(督办人员)",
        ReasonInput,
        examples=[
            OpenApiExample("退回", value={"reason": "佐证材料不全"}, request_only=True),
            ex.response("退回后的事项", {**ex.COMMITMENT_DETAIL, "status": "returned"}),
        ],
    )
    @action(detail=True, methods=["post"], url_path="return", url_name="return")
    def return_(self, request: Request, pk: str | None = None) -> Response:
        return self._move(request, workflow.commitment_return, ReasonInput)

    @move_schema("撤销(督办人员)", ReasonInput)
    @action(detail=True, methods=["post"])
    def cancel(self, request: Request, pk: str | None = None) -> Response:
        return self._move(request, workflow.commitment_cancel, ReasonInput)

    @move_schema("重新打开(督办人员)", ReasonInput)
    @action(detail=True, methods=["post"])
    def reopen(self, request: Request, pk: str | None = None) -> Response:
        return self._move(request, workflow.commitment_reopen, ReasonInput)

    # --- deadline extensions -----------------------------------------------------------------

    @extend_schema(
        methods=["GET"],
        summary="该事项的延期申请",
        request=None,
        responses={200: DeadlineExtensionSerializer(many=True)},
        examples=[ex.response("延期申请", [ex.EXTENSION])],
    )
    @extend_schema(
        methods=["POST"],
        summary="申请延期",
        request=ExtensionRequestInput,
        responses={201: DeadlineExtensionSerializer, **MOVE_ERRORS},
        examples=[
            OpenApiExample(
                "延期",
                value={"requested_deadline": "2027-03-31", "reason": "汛期影响施工"},
                request_only=True,
            ),
            ex.response("待审批", ex.EXTENSION),
        ],
    )
    @action(detail=True, methods=["get", "post"], pagination_class=None, filter_backends=[])
    def extensions(self, request: Request, pk: str | None = None) -> Response:
        commitment = self.get_object()
        if request.method == "GET":
            rows = commitment.extensions.order_by("-created_at", "-id")
            return Response(DeadlineExtensionSerializer(rows, many=True).data)
        data = self._input(request, ExtensionRequestInput)
        extension = ext_services.extension_request(
            commitment=commitment, actor=self._actor(request), **data
        )
        return Response(DeadlineExtensionSerializer(extension).data, status=status.HTTP_201_CREATED)

    def _decide(
        self,
        request: Request,
        extension_id: str,
        service: Callable[..., DeadlineExtension],
        serializer_class: type[serializers.Serializer],
    ) -> Response:
        commitment = self.get_object()
        extension = get_object_or_404(commitment.extensions.all(), pk=extension_id)
        data = self._input(request, serializer_class)
        decided = service(extension=extension, actor=self._actor(request), **data)
        return Response(DeadlineExtensionSerializer(decided).data)

    @extend_schema(
        summary="批准延期(督办人员)",
        examples=[ex.response("审批结果", {**ex.EXTENSION, "status": "approved"})],
        request=NoteInput,
        responses={200: DeadlineExtensionSerializer, **MOVE_ERRORS},
    )
    @action(
        detail=True,
        methods=["post"],
        url_path=r"extensions/(?P<extension_id>[0-9]{1,18})/approve",
        filter_backends=[],
    )
    def approve_extension(
        self, request: Request, pk: str | None = None, extension_id: str = ""
    ) -> Response:
        return self._decide(request, extension_id, ext_services.extension_approve, NoteInput)

    @extend_schema(
        summary="不予批准延期(督办人员)",
        examples=[ex.response("审批结果", {**ex.EXTENSION, "status": "approved"})],
        request=RequiredNoteInput,
        responses={200: DeadlineExtensionSerializer, **MOVE_ERRORS},
    )
    @action(
        detail=True,
        methods=["post"],
        url_path=r"extensions/(?P<extension_id>[0-9]{1,18})/reject",
        filter_backends=[],
    )
    def reject_extension(
        self, request: Request, pk: str | None = None, extension_id: str = ""
    ) -> Response:
        return self._decide(request, extension_id, ext_services.extension_reject, RequiredNoteInput)
