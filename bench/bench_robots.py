"""Benchmark the group robots: a sweep's digests for 1,000 units posted to local robots.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/ledger_bench_robots \\
        .venv/bin/python bench/bench_robots.py [--units 1000] [--robots 25] [--window 1] \\
        [--cache-url redis://127.0.0.1:6379/6]

The database named in DATABASE_URL (default: the one above) is created if missing, migrated and
emptied before the run: point it at a database of its own. The robots are the tests' local
platform server (tests/reminders/robot_server.py) in this process: 钉钉, 企业微信 and 飞书 in
turn, signed where the platform signs, each holding its robot to 20 posts per `--window`
seconds (a minute in production; a second here so the run is short, the same pacing logic).
Each robot serves units/robots units, so it has that many digests to post: more than its limit,
so the sender must pace.

Then (unless --no-notices) one 交办 per unit: the moves' time and the robots' share of it (the
notice's robot claim), and the notice task's robot part (compose, send one 办理通知 per unit).

Prints the sweep's phases (claim, compose, send), messages/s of the send, and the pacing: the
most posts any robot received within one window (must not exceed the limit) and the refusals
(must be none). The floor is urllib posting the very same signed bodies, one after another, to
the same server on robots without a limit: the fastest the posts could go without a database
or pacing. The ratio is send messages/s over the floor's; the pacing's own lower bound (each
robot's posts beyond its first window must wait for the next) is printed beside it.

The server shares this process, so its parsing competes for the GIL with the sender (not with
the floor's client, which only waits): a handicap for the sender, as in bench_reminders.py.
"""

from __future__ import annotations

import argparse
import math
import os
import sys
import time
import urllib.request
from datetime import timedelta
from pathlib import Path

from _common import ensure_database

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/ledger_bench_robots"
KINDS = ("dingtalk", "wecom", "feishu")


def populate(*, units: int, per_unit: int, robots: int, server, window: float, today) -> list:
    from commitments.models import Channel, Commitment, Unit

    made = Unit.objects.bulk_create(Unit(name=f"压测单位{i:05d}") for i in range(units))
    Commitment.objects.bulk_create(
        (
            Commitment(
                title=f"{unit.name}承诺事项{j}:推进重点项目建设",
                lead_unit=unit,
                deadline=today + timedelta(days=(j % 5) - 3 or 1),
                original_deadline=today + timedelta(days=(j % 5) - 3 or 1),
                status=Commitment.Status.ASSIGNED,
            )
            for unit in made
            for j in range(per_unit)
        ),
        batch_size=5000,
    )
    hooks = []
    for r in range(robots):
        kind = KINDS[r % len(KINDS)]
        secret = "" if kind == "wecom" else f"SEC-bench-{r}"
        url, hook = server.add(kind, secret=secret, limit=20, window=window)
        channel = Channel.objects.create(
            name=f"压测群{r:03d}", kind=kind, webhook_url=url, secret=secret
        )
        channel.units.set(made[r::robots])
        hooks.append(hook)
    return hooks


def floor(server, bodies: list[tuple[int, str, str, dict]], *, mark: bool = False) -> float:
    """urllib, the same signed bodies, one after another, to unlimited robots of the same
    server: posts/s without database or pacing. With `mark`, each post is followed by one
    durable UPDATE of its message, the least an exactly-once sender must write per post."""
    from django.db import connection

    from commitments.services.channels.platforms import platform

    urls: dict[tuple[str, str], str] = {}
    prepared = []
    for message_id, kind, secret, payload in bodies:
        if (kind, secret) not in urls:
            urls[(kind, secret)] = server.add(kind, secret=secret, limit=10**9)[0]
        url = urls[(kind, secret)]
        prepared.append((message_id, *platform(kind).signed(url, secret, payload, time.time())))
    t0 = time.perf_counter()
    for message_id, url, body in prepared:
        request = urllib.request.Request(
            url, data=body, method="POST", headers={"Content-Type": "application/json"}
        )
        with urllib.request.urlopen(request, timeout=10) as response:
            answer = response.read()
        assert b'"errcode": 0' in answer or b'"code": 0' in answer, answer
        if mark:
            with connection.cursor() as cursor:
                cursor.execute(
                    "UPDATE commitments_channelmessage SET attempts = attempts WHERE id = %s",
                    [message_id],
                )
    return len(prepared) / (time.perf_counter() - t0)


