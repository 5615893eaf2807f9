"""Generated ledgers of any size, for benchmarks and demonstrations.

Rows are bulk-inserted (no change history, no webhook or reminder events): this is test data,
not office work. Everything is derived from `seed`, so two runs with the same arguments build
the same ledger; names carry a 演示 prefix so generated rows are easy to tell apart.
"""

from __future__ import annotations

import hashlib
import random
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from ..choices import COMPLETED_STATUSES, FINISHED_STATUSES, WORKING_STATUSES
from ..models import Commitment, ProgressUpdate, SourceDocument, Unit

S = Commitment.Status

# Roughly what a ledger looks like a year in: most work under way, a third finished.
STATUS_WEIGHTS = {
    S.DRAFT: 3,
    S.ASSIGNED: 10,
    S.ACCEPTED: 10,
    S.IN_PROGRESS: 35,
    S.SUBMITTED: 7,
    S.VERIFIED: 10,
    S.CLOSED: 17,
    S.RETURNED: 5,
    S.CANCELLED: 3,
}

TITLES = (
    "建立健全{}工作台账",
    "开展{}专项整治",
    "落实{}责任清单",
    "推进{}示范点建设",
    "完善{}长效机制",
    "解决群众反映强烈的{}问题",
)
TOPICS = ("窗口服务", "城乡环境", "教育质量", "医疗服务", "安全生产", "基层党建", "便民利民")


@dataclass(frozen=True)
class DemoLedger:
    units: int
    users: int
    documents: int
    commitments: int
    progress_updates: int


def _units(*, count: int, prefix: str) -> list[Unit]:
    """`count` units: a fifth at the top, the rest under them (two levels)."""
    tops = max(1, count // 5)
    Unit.objects.bulk_create(
        [Unit(name=f"{prefix}单位{i:03d}", kind=Unit.Kind.COUNTY) for i in range(tops)],
        ignore_conflicts=True,
    )
    top_units = list(Unit.objects.filter(name__startswith=f"{prefix}单位").order_by("name"))
    Unit.objects.bulk_create(
        [
            Unit(
                name=f"{prefix}下属单位{i:04d}",
                kind=Unit.Kind.DEPARTMENT,
                parent=top_units[i % len(top_units)],
            )
            for i in range(count - tops)
        ],
        ignore_conflicts=True,
    )
    return list(Unit.objects.filter(name__startswith=prefix).order_by("id"))


def _users(*, count: int, units: list[Unit], prefix: str) -> dict[int, list[int]]:
    """`count` users who cannot log in, spread over the units; unit id -> member ids."""
    User = get_user_model()
    names = [f"{prefix}_user{i:05d}" for i in range(count)]
    User.objects.bulk_create(
        [User(username=name, password="!") for name in names], ignore_conflicts=True
    )
    users = list(User.objects.filter(username__in=names).order_by("username"))
    Through = Unit.members.through
    Through.objects.bulk_create(
        [Through(unit=units[i % len(units)], user=user) for i, user in enumerate(users)],
        ignore_conflicts=True,
    )
    members: dict[int, list[int]] = {}
    for unit_id, user_id in Through.objects.filter(unit__in=units).values_list(
        "unit_id", "user_id"
    ):
        members.setdefault(unit_id, []).append(user_id)
    return members


def _documents(*, count: int, prefix: str, seed: int) -> list[SourceDocument]:
    rows = []
    for i in range(count):
        text = f"{prefix}讲话{seed}-{i}:各单位要抓好落实。"
        rows.append(
            SourceDocument(
                title=f"{prefix}:在全市第{i + 1}次推进会上的讲话",
                raw_text=text,
                cleaned_text=text,
                sha256=hashlib.sha256(text.encode()).hexdigest(),
            )
        )
    SourceDocument.objects.bulk_create(rows, ignore_conflicts=True)
    return list(SourceDocument.objects.filter(title__startswith=prefix).order_by("id"))


def _commitment(
    rng: random.Random,
    *,
    n: int,
    today: date,
    units: list[Unit],
    members: dict[int, list[int]],
    documents: list[SourceDocument],
) -> Commitment:
    status = rng.choices(list(STATUS_WEIGHTS), weights=list(STATUS_WEIGHTS.values()))[0]
    unit = rng.choice(units)
    deadline = None if rng.random() < 0.03 else today + timedelta(days=rng.randint(-365, 365))
    people = members.get(unit.pk, [])
    commitment = Commitment(
        title=rng.choice(TITLES).format(rng.choice(TOPICS)) + f"(第{n}项)",
        description="着力解决群众反映强烈的突出问题,确保按期兑现。",
        lead_unit=unit,
        responsible_id=rng.choice(people) if people and rng.random() < 0.8 else None,
        document=rng.choice(documents) if documents else None,
        deadline=deadline,
        original_deadline=deadline,
        status=status,
        is_public=rng.random() < 0.3,
        report_cycle=rng.choice(list(Commitment.ReportCycle.values)),
    )
    if status in COMPLETED_STATUSES:
        base = deadline or today
        commitment.completed_on = min(today, base + timedelta(days=rng.randint(-30, 20)))
        if status in FINISHED_STATUSES:
            commitment.finished_on_time = deadline is None or commitment.completed_on <= deadline
    if status == S.CANCELLED:
        commitment.status_reason = "工作调整,不再列入台账"
    if status in (*WORKING_STATUSES, *COMPLETED_STATUSES) and rng.random() < 0.7:
        day = today - timedelta(days=rng.randint(0, 60))
        commitment.last_progress_at = timezone.make_aware(datetime.combine(day, time(10)))
    return commitment


@transaction.atomic
def demo_ledger_generate(
    *,
    count: int = 100_000,
    units: int = 60,
    users: int = 300,
    documents: int = 40,
    progress_share: float = 0.3,
    seed: int = 1,
    batch_size: int = 5_000,
    prefix: str = "演示",
    today: date | None = None,
) -> DemoLedger:
    """Add `count` commitments across a unit hierarchy and documents, with some progress."""
    if count < 0 or units < 1 or batch_size < 1:
        raise ValueError("count must be >= 0, units and batch_size >= 1")
    rng = random.Random(seed)
    today = today or timezone.localdate()
    unit_rows = _units(count=units, prefix=prefix)
    members = _users(count=users, units=unit_rows, prefix=prefix)
    document_rows = _documents(count=documents, prefix=prefix, seed=seed)
    start = Commitment.objects.count()
    made = updates = 0
    while made < count:
        size = min(batch_size, count - made)
        batch = [
            _commitment(
                rng,
                n=start + made + i + 1,
                today=today,
                units=unit_rows,
                members=members,
                documents=document_rows,
            )
            for i in range(size)
        ]
        created = Commitment.objects.bulk_create(batch, batch_size=1_000)
        reports = [
            ProgressUpdate(
                commitment=c,
                author_id=c.responsible_id,
                text="已召开专题会议部署,正在推进。",
                percent=rng.randint(10, 90),
                is_public=rng.random() < 0.5,
            )
            for c in created
            if c.last_progress_at is not None and rng.random() < progress_share
        ]
        ProgressUpdate.objects.bulk_create(reports, batch_size=1_000)
        made += size
        updates += len(reports)
    return DemoLedger(
        units=len(unit_rows),
        users=sum(len(v) for v in members.values()),
        documents=len(document_rows),
        commitments=made,
        progress_updates=updates,
    )
