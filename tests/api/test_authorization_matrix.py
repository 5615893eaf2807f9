"""Who may call what: every role × every endpoint × own unit / supported unit / other unit /
public.

Targets, as seen by the member of 市教育局: `own` a commitment their unit leads, `supported` one
another unit leads with their unit as a co-unit (配合单位), `other` one that is none of theirs.
Each expected status is exact, so loosening any permission (a member verifying, a co-unit
signing for the lead unit, an outsider reading another unit's commitment, an anonymous caller
reaching a private list) fails a case.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import pytest

from commitments.models import Commitment, DeadlineExtension, ProgressUpdate

from .conftest import World

S = Commitment.Status
pytestmark = pytest.mark.django_db


TARGETS = ["own", "supported", "other"]


def target_commitment(world: World, target: str, state: str) -> Commitment:
    """The commitment in `state` the member's unit leads, supports or has nothing to do with."""
    if target == "supported":
        commitment = world.other[state]
        commitment.co_units.add(world.own_unit)
        return commitment
    return getattr(world, target)[state]


@dataclass(frozen=True)
class Move:
    """A POST on one commitment in `state`; `ok` is the success code. The lead unit's members
    may make it when `lead_may`, a co-unit's members when `co_may`."""

    name: str
    path: str
    state: str
    ok: int
    lead_may: bool
    co_may: bool = False
    body: Callable[[Commitment], dict[str, Any]] = lambda c: {}
    changes_status: bool = True


def _pending_extension(c: Commitment) -> int:
    return DeadlineExtension.objects.get(commitment=c, status="pending").pk


MOVES = [
    Move("assign", "assign", S.DRAFT, 200, lead_may=False),
    Move("accept", "accept", S.ASSIGNED, 200, lead_may=True),
    Move("start", "start", S.ACCEPTED, 200, lead_may=True),
    Move(
        "report-progress",
        "report-progress",
        S.ACCEPTED,
        201,
        lead_may=True,
        co_may=True,
        body=lambda c: {"text": "已部署", "percent": 20},
    ),
    Move(
        "submit",
        "submit",
        S.IN_PROGRESS,
        200,
        lead_may=True,
        body=lambda c: {"evidence_text": "已完成"},
    ),
    Move("verify", "verify", S.SUBMITTED, 200, lead_may=False),
    Move("close", "close", S.VERIFIED, 200, lead_may=False),
    Move("return", "return", S.SUBMITTED, 200, lead_may=False, body=lambda c: {"reason": "不全"}),
    Move("cancel", "cancel", S.IN_PROGRESS, 200, lead_may=False, body=lambda c: {"reason": "x"}),
    Move("reopen", "reopen", S.CLOSED, 200, lead_may=False, body=lambda c: {"reason": "复查"}),
    Move(
        "request-extension",
        "extensions",
        S.ACCEPTED,
        201,
        lead_may=True,
        body=lambda c: {"requested_deadline": str(c.deadline + timedelta(days=9)), "reason": "x"},
        changes_status=False,
    ),
    Move(
        "approve-extension",
        "extensions/{ext}/approve",
        S.IN_PROGRESS,
        200,
        lead_may=False,
        changes_status=False,
    ),
    Move(
        "reject-extension",
        "extensions/{ext}/reject",
        S.IN_PROGRESS,
        200,
        lead_may=False,
        body=lambda c: {"note": "理由不足"},
        changes_status=False,
    ),
]


def _move_path(move: Move, c: Commitment) -> str:
    path = move.path
    if "{ext}" in path:
        path = path.format(ext=_pending_extension(c))
    return f"/api/v1/commitments/{c.pk}/{path}/"


def _expected_move(role: str, target: str, move: Move) -> int:
    if role == "anonymous":
        return 401
    if role == "supervisor":
        return move.ok
    if target == "other":
        return 404
    may = move.lead_may if target == "own" else move.co_may
    return move.ok if may else 403


@pytest.mark.parametrize("target", TARGETS)
@pytest.mark.parametrize("role", ["anonymous", "member", "supervisor"])
@pytest.mark.parametrize("move", MOVES, ids=lambda m: m.name)
def test_workflow_moves_follow_the_roles(world: World, role, target, move):
    # given
    commitment = target_commitment(world, target, move.state)
    path = _move_path(move, commitment)
    before = Commitment.objects.get(pk=commitment.pk).status
    # when
    response = world.client(role).post(path, move.body(commitment), content_type="application/json")
    # then
    expected = _expected_move(role, target, move)
    assert response.status_code == expected, response.content
    after = Commitment.objects.get(pk=commitment.pk).status
    if expected >= 400:
        assert after == before, "a refused move changed the commitment"
    elif move.changes_status:
        assert after != before


