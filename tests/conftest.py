from __future__ import annotations

import pytest
from django.contrib.auth.models import Group
from django.core.cache import cache
from django.utils import translation

from tests.factories import SuperuserFactory, SupervisorUnitFactory, UnitFactory, UserFactory


@pytest.fixture(autouse=True)
def _empty_cache():
    # Cached pages (/public/, the dashboard's figures) and rate-limit counters live in the
    # cache, which outlives a test's rolled-back database: no test may see another's.
    cache.clear()
    yield
    cache.clear()


@pytest.fixture(autouse=True)
def _default_language():
    # LocaleMiddleware activates the request's language in the thread and leaves it active:
    # after a test client request with Accept-Language: en, the next test in the same thread
    # would otherwise run (commands, services, e-mails) in English.
    translation.deactivate()
    yield
    translation.deactivate()


@pytest.fixture
def supervisor(db):
    """A member of the activity office: sees and acts on everything."""
    user = UserFactory(username="office", is_staff=True)
    SupervisorUnitFactory().members.add(user)
    return user


@pytest.fixture
def superuser(db):
    return SuperuserFactory(username="admin")


@pytest.fixture
def unit(db):
    return UnitFactory(name="市教育局")


@pytest.fixture
def unit_member(unit):
    """A staff user who belongs to `unit` only."""
    user = UserFactory(username="edu", is_staff=True)
    unit.members.add(user)
    return user


@pytest.fixture
def office(supervisor):
    """The office as the role group makes it (督办人员)."""
    supervisor.groups.add(Group.objects.get(name="督办人员"))
    return supervisor


@pytest.fixture
def member(unit_member):
    """A unit member as the role group makes them (责任单位人员)."""
    unit_member.groups.add(Group.objects.get(name="责任单位人员"))
    return unit_member
