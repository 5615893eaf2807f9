"""Commitments in any state, and one call per move with the data each move needs."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from commitments.models import Commitment
from commitments.services.evidence import evidence_add
from commitments.services.workflow.corrections import commitment_deadline_correct
from commitments.services.workflow.extensions import extension_request
from commitments.services.workflow.moves import (
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
from tests.factories import CommitmentFactory, UnitFactory, UserFactory

SHANGHAI = ZoneInfo("Asia/Shanghai")
PDF_BYTES = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"

S = Commitment.Status


def shanghai(*args: int) -> datetime:
    return datetime(*args, tzinfo=SHANGHAI)


def pdf(name: str = "验收报告.pdf", content: bytes = PDF_BYTES) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type="application/pdf")


def make_commitment(status: str = S.ASSIGNED, **kwargs: Any) -> Commitment:
    """A commitment in `status`, with the fields the database requires of that status."""
    if status in (S.SUBMITTED, S.VERIFIED, S.CLOSED):
        kwargs.setdefault("completed_on", timezone.localdate())
        kwargs.setdefault("completion_note", "已全部完成。")
    if status == S.CANCELLED:
        kwargs.setdefault("status_reason", "工作调整")
    if status == S.RETURNED:
        kwargs.setdefault("status_reason", "材料不全")
    if status not in (S.DRAFT,):
        kwargs.setdefault("assigned_at", timezone.now())
    return CommitmentFactory(status=status, **kwargs)


MOVES: dict[str, Callable[..., Any]] = {
    "assign": lambda c, a: commitment_assign(commitment=c, actor=a),
    "accept": lambda c, a: commitment_accept(commitment=c, actor=a),
    "start": lambda c, a: commitment_start(commitment=c, actor=a),
    "report": lambda c, a: commitment_report_progress(
        commitment=c, actor=a, text="已召开专题会议部署。", percent=40
    ),
    "submit": lambda c, a: commitment_submit(commitment=c, actor=a, evidence_text="已全部完成。"),
    "verify": lambda c, a: commitment_verify(commitment=c, actor=a),
    "close": lambda c, a: commitment_close(commitment=c, actor=a),
    "return": lambda c, a: commitment_return(commitment=c, actor=a, reason="佐证材料不全"),
    "cancel": lambda c, a: commitment_cancel(commitment=c, actor=a, reason="工作调整,不再实施"),
    "reopen": lambda c, a: commitment_reopen(commitment=c, actor=a, reason="群众反映问题反弹"),
    "request_extension": lambda c, a: extension_request(
        commitment=c,
        actor=a,
        requested_deadline=c.deadline + timedelta(days=30),
        reason="需协调多个部门",
    ),
    "add_evidence": lambda c, a: evidence_add(commitment=c, actor=a, file=pdf()),
    "correct_deadline": lambda c, a: commitment_deadline_correct(
        commitment=c,
        actor=a,
        deadline=(c.deadline or timezone.localdate()) + timedelta(days=7),
        reason="原文时限识别有误",
    ),
}


@pytest.fixture
def other_member(db) -> Any:
    """A member of a unit that has nothing to do with the commitments under test."""
    user = UserFactory(username="other", is_staff=True)
    UnitFactory(name="市卫健委").members.add(user)
    return user


__all__ = ["MOVES", "PDF_BYTES", "SHANGHAI", "S", "date", "make_commitment", "pdf", "shanghai"]
