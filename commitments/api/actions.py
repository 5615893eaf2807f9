"""Workflow moves as POST endpoints on a commitment.

Each endpoint validates its input, then calls one function of commitments.services.workflow or
.extensions; the service decides whether the move is allowed (state and role). The exception
handler turns its refusals into 409 (wrong state, with the allowed moves), 403 (wrong role) and
400 (bad input).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any, cast

from django.contrib.auth.models import User
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiExample, OpenApiResponse, extend_schema
from rest_framework import serializers, status
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from ..choices import Move, Status
from ..models import Commitment, DeadlineExtension, ProgressUpdate
from ..services.workflow.registry import DECISIONS, MOVES, DecisionEntry, MoveEntry, MoveInput
from ..services.workflow.transitions import TRANSITIONS
from . import examples as ex
from . import serializers as s


def _serializer_field(spec: MoveInput) -> serializers.Field:
    common: dict[str, Any] = {"help_text": spec.help_text or spec.label}
    if spec.kind in ("text", "line"):
        if not spec.required:
            common.update(required=False, allow_blank=True, default="")
        if spec.max_length is not None:
            common["max_length"] = spec.max_length
        return serializers.CharField(**common)
    if spec.kind == "percent":
        return serializers.IntegerField(min_value=0, max_value=100, **common)
    if spec.kind == "flag":
        return serializers.BooleanField(default=False, **common)
    if spec.kind == "date":
        return serializers.DateField(**common)
    raise ValueError(f"no JSON input for {spec.kind}")


class EmptyInput(serializers.Serializer):
    pass


# The schema's component names clients have generated code from; moves asking the same thing
# share one. Keyed by move, or by decision on an extension.
_INPUT_NAMES = {
    Move.REPORT: "ReportInput",
    Move.SUBMIT: "SubmitInput",
    Move.RETURN: "ReasonInput",
    Move.CANCEL: "ReasonInput",
    Move.REOPEN: "ReasonInput",
    Move.REQUEST_EXTENSION: "ExtensionRequestInput",
    "approve": "NoteInput",
    "reject": "RequiredNoteInput",
}
_BUILT: dict[str, type[serializers.Serializer]] = {"EmptyInput": EmptyInput}


def _input_serializer(key: str, inputs: Iterable[MoveInput]) -> type[serializers.Serializer]:
    """The request body of a move or decision: its registry inputs that travel as JSON."""
    fields = {spec.name: _serializer_field(spec) for spec in inputs if spec.in_api}
    default = "".join(part.title() for part in key.split("_")) + "Input"
    name = _INPUT_NAMES.get(key, default) if fields else "EmptyInput"
    if name not in _BUILT:
        _BUILT[name] = type(name, (serializers.Serializer,), fields)
    return _BUILT[name]


INPUTS = {move: _input_serializer(move, entry.inputs) for move, entry in MOVES.items()}
DECISION_INPUTS = {verb: _input_serializer(verb, entry.inputs) for verb, entry in DECISIONS.items()}


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
                    "current": Status.IN_PROGRESS.value,
                    "move": Move.VERIFY.value,
                    "allowed": [Move.REPORT.value, Move.SUBMIT.value, Move.REQUEST_EXTENSION.value],
                },
            )
        ],
    ),
}


# Per move, what the docs show beyond the defaults: the URL segment, a request example and a
# response other than the commitment after the move.
_URL_PATHS = {Move.REPORT: "report-progress"}
_METHOD_NAMES = {Move.REPORT: "report_progress", Move.RETURN: "return_"}
_REQUEST_EXAMPLES: dict[str, dict[str, Any]] = {
    Move.REPORT: {"text": "已召开专题会议部署", "percent": 30, "is_public": True},
    Move.SUBMIT: {"evidence_text": "台账已建立并上墙公示"},
    Move.RETURN: {"reason": "佐证材料不全"},
}
_RESPONSES: dict[str, dict[int, Any]] = {Move.REPORT: {201: s.ProgressUpdateSerializer, 200: None}}
_RESPONSE_EXAMPLES = {Move.REPORT: ex.response("新的进展", ex.PROGRESS)}


def _summary(label: object, *, office_only: bool) -> str:
    return f"{label}(督办人员)" if office_only else str(label)


def _move_schema(entry: MoveEntry, request: type[serializers.Serializer]) -> Any:
    summary = _summary(entry.label, office_only=entry.office_only)
    target = TRANSITIONS[entry.move].target
    examples = [
        _RESPONSE_EXAMPLES.get(entry.move)
        or ex.response(f"{entry.label}后的事项", {**ex.COMMITMENT_DETAIL, "status": target})
    ]
    if entry.move in _REQUEST_EXAMPLES:
        examples.insert(
            0,
            OpenApiExample(summary, value=_REQUEST_EXAMPLES[entry.move], request_only=True),
        )
    responses = {200: s.CommitmentDetailSerializer, **MOVE_ERRORS, **_RESPONSES.get(entry.move, {})}
    return extend_schema(summary=summary, request=request, responses=responses, examples=examples)


_EXTENSION_INPUT = INPUTS[Move.REQUEST_EXTENSION]


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

    def _make(self, request: Request, entry: MoveEntry) -> Response:
        data = self._input(request, INPUTS[entry.move])
        result = entry.call(commitment=self.get_object(), actor=self._actor(request), data=data)
        if isinstance(result, ProgressUpdate):
            return Response(s.ProgressUpdateSerializer(result).data, status=status.HTTP_201_CREATED)
        return self.detail_response(result.pk)

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
        request=_EXTENSION_INPUT,
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
        data = self._input(request, _EXTENSION_INPUT)
        extension = MOVES[Move.REQUEST_EXTENSION].call(
            commitment=commitment, actor=self._actor(request), data=data
        )
        return Response(DeadlineExtensionSerializer(extension).data, status=status.HTTP_201_CREATED)

    def _decide(self, request: Request, extension_id: str, entry: DecisionEntry) -> Response:
        commitment = self.get_object()
        extension = get_object_or_404(commitment.extensions.all(), pk=extension_id)
        data = self._input(request, DECISION_INPUTS[entry.verb])
        decided = entry.call(extension=extension, actor=self._actor(request), data=data)
        return Response(DeadlineExtensionSerializer(decided).data)


def _decision_endpoint(entry: DecisionEntry) -> Any:
    """POST /commitments/{id}/extensions/{extension_id}/<verb>/: the office's answer."""

    def view(
        self: WorkflowActionsMixin, request: Request, pk: str | None = None, extension_id: str = ""
    ) -> Response:
        return self._decide(request, extension_id, entry)

    view.__name__ = view.__qualname__ = f"{entry.verb}_extension"
    routed = action(
        detail=True,
        methods=["post"],
        url_path=rf"extensions/(?P<extension_id>[0-9]{{1,18}})/{entry.verb}",
        filter_backends=[],
    )(view)
    return extend_schema(
        # 批准延期, 不予批准延期: the decision on the request.
        summary=_summary(f"{entry.label}延期", office_only=entry.office_only),
        examples=[ex.response("审批结果", {**ex.EXTENSION, "status": entry.outcome})],
        request=DECISION_INPUTS[entry.verb],
        responses={200: DeadlineExtensionSerializer, **MOVE_ERRORS},
    )(routed)


def _endpoint(entry: MoveEntry) -> Any:
    def view(self: WorkflowActionsMixin, request: Request, pk: str | None = None) -> Response:
        return self._make(request, entry)

    name = _METHOD_NAMES.get(entry.move, str(entry.move))
    view.__name__ = view.__qualname__ = name
    url_path = _URL_PATHS.get(entry.move, str(entry.move))
    routed = action(detail=True, methods=["post"], url_path=url_path, url_name=url_path)(view)
    return _move_schema(entry, INPUTS[entry.move])(routed)


# One POST endpoint (and one OpenAPI operation) per move of the commitment itself, from the
# registry: /commitments/{id}/assign/, .../report-progress/, .../return/ ...
for _entry in MOVES.values():
    if _entry.changes_status:
        setattr(
            WorkflowActionsMixin, _METHOD_NAMES.get(_entry.move, _entry.move), _endpoint(_entry)
        )
# ... and one per decision on an extension: .../extensions/{extension_id}/approve/, .../reject/.
for _decision in DECISIONS.values():
    setattr(WorkflowActionsMixin, f"{_decision.verb}_extension", _decision_endpoint(_decision))