def run(
    *, units: int, per_unit: int, robots: int, window: float, pacer: str, notices: bool
) -> None:
    """One sweep's robot part, timed by phase, then the floors on the same bodies."""
    from django.core.management import call_command
    from django.urls import reverse

    from commitments.models import ChannelMessage
    from commitments.selectors.office import office_today
    from commitments.services.channels import delivery
    from commitments.services.channels.compose import channel_messages_compose
    from commitments.services.reminders.claim import claim_due
    from tests.reminders.robot_server import RobotServer

    call_command("flush", interactive=False, verbosity=0)
    today = office_today()
    with RobotServer() as server:
        hooks = populate(
            units=units,
            per_unit=per_unit,
            robots=robots,
            server=server,
            window=window,
            today=today,
        )
        # A worker has loaded the URLconf long before its sweep; the first reverse() costs ~2 s.
        reverse("admin:index")
        t0 = time.perf_counter()
        claimed = claim_due(today)
        t1 = time.perf_counter()
        channel_ids = channel_messages_compose(today=today)
        t2 = time.perf_counter()
        report = delivery.channel_messages_send_inline(channel_ids)
        t3 = time.perf_counter()

        messages = ChannelMessage.objects.count()
        sent = len(report.sent)
        per_robot = math.ceil(messages / robots)
        paced_minimum = (math.ceil(per_robot / 20) - 1) * window
        busiest = max(h.max_in_window() for h in hooks)
        refused = sum(len(h.refused) for h in hooks)
        print(
            f"-- {units:,} units x {per_unit} due items, {robots} robots ({', '.join(KINDS)} in "
            f"turn), {per_robot} digests per robot, limit 20 per {window:g}s, pacing in the {pacer}"
        )
        print(
            f"sweep {t3 - t0:.2f}s: claim {claimed.claimed:,} reminders {t1 - t0:.2f}s, "
            f"compose {messages:,} messages {t2 - t1:.2f}s, send {sent:,} {t3 - t2:.2f}s "
            f"(the limit alone needs >= {paced_minimum:.1f}s)"
        )
        print(
            f"pacing: busiest robot {busiest} posts in one {window:g}s window (limit 20), "
            f"refusals {refused}, rate-limit answers {sum(h.violations for h in hooks)}"
        )
        assert sent == messages == units, (sent, messages)
        assert busiest <= 20 and refused == 0

        bodies = list(
            ChannelMessage.objects.order_by("id").values_list(
                "id", "channel__kind", "channel__secret", "payload"
            )
        )
        floor_rate = floor(server, bodies)
        marked_rate = floor(server, bodies, mark=True)
        rate = sent / (t3 - t2)
        print(
            f"messages/s: send {rate:.0f} (whole sweep {sent / (t3 - t0):.0f}); floor (urllib, "
            f"same bodies, no database, no pacing) {floor_rate:.0f}, "
            f"ratio {rate / floor_rate:.2f}; floor + one durable UPDATE per post "
            f"{marked_rate:.0f}, ratio {rate / marked_rate:.2f}"
        )
        if notices:
            bench_notices(units=units, today=today, hooks=hooks)


