"""Who may see or do what: the one place every entry point and service asks.

The office (督办单位 members, superusers) sees and acts on everything; a unit member sees the
commitments their units and sub-units lead or support. On those their unit leads they act as
责任单位人员 (sign for, work on, submit the whole) and edit only the description and the
responsible person; on those it supports, as 配合单位人员 (report progress on their part). A
deactivated account holds no right anywhere. Admin and API querysets,
evidence downloads, calendar feeds, imports and the workflow's roles all come from here.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, TypeGuard, TypeVar, cast

from django.contrib.auth.models import AnonymousUser, User
from django.db.models import Exists, Model, OuterRef, Q, QuerySet

from ..choices import ENDED_STATUSES, Role
from ..models import (
    CalendarToken,
    Commitment,
    DeadlineExtension,
    Evidence,
    ProgressUpdate,
    Unit,
)

if TYPE_CHECKING:
    from ..querysets import CommitmentQuerySet

M = TypeVar("M", bound=Model)


def user_is_active(user: User | AnonymousUser | None) -> TypeGuard[User]:
    """Signed in and not deactivated. A deactivated account holds no right anywhere, whichever
    entry point (a session, a token, a script) still carries it."""
    return user is not None and user.is_authenticated and bool(getattr(user, "is_active", False))


def user_is_supervisor(user: User | AnonymousUser) -> bool:
    """Supervisors (the activity office) see and act on everything."""
    if not user_is_active(user):
        return False
    if getattr(user, "is_superuser", False):
        return True
    # Set by the API's token authentication, which reads it in the same query as the user.
    known = getattr(user, SUPERVISOR_FLAG, None)
    if known is not None:
        return bool(known)
    found = Unit.objects.filter(members=user, is_supervisor=True).exists()
    # Remembered on this user object (one request's request.user): a page asks many times.
    setattr(user, SUPERVISOR_FLAG, found)
    return found


SUPERVISOR_FLAG = "_ledger_is_supervisor"


def supervisor_flag_expression(user: str = "pk") -> Exists:
    """`user_is_supervisor` as a subquery; `user` names the outer query's user column."""
    return Exists(Unit.objects.filter(members=OuterRef(user), is_supervisor=True))


def commitment_list_for(
    user: User | AnonymousUser, *, base: CommitmentQuerySet | None = None
) -> CommitmentQuerySet:
    """The commitments a user may see: all for supervisors, else their units' (and sub-units').

    `base` narrows or shapes the rows (e.g. the API list's named tuples); default: all
    commitments.
    """
    qs: CommitmentQuerySet = Commitment.objects.all() if base is None else base
    if user_is_supervisor(user):
        return qs
    return qs.for_units(unit_ids_of_member(user))


def unit_ids_of_member(user: User | AnonymousUser) -> set[int]:
    """The ids of the units a user belongs to, with their sub-units (empty when anonymous or
    deactivated)."""
    if not user_is_active(user):
        return set()
    return Unit.objects.descendant_ids(
        Unit.objects.filter(members=user).values_list("id", flat=True)
    )


def unit_ids_named(word: str) -> QuerySet:
    """Ids of the units whose name contains `word` (any case)."""
    return Unit.objects.filter(name__icontains=word).values_list("id", flat=True)


def unit_list_for(user: User | AnonymousUser) -> QuerySet[Unit]:
    """The units a user may look at: all for supervisors, else their own units and sub-units."""
    if user_is_supervisor(user):
        return Unit.objects.all()
    return Unit.objects.filter(id__in=unit_ids_of_member(user))


def rows_of_visible_commitments(user: User | AnonymousUser, rows: QuerySet[M]) -> QuerySet[M]:
    """`rows` (progress, extensions, evidence, reminder logs: anything with a `commitment`)
    narrowed to the commitments `user` may see."""
    if user_is_supervisor(user):
        return rows
    return rows.filter(commitment__in=commitment_list_for(user).values("id"))


def progress_list_for(user: User | AnonymousUser) -> QuerySet[ProgressUpdate]:
    """Progress reports on the commitments `user` may see."""
    return rows_of_visible_commitments(user, ProgressUpdate.objects.all())


# Unit members keep their own description (and may ask for it to be published) and name the
# person in charge; the office owns the rest (who leads, by when, what is published).
UNIT_MEMBER_WRITABLE_FIELDS = frozenset(
    {"description", "description_publish_requested", "responsible"}
)
# In the order the API documents them (CommitmentWriteSerializer's fields).
COMMITMENT_WRITABLE_FIELDS = (
    "title",
    "description",
    "lead_unit",
    "co_units",
    "responsible",
    "deadline",
    "deadline_text",
    "deadline_pending",
    "is_long_term",
    "report_cycle",
    "is_public",
    "public_description",
    "description_publish_requested",
    "document",
    "directive",
)
SUPERVISOR_WRITABLE_FIELDS = frozenset(COMMITMENT_WRITABLE_FIELDS)


def commitment_fields_writable_by(
    user: User | AnonymousUser, commitment: Commitment | None
) -> frozenset[str]:
    """The fields `user` may write when creating (`commitment` None) or editing a commitment."""
    if user_is_supervisor(user):
        return SUPERVISOR_WRITABLE_FIELDS
    if commitment is not None and commitment.lead_unit_id in unit_ids_of_member(user):
        return UNIT_MEMBER_WRITABLE_FIELDS
    return frozenset()


