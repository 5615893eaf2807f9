"""Every error the API can answer comes in the caller's language: English on request, else Chinese.

The walk below takes each error path (400 field errors on every writable endpoint, 409 for each
workflow move, 401/403/404/405, bad filters, cursors and orderings, 429) once with
`Accept-Language: en`, where not one Chinese character may appear in the body, and once with
no language asked for, where the message must be Chinese. A new message that nobody translated
makes the English half fail.
"""

from __future__ import annotations

import io
import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pytest
from django.conf import settings
from django.test import Client, override_settings
from django.utils import translation
from openpyxl import load_workbook

from commitments.choices import Move
from commitments.models import Commitment, DeadlineExtension
from tests.factories import (
    CommitmentFactory,
    DeadlineExtensionFactory,
    DirectiveFactory,
    SourceDocumentFactory,
)

from .conftest import World, token_client

S = Commitment.Status
pytestmark = pytest.mark.django_db

# CJK ideographs, CJK punctuation (、。「」) and full-width forms (,:()).
CJK = re.compile(r"[\u3000-\u303f\u3400-\u4dbf\u4e00-\u9fff\uff00-\uffef]")
PASSWORD = "pw-for-tests-123"  # the factories' password


@dataclass(frozen=True)
class Call:
    # "anonymous", "supervisor", "member", "other_member", "bad_token" or "session" (the
    # member signed in to the browsable API, CSRF checked)
    role: str
    method: str
    path: str
    status: int
    data: dict[str, Any] | None = None
    # Send the same request this many times first (throttling, login lockout).
    warmup: int = 0
    rates: dict[str, str] | None = None
    as_form: bool = False
    query: dict[str, Any] = field(default_factory=dict)


def c(w: World, status: str, suffix: str = "", *, other: bool = False) -> str:
    commitment = (w.other if other else w.own)[status]
    return f"/api/v1/commitments/{commitment.pk}/{suffix}"


def _decided_extension(w: World) -> str:
    commitment = w.own[S.ACCEPTED]
    extension = DeadlineExtensionFactory(
        commitment=commitment,
        status=DeadlineExtension.Status.REJECTED,
        decided_at=commitment.created_at,
        decision_note="no",
    )
    return c(w, S.ACCEPTED, f"extensions/{extension.pk}/approve/")


def _pending_extension_on_submitted(w: World) -> str:
    commitment = w.own[S.SUBMITTED]
    extension = DeadlineExtensionFactory(commitment=commitment)
    return c(w, S.SUBMITTED, f"extensions/{extension.pk}/approve/")


def _pending_extension(w: World, suffix: str) -> str:
    extension = w.own[S.IN_PROGRESS].extensions.get()
    return c(w, S.IN_PROGRESS, f"extensions/{extension.pk}/{suffix}/")


def _directive_of_another_document(w: World) -> dict[str, Any]:
    directive = DirectiveFactory()
    return {
        "title": "x",
        "lead_unit": w.own_unit.pk,
        "document": SourceDocumentFactory().pk,
        "directive": directive.pk,
    }


def _no_deadline(w: World) -> str:
    commitment = CommitmentFactory(lead_unit=w.own_unit, status=S.ACCEPTED, deadline=None)
    return f"/api/v1/commitments/{commitment.pk}/extensions/"


