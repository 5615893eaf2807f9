"""Who reads which 办理通知: the office its own (the units' steps), a unit member their units'."""

from __future__ import annotations

from django.contrib.auth.models import AnonymousUser, User
from django.db.models import QuerySet

from ..choices import NoticeAudience
from ..models import Notice
from .access import unit_ids_of_member, user_is_supervisor


def notices_for(user: User | AnonymousUser) -> QuerySet[Notice]:
    """The notices addressed to `user`: the office's to supervisors, and the notices to the
    units (with sub-units) they belong to."""
    if not user.is_authenticated:
        return Notice.objects.none()
    if user_is_supervisor(user):
        return Notice.objects.filter(audience=NoticeAudience.OFFICE)
    return Notice.objects.filter(audience=NoticeAudience.UNIT, unit_id__in=unit_ids_of_member(user))
