"""The office reviews an import in Chromium at 1366×768: a name found through the unit
directory's alias, new names decided, a task unticked, a deadline changed, a task added from a
skipped paragraph, then confirmed."""

from __future__ import annotations

from datetime import date

import pytest
from django.contrib.auth.models import Group

from commitments.models import Commitment, ImportRecord, Unit, UnitAlias
from tests.factories import SupervisorUnitFactory, UnitFactory, UserFactory
from tests.services.test_import_review import NOTICE

pytestmark = pytest.mark.django_db(transaction=True)


def test_office_reviews_and_confirms_an_import_with_a_unit_mapped_through_an_alias(
    web, admin_login, role_groups, tmp_path
):
    # given the office, a unit the document calls 住建局, a school group and the education bureau
    office = UserFactory(username="clerk", is_staff=True, first_name="三", last_name="张")
    SupervisorUnitFactory().members.add(office)
    office.groups.add(Group.objects.get(name="督办人员"))
    housing = UnitFactory(name="市住房和城乡建设局")
    UnitAlias.objects.create(unit=housing, name="住建局")
    schools = UnitFactory(name="学校")
    UnitFactory(name="市教育局")
    notice = tmp_path / "城市更新通知.txt"
    notice.write_bytes(NOTICE)
    page = web.page
    page.set_viewport_size({"width": 1366, "height": 768})
    admin_login(office)

    # when the office uploads the notice
    page.goto("/admin/commitments/sourcedocument/import/")
    page.set_input_files("#id_file", str(notice))
    page.click("#import-upload input[type=submit]")
    page.wait_for_selector("#preview-plan")
    web.screenshot("review")

    # then 住建局 is shown as the directory's unit, and only the unknown names are asked about
    assert "住建局 → 市住房和城乡建设局" in page.inner_text("#preview-aliased")
    asked = page.eval_on_selector_all(
        "[data-unit-name]", "rows => rows.map(r => r.dataset.unitName)"
    )
    assert sorted(asked) == ["党组织", "各校"]
    assert Commitment.objects.count() == 0

    # when it maps 各校 to 学校, says 党组织 is no unit, unticks N-2, moves N-1's deadline and
    # adds the skipped paragraph as a task of 市教育局
    row = page.locator('[data-unit-name="各校"]')
    row.locator("input[value=map]").check()
    row.locator("select").select_option(label="学校")
    page.locator('[data-unit-name="党组织"] input[value=none]').check()
    page.locator('[data-ref="N-2"] input[type=checkbox]').uncheck()
    page.locator('[data-ref="N-1"] input[type=date]').fill("2024-07-31")
    skipped = page.locator('[data-skipped="0"]')
    skipped.locator("input[type=checkbox]").check()
    skipped.locator("select").first.select_option(label="市教育局")
    web.screenshot("decided")
    page.click("#import-confirm input[name=confirm]")
    page.wait_for_url("**/commitment/?document__id__exact=*")
    web.screenshot("imported")

    # then the ledger holds what the office decided, and no pseudo-unit
    assert not Unit.objects.filter(name__in=["住建局", "各校", "党组织"]).exists()
    assert UnitAlias.objects.get(name="各校").unit == schools
    renewal = Commitment.objects.get(directive__ref="N-1")
    assert (renewal.lead_unit, renewal.deadline) == (housing, date(2024, 7, 31))
    assert Commitment.objects.get(directive__ref="N-3").lead_unit == schools
    assert set(Commitment.objects.values_list("directive__ref", flat=True)) == {"N-1", "N-3", "补1"}
    record = ImportRecord.objects.get()
    assert record.user == office and record.changes["excluded"] == ["N-2"]

    # and the document's page tells who imported it and what was changed
    page.goto(f"/admin/commitments/sourcedocument/{record.document_id}/change/")
    text = page.inner_text("#import_records-group")
    assert "各校:对应已有单位 → 学校" in text
    assert "N-1 完成时限:2024-06-30 → 2024-07-31" in text
    web.screenshot("document")
    assert not web.script_errors and not web.csp_violations
