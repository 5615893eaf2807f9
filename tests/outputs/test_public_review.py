"""What reaches /public/ is the office's decision: a unit proposes (申请公开), the office confirms.

The page and the public API show a progress note only once the office published it, and the
description the office confirmed, never the unit's working text as it stands.
"""

from __future__ import annotations

import importlib
import json

import pytest
from django.apps import apps
from django.contrib.auth.models import Group
from django.test import Client

from commitments.models import Commitment, ProgressUpdate
from commitments.services.errors import ActorNotAllowed
from commitments.services.publication import commitment_description_publish, progress_publish
from tests.api.conftest import token_client
from tests.factories import CommitmentFactory, ProgressUpdateFactory, UnitFactory, UserFactory

pytestmark = pytest.mark.django_db

S = Commitment.Status


def _public_texts() -> str:
    """Everything an anonymous visitor reads: the page and the public API."""
    anonymous = Client()
    page = anonymous.get("/public/").content.decode()
    api = anonymous.get("/api/v1/public/commitments/").json()
    return page + json.dumps(api, ensure_ascii=False)


@pytest.fixture
def public_commitment(unit):
    return CommitmentFactory(
        title="新建三所幼儿园", lead_unit=unit, status=S.IN_PROGRESS, is_public=True
    )


def test_a_units_public_note_waits_for_the_offices_confirmation(
    public_commitment, unit_member, supervisor
):
    # given a unit member who reports and ticks 申请公开
    member = token_client(unit_member)
    response = member.post(
        f"/api/v1/commitments/{public_commitment.pk}/report-progress/",
        {"text": "选址未经审核的说法", "percent": 30, "is_public": True},
        content_type="application/json",
    )
    assert response.status_code == 201
    assert (response.json()["is_public"], response.json()["publish_requested"]) == (False, True)
    # then nothing reaches the public yet
    assert "选址未经审核的说法" not in _public_texts()
    # and the unit cannot confirm it itself
    note = response.json()["id"]
    refused = member.post(
        f"/api/v1/progress-updates/{note}/publish/",
        {"is_public": True},
        content_type="application/json",
    )
    assert refused.status_code == 403
    # when the office confirms
    confirmed = token_client(supervisor).post(
        f"/api/v1/progress-updates/{note}/publish/",
        {"is_public": True},
        content_type="application/json",
    )
    # then the note is public and the request answered
    assert confirmed.status_code == 200
    assert (confirmed.json()["is_public"], confirmed.json()["publish_requested"]) == (True, False)
    assert "选址未经审核的说法" in _public_texts()


def test_the_office_lists_the_notes_waiting_for_it(public_commitment, supervisor):
    waiting = ProgressUpdateFactory(commitment=public_commitment, publish_requested=True)
    ProgressUpdateFactory(commitment=public_commitment)
    response = token_client(supervisor).get("/api/v1/progress-updates/?publish_requested=true")
    assert [row["id"] for row in response.json()["results"]] == [waiting.pk]


def test_the_offices_own_note_is_public_at_once(public_commitment, supervisor):
    response = token_client(supervisor).post(
        f"/api/v1/commitments/{public_commitment.pk}/report-progress/",
        {"text": "督办组实地察看", "percent": 40, "is_public": True},
        content_type="application/json",
    )
    assert (response.json()["is_public"], response.json()["publish_requested"]) == (True, False)
    assert "督办组实地察看" in _public_texts()


def test_a_units_description_edit_reaches_the_public_only_once_the_office_confirms(
    public_commitment, unit_member, supervisor
):
    # given a description the office published
    commitment_description_publish(
        commitment=public_commitment, actor=supervisor, text="经审定:新建三所公办幼儿园"
    )
    member = token_client(unit_member)
    path = f"/api/v1/commitments/{public_commitment.pk}/"
    # when the unit rewrites its description and asks for it to be published
    response = member.patch(
        path,
        {"description": "单位自拟:幼儿园已全部建成", "description_publish_requested": True},
        content_type="application/json",
    )
    assert response.status_code == 200
    # then the public still reads what the office confirmed
    texts = _public_texts()
    assert "单位自拟" not in texts and "经审定:新建三所公办幼儿园" in texts
    # and the unit may not write the public text itself
    forged = member.patch(path, {"public_description": "单位自拟"}, content_type="application/json")
    assert forged.status_code == 400
    # when the office confirms the unit's text
    commitment_description_publish(commitment=public_commitment, actor=supervisor)
    # then that text is public, and the request is answered
    public_commitment.refresh_from_db()
    assert public_commitment.public_description == "单位自拟:幼儿园已全部建成"
    assert not public_commitment.description_publish_requested
    assert "单位自拟:幼儿园已全部建成" in _public_texts()


