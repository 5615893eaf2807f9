"""Domain errors the workflow raises; admin and API turn them into messages and status codes."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.core.exceptions import PermissionDenied
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from ..choices import Move, Status


class WorkflowError(Exception):
    """Base of every refusal of the workflow. `str(error)` is a message fit for the user."""

    def __init__(self, message: Any) -> None:
        # A str or a lazy translation, rendered in the language active when it is shown.
        super().__init__(message)
        self.message = message

    def __str__(self) -> str:
        return str(self.message)


class TransitionNotAllowed(WorkflowError):
    """The move is not possible from the commitment's current state.

    `current` is the status value, `move` the refused move, `allowed` the moves this actor may
    make from here (values of `commitments.choices.Move`), so the API can show them.
    """

    def __init__(self, *, current: str, move: str, allowed: Sequence[str]) -> None:
        self.current = current
        self.move = move
        self.allowed = list(allowed)
        # The list separator is translated too: "、" in Chinese, ", " in English.
        names = str(_("、")).join(str(Move(m).label) for m in self.allowed) or str(_("无"))
        super().__init__(
            format_lazy(
                _("当前状态为「{current}」,不能{move}。当前可执行的操作:{allowed}"),
                current=Status(current).label,
                move=Move(move).label,
                allowed=names,
            )
        )


class ActorNotAllowed(WorkflowError, PermissionDenied):
    """The actor's role does not permit this move on this commitment."""

    def __init__(self, *, move: str, message: Any = None) -> None:
        self.move = move
        super().__init__(
            message or format_lazy(_("您无权对该事项执行「{move}」"), move=Move(move).label)
        )


class InvalidInput(WorkflowError):
    """A move was asked with missing or wrong data (no reason, a date that is not later ...)."""

    def __init__(self, message: str, *, field: str | None = None) -> None:
        self.field = field
        super().__init__(message)