@dataclass(frozen=True)
class Read:
    name: str
    path: Callable[[World, str], str]
    # expected code for anonymous, member-own, member-supported, member-other, supervisor
    anonymous: int = 401
    own: int = 200
    supported: int = 200
    other: int = 404
    supervisor: int = 200


def _c(w: World, target: str) -> Commitment:
    return target_commitment(w, target, S.IN_PROGRESS)


def _unit(w: World, target: str) -> int:
    # A supported commitment's lead unit is the other unit: supporting it opens no unit page.
    return (w.own_unit if target == "own" else w.other_unit).pk


READS = [
    Read("commitment", lambda w, t: f"/api/v1/commitments/{_c(w, t).pk}/"),
    Read("progress", lambda w, t: f"/api/v1/commitments/{_c(w, t).pk}/progress/"),
    Read("extensions", lambda w, t: f"/api/v1/commitments/{_c(w, t).pk}/extensions/"),
    Read("unit", lambda w, t: f"/api/v1/units/{_unit(w, t)}/", supported=404),
    Read("unit-summary", lambda w, t: f"/api/v1/units/{_unit(w, t)}/summary/", supported=404),
    Read(
        "progress-update",
        lambda w, t: f"/api/v1/progress-updates/{_c(w, t).progress_updates.get().pk}/",
    ),
    # Lists are the same for both targets: what they contain is checked below.
    Read("commitment-list", lambda w, t: "/api/v1/commitments/", other=200),
    Read("progress-list", lambda w, t: "/api/v1/progress-updates/", other=200),
    Read("unit-list", lambda w, t: "/api/v1/units/", other=200),
    Read("ranking", lambda w, t: "/api/v1/units/ranking/", other=200),
    Read("document-list", lambda w, t: "/api/v1/documents/", other=200),
    Read(
        "document",
        lambda w, t: f"/api/v1/documents/{_c(w, t).document_id}/",
        other=200,
    ),
    Read(
        "document-summary",
        lambda w, t: f"/api/v1/documents/{_c(w, t).document_id}/summary/",
        other=200,
    ),
    Read("directive-list", lambda w, t: "/api/v1/directives/", other=200),
    Read("public-list", lambda w, t: "/api/v1/public/commitments/", anonymous=200, other=200),
]


def _as_member(row: Read | Write, target: str) -> int:
    return {"own": row.own, "supported": row.supported, "other": row.other}[target]


@pytest.mark.parametrize("target", TARGETS)
@pytest.mark.parametrize("role", ["anonymous", "member", "supervisor"])
@pytest.mark.parametrize("read", READS, ids=lambda r: r.name)
def test_reads_follow_the_roles(world: World, role, target, read):
    response = world.client(role).get(read.path(world, target))
    expected = {
        "anonymous": read.anonymous,
        "supervisor": read.supervisor,
        "member": _as_member(read, target),
    }[role]
    assert response.status_code == expected, response.content


@dataclass(frozen=True)
class Write:
    name: str
    method: str
    body: dict[str, Any]
    anonymous: int
    own: int
    supported: int
    other: int
    supervisor: int


# A co-unit works on its part through progress reports; the commitment's fields are the lead
# unit's and the office's.
WRITES = [
    Write("edit-description", "patch", {"description": "新的内容"}, 401, 200, 400, 404, 200),
    Write("edit-responsible-cleared", "patch", {"responsible": None}, 401, 200, 400, 404, 200),
    # Handed off: the deadline moves only by an approved extension or 更正时限, for anyone.
    Write("edit-deadline", "patch", {"deadline": "2031-01-01"}, 401, 400, 400, 404, 400),
    Write("edit-lead-unit", "patch", {"lead_unit": None}, 401, 400, 400, 404, 400),
    Write("publish", "patch", {"is_public": True}, 401, 400, 400, 404, 200),
    # Publishing is the office's decision; the lead unit may ask for its description.
    Write("publish-description", "patch", {"public_description": "公开"}, 401, 400, 400, 404, 200),
    Write(
        "request-publication",
        "patch",
        {"description_publish_requested": True},
        401,
        200,
        400,
        404,
        200,
    ),
    Write("edit-status", "patch", {"status": "closed"}, 401, 400, 400, 404, 400),
    Write("replace", "put", {"title": "改名", "lead_unit": 0}, 401, 400, 400, 404, 400),
]