def unit_has_commitments(unit: Unit) -> bool:
    """A unit that leads or supports a commitment is part of the record: never deleted."""
    return (
        Commitment.objects.filter(lead_unit=unit).exists()
        or Commitment.co_units.through.objects.filter(unit_id=unit.pk).exists()
    )


def commitment_is_read_only(commitment: Commitment) -> bool:
    """Finished (已复核/销号) or cancelled: only 重新打开 changes it again."""
    return commitment.status in ENDED_STATUSES


def user_may_create_commitments(user: User | AnonymousUser) -> bool:
    return user_is_supervisor(user)


def user_may_publish(user: User | AnonymousUser) -> bool:
    """Whether `user` decides what the public reads on /public/ (a commitment, its description,
    a progress note): the office only. A unit proposes (申请公开), the office confirms."""
    return user is OFFICE_SYSTEM or user_is_supervisor(user)


def responsible_candidates(commitment: Commitment) -> QuerySet:
    """Who may be named responsible by a unit member: members of the lead unit or its sub-units."""
    from django.contrib.auth import get_user_model

    units = Unit.objects.descendant_ids([commitment.lead_unit_id])
    return get_user_model().objects.filter(units__id__in=units).distinct()


def evidence_visible_to(user: User | AnonymousUser) -> QuerySet[Evidence]:
    """The evidence files a user may download: those of the commitments they may see."""
    return rows_of_visible_commitments(user, Evidence.objects.all())


def pending_extensions_for(user: User | AnonymousUser) -> QuerySet[DeadlineExtension]:
    """Extension requests waiting for a decision, on commitments the user may see."""
    pending = DeadlineExtension.objects.filter(status=DeadlineExtension.Status.PENDING)
    return rows_of_visible_commitments(user, pending).select_related("commitment", "requested_by")


def calendar_tokens_in_force() -> QuerySet[CalendarToken]:
    """The feeds that may be served: not revoked, and a person's only while their account is
    active (a unit's feed belongs to the unit and outlives any member)."""
    return CalendarToken.objects.filter(revoked_at__isnull=True).filter(
        Q(user__isnull=True) | Q(user__is_active=True)
    )


def commitment_list_for_calendar(token: CalendarToken) -> CommitmentQuerySet:
    """What a calendar feed may show: its unit's commitments (with sub-units, led or
    supported), or its person's."""
    if token.unit_id is not None:
        return Commitment.objects.for_units(Unit.objects.descendant_ids([token.unit_id]))
    return Commitment.objects.filter(responsible_id=token.user_id)


class _OfficeSystem:
    """The ledger acting for the office where nobody is signed in: an import run from the
    command line by whoever operates the server. It holds the office's role and leaves no user
    in the history."""

    is_active = True
    is_authenticated = True
    is_superuser = False
    pk = None

    def __str__(self) -> str:
        return "office-system"


# Typed as a User so that it passes wherever a service takes the acting user.
OFFICE_SYSTEM = cast(User, _OfficeSystem())


def acting_person(actor: User | AnonymousUser | None) -> User | None:
    """The person to record as author or history user: nobody for the office system."""
    if actor is None or actor is OFFICE_SYSTEM or not actor.is_authenticated:
        return None
    return cast(User, actor)


def actor_roles(*, actor: User | AnonymousUser, commitment: Commitment) -> frozenset[str]:
    """The roles `actor` holds towards this commitment (empty: it is none of their business).

    A member of the lead unit, or of a unit above it, holds `Role.UNIT`; a member of a
    co-unit (or above one) holds `Role.CO_UNIT`: the same commitments `commitment_list_for`
    shows them, split by who answers for the whole.
    """
    if actor is OFFICE_SYSTEM:
        return frozenset({Role.SUPERVISOR})
    if not user_is_active(actor):
        return frozenset()
    roles: set[str] = set()
    if user_is_supervisor(actor):
        roles.add(Role.SUPERVISOR)
    own = unit_ids_of_member(actor)
    if not own:
        return frozenset(roles)
    if commitment.lead_unit_id in own:
        # Everything a co-unit may do, the lead may too: no need to ask about co-units.
        roles.add(Role.UNIT)
    elif commitment.co_units.filter(id__in=own).exists():
        roles.add(Role.CO_UNIT)
    return frozenset(roles)


# --- the role groups and the admin permissions they carry ---------------------------------------
# 督办人员 (the activity office) view, add and change everything of the ledger; 责任单位人员 (unit
# members) view their commitments and add progress, extension requests and evidence. Nobody gets
# a delete permission: commitments are cancelled, never deleted. What a member may do to a given
# commitment is still decided per object above (actor_roles, commitment_list_for).

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
    "unitalias",
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
            # Group robots (migration 0011): robots, their messages (retry), people's mobiles.
            "view_channel",
            "add_channel",
            "change_channel",
            "view_channelmessage",
            "change_channelmessage",
            "view_personprofile",
            "add_personprofile",
            "change_personprofile",
        }
        # The imports' review records (aliases are edited with their unit, never deleted).
        | {"view_importrecord"}
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

# What a document import writes. 督办人员 holds all four; 责任单位人员 none, so unit members may
# read documents but not bring new ones in.
IMPORT_PERMISSIONS = (
    "commitments.add_sourcedocument",
    "commitments.add_directive",
    "commitments.add_unit",
    "commitments.add_commitment",
)


def user_can_import_documents(user: User | AnonymousUser) -> bool:
    """Whether ``user`` (a request's user, anonymous included) may import in the admin."""
    return bool(
        user_is_active(user)
        and getattr(user, "is_staff", False)
        and user.has_perms(IMPORT_PERMISSIONS)
    )
