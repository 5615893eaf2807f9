"""Commitments over the API: filters, keyset pagination, errors, auth, the public list."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.test import Client, override_settings
from django.utils import timezone

from commitments.api.filters import CommitmentFilter
from commitments.models import Commitment, ProgressUpdate
from tests.factories import CommitmentFactory, SourceDocumentFactory, UnitFactory, UserFactory

from .conftest import World, commitment_in, token_client

S = Commitment.Status
pytestmark = pytest.mark.django_db


def ids(response) -> list[int]:
    assert response.status_code == 200, response.content
    return [row["id"] for row in response.json()["results"]]


def walk(client: Client, path: str, params: dict) -> list[int]:
    """Every id of a list, page after page, following `next`."""
    seen: list[int] = []
    response = client.get(path, params)
    while True:
        seen += ids(response)
        nxt = response.json()["next"]
        if not nxt:
            return seen
        response = client.get(nxt)


# --- pagination --------------------------------------------------------------------------------


def test_pages_follow_each_other_without_gaps_or_repeats(supervisor, unit):
    made = [CommitmentFactory(lead_unit=unit).pk for _ in range(7)]
    client = token_client(supervisor)
    assert walk(client, "/api/v1/commitments/", {"page_size": 3}) == sorted(made, reverse=True)
    assert walk(client, "/api/v1/commitments/", {"page_size": 3, "ordering": "id"}) == made


def test_deadline_ordering_pages_through_ties_and_counts_a_missing_deadline_as_furthest(
    supervisor, unit
):
    today = timezone.localdate()
    same_day = [CommitmentFactory(lead_unit=unit, deadline=today).pk for _ in range(3)]
    later = CommitmentFactory(lead_unit=unit, deadline=today + timedelta(days=5)).pk
    earlier = CommitmentFactory(lead_unit=unit, deadline=today - timedelta(days=5)).pk
    undated = [CommitmentFactory(lead_unit=unit, deadline=None).pk for _ in range(2)]
    client = token_client(supervisor)

    ascending = walk(client, "/api/v1/commitments/", {"page_size": 2, "ordering": "deadline"})
    descending = walk(client, "/api/v1/commitments/", {"page_size": 2, "ordering": "-deadline"})

    assert ascending == [earlier, *same_day, later, *undated]
    assert descending == [*reversed(undated), later, *reversed(same_day), earlier]


def test_next_links_keep_the_filters_including_chinese_text(supervisor, unit):
    wanted = [CommitmentFactory(lead_unit=unit, title=f"落实台账{i}").pk for i in range(3)]
    CommitmentFactory(lead_unit=unit, title="其他事项")
    client = token_client(supervisor)
    seen = walk(client, "/api/v1/commitments/", {"q": "台账", "page_size": 1})
    assert seen == sorted(wanted, reverse=True)


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"page_size": 201}, "page_size"),
        ({"page_size": 0}, "page_size"),
        ({"page_size": "x"}, "page_size"),
        ({"ordering": "title"}, "ordering"),
        ({"cursor": "not-a-cursor"}, "cursor"),
        ({"cursor": "WyJ4Il0"}, "cursor"),  # ["x"]: not an id
    ],
)
def test_bad_paging_parameters_are_a_400_naming_the_parameter(supervisor, params, field):
    response = token_client(supervisor).get("/api/v1/commitments/", params)
    assert response.status_code == 400
    assert field in response.json()


def test_page_size_up_to_the_maximum_is_served(supervisor, unit):
    for _ in range(3):
        CommitmentFactory(lead_unit=unit)
    response = token_client(supervisor).get("/api/v1/commitments/", {"page_size": 200})
    assert len(ids(response)) == 3 and response.json()["next"] is None


# --- filters -----------------------------------------------------------------------------------


@pytest.fixture
def spread(supervisor, unit):
    today = timezone.localdate()
    sub = UnitFactory(name="市教育局办公室", parent=unit)
    other = UnitFactory(name="市民政局")
    person = UserFactory(username="zhang")
    doc = SourceDocumentFactory()
    rows = {
        "overdue": commitment_in(unit, S.IN_PROGRESS, deadline=today - timedelta(days=2)),
        "soon": commitment_in(sub, S.ACCEPTED, deadline=today + timedelta(days=2)),
        "later": commitment_in(other, S.ASSIGNED, deadline=today + timedelta(days=60)),
        "done": commitment_in(other, S.CLOSED, deadline=today - timedelta(days=9)),
        "person": commitment_in(
            other, S.ASSIGNED, responsible=person, document=doc, title="建立台账制度"
        ),
    }
    rows["person"].co_units.add(sub)
    rows["undated"] = commitment_in(other, S.DRAFT, deadline=None)
    empty = UnitFactory(name="空单位")
    return {
        "today": today,
        "sub": sub,
        "empty": empty,
        "other": other,
        "zhang": person,
        "doc": doc,
        **rows,
    }


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        (lambda s: {"status": [S.IN_PROGRESS, S.ACCEPTED]}, {"overdue", "soon"}),
        (lambda s: {"overdue": "true"}, {"overdue"}),
        (lambda s: {"overdue": "false"}, {"soon", "later", "done", "person", "undated"}),
        (lambda s: {"due_within": 3}, {"soon"}),
        (lambda s: {"deadline_before": str(s["today"])}, {"overdue", "done"}),
        (lambda s: {"deadline_after": str(s["today"] + timedelta(days=3))}, {"later", "person"}),
        (lambda s: {"unit": s["empty"].pk}, set()),
        (lambda s: {"lead_unit": s["overdue"].lead_unit_id}, {"overdue", "soon"}),
        (lambda s: {"unit": s["sub"].pk}, {"soon", "person"}),
        (lambda s: {"responsible": s["zhang"].pk}, {"person"}),
        (lambda s: {"document": s["doc"].pk}, {"person"}),
        (lambda s: {"q": "台账 制度"}, {"person"}),
        (lambda s: {"traffic_light": "red"}, {"overdue"}),
        (lambda s: {"traffic_light": ["yellow", "grey"]}, {"soon", "done"}),
        (lambda s: {"traffic_light": "incomplete"}, {"undated"}),
    ],
    ids=[
        "status",
        "overdue",
        "not-overdue",
        "due-within",
        "deadline-before",
        "deadline-after",
        "unit-without-commitments",
        "lead-unit-with-sub-units",
        "unit-lead-or-co",
        "responsible",
        "document",
        "text",
        "traffic-red",
        "traffic-yellow-grey",
        "traffic-incomplete-without-deadline",
    ],
)
def test_filters_select_the_right_commitments(supervisor, spread, params, expected):
    response = token_client(supervisor).get("/api/v1/commitments/", params(spread))
    names = {k for k, v in spread.items() if isinstance(v, Commitment)}
    assert {n for n in names if spread[n].pk in ids(response)} == expected


def test_filters_combine_when_several_are_given(supervisor, spread):
    params = {"unit": spread["sub"].pk, "status": S.ACCEPTED, "deadline_before": "2999-01-01"}
    response = token_client(supervisor).get("/api/v1/commitments/", params)
    assert ids(response) == [spread["soon"].pk]


def test_browsable_api_filter_form_offers_every_filter(world: World):
    # The JSON path builds only the filters a request names; the HTML form must show them all.
    client = Client()
    client.force_login(world.supervisor)
    response = client.get(
        "/api/v1/commitments/", {"status": S.ACCEPTED}, headers={"accept": "text/html"}
    )
    page = response.content.decode()
    for name in CommitmentFilter.base_filters:
        assert f'name="{name}"' in page, name


def test_an_invalid_filter_value_is_a_400(supervisor):
    response = token_client(supervisor).get(
        "/api/v1/commitments/", {"status": "nonsense", "due_within": -1}
    )
    assert response.status_code == 400
    assert {"status", "due_within"} <= set(response.json())


# --- errors and languages ----------------------------------------------------------------------


def test_field_errors_come_in_chinese_by_default_and_english_on_request(world: World):
    client = world.client("member")
    path = f"/api/v1/commitments/{world.own[S.ACCEPTED].pk}/report-progress/"

    chinese = client.post(path, {"percent": 101}, content_type="application/json")
    english = client.post(
        path, {"percent": 101}, content_type="application/json", headers={"accept-language": "en"}
    )

    assert chinese.status_code == english.status_code == 400
    assert chinese.json()["text"] == ["该字段是必填项。"]
    assert english.json()["text"] == ["This field is required."]
    assert "100" in english.json()["percent"][0]
    assert not ProgressUpdate.objects.filter(commitment=world.own[S.ACCEPTED], percent=101)


def test_forbidden_fields_are_named_in_the_callers_language(world: World):
    client = world.client("member")
    path = f"/api/v1/commitments/{world.own[S.ASSIGNED].pk}/"
    body = {"deadline": "2031-01-01", "is_public": True, "description": "x", "bogus": 1}

    chinese = client.patch(path, body, content_type="application/json")
    english = client.patch(
        path, body, content_type="application/json", headers={"accept-language": "en"}
    )

    assert chinese.status_code == english.status_code == 400
    assert set(chinese.json()) == {"deadline", "is_public", "bogus"}
    assert chinese.json()["deadline"] == ["您的角色无权修改该字段。"]
    assert english.json()["deadline"] == ["Your role may not change this field."]
    assert english.json()["bogus"] == ["Unknown or read-only field."]


def test_an_illegal_transition_names_the_allowed_moves(world: World):
    response = world.client("supervisor").post(
        f"/api/v1/commitments/{world.own[S.ASSIGNED].pk}/verify/", content_type="application/json"
    )
    assert response.status_code == 409
    body = response.json()
    assert body["current"] == S.ASSIGNED and body["move"] == "verify"
    assert "accept" in body["allowed"] and "verify" not in body["allowed"]
    assert "签收" in body["detail"]


def test_a_workflow_input_error_is_a_field_error(world: World):
    # A blank reason passes the "required" check of the input but not the service.
    response = world.client("supervisor").post(
        f"/api/v1/commitments/{world.own[S.IN_PROGRESS].pk}/cancel/",
        {"reason": "   "},
        content_type="application/json",
    )
    assert response.status_code == 400
    assert "reason" in response.json()
    assert Commitment.objects.get(pk=world.own[S.IN_PROGRESS].pk).status == S.IN_PROGRESS


def test_a_member_may_only_name_a_colleague_responsible(world: World):
    path = f"/api/v1/commitments/{world.own[S.ASSIGNED].pk}/"
    client = world.client("member")
    outsider = client.patch(path, {"responsible": world.other_member.pk}, "application/json")
    colleague = UserFactory(username="edu2")
    world.own_sub_unit.members.add(colleague)
    inside = client.patch(path, {"responsible": colleague.pk}, "application/json")
    assert outsider.status_code == 400 and "responsible" in outsider.json()
    assert inside.status_code == 200 and inside.json()["responsible"] == colleague.pk


def test_create_returns_the_new_commitment_and_rejects_a_directive_of_another_document(
    world: World,
):
    from tests.factories import DirectiveFactory

    directive = DirectiveFactory()
    client = world.client("supervisor")
    bad = client.post(
        "/api/v1/commitments/",
        {
            "title": "x",
            "lead_unit": world.own_unit.pk,
            "directive": directive.pk,
            "document": SourceDocumentFactory().pk,
        },
        "application/json",
    )
    good = client.post(
        "/api/v1/commitments/",
        {
            "title": "落实责任",
            "lead_unit": world.own_unit.pk,
            "co_units": [world.other_unit.pk],
            "directive": directive.pk,
            "deadline": "2027-01-31",
        },
        "application/json",
    )
    assert bad.status_code == 400 and "directive" in bad.json()
    assert good.status_code == 201
    body = good.json()
    assert body["status"] == S.DRAFT and body["document"] == directive.document_id
    assert body["co_units"] == [world.other_unit.pk]
    assert body["allowed_moves"][0] == "assign"


# --- auth --------------------------------------------------------------------------------------


def test_token_login_returns_a_token_that_authenticates(world: World):
    anonymous = Client()
    response = anonymous.post(
        "/api/v1/auth/token/", {"username": "edu", "password": "pw-for-tests-123"}
    )
    assert response.status_code == 200
    token = response.json()["token"]
    listed = Client(headers={"authorization": f"Token {token}"}).get("/api/v1/commitments/")
    assert listed.status_code == 200


def test_token_login_with_a_wrong_password_is_a_400(world: World):
    response = Client().post("/api/v1/auth/token/", {"username": "edu", "password": "wrong"})
    assert response.status_code == 400
    assert "token" not in response.json()


def test_token_login_is_locked_out_after_repeated_failures(world: World, settings):
    # django-axes sees the token login because DRF authenticates with the request.
    client = Client()
    for _ in range(settings.AXES_FAILURE_LIMIT):
        client.post("/api/v1/auth/token/", {"username": "edu", "password": "wrong"})
    locked = client.post("/api/v1/auth/token/", {"username": "edu", "password": "pw-for-tests-123"})
    assert locked.status_code == 429
    assert "token" not in locked.json()


def test_an_unknown_token_and_a_deactivated_users_token_are_refused(supervisor):
    client = token_client(supervisor)
    assert client.get("/api/v1/commitments/").status_code == 200
    supervisor.is_active = False
    supervisor.save(update_fields=["is_active"])

    deactivated = client.get("/api/v1/commitments/")
    unknown = Client(headers={"authorization": "Token " + "0" * 40}).get("/api/v1/commitments/")

    assert deactivated.status_code == 401
    assert unknown.status_code == 401


def test_a_token_tells_whether_its_user_supervises(supervisor, unit):
    # given a member of an ordinary unit and the office's supervisor
    member = UserFactory()
    unit.members.add(member)
    CommitmentFactory(lead_unit=UnitFactory(name="别的单位"))
    # then the supervisor sees every commitment, the member only their unit's
    everything = ids(token_client(supervisor).get("/api/v1/commitments/"))
    own = ids(token_client(member).get("/api/v1/commitments/"))
    assert len(everything) == Commitment.objects.count()
    assert own == []


def test_session_writes_need_the_csrf_token(world: World):
    client = Client(enforce_csrf_checks=True)
    client.force_login(world.supervisor)
    path = f"/api/v1/commitments/{world.own[S.ASSIGNED].pk}/accept/"

    refused = client.post(path, content_type="application/json")
    client.get("/api/v1/commitments/", headers={"accept": "text/html"})
    csrf = client.cookies["csrftoken"].value
    accepted = client.post(path, content_type="application/json", headers={"x-csrftoken": csrf})

    assert refused.status_code == 403
    assert accepted.status_code == 200


def test_browsable_api_renders_for_a_signed_in_user(world: World):
    client = Client()
    client.force_login(world.member)
    response = client.get("/api/v1/commitments/", headers={"accept": "text/html"})
    assert response.status_code == 200
    assert "text/html" in response["content-type"]


# --- the public list ---------------------------------------------------------------------------


def test_public_list_shows_only_published_work_without_personal_data(world: World):
    published = world.own[S.IN_PROGRESS]
    Commitment.objects.filter(pk=published.pk).update(is_public=True)
    cancelled = world.own[S.CANCELLED]
    Commitment.objects.filter(pk=cancelled.pk).update(is_public=True)
    ProgressUpdate.objects.create(commitment=published, text="内部情况", percent=10)
    ProgressUpdate.objects.create(
        commitment=published, text="已完成一半", percent=50, is_public=True
    )
    ProgressUpdate.objects.create(commitment=published, text="内部最新", percent=60)

    response = Client().get("/api/v1/public/commitments/")

    assert response.status_code == 200
    rows = response.json()["results"]
    assert [r["id"] for r in rows] == [published.pk]
    row = rows[0]
    assert set(row) == {
        "id",
        "title",
        "description",
        "lead_unit_name",
        "deadline",
        "status",
        "public_note",
        "public_note_at",
    }
    assert row["public_note"] == "已完成一半" and row["status"] == "办理中"
    text = response.content.decode()
    for secret in ("edu", "@example.org", "内部", "responsible"):
        assert secret not in text


def test_public_list_ignores_a_token_and_stays_public(world: World):
    response = world.client("member").get("/api/v1/public/commitments/")
    assert response.status_code == 200


def test_public_detail_of_an_unpublished_commitment_is_a_404(world: World):
    response = Client().get(f"/api/v1/public/commitments/{world.own[S.IN_PROGRESS].pk}/")
    assert response.status_code == 404


# --- throttling --------------------------------------------------------------------------------


def test_anonymous_callers_are_throttled(world: World, settings):
    rest = {**settings.REST_FRAMEWORK}
    rest["DEFAULT_THROTTLE_RATES"] = {"anon": "3/minute", "token": "100000/minute"}
    with override_settings(REST_FRAMEWORK=rest):
        codes = [Client().get("/api/v1/public/commitments/").status_code for _ in range(4)]
    assert codes == [200, 200, 200, 429]


def test_token_users_are_throttled_but_session_users_are_not(world: World, settings):
    rest = {**settings.REST_FRAMEWORK}
    rest["DEFAULT_THROTTLE_RATES"] = {"anon": "100000/minute", "token": "2/minute"}
    session = Client()
    session.force_login(world.member)
    with override_settings(REST_FRAMEWORK=rest):
        by_token = [world.client("member").get("/api/v1/units/").status_code for _ in range(3)]
        by_session = [session.get("/api/v1/units/").status_code for _ in range(3)]
    assert by_token == [200, 200, 429]
    assert by_session == [200, 200, 200]


# --- the list's read path ----------------------------------------------------------------------


def test_list_rows_are_exactly_what_the_documented_serializer_gives(world: World):
    from datetime import UTC, datetime

    from django.test import RequestFactory

    from commitments.api.serializers import CommitmentListSerializer
    from commitments.selectors.office import office_today

    named = UserFactory(username="wang", first_name="小", last_name="王")
    strict = SourceDocumentFactory(due_soon_days=40, stale_report_days=1)
    Commitment.objects.filter(pk=world.own[S.ACCEPTED].pk).update(
        responsible=named,
        document=strict,
        last_progress_at=datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC),
    )
    Commitment.objects.filter(pk=world.own[S.IN_PROGRESS].pk).update(
        deadline=timezone.localdate() - timedelta(days=1)
    )
    Commitment.objects.filter(pk=world.own[S.DRAFT].pk).update(deadline=None, responsible=None)
    request = RequestFactory().get("/")
    request.user = world.supervisor
    expected = CommitmentListSerializer(
        Commitment.objects.select_related("lead_unit", "responsible", "document").order_by("-id"),
        many=True,
        context={"request": request, "today": office_today()},
    ).data

    listed = walk(world.client("supervisor"), "/api/v1/commitments/", {"page_size": 7})
    url = "/api/v1/commitments/?page_size=200"
    response_rows = world.client("supervisor").get(url).json()["results"]

    assert listed == [row["id"] for row in expected]
    assert response_rows == [dict(row) for row in expected]
    lights = {row["traffic_light"] for row in response_rows}
    assert {"red", "yellow", "green", "grey"} <= lights