CASES: dict[str, Callable[[World], Call]] = {
    # --- 400: field errors on every writable endpoint -------------------------------------
    "create-missing-fields": lambda w: Call("supervisor", "post", "/api/v1/commitments/", 400, {}),
    "create-wrong-values": lambda w: Call(
        "supervisor",
        "post",
        "/api/v1/commitments/",
        400,
        {
            "title": "x" * 301,
            "lead_unit": 99999999,
            "deadline": "someday",
            "report_cycle": "hourly",
            "is_public": "perhaps",
            "co_units": "x",
        },
    ),
    "create-directive-of-another-document": lambda w: Call(
        "supervisor", "post", "/api/v1/commitments/", 400, _directive_of_another_document(w)
    ),
    "edit-forbidden-and-unknown-fields": lambda w: Call(
        "member",
        "patch",
        c(w, S.ASSIGNED),
        400,
        {"deadline": "2031-01-01", "is_public": True, "bogus": 1},
    ),
    "edit-responsible-not-a-colleague": lambda w: Call(
        "member", "patch", c(w, S.ASSIGNED), 400, {"responsible": w.other_member.pk}
    ),
    "edit-directive-after-creation": lambda w: Call(
        "supervisor", "patch", c(w, S.ASSIGNED), 400, {"directive": DirectiveFactory().pk}
    ),
    "edit-whole-without-title": lambda w: Call(
        "supervisor", "put", c(w, S.ASSIGNED), 400, {"description": "x"}
    ),
    "report-progress-fields": lambda w: Call(
        "member", "post", c(w, S.ACCEPTED, "report-progress/"), 400, {"percent": 101}
    ),
    "report-progress-blank-text": lambda w: Call(
        "member",
        "post",
        c(w, S.ACCEPTED, "report-progress/"),
        400,
        {"text": "  ", "percent": "x"},
    ),
    "submit-without-evidence-text": lambda w: Call(
        "member", "post", c(w, S.IN_PROGRESS, "submit/"), 400, {}
    ),
    "verify-note-too-long": lambda w: Call(
        "supervisor", "post", c(w, S.SUBMITTED, "verify/"), 400, {"note": "x" * 2001}
    ),
    "return-without-reason": lambda w: Call(
        "supervisor", "post", c(w, S.SUBMITTED, "return/"), 400, {}
    ),
    "cancel-without-reason": lambda w: Call(
        "supervisor", "post", c(w, S.ASSIGNED, "cancel/"), 400, {"reason": ""}
    ),
    "reopen-without-reason": lambda w: Call(
        "supervisor", "post", c(w, S.CLOSED, "reopen/"), 400, {}
    ),
    "extension-fields": lambda w: Call(
        "member", "post", c(w, S.ACCEPTED, "extensions/"), 400, {"requested_deadline": "soon"}
    ),
    "extension-not-later": lambda w: Call(
        "member",
        "post",
        c(w, S.ACCEPTED, "extensions/"),
        400,
        {"requested_deadline": "2000-01-01", "reason": "x"},
    ),
    "extension-already-pending": lambda w: Call(
        "member",
        "post",
        c(w, S.IN_PROGRESS, "extensions/"),
        400,
        {"requested_deadline": "2099-01-01", "reason": "x"},
    ),
    "extension-without-deadline": lambda w: Call(
        "member", "post", _no_deadline(w), 400, {"requested_deadline": "2099-01-01", "reason": "x"}
    ),
    "extension-reject-without-note": lambda w: Call(
        "supervisor", "post", _pending_extension(w, "reject"), 400, {}
    ),
    "extension-already-decided": lambda w: Call(
        "supervisor", "post", _decided_extension(w), 400, {}
    ),
    "extension-commitment-already-submitted": lambda w: Call(
        "supervisor", "post", _pending_extension_on_submitted(w), 400, {}
    ),
    "token-login-missing-fields": lambda w: Call(
        "anonymous", "post", "/api/v1/auth/token/", 400, {}, as_form=True
    ),
    "token-login-wrong-password": lambda w: Call(
        "anonymous",
        "post",
        "/api/v1/auth/token/",
        400,
        {"username": "edu", "password": "wrong"},
        as_form=True,
    ),
    "malformed-json": lambda w: Call(
        "supervisor", "post", c(w, S.SUBMITTED, "return/"), 400, {"raw": "{not json"}
    ),
    # --- 400: filters, cursors, orderings, page sizes ------------------------------------
    "list-bad-filters": lambda w: Call(
        "supervisor",
        "get",
        "/api/v1/commitments/",
        400,
        query={
            "status": "nonsense",
            "traffic_light": "purple",
            "unit": "x",
            "lead_unit": "0",
            "deadline_before": "someday",
            "due_within": "-1",
            "responsible": "1.5",
        },
    ),
    "list-bad-ordering": lambda w: Call(
        "supervisor", "get", "/api/v1/commitments/", 400, query={"ordering": "title"}
    ),
    "list-bad-cursor": lambda w: Call(
        "supervisor", "get", "/api/v1/commitments/", 400, query={"cursor": "not-a-cursor"}
    ),
    "list-bad-page-size": lambda w: Call(
        "supervisor", "get", "/api/v1/commitments/", 400, query={"page_size": "500"}
    ),
    "progress-list-bad-ordering": lambda w: Call(
        "member", "get", c(w, S.IN_PROGRESS, "progress/"), 400, query={"ordering": "deadline"}
    ),
    "progress-updates-bad-filter": lambda w: Call(
        "member", "get", "/api/v1/progress-updates/", 400, query={"commitment": "x"}
    ),
    "directives-bad-filter": lambda w: Call(
        "member", "get", "/api/v1/directives/", 400, query={"kind": "x", "document": "x"}
    ),
    "units-bad-filter": lambda w: Call(
        "member", "get", "/api/v1/units/", 400, query={"parent": "x", "kind": "x"}
    ),
    "404-units-page-beyond-the-end": lambda w: Call(
        "member", "get", "/api/v1/units/", 404, query={"page": "99"}
    ),
    "export-bad-filter": lambda w: Call(
        "supervisor", "get", "/api/v1/commitments/export/", 400, query={"status": "nonsense"}
    ),
    "public-bad-filter-and-cursor": lambda w: Call(
        "anonymous",
        "get",
        "/api/v1/public/commitments/",
        400,
        query={"unit": "x", "cursor": "WyJ4Il0"},
    ),
    # --- 409: each move from a state that does not allow it ------------------------------
    **{
        f"409-{move}": (
            lambda w, move=move, state=state, data=data: Call(
                "supervisor", "post", c(w, state, f"{move}/"), 409, data
            )
        )
        for move, state, data in [
            ("assign", S.ASSIGNED, {}),
            ("accept", S.DRAFT, {}),
            ("start", S.DRAFT, {}),
            ("report-progress", S.DRAFT, {"text": "x", "percent": 1}),
            ("submit", S.DRAFT, {"evidence_text": "x"}),
            ("verify", S.IN_PROGRESS, {}),
            ("close", S.IN_PROGRESS, {}),
            ("return", S.IN_PROGRESS, {"reason": "x"}),
            ("cancel", S.CLOSED, {"reason": "x"}),
            ("reopen", S.IN_PROGRESS, {"reason": "x"}),
            ("extensions", S.DRAFT, {"requested_deadline": "2099-01-01", "reason": "x"}),
        ]
    },
    # --- 401, 403: who may not ------------------------------------------------------------
    "401-no-credentials": lambda w: Call("anonymous", "get", "/api/v1/commitments/", 401),
    "401-unknown-token": lambda w: Call("bad_token", "get", "/api/v1/commitments/", 401),
    "403-session-without-csrf-token": lambda w: Call(
        "session", "post", c(w, S.ACCEPTED, "start/"), 403, {}
    ),
    "403-member-creates": lambda w: Call(
        "member", "post", "/api/v1/commitments/", 403, {"title": "x"}
    ),
    "403-member-assigns": lambda w: Call("member", "post", c(w, S.DRAFT, "assign/"), 403, {}),
    "403-member-verifies": lambda w: Call("member", "post", c(w, S.SUBMITTED, "verify/"), 403, {}),
    "403-member-approves-extension": lambda w: Call(
        "member", "post", _pending_extension(w, "approve"), 403, {}
    ),
    # --- 404, 405 -------------------------------------------------------------------------
    "404-another-units-commitment": lambda w: Call(
        "member", "get", c(w, S.IN_PROGRESS, other=True), 404
    ),
    "404-move-on-another-units-commitment": lambda w: Call(
        "member", "post", c(w, S.ASSIGNED, "accept/", other=True), 404, {}
    ),
    "404-unknown-extension": lambda w: Call(
        "supervisor", "post", c(w, S.IN_PROGRESS, "extensions/99999999/approve/"), 404, {}
    ),
    "404-progress-of-another-unit": lambda w: Call(
        "member", "get", c(w, S.IN_PROGRESS, "progress/", other=True), 404
    ),
    "404-unpublished-public-commitment": lambda w: Call(
        "anonymous", "get", f"/api/v1/public/commitments/{w.own[S.IN_PROGRESS].pk}/", 404
    ),
    "404-unit-summary-out-of-sight": lambda w: Call(
        "member", "get", f"/api/v1/units/{w.other_unit.pk}/summary/", 404
    ),
    "405-delete-commitment": lambda w: Call("supervisor", "delete", c(w, S.ASSIGNED), 405),
    "404-unknown-format": lambda w: Call(
        "supervisor", "get", "/api/v1/commitments/", 404, query={"format": "xml"}
    ),
    # --- 429: rate limit and login lockout ------------------------------------------------
    "429-throttled": lambda w: Call(
        "anonymous",
        "get",
        "/api/v1/public/commitments/",
        429,
        warmup=1,
        rates={"anon": "1/minute", "token": "100000/minute"},
    ),
    "429-token-login-locked": lambda w: Call(
        "anonymous",
        "post",
        "/api/v1/auth/token/",
        429,
        {"username": "edu", "password": "wrong"},
        warmup=settings.AXES_FAILURE_LIMIT,
        as_form=True,
    ),
}


