"""Setting up a fresh installation for a first look."""

from __future__ import annotations

import secrets

from django.contrib.auth import get_user_model
from django.db import transaction

from ..models import Unit


@transaction.atomic
def demo_superuser_ensure(*, username: str = "admin") -> str:
    """Create (or reset) the demo superuser and return its new password."""
    password = secrets.token_urlsafe(12)
    user, _ = get_user_model().objects.get_or_create(
        username=username, defaults={"email": f"{username}@localhost"}
    )
    user.is_staff = True
    user.is_superuser = True
    user.set_password(password)
    user.save()
    office, _ = Unit.objects.get_or_create(
        name="市委创先争优活动办公室",
        defaults={
            "kind": Unit.Kind.OFFICE,
            "is_supervisor": True,
            "contact_emails": "office@localhost",
        },
    )
    office.members.add(user)
    return password
