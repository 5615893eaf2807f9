"""Directives in the admin: which tasks have no commitment yet, and 建立 one from the text."""

from __future__ import annotations

from datetime import date

import pytest
from django.contrib.auth.models import Group

from commitments.models import Commitment, Directive
from tests.factories import CommitmentFactory, DirectiveFactory, UnitFactory

from .forms import form_values

pytestmark = pytest.mark.django_db

DIRECTIVES = "/admin/commitments/directive/"
ADD = "/admin/commitments/commitment/add/"


@pytest.fixture
def unowned():
    """A task the importer found no owner for (市住建局 is named but no such unit exists)."""
    return DirectiveFactory(
        ref="3.2",
        text="加快推进老旧小区改造,年底前完成三十个小区。",
        owner_names=["市住建局"],
        deadline=date(2026, 12, 31),
        deadline_text="年底前",
    )


def test_the_has_commitment_filter_separates_tasks_with_and_without_commitments(
    client, office, unowned
):
    owned = DirectiveFactory(ref="1.1", text="抓好义务教育均衡发展。")
    CommitmentFactory(directive=owned, document=owned.document)
    client.force_login(office)

    without = client.get(DIRECTIVES, {"has_commitment": "no"}).content.decode()
    with_ = client.get(DIRECTIVES, {"has_commitment": "yes"}).content.decode()

    assert "老旧小区改造" in without and "义务教育均衡" not in without
    assert "义务教育均衡" in with_ and "老旧小区改造" not in with_


def test_a_supervisor_is_offered_to_create_a_commitment_for_an_unowned_task(
    client, office, unit_member, unowned
):
    client.force_login(office)
    assert f"{ADD}?from_directive={unowned.pk}" in client.get(DIRECTIVES).content.decode()
    # A unit member may not create commitments, so the link is not shown to them.
    unit_member.groups.add(Group.objects.get(name="责任单位人员"))
    client.force_login(unit_member)
    page = client.get(DIRECTIVES)
    assert f"{ADD}?from_directive={unowned.pk}" not in page.content.decode()


def test_the_add_form_starts_from_the_directive_and_saves_a_linked_commitment(
    client, office, unowned
):
    housing = UnitFactory(name="市住建局")  # the unit now exists
    client.force_login(office)

    page = client.get(ADD, {"from_directive": unowned.pk})
    values = form_values(page.content.decode(), "commitment_form")

    assert values["title"] == [unowned.text]
    assert values["directive"] == [str(unowned.pk)]
    assert values["document"] == [str(unowned.document_id)]
    assert values["lead_unit"] == [str(housing.pk)]
    assert values["deadline"] == ["2026/12/31"]  # the Chinese locale's date format
    assert values["deadline_text"] == ["年底前"]

    response = client.post(f"{ADD}?from_directive={unowned.pk}", values)

    assert response.status_code == 302, response.content.decode()[:3000]
    commitment = Commitment.objects.get(directive=unowned)
    assert (commitment.lead_unit, commitment.deadline) == (housing, date(2026, 12, 31))
    listing = client.get(DIRECTIVES).content.decode()
    assert f"?directive__id__exact={unowned.pk}" in listing
    filtered = client.get("/admin/commitments/commitment/", {"directive__id__exact": unowned.pk})
    assert filtered.status_code == 200
    assert "老旧小区改造" in filtered.content.decode()


def test_a_long_directive_is_shortened_to_fit_the_title(client, office):
    long_task = DirectiveFactory(text="落实" * 200, kind=Directive.Kind.TASK)
    client.force_login(office)

    values = form_values(
        client.get(ADD, {"from_directive": long_task.pk}).content.decode(), "commitment_form"
    )

    assert len(values["title"][0]) == 300
    assert values["title"][0].endswith("…")
    assert "lead_unit" not in values  # no unit named: the office picks one


def test_an_unknown_directive_id_leaves_the_add_form_empty(client, office):
    client.force_login(office)
    values = form_values(
        client.get(ADD, {"from_directive": "999999"}).content.decode(), "commitment_form"
    )
    assert values.get("title", [""]) == [""]


def test_the_add_form_refuses_a_directive_of_another_document_like_the_api(client, office, unowned):
    # given the add form started from a directive, with another document chosen
    UnitFactory(name="市住建局")
    other = DirectiveFactory(ref="9.9").document
    client.force_login(office)
    page = client.get(ADD, {"from_directive": unowned.pk})
    values = form_values(page.content.decode(), "commitment_form")
    values["document"] = [str(other.pk)]

    # when the office saves it
    response = client.post(ADD, values)

    # then the form says why and nothing is stored
    assert response.status_code == 200
    assert "来源指示不属于所选来源文件。" in response.content.decode()
    assert not Commitment.objects.exists()