def _client(w: World, role: str) -> Client:
    if role == "bad_token":
        return Client(headers={"authorization": "Token " + "0" * 40})
    if role == "session":
        browser = Client(enforce_csrf_checks=True)
        browser.force_login(w.member)
        return browser
    return w.client(role) if role != "anonymous" else token_client(None)


def _send(w: World, call: Call, language: str | None) -> Any:
    client = _client(w, call.role)
    headers = {"accept-language": language} if language else {}
    kwargs: dict[str, Any] = {"headers": headers}
    if call.method == "get":
        kwargs["data"] = call.query
    elif call.data is not None and "raw" in call.data:
        kwargs.update(data=call.data["raw"], content_type="application/json")
    elif call.data is not None:
        kwargs["data"] = call.data
        if not call.as_form:
            kwargs["content_type"] = "application/json"
    path = call.path
    if call.method != "get" and call.query:
        path += "?" + "&".join(f"{k}={v}" for k, v in call.query.items())
    send = getattr(client, call.method)
    for _ in range(call.warmup):
        send(path, **kwargs)
    return send(path, **kwargs)


def _messages(response: Any) -> str:
    """The body as text, JSON unescaped so that \\uXXXX-escaped Chinese counts too."""
    try:
        return json.dumps(response.json(), ensure_ascii=False)
    except ValueError:
        return response.content.decode()


