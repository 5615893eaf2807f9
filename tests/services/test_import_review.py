"""The unit directory's aliases and the office's review decisions, applied by the import."""

from __future__ import annotations

from datetime import date

import pytest

from commitments.importer.parse import parse_document
from commitments.models import Commitment, Directive, ImportRecord, SourceDocument, Unit, UnitAlias
from commitments.services.errors import InvalidInput
from commitments.services.imports import (
    AddedTask,
    ImportOverrides,
    TaskReview,
    UnitChoice,
    document_import,
    document_import_preview,
)
from commitments.services.unit_directory import unit_alias_add, units_matching
from tests.factories import UnitFactory, UserFactory

pytestmark = pytest.mark.django_db

NOTICE = """关于做好2024年城市更新工作的通知

各县区、市直各部门：

一、住建局要在2024年6月30日前完成老旧小区改造。
二、市教育局牵头，
三、各校配合，于2024年9月1日前完成校舍安全排查。
四、党组织要加强领导，年底前报送总结。
五、全市上下于2024年10月1日举行庆祝活动，市民踊跃参加。

市人民政府办公室
2024年3月1日
""".encode()


@pytest.fixture
def housing() -> Unit:
    unit = UnitFactory(name="市住房和城乡建设局")
    UnitAlias.objects.create(unit=unit, name="住建局")
    return unit


def test_a_name_matches_its_unit_through_an_alias_and_the_importers_normalisation(housing):
    # given 住建局 is an alias of 市住房和城乡建设局
    # when names as documents write them are looked up
    found = units_matching({"住建局", "我市住建局", "住建局等", "市住房和城乡建设局", "财政局"})
    # then every form finds the unit, an unknown name nothing
    assert {name: u.pk for name, u in found.items()} == {
        "住建局": housing.pk,
        "我市住建局": housing.pk,
        "住建局等": housing.pk,
        "市住房和城乡建设局": housing.pk,
    }


def test_an_alias_cannot_be_another_units_name_or_another_units_alias(housing):
    other = UnitFactory(name="市教育局")
    with pytest.raises(InvalidInput):
        unit_alias_add(unit=housing, name="市教育局")
    with pytest.raises(InvalidInput):
        unit_alias_add(unit=other, name="住建局")
    assert unit_alias_add(unit=housing, name="市住房和城乡建设局") is None


def test_the_import_and_its_preview_give_an_aliased_name_to_its_unit(housing):
    # given the directory knows 住建局
    parsed = parse_document(NOTICE, name="通知.txt")
    # when previewed and imported without review
    preview = document_import_preview(parsed=parsed, name="通知.txt")
    document_import(data=NOTICE, name="通知.txt")
    # then no 住建局 unit is proposed nor created; the commitment is the directory unit's
    assert preview.aliased == {"住建局": "市住房和城乡建设局"}
    assert "住建局" not in preview.new_units
    assert not Unit.objects.filter(name="住建局").exists()
    assert Commitment.objects.get(title__contains="老旧小区").lead_unit == housing


def test_the_review_decisions_are_applied_by_the_import_and_kept_with_it(housing):
    # given a school group known under another name, and a clerk
    schools = UnitFactory(name="学校")
    education = UnitFactory(name="市教育局")
    clerk = UserFactory(first_name="三", last_name="张")
    units_before = Unit.objects.count()
    overrides = ImportOverrides(
        tasks={
            "N-1": TaskReview(
                lead="市住房和城乡建设局",
                co=("市教育局",),
                responsible_id=clerk.pk,
                set_deadline=True,
                deadline=date(2024, 7, 31),
            ),
            "N-2": TaskReview(include=False),
        },
        units={"各校": (UnitChoice.MAP, schools.pk), "党组织": (UnitChoice.NONE, None)},
        added=(AddedTask(paragraph=0, review=TaskReview(lead="市教育局")),),
    )
    # when the office confirms the reviewed import
    result = document_import(data=NOTICE, name="通知.txt", overrides=overrides, user_id=clerk.pk)
    # then what it decided is what the ledger holds
    assert Unit.objects.count() == units_before  # no 各校, no 党组织
    assert UnitAlias.objects.get(name="各校").unit == schools
    renewal = Commitment.objects.get(title__contains="老旧小区")
    assert (renewal.lead_unit, renewal.deadline, renewal.responsible) == (
        housing,
        date(2024, 7, 31),
        clerk,
    )
    assert list(renewal.co_units.all()) == [education]
    assert Commitment.objects.get(directive__ref="N-3").lead_unit == schools
    assert not Commitment.objects.filter(directive__ref__in=["N-2", "N-4"]).exists()
    added = Commitment.objects.get(directive__ref="补1")
    assert added.lead_unit == education and "庆祝活动" in added.description
    assert Directive.objects.get(ref="N-4").owner_names == []
    # and who changed what is kept with the import
    record = ImportRecord.objects.get(document=result.document)
    assert record.user == clerk
    assert record.changes["units"]["各校"] == {"choice": "map", "unit": "学校"}
    assert record.changes["excluded"] == ["N-2"]
    assert record.changes["tasks"]["N-1"]["deadline"] == ["2024-06-30", "2024-07-31"]
    assert record.changes["tasks"]["N-1"]["responsible"] == ["", "张三"]
    assert record.changes["added"][0]["lead"] == ["", "市教育局"]


def test_a_review_naming_a_missing_unit_writes_nothing():
    before = (SourceDocument.objects.count(), Unit.objects.count(), UnitAlias.objects.count())
    overrides = ImportOverrides(units={"各校": (UnitChoice.MAP, 999999)})
    with pytest.raises(InvalidInput):
        document_import(data=NOTICE, name="通知.txt", overrides=overrides)
    after = (SourceDocument.objects.count(), Unit.objects.count(), UnitAlias.objects.count())
    assert after == before
