"""One row per move a person makes on a commitment: the service that makes it, what it asks
for, who may make it and its label; and one row per answer the office gives a 延期申请.

The admin's move forms, decision form and batch actions and the API's input serializers are
built from these rows, so a move is described once; who may make it and from which states
stays in `transitions.TRANSITIONS` (for a decision, `extensions.DECIDERS`), the label in
`choices.Move`. The typed `commitment_<move>` and `extension_<decision>` functions remain the way
code (and grep) reaches a move.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any, Literal

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from ...choices import Move, Role
from ...models import DeadlineExtension
from ..evidence import evidence_add
from .corrections import commitment_deadline_correct
from .extensions import DECIDERS, extension_approve, extension_reject, extension_request
from .moves import (
    commitment_accept,
    commitment_assign,
    commitment_cancel,
    commitment_close,
    commitment_reopen,
    commitment_report_progress,
    commitment_return,
    commitment_start,
    commitment_submit,
    commitment_verify,
)
from .transitions import TRANSITIONS

# text: several lines; line: one line; percent: 0–100; flag: yes/no; date; file: one upload;
# files: an optional upload handed to the service as the list `files`.
InputKind = Literal["text", "line", "percent", "flag", "date", "file", "files"]


@dataclass(frozen=True)
class MoveInput:
    name: str
    kind: InputKind
    label: Promise
    required: bool = True
    max_length: int | None = None
    # For the API's documentation where it says more than the form's label.
    help_text: Promise | None = None
    # Uploads go through the admin's forms; the API's move endpoints take JSON.
    in_api: bool = True


@dataclass(frozen=True)
class MoveEntry:
    move: Move
    # Called as service(commitment=..., actor=..., **inputs).
    service: Callable[..., Any]
    inputs: tuple[MoveInput, ...] = ()
    # Offered in the admin as an action on the selected commitments (moves without inputs).
    batch: bool = False

    @property
    def label(self) -> Promise:
        return self.move.label

    @property
    def roles(self) -> frozenset[str]:
        return TRANSITIONS[self.move].roles

    @property
    def office_only(self) -> bool:
        return self.roles == {Role.SUPERVISOR}

    @property
    def changes_status(self) -> bool:
        """A move of the commitment itself (an endpoint of its own in the API), rather than one
        that records something beside it (a request, a file)."""
        return TRANSITIONS[self.move].target is not None

    def call(self, *, commitment: Any, actor: Any, data: dict[str, Any]) -> Any:
        """Make the move with `data` keyed by input name (as a form or serializer cleans it)."""
        inputs = dict(data)
        for spec in self.inputs:
            if spec.kind == "files":
                upload = inputs.pop(spec.name, None)
                inputs["files"] = [upload] if upload else []
        return self.service(commitment=commitment, actor=actor, **inputs)


_REASON = MoveInput("reason", "text", _("理由"), max_length=2000, help_text=_("理由(必填)"))

MOVES: dict[str, MoveEntry] = {
    entry.move: entry
    for entry in (
        MoveEntry(
            Move.ASSIGN,
            commitment_assign,
            (
                MoveInput(
                    "requirements",
                    "text",
                    _("办理要求"),
                    required=False,
                    max_length=5000,
                    help_text=_("对责任单位的具体要求：办理标准、节点安排、报送方式等"),
                ),
            ),
            batch=True,
        ),
        MoveEntry(Move.ACCEPT, commitment_accept, batch=True),
        MoveEntry(Move.START, commitment_start),
        MoveEntry(
            Move.REPORT,
            commitment_report_progress,
            (
                MoveInput("text", "text", _("进展情况"), max_length=5000),
                MoveInput("percent", "percent", _("完成进度(%)")),
                # A wish: the office's own note is published at once, a unit's waits for it.
                MoveInput(
                    "is_public",
                    "flag",
                    _("申请公开"),
                    required=False,
                    help_text=_("申请向社会公开:督办人员报送的直接公开,单位报送的待督办人员确认"),
                ),
            ),
        ),
        MoveEntry(
            Move.SUBMIT,
            commitment_submit,
            (
                MoveInput("evidence_text", "text", _("办结情况说明"), max_length=5000),
                MoveInput(
                    "file",
                    "files",
                    _("佐证材料"),
                    required=False,
                    help_text=_("可选;PDF、图片、Word(docx)、Excel(xlsx)或文本文件"),
                    in_api=False,
                ),
            ),
        ),
        MoveEntry(
            Move.VERIFY,
            commitment_verify,
            (MoveInput("note", "text", _("复核意见"), required=False, max_length=2000),),
            batch=True,
        ),
        MoveEntry(Move.CLOSE, commitment_close, batch=True),
        MoveEntry(Move.RETURN, commitment_return, (_REASON,)),
        MoveEntry(Move.CANCEL, commitment_cancel, (_REASON,)),
        MoveEntry(Move.REOPEN, commitment_reopen, (_REASON,)),
        MoveEntry(
            Move.ADD_EVIDENCE,
            evidence_add,
            (
                MoveInput("file", "file", _("文件"), in_api=False),
                MoveInput("note", "line", _("说明"), required=False, max_length=300),
            ),
        ),
        MoveEntry(
            Move.CORRECT_DEADLINE,
            commitment_deadline_correct,
            (
                MoveInput("deadline", "date", _("更正后的完成时限")),
                MoveInput("reason", "text", _("更正理由"), max_length=2000),
            ),
        ),
        MoveEntry(
            Move.REQUEST_EXTENSION,
            extension_request,
            (
                MoveInput("requested_deadline", "date", _("申请延至")),
                MoveInput("reason", "text", _("延期理由"), max_length=2000),
            ),
        ),
    )
}


def move_entry(move: str) -> MoveEntry:
    return MOVES[move]


@dataclass(frozen=True)
class DecisionEntry:
    """An answer the office may give a pending 延期申请 (`Move.DECIDE_EXTENSION`): an endpoint of
    its own in the API (.../extensions/{id}/<verb>/), one choice of the admin's decision form."""

    verb: str
    label: Promise
    # Called as service(extension=..., actor=..., **inputs).
    service: Callable[..., Any]
    # The request's status once decided.
    outcome: str
    inputs: tuple[MoveInput, ...] = ()

    @property
    def roles(self) -> frozenset[str]:
        return DECIDERS

    @property
    def office_only(self) -> bool:
        return self.roles == {Role.SUPERVISOR}

    def call(self, *, extension: Any, actor: Any, data: dict[str, Any]) -> Any:
        """Decide with `data` keyed by input name (as a form or serializer cleans it)."""
        return self.service(extension=extension, actor=actor, **data)


_DECISION_NOTE = MoveInput("note", "text", _("审批意见"), required=False, max_length=2000)

DECISIONS: dict[str, DecisionEntry] = {
    entry.verb: entry
    for entry in (
        DecisionEntry(
            "approve",
            _("批准"),
            extension_approve,
            DeadlineExtension.Status.APPROVED,
            (_DECISION_NOTE,),
        ),
        # The unit is told why; `extension_reject` refuses a missing note, saying so.
        DecisionEntry(
            "reject",
            _("不予批准"),
            extension_reject,
            DeadlineExtension.Status.REJECTED,
            (replace(_DECISION_NOTE, required=True, help_text=_("审批意见(必填)")),),
        ),
    )
}
