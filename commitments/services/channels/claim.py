"""Claim: which robots a reminder or a notice goes to, claimed once per (log, robot).

In the transaction that claims a reminder's (or records a notice's) ReminderLog, one
ChannelDelivery per (log, robot) is inserted, unique per (log, channel): a second sweep, a
redelivered task or a restarted worker adds nothing. One rule picks the robots: a unit's
robots (the units it lists) get its own work as 责任方 and the work it helps with as 配合单位抄送;
the robots that name an office (`office`) get what the office is told (督办抄送 of an
escalation, a notice to the office). A robot serving several of them takes the first role.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from django.db.models import Q

from ...models import Channel, ChannelDelivery, Commitment, ReminderDelivery, ReminderLog

Role = ReminderDelivery.Role


@dataclass
class RobotMap:
    """Which active robots serve which unit, and which copy the office."""

    by_unit: dict[int, list[int]] = field(default_factory=dict)
    offices: list[tuple[int, int]] = field(default_factory=list)  # (channel, office unit)

    def __bool__(self) -> bool:
        return bool(self.by_unit or self.offices)


def robot_map(*, serving: Q | None = None, offices: bool = True) -> RobotMap:
    """The active robots: all of them, or (`serving`, a filter on the robot-unit links) those
    of some units; `offices=False` leaves out the robots that copy the office."""
    found = RobotMap()
    links = Channel.units.through.objects.filter(channel__is_active=True)
    if serving is not None:
        links = links.filter(serving)
    by_unit: dict[int, list[int]] = defaultdict(list)
    for unit_id, channel_id in links.order_by("channel_id").values_list("unit_id", "channel_id"):
        by_unit[unit_id].append(channel_id)
    found.by_unit = dict(by_unit)
    if offices:
        found.offices = _office_robots()
    return found


def _office_robots() -> list[tuple[int, int]]:
    return list(
        Channel.objects.filter(is_active=True, office__isnull=False)
        .order_by("id")
        .values_list("id", "office_id")
    )


def _targets(
    robots: RobotMap, *, lead: int | None, co_units: Iterable[int], office: bool
) -> dict[int, tuple[int, str]]:
    """{channel: (unit, role)} for one reminder or notice: the lead unit's robots (责任方),
    the co-units' (配合单位抄送) and, when the office is told, the office's (督办单位)."""
    found: dict[int, tuple[int, str]] = {}
    if lead is not None:
        for channel_id in robots.by_unit.get(lead, ()):
            found.setdefault(channel_id, (lead, Role.PRIMARY.value))
    for unit_id in co_units:
        for channel_id in robots.by_unit.get(unit_id, ()):
            found.setdefault(channel_id, (unit_id, Role.COPY.value))
    if office:
        for channel_id, office_id in robots.offices:
            found.setdefault(channel_id, (office_id, Role.SUPERVISOR.value))
    return found


def _robot_targets(
    reminders: Sequence[tuple[int, int, str]], robots: RobotMap
) -> dict[int, dict[int, tuple[int, str]]]:
    """{key: {channel: (unit, role)}} for (key, commitment id, kind) reminders: the units'
    robots, and the office's for escalations."""
    commitment_ids = {commitment_id for _key, commitment_id, _kind in reminders}
    lead = dict(Commitment.objects.filter(id__in=commitment_ids).values_list("id", "lead_unit_id"))
    co_units: dict[int, list[int]] = defaultdict(list)
    for commitment_id, unit_id in Commitment.co_units.through.objects.filter(
        commitment_id__in=commitment_ids
    ).values_list("commitment_id", "unit_id"):
        co_units[commitment_id].append(unit_id)
    found: dict[int, dict[int, tuple[int, str]]] = {}
    for key, commitment_id, kind in reminders:
        targets = _targets(
            robots,
            lead=lead.get(commitment_id),
            co_units=co_units.get(commitment_id, ()),
            office=kind == ReminderLog.Kind.ESCALATION,
        )
        if targets:
            found[key] = targets
    return found


def _insert(targets: dict[int, dict[int, tuple[int, str]]]) -> None:
    ChannelDelivery.objects.bulk_create(
        (
            ChannelDelivery(log_id=log_id, channel_id=channel_id, unit_id=unit_id, role=role)
            for log_id, channels in targets.items()
            for channel_id, (unit_id, role) in channels.items()
        ),
        ignore_conflicts=True,
        batch_size=500,
    )


def channel_deliveries_claim(
    logs: Sequence[tuple[int, int, str]], *, robots: RobotMap | None = None
) -> set[int]:
    """Claim the robot deliveries of these (log id, commitment id, kind) in the caller's
    transaction; an existing (log, channel) stays as it is. Returns the log ids some robot
    serves (they have somewhere to go even without an e-mail address)."""
    robots = robot_map() if robots is None else robots
    if not robots or not logs:
        return set()
    targets = _robot_targets(logs, robots)
    _insert(targets)
    return set(targets)


def channel_served(reminders: Sequence[tuple[int, str]], *, robots: RobotMap) -> set[int]:
    """Which of these (commitment id, kind) some robot would serve (the sweep's preview)."""
    if not robots or not reminders:
        return set()
    return set(_robot_targets([(c, c, kind) for c, kind in reminders], robots))


def channel_notice_claim(*, log_id: int, commitment: Commitment, to_office: bool) -> int:
    """Claim the robot deliveries of a notice's log in the caller's transaction (the move's):
    a notice to the unit goes to its robots and in copy to its co-units', one to the office to
    the robots that name an office. Returns how many robots it goes to.

    A move records one notice, so this reads only the robots concerned: one query for the
    links of the lead and co-units (or the office robots), one insert."""
    lead = commitment.lead_unit_id
    if to_office:
        robots = RobotMap(offices=_office_robots())
        targets = _targets(robots, lead=None, co_units=(), office=True)
    else:
        co_units = Commitment.co_units.through.objects.filter(commitment_id=commitment.pk)
        robots = robot_map(
            serving=Q(unit_id=lead) | Q(unit_id__in=co_units.values("unit_id")), offices=False
        )
        # A co-unit without a robot has nothing to claim: the links say which ones have.
        helpers = sorted(unit_id for unit_id in robots.by_unit if unit_id != lead)
        targets = _targets(robots, lead=lead, co_units=helpers, office=False)
    if targets:
        _insert({log_id: targets})
    return len(targets)
