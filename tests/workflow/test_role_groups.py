from __future__ import annotations

import pytest
from django.contrib.auth.models import Group

pytestmark = pytest.mark.django_db


def test_migrations_create_the_two_role_groups_without_delete_permissions():
    supervisors = Group.objects.get(name="督办人员")
    members = Group.objects.get(name="责任单位人员")
    supervisor_perms = set(supervisors.permissions.values_list("codename", flat=True))
    member_perms = set(members.permissions.values_list("codename", flat=True))
    assert {"change_commitment", "add_deadlineextension", "view_evidence"} <= supervisor_perms
    assert {"view_commitment", "add_progressupdate", "add_evidence"} <= member_perms
    assert "change_commitment" not in member_perms
    assert not any(p.startswith("delete_") for p in supervisor_perms | member_perms)


@pytest.mark.django_db(transaction=True)
def test_role_groups_are_back_after_a_flush():
    # A transactional test empties every table, including what data migrations wrote.
    from django.core.management import call_command

    call_command("flush", interactive=False, verbosity=0)
    supervisors = Group.objects.get(name="督办人员")
    assert supervisors.permissions.filter(codename="change_commitment").exists()
    assert Group.objects.filter(name="责任单位人员").exists()
