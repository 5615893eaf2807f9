"""The two roles as auth Groups, so non-superuser staff can use the admin.

督办人员 (the activity office) view, add and change everything of the ledger; 责任单位人员 (unit
members) view their commitments and add progress, extension requests and evidence. Nobody gets a
delete permission: commitments are cancelled, never deleted. What a member may do to a given
commitment is still decided per object by the workflow services and the admin querysets.

`role_groups_ensure` runs after every migrate (and after the flush of a transactional test,
which empties the tables a data migration filled), so the groups always exist with at least
these permissions. It only adds; permissions given by hand stay.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth.models import Group, Permission
from django.db import transaction

SUPERVISORS = "督办人员"
UNIT_MEMBERS = "责任单位人员"

_LEDGER_MODELS = (
    "commitment",
    "progressupdate",
    "deadlineextension",
    "evidence",
    "sourcedocument",
    "directive",
    "unit",
)

ROLE_PERMISSIONS: dict[str, frozenset[str]] = {
    SUPERVISORS: frozenset(
        {f"{action}_{model}" for model in _LEDGER_MODELS for action in ("view", "add", "change")}
        # Reminders (migration 0006): the history, the sweeps, and re-queueing failed e-mails.
        | {
            "view_reminderlog",
            "view_remindersweep",
            "view_remindermessage",
            "change_remindermessage",
            "view_notice",
        }
    ),
    UNIT_MEMBERS: frozenset(
        {
            "view_commitment",
            "view_progressupdate",
            "add_progressupdate",
            "view_deadlineextension",
            "add_deadlineextension",
            "view_evidence",
            "add_evidence",
            "view_sourcedocument",
            "view_directive",
            "view_unit",
            "view_reminderlog",
            "view_notice",
        }
    ),
}


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