def _answer(world: World, name: str, language: str | None) -> Any:
    call = CASES[name](world)
    if call.rates:
        rest = {**settings.REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": call.rates}
        with override_settings(REST_FRAMEWORK=rest):
            response = _send(world, call, language)
    else:
        response = _send(world, call, language)
    assert response.status_code == call.status, (name, response.status_code, response.content)
    return response


@pytest.mark.parametrize("name", list(CASES))
def test_api_errors_in_english_carry_no_chinese(world: World, name: str):
    response = _answer(world, name, "en")

    text = _messages(response)
    assert text.strip(" {}[]\"'"), f"{name}: empty error body"
    assert not CJK.search(text), f"{name}: untranslated in English: {text}"
    assert response["Content-Language"] == "en"


@pytest.mark.parametrize("name", list(CASES))
def test_api_errors_by_default_are_chinese(world: World, name: str):
    response = _answer(world, name, None)

    text = _messages(response)
    assert CJK.search(text), f"{name}: no Chinese in the default language: {text}"
    assert response["Content-Language"] == "zh-hans"


def test_a_refused_move_names_the_allowed_moves_in_english(world: World):
    response = world.client("supervisor").post(
        c(world, S.ASSIGNED, "verify/"),
        content_type="application/json",
        headers={"accept-language": "en"},
    )

    assert response.status_code == 409
    body = response.json()
    with translation.override("en"):
        allowed = [str(Move(move).label) for move in body["allowed"]]
        current = str(S(body["current"]).label)
    assert allowed and all(label in body["detail"] for label in allowed)
    assert current in body["detail"]
    assert "Accept" in allowed  # 签收


def test_labels_in_api_rows_follow_the_callers_language(world: World):
    client = world.client("supervisor")
    en = {"accept-language": "en"}
    commitment = world.own[S.IN_PROGRESS]
    commitment.report_cycle = Commitment.ReportCycle.MONTHLY
    commitment.save(update_fields=["report_cycle"])
    DirectiveFactory()

    rows = client.get("/api/v1/commitments/", {"status": "in_progress"}, headers=en).json()
    detail = client.get(f"/api/v1/commitments/{commitment.pk}/", headers=en).json()
    extensions = client.get(f"/api/v1/commitments/{commitment.pk}/extensions/", headers=en)
    units = client.get("/api/v1/units/", headers=en).json()["results"]
    directives = client.get("/api/v1/directives/", headers=en).json()["results"]
    ranking = client.get("/api/v1/units/ranking/", headers=en).json()
    public = Client().get("/api/v1/public/commitments/", headers=en).json()["results"]
    chinese = client.get(f"/api/v1/commitments/{commitment.pk}/").json()

    assert {row["status_display"] for row in rows["results"]} == {"In progress"}
    assert detail["status_display"] == "In progress"
    assert detail["report_cycle_display"] == "Monthly"
    assert extensions.json()[0]["status_display"] == "Pending"
    assert all(not CJK.search(unit["kind_display"]) for unit in units)
    assert all(not CJK.search(d["kind_display"]) for d in directives)
    assert ranking["totals"]["name"] == "Total"
    assert all(not CJK.search(row["status"]) for row in public)
    assert chinese["status_display"] == "办理中" and chinese["report_cycle_display"] == "每月"


def test_what_an_english_caller_leaves_on_record_stays_in_the_offices_chinese(world: World):
    # given: the office reads the site in English
    client = world.client("supervisor")
    en = {"accept-language": "en"}
    commitment = world.own[S.SUBMITTED]
    extension = world.own[S.IN_PROGRESS].extensions.get()

    # when: it makes moves and exports the 台账
    returned = client.post(
        c(world, S.SUBMITTED, "return/"),
        {"reason": "x"},
        content_type="application/json",
        headers=en,
    )
    approved = client.post(
        c(world, S.IN_PROGRESS, f"extensions/{extension.pk}/approve/"),
        content_type="application/json",
        headers=en,
    )
    sheet = client.get("/api/v1/commitments/export/", {"status": "returned"}, headers=en)

    # then: the audit trail and the sheet are written in the office's language
    assert returned.status_code == approved.status_code == sheet.status_code == 200
    assert returned.json()["status_display"] == "Returned"
    assert commitment.history.first().history_change_reason == "退回:x"
    reason = world.own[S.IN_PROGRESS].history.first().history_change_reason
    assert reason.startswith("审批延期:批准延期"), reason
    assert extension.history.first().history_change_reason == "已批准"
    rows = list(load_workbook(io.BytesIO(sheet.content)).worksheets[0].iter_rows(values_only=True))
    assert rows[1][9] == "状态" and {row[9] for row in rows[2:]} == {"退回"}