@pytest.mark.parametrize("target", TARGETS)
@pytest.mark.parametrize("role", ["anonymous", "member", "supervisor"])
@pytest.mark.parametrize("write", WRITES, ids=lambda w: w.name)
def test_field_writes_follow_the_roles(world: World, role, target, write):
    commitment = target_commitment(world, target, S.ASSIGNED)
    before = Commitment.objects.values().get(pk=commitment.pk)
    client = world.client(role)
    response = getattr(client, write.method)(
        f"/api/v1/commitments/{commitment.pk}/", write.body, content_type="application/json"
    )
    expected = {
        "anonymous": write.anonymous,
        "supervisor": write.supervisor,
        "member": _as_member(write, target),
    }[role]
    assert response.status_code == expected, response.content
    if expected >= 400:
        assert Commitment.objects.values().get(pk=commitment.pk) == before


@pytest.mark.parametrize(
    ("role", "expected"), [("anonymous", 401), ("member", 403), ("supervisor", 201)]
)
def test_only_supervisors_create_commitments(world: World, role, expected):
    count = Commitment.objects.count()
    response = world.client(role).post(
        "/api/v1/commitments/",
        {"title": "新事项", "lead_unit": world.own_unit.pk},
        content_type="application/json",
    )
    assert response.status_code == expected, response.content
    assert Commitment.objects.count() == count + (1 if expected == 201 else 0)


def _all_ids(client, path: str) -> set[int]:
    ids: set[int] = set()
    url: str | None = path
    while url:
        body = client.get(url).json()
        ids |= {row["id"] for row in body["results"]}
        url = body["next"]
    return ids


def test_member_lists_hold_only_their_units_and_sub_units(world: World):
    sub = world.own_sub_unit
    sub_commitment = Commitment.objects.create(title="下级单位事项", lead_unit=sub)
    supported = Commitment.objects.create(title="配合事项", lead_unit=world.other_unit)
    supported.co_units.add(world.own_unit)
    client = world.client("member")

    seen = _all_ids(client, "/api/v1/commitments/?page_size=3")

    expected = {c.pk for c in world.own.values()} | {sub_commitment.pk, supported.pk}
    assert seen == expected
    progress = client.get("/api/v1/progress-updates/").json()["results"]
    assert {p["commitment"] for p in progress} == {world.own[S.IN_PROGRESS].pk}
    units = client.get("/api/v1/units/").json()["results"]
    assert {u["id"] for u in units} == {world.own_unit.pk, sub.pk}


def test_supervisor_lists_everything(world: World):
    seen = _all_ids(world.client("supervisor"), "/api/v1/commitments/?page_size=200")
    assert seen == set(Commitment.objects.values_list("id", flat=True))


def test_summaries_count_only_what_the_caller_sees(world: World):
    document = world.own[S.IN_PROGRESS].document_id
    member = world.client("member").get(f"/api/v1/documents/{document}/summary/").json()
    office = world.client("supervisor").get(f"/api/v1/documents/{document}/summary/").json()
    assert {row["key"] for row in member["by_unit"]} == {world.own_unit.pk}
    assert {row["key"] for row in office["by_unit"]} == {world.own_unit.pk, world.other_unit.pk}
    ranking = world.client("member").get("/api/v1/units/ranking/").json()
    assert {row["key"] for row in ranking["by_unit"]} == {world.own_unit.pk}


@pytest.mark.parametrize("target", TARGETS)
@pytest.mark.parametrize("role", ["anonymous", "member", "supervisor"])
@pytest.mark.parametrize("public", [True, False])
def test_only_the_office_publishes_a_progress_note(world: World, role, target, public):
    # given a note waiting for the office (申请公开), on a commitment the member sees or not
    note = target_commitment(world, target, S.IN_PROGRESS).progress_updates.get()
    ProgressUpdate.objects.filter(pk=note.pk).update(publish_requested=True)
    # when
    response = world.client(role).post(
        f"/api/v1/progress-updates/{note.pk}/publish/",
        {"is_public": public},
        content_type="application/json",
    )
    # then
    expected = {"anonymous": 401, "supervisor": 200, "member": 404 if target == "other" else 403}
    assert response.status_code == expected[role], response.content
    note.refresh_from_db()
    decided = (note.is_public, note.publish_requested) == (public, False)
    assert decided == (role == "supervisor")