def bench_notices(*, units: int, today, hooks: list) -> None:
    """交办 one new commitment per unit (each move claims its notice's robots), then the notice
    task's robot part: one 办理通知 per unit, composed and posted, paced like the 催办."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from commitments.models import ChannelMessage, Commitment, Notice, Unit
    from commitments.services.channels.claim import channel_notice_claim
    from commitments.services.channels.compose import channel_messages_compose
    from commitments.services.channels.delivery import channel_messages_send_inline
    from commitments.services.workflow.moves import commitment_assign
    from tests.factories import SupervisorUnitFactory, UserFactory

    office = SupervisorUnitFactory(name="压测督办室", contact_emails="")
    clerk = UserFactory(username="bench-clerk", last_name="王", first_name="督办")
    office.members.add(clerk)
    before = {id(h): len(h.messages) for h in hooks}
    drafts = Commitment.objects.bulk_create(
        Commitment(
            title=f"{unit.name}新交办事项",
            lead_unit=unit,
            deadline=today + timedelta(days=30),
            original_deadline=today + timedelta(days=30),
            status=Commitment.Status.DRAFT,
        )
        for unit in Unit.objects.filter(name__startswith="压测单位").order_by("id")
    )
    t0 = time.perf_counter()
    for draft in drafts:
        commitment_assign(commitment=draft, actor=clerk, requirements="按月报送进展")
    t1 = time.perf_counter()
    # The robots' share of a move: the same claims again (they insert nothing the second time,
    # and run the same queries).
    notices = list(Notice.objects.select_related("commitment").order_by("id"))
    with CaptureQueriesContext(connection) as queries:
        for notice in notices[:1]:
            channel_notice_claim(
                log_id=notice.log_id, commitment=notice.commitment, to_office=False
            )
    # Inside a move these run in its transaction: no BEGIN/COMMIT of their own.
    claim_queries = sum(q["sql"] not in ("BEGIN", "COMMIT") for q in queries.captured_queries)
    t2 = time.perf_counter()
    for notice in notices:
        channel_notice_claim(log_id=notice.log_id, commitment=notice.commitment, to_office=False)
    t3 = time.perf_counter()
    channel_ids = channel_messages_compose(today=today, notices=True)
    t4 = time.perf_counter()
    report = channel_messages_send_inline(channel_ids)
    t5 = time.perf_counter()
    posted = sum(len(h.messages) - before[id(h)] for h in hooks)
    made = ChannelMessage.objects.filter(title__startswith="办理通知").count()
    print(
        f"notices: {len(drafts):,} 交办 moves {t1 - t0:.2f}s ({(t1 - t0) / len(drafts) * 1000:.1f} "
        f"ms each), of which the robot claim {(t3 - t2) / len(notices) * 1000:.2f} ms "
        f"({claim_queries} queries); compose {made:,} 办理通知 {t4 - t3:.2f}s, "
        f"send {len(report.sent):,} {t5 - t4:.2f}s"
    )
    assert posted == made == len(report.sent) == units, (posted, made, len(report.sent))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--units", type=int, default=1000)
    parser.add_argument("--per-unit", type=int, default=3)
    parser.add_argument(
        "--robots",
        default="25,5",
        help="robots per run, comma separated: 25 spreads the units (40 digests a robot), "
        "5 crowds them (200 a robot, so the pacing decides the time)",
    )
    parser.add_argument("--window", type=float, default=1.0)
    parser.add_argument("--cache-url", default="", help="redis://… to pace in Redis")
    parser.add_argument("--no-notices", action="store_true", help="skip the 办理通知 part")
    args = parser.parse_args()

    sys.path.insert(0, str(ROOT))
    url = os.environ.get("DATABASE_URL", DEFAULT_URL)
    ensure_database(url)
    os.environ.update(
        DATABASE_URL=url,
        DJANGO_SETTINGS_MODULE="config.settings.local",
        LOG_LEVEL="WARNING",
        DEBUG="false",
        CACHE_URL=args.cache_url,
        LEDGER_ROBOT_RATE_WINDOW_SECONDS=str(args.window),
        LEDGER_ROBOT_RATE_LIMITED_WAIT_SECONDS=str(args.window),
    )
    import django

    django.setup()
    from django.core.cache import cache
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    for robots in [int(n) for n in args.robots.split(",")]:
        if args.cache_url:
            cache.clear()
        run(
            units=args.units,
            per_unit=args.per_unit,
            robots=robots,
            window=args.window,
            pacer="Redis" if args.cache_url else "database",
            notices=not args.no_notices,
        )


if __name__ == "__main__":
    main()
