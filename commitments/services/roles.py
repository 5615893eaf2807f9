"""The two roles as auth Groups (their permissions: `selectors.access.ROLE_PERMISSIONS`), so
non-superuser staff can use the admin.

`role_groups_ensure` runs after every migrate (and after the flush of a transactional test,
which empties the tables a data migration filled), so the groups always exist with at least
these permissions. It only adds; permissions given by hand stay.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth.models import Group, Permission
from django.db import transaction

from ..selectors.access import ROLE_PERMISSIONS


@transaction.atomic
def role_groups_ensure(*, using: str = "default") -> None:
    """Create the role groups if missing and give them their permissions (only adds)."""
    for name, codenames in ROLE_PERMISSIONS.items():
        group, _ = Group.objects.using(using).get_or_create(name=name)
        group.permissions.add(
            *Permission.objects.using(using).filter(
                content_type__app_label="commitments", codename__in=codenames
            )
        )


def role_groups_after_migrate(sender: Any, using: str = "default", **kwargs: Any) -> None:
    """post_migrate receiver (connected in apps.py)."""
    role_groups_ensure(using=using)