def test_the_public_search_finds_only_the_confirmed_text(public_commitment, supervisor):
    # given a working description the office has not published, and one it has
    public_commitment.description = "内部掌握的征地难点"
    public_commitment.save(update_fields=["description"])
    other = CommitmentFactory(title="改造老旧小区", is_public=True)
    commitment_description_publish(commitment=other, actor=supervisor, text="加装电梯二十部")
    anonymous = Client()

    def found(word: str) -> list[int]:
        rows = anonymous.get("/api/v1/public/commitments/", {"q": word}).json()["results"]
        return [row["id"] for row in rows]

    # then searching cannot probe the unpublished text, and finds the published one
    assert found("征地难点") == []
    assert found("加装电梯") == [other.pk]
    assert found("幼儿园") == [public_commitment.pk]


def test_the_office_rewrites_the_public_text_through_the_api(public_commitment, supervisor):
    public_commitment.description_publish_requested = True
    public_commitment.save(update_fields=["description_publish_requested"])
    response = token_client(supervisor).patch(
        f"/api/v1/commitments/{public_commitment.pk}/",
        {"public_description": "督办组改定的公开内容"},
        content_type="application/json",
    )
    assert response.status_code == 200
    assert response.json()["description_publish_requested"] is False
    assert "督办组改定的公开内容" in _public_texts()


def test_only_the_office_decides_publication_in_the_services(
    public_commitment, unit_member, supervisor
):
    note = ProgressUpdateFactory(commitment=public_commitment, publish_requested=True)
    with pytest.raises(ActorNotAllowed):
        progress_publish(update=note, actor=unit_member)
    with pytest.raises(ActorNotAllowed):
        commitment_description_publish(commitment=public_commitment, actor=unit_member)
    progress_publish(update=note, actor=supervisor, public=False)
    note.refresh_from_db()
    assert (note.is_public, note.publish_requested) == (False, False)


def test_the_office_confirms_requests_in_the_admin_and_units_are_not_offered_it(
    client, public_commitment, unit_member, supervisor
):
    # given a request waiting for the office
    waiting = ProgressUpdateFactory(
        commitment=public_commitment, text="待确认的进展", publish_requested=True
    )
    unit_member.groups.add(Group.objects.get(name="责任单位人员"))
    supervisor.groups.add(Group.objects.get(name="督办人员"))
    changelist = "/admin/commitments/progressupdate/"
    # then the unit member sees the request but no action to publish it
    client.force_login(unit_member)
    assert "publish_selected" not in client.get(changelist).content.decode()
    client.post(
        changelist, {"action": "publish_selected", "_selected_action": [waiting.pk]}, follow=True
    )
    waiting.refresh_from_db()
    assert not waiting.is_public
    # when the office filters the waiting requests and confirms them
    client.force_login(supervisor)
    page = client.get(changelist, {"publish_requested__exact": "1"}).content.decode()
    assert "publish_selected" in page
    client.post(
        changelist, {"action": "publish_selected", "_selected_action": [waiting.pk]}, follow=True
    )
    # then
    waiting.refresh_from_db()
    assert (waiting.is_public, waiting.publish_requested) == (True, False)
    assert "待确认的进展" in _public_texts()


def test_the_office_publishes_descriptions_from_the_commitment_list(
    client, public_commitment, supervisor
):
    public_commitment.description = "单位提交的具体内容"
    public_commitment.description_publish_requested = True
    public_commitment.save(update_fields=["description", "description_publish_requested"])
    supervisor.groups.add(Group.objects.get(name="督办人员"))
    client.force_login(supervisor)
    client.post(
        "/admin/commitments/commitment/",
        {"action": "publish_description", "_selected_action": [public_commitment.pk]},
    )
    public_commitment.refresh_from_db()
    assert public_commitment.public_description == "单位提交的具体内容"
    assert "单位提交的具体内容" in _public_texts()


def test_the_migration_turns_unconfirmed_publications_into_requests(supervisor):
    # given what the old rules let units publish, and what the office published itself
    unit = UnitFactory(name="市民政局")
    clerk = UserFactory(username="clerk")
    unit.members.add(clerk)
    commitment = CommitmentFactory(lead_unit=unit, is_public=True, description="单位写的")
    by_unit = ProgressUpdateFactory(commitment=commitment, author=clerk, is_public=True)
    by_office = ProgressUpdateFactory(commitment=commitment, author=supervisor, is_public=True)
    anonymous = ProgressUpdateFactory(commitment=commitment, author=None, is_public=True)
    migration = importlib.import_module("commitments.migrations.0015_access_publication")
    # when
    migration.unconfirmed_publications_to_requests(apps, None)
    # then
    rows = {
        u.pk: (u.is_public, u.publish_requested)
        for u in ProgressUpdate.objects.filter(pk__in=[by_unit.pk, by_office.pk, anonymous.pk])
    }
    assert rows == {
        by_unit.pk: (False, True),
        by_office.pk: (True, False),
        anonymous.pk: (False, True),
    }
    commitment.refresh_from_db()
    assert commitment.description_publish_requested and commitment.public_description == ""
