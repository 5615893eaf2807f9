"""Example payloads shown in the OpenAPI schema and Swagger UI."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import OpenApiExample

from ..choices import Move, Status, TrafficLight
from ..models import DeadlineExtension


def response(name: str, value: Any) -> OpenApiExample:
    return OpenApiExample(name, value=value, response_only=True)


COMMITMENT = {
    "id": 42,
    "title": "建立认责承诺台账",
    "status": Status.IN_PROGRESS.value,
    "status_display": "办理中",
    "lead_unit": 3,
    "lead_unit_name": "市教育局",
    "responsible": 7,
    "responsible_name": "张三",
    "deadline": "2026-12-31",
    "deadline_pending": False,
    "original_deadline": "2026-12-31",
    "document": 1,
    "is_public": True,
    "completed_on": None,
    "finished_on_time": None,
    "last_progress_at": "2026-11-20T09:30:00+08:00",
    "overdue": False,
    "traffic_light": TrafficLight.GREEN.value,
}

COMMITMENT_DETAIL = {
    **COMMITMENT,
    "description": "着力解决群众反映强烈的各种问题。",
    "description_publish_requested": False,
    "public_description": "着力解决群众反映强烈的各种问题。",
    "co_units": [5],
    "directive": 12,
    "deadline_text": "年底前",
    "report_cycle": "monthly",
    "report_cycle_display": "每月",
    "status_reason": "",
    "assigned_at": "2026-10-08T10:00:00+08:00",
    "accepted_at": "2026-10-09T08:45:00+08:00",
    "completion_note": "",
    "created_at": "2026-10-08T09:58:00+08:00",
    "updated_at": "2026-11-20T09:30:00+08:00",
    "allowed_moves": [
        Move.REPORT.value,
        Move.SUBMIT.value,
        Move.REQUEST_EXTENSION.value,
        Move.ADD_EVIDENCE.value,
    ],
}

DOCUMENT = {
    "id": 1,
    "title": "在全市创先争优活动推进会上的讲话",
    "speaker": "魏福刚",
    "issuer": "市委创先争优活动办公室",
    "delivered_on": "2023-04-01",
    "issued_on": "2023-04-02",
    "imported_at": "2026-10-08T09:00:00+08:00",
}

DIRECTIVE = {
    "id": 12,
    "document": 1,
    "ref": "2.3",
    "section": "二、突出重点",
    "text": "各县区各部门要建立认责承诺台账,年底前全部兑现。",
    "kind": "task",
    "kind_display": "工作任务",
    "owner_names": ["各县区", "各部门"],
    "deadline": "2026-12-31",
    "deadline_text": "年底前",
    "deadline_pending": False,
}

DOCUMENT_DETAIL = {
    **DOCUMENT,
    "addressees": "各县区党委,市直各部门",
    "source_name": "speech.txt",
    "directives": [DIRECTIVE],
}

UNIT = {
    "id": 3,
    "name": "市教育局",
    "kind": "department",
    "kind_display": "部门",
    "parent": None,
    "is_supervisor": False,
}

_ROW = {
    "key": 3,
    "name": "市教育局",
    "total": 20,
    "open": 8,
    "overdue": 1,
    "done": 12,
    "done_on_time": 11,
    "done_late": 1,
    "completion_rate": 0.6,
    "rank": 1,
}
SUMMARY = {"totals": {**_ROW, "key": None, "name": "合计", "rank": 0}, "by_unit": [_ROW]}

PROGRESS = {
    "id": 9,
    "commitment": 42,
    "author": 7,
    "author_name": "张三",
    "text": "已召开专题会议部署。",
    "percent": 30,
    "is_public": True,
    "publish_requested": False,
    "created_at": "2026-11-20T09:30:00+08:00",
}

PUBLIC = {
    "id": 42,
    "title": "建立认责承诺台账",
    "description": "着力解决群众反映强烈的各种问题。",
    "lead_unit_name": "市教育局",
    "deadline": "2026-12-31",
    "status": "办理中",
    "public_note": "台账已建立,正在逐项销号。",
    "public_note_at": "2026-11-20T09:30:00+08:00",
}

EXTENSION = {
    "id": 4,
    "commitment": 42,
    "requested_deadline": "2027-03-31",
    "deadline_before": "2026-12-31",
    "reason": "汛期影响施工",
    "status": DeadlineExtension.Status.PENDING.value,
    "status_display": "待审批",
    "decided_at": None,
    "decision_note": "",
    "created_at": "2026-11-21T15:00:00+08:00",
}
