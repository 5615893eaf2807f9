from __future__ import annotations

import pytest
from django.core.management import CommandError, call_command

from commitments.models import Commitment
from tests.factories import CommitmentFactory, UnitFactory

pytestmark = pytest.mark.django_db


def test_export_then_import_commands_round_trip(tmp_path, capsys):
    CommitmentFactory(title="新建幼儿园", lead_unit=UnitFactory(name="市教育局"))
    path = tmp_path / "台账.xlsx"
    call_command("export_ledger_xlsx", str(path))
    call_command("import_ledger_xlsx", str(path))  # the same rows, by ID: nothing to change
    assert "已导入 0 项承诺事项,更新 0 项" in capsys.readouterr().out
    assert list(Commitment.objects.values_list("title", flat=True)) == ["新建幼儿园"]


def test_import_command_lists_errors_and_fails(tmp_path, capsys):
    from openpyxl import load_workbook

    c = CommitmentFactory(title="新建幼儿园", lead_unit=UnitFactory(name="市教育局"))
    path = tmp_path / "台账.xlsx"
    call_command("export_ledger_xlsx", str(path))
    workbook = load_workbook(path)
    workbook.worksheets[0].cell(3, 7).value = "明年某天"  # 完成时限 of the exported row
    workbook.save(path)
    with pytest.raises(CommandError, match=r"第3行「完成时限」.*未导入任何数据"):
        call_command("import_ledger_xlsx", str(path))
    assert Commitment.objects.count() == 1
    c.refresh_from_db()
    assert c.deadline is not None
