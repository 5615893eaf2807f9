"""Admin users as the role groups make them: the office (督办人员) and a unit member."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Group


@pytest.fixture
def office(supervisor):
    supervisor.groups.add(Group.objects.get(name="督办人员"))
    return supervisor


@pytest.fixture
def member(unit_member):
    unit_member.groups.add(Group.objects.get(name="责任单位人员"))
    return unit_member
