"""Everything an office user sees is Chinese: the login lockout section, permission names, the
member and permission pickers, the add-user help."""

from __future__ import annotations

import json

import pytest
from django.contrib.auth.models import Permission
from django.urls import reverse

pytestmark = pytest.mark.django_db


def test_permission_names_are_chinese():
    permission = Permission.objects.get(codename="view_commitment")
    assert str(permission) == "认责承诺台账 | 承诺事项 | 查看承诺事项"


def test_the_lockout_section_and_the_add_user_help_are_chinese(client, superuser):
    client.force_login(superuser)
    index = client.get(reverse("admin:index")).content.decode()
    lockouts = client.get("/admin/axes/").content.decode()
    add_user = client.get(reverse("admin:auth_user_add")).content.decode()
    assert "登录安全" in index and ">Axes<" not in index
    assert "登录失败记录" in lockouts and "Access attempts" not in lockouts
    assert "After you" not in add_user and "保存后即可填写姓名" in add_user


def test_the_pickers_speak_chinese(client, superuser):
    client.force_login(superuser)
    catalog = client.get(reverse("admin:jsi18n")).content.decode()
    for text in ("在左侧选中%s", "全部选择%s"):
        assert text in catalog or json.dumps(text)[1:-1] in catalog
