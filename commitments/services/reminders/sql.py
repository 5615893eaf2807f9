"""Every hand-written SQL statement of the app, in one reviewed module.

The reminder sweep writes and reads in bulk where the ORM would build a model instance per row
or could not return what it inserted: multi-row INSERT ... RETURNING (ON CONFLICT DO NOTHING
for claims), UPDATE ... RETURNING to take messages for sending (e-mails, group robots' posts),
UPDATE ... FROM to link deliveries to their digest, and a recursive query that walks the
undigested recipients. Each statement has a PostgreSQL path (arrays through unnest/ANY, one
parameter per column) and a SQLite path (VALUES lists within its parameter limit); table and
column names come from the models' metadata, quoted, and every value is a parameter.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator, Sequence
from functools import partial
from typing import Any

from django.db import connection as db_connection
from django.db import models, transaction
from django.utils import timezone

from ...models import ChannelMessage, Commitment, ReminderDelivery, ReminderMessage, Unit


def _qn(name: str) -> str:
    return db_connection.ops.quote_name(name)


def _column(model: type[models.Model], name: str) -> str:
    field = model._meta.get_field(name)
    assert isinstance(field, models.Field) and field.column
    return _qn(field.column)


def _pg_array(values: Iterable[Any], sql_type: str) -> str:
    """A PostgreSQL array literal of `values` (bigint or text), written directly: psycopg2
    adapts a list one element at a time, which cost the sweep more than the statements."""
    if sql_type == "bigint":
        return "{" + ",".join(map(str, values)) + "}"
    return (
        "{"
        + ",".join(
            "NULL" if v is None else '"' + v.replace("\\", "\\\\").replace('"', '\\"') + '"'
            for v in values
        )
        + "}"
    )


def _any_of(column: str, ids: Sequence[int]) -> tuple[str, list[Any]]:
    """`column` is one of `ids`: one array parameter on PostgreSQL, an IN list elsewhere."""
    if db_connection.vendor == "postgresql":
        return f"{column} = ANY(%s::bigint[])", [_pg_array(ids, "bigint")]
    return f"{column} IN ({', '.join(['%s'] * len(ids))})", list(ids)


def _row_sources(
    rows: Sequence[Sequence[Any]], types: Sequence[str], *, other_params: int = 0
) -> Iterator[tuple[str, list[Any]]]:
    """`rows` as SQL row sources `(SELECT ...) AS v` with columns v.c0, v.c1, ..., and their
    parameters. PostgreSQL: one unnest() of one array per column, as quick to parse and plan
    for a thousand rows as for one. SQLite: VALUES lists, within the parameter limit Django
    assumes for it (999) once the statement's `other_params` are counted."""
    if not rows:
        return
    names = [f"c{i}" for i in range(len(types))]
    if db_connection.vendor == "postgresql":
        arrays = ", ".join(f"%s::{t}[]" for t in types)
        yield (
            f"(SELECT * FROM unnest({arrays}) AS u({', '.join(names)})) AS v",
            [
                _pg_array(column, t)
                for column, t in zip(zip(*rows, strict=True), types, strict=True)
            ],
        )
        return
    limit = (db_connection.features.max_query_params or 999) - other_params
    step = max(1, limit // len(types))
    placeholders = "(" + ", ".join(["%s"] * len(types)) + ")"
    aliases = ", ".join(f"column{i + 1} AS {name}" for i, name in enumerate(names))
    for start in range(0, len(rows), step):
        chunk = rows[start : start + step]
        yield (
            f"(SELECT {aliases} FROM (VALUES {', '.join([placeholders] * len(chunk))})) AS v",
            [value for row in chunk for value in row],
        )


def insert_returning(
    model: type[models.Model],
    columns: Sequence[tuple[str, str]],
    rows: Sequence[Sequence[Any]],
    returning: Sequence[str],
    constants: Sequence[tuple[str, Any]] = (),
    *,
    on_conflict: bool = True,
) -> list[tuple[Any, ...]]:
    """INSERT ... SELECT FROM `rows` [ON CONFLICT DO NOTHING] RETURNING: the rows actually
    inserted, in one statement per batch (see _row_sources). `columns` are (field, SQL type);
    `constants` (field, value) are the same for every row.

    Django's bulk_create cannot return rows when it ignores conflicts, and it builds a model
    instance per row."""
    table = _qn(model._meta.db_table)
    targets = [_column(model, name) for name, _type in columns]
    targets += [_column(model, name) for name, _value in constants]
    selected = [f"v.c{i}" for i in range(len(columns))] + ["%s"] * len(constants)
    back = ", ".join(_column(model, name) for name in returning)
    found: list[tuple[Any, ...]] = []
    with db_connection.cursor() as cursor:
        types = [t for _name, t in columns]
        for source, params in _row_sources(rows, types, other_params=len(constants)):
            # WHERE true: SQLite needs it to tell the upsert clause from a join's ON.
            cursor.execute(
                f"INSERT INTO {table} ({', '.join(targets)}) "
                f"SELECT {', '.join(selected)} FROM {source} WHERE true "
                f"{'ON CONFLICT DO NOTHING ' if on_conflict else ''}RETURNING {back}",
                [*(value for _name, value in constants), *params],
            )
            found.extend(cursor.fetchall())
    return found


def co_unit_contact_emails(commitment_ids: Sequence[int]) -> list[tuple[int, str]]:
    """(commitment id, contact e-mails) of every co-unit of these commitments. In SQL: the ORM's
    foreign key IN lookup prepares every id one by one, a sizeable part of a sweep's claim time."""
    if not commitment_ids:
        return []
    through = Commitment.co_units.through
    table = _qn(through._meta.db_table)
    commitment = _column(through, "commitment")
    unit = _column(through, "unit")
    units = _qn(Unit._meta.db_table)
    condition, params = _any_of(f"t.{commitment}", commitment_ids)
    with db_connection.cursor() as cursor:
        cursor.execute(
            f"SELECT t.{commitment}, u.{_column(Unit, 'contact_emails')} FROM {table} t "
            f"JOIN {units} u ON u.{_column(Unit, 'id')} = t.{unit} WHERE {condition}",
            params,
        )
        return cursor.fetchall()


def commit_without_flush() -> None:
    """In the current transaction (PostgreSQL), do not wait for the WAL to reach the disk."""
    if db_connection.vendor == "postgresql":
        with db_connection.cursor() as cursor:
            cursor.execute("SET LOCAL synchronous_commit TO OFF")


def link_deliveries(pairs: Sequence[tuple[int, int]]) -> None:
    """Set each delivery's message in one UPDATE ... FROM (delivery id, message id) rows.
    Only the rows read (and locked) by this composer are touched: a delivery claimed since
    then is not in the digest and must stay free for the next one."""
    table = _qn(ReminderDelivery._meta.db_table)
    id_column = _column(ReminderDelivery, "id")
    message_column = _column(ReminderDelivery, "message")
    postgresql = db_connection.vendor == "postgresql"
    with db_connection.cursor() as cursor:
        for source, params in _row_sources(pairs, ["bigint", "bigint"]):
            # On PostgreSQL the rows are also named by primary key, so that the planner looks
            # them up rather than hashing every delivery there is to join them.
            by_id = f" AND {table}.{id_column} = ANY(%s::bigint[])" if postgresql else ""
            ids = [_pg_array([delivery for delivery, _message in pairs], "bigint")]
            cursor.execute(
                f"UPDATE {table} SET {message_column} = v.c1 FROM {source} "
                f"WHERE {table}.{id_column} = v.c0{by_id}",
                [*params, *ids] if postgresql else params,
            )


def undigested_recipient_batches(size: int) -> Iterator[list[str]]:
    """The recipients with undigested deliveries, `size` at a time, in order.

    Each batch is one query that hops from one recipient to the next through the index of
    undigested deliveries (a recursive MIN, so it reads `size` index entries, not every
    undigested delivery as a DISTINCT would, whatever the planner believes of the table)."""
    table = _qn(ReminderDelivery._meta.db_table)
    recipient = _column(ReminderDelivery, "recipient")
    message = _column(ReminderDelivery, "message")
    following = (
        f"SELECT MIN(d.{recipient}) FROM {table} d WHERE d.{message} IS NULL AND d.{recipient} > "
    )
    sql = (
        f"WITH RECURSIVE hops(recipient, n) AS ("
        f"SELECT ({following}%s), 1 "
        f"UNION ALL SELECT ({following}hops.recipient), hops.n + 1 FROM hops "
        f"WHERE hops.recipient IS NOT NULL AND hops.n < %s"
        f") SELECT recipient FROM hops WHERE recipient IS NOT NULL"
    )
    last = ""
    with db_connection.cursor() as cursor:
        while True:
            cursor.execute(sql, [last, size])
            recipients = [row[0] for row in cursor.fetchall()]
            if not recipients:
                return
            yield recipients
            last = recipients[-1]


def take_pending(message_ids: Sequence[int], token: str) -> list[ReminderMessage]:
    """Move the still-pending messages among `message_ids` to `sending` under our token and
    read them, in one UPDATE ... RETURNING per chunk of ids."""
    table = _qn(ReminderMessage._meta.db_table)
    column = partial(_column, ReminderMessage)
    returning = ["id", "recipient", "subject", "body_text", "body_html", "attempts"]
    now = db_connection.ops.adapt_datetimefield_value(timezone.now())
    ids = list(message_ids)
    step = (db_connection.features.max_query_params or 5000) - 4
    taken: list[ReminderMessage] = []
    with db_connection.cursor() as cursor:
        for start in range(0, len(ids), step):
            chunk = ids[start : start + step]
            cursor.execute(
                f"UPDATE {table} SET {column('status')} = %s, {column('send_token')} = %s, "
                f"{column('sending_since')} = %s, {column('attempts')} = {column('attempts')} + 1 "
                f"WHERE {column('id')} IN ({', '.join(['%s'] * len(chunk))}) "
                f"AND {column('status')} = %s "
                f"RETURNING {', '.join(column(name) for name in returning)}",
                [
                    ReminderMessage.Status.SENDING.value,
                    token,
                    now,
                    *chunk,
                    ReminderMessage.Status.PENDING.value,
                ],
            )
            taken.extend(
                ReminderMessage(**dict(zip(returning, row, strict=True)))
                for row in cursor.fetchall()
            )
    taken.sort(key=lambda m: m.id)
    return taken


def channel_message_take_next(channel_id: int, token: str) -> ChannelMessage | None:
    """Move a group robot's oldest due message `pending` → `sending` under our token and read
    it, in one UPDATE ... RETURNING (services/channels/delivery.py). SKIP LOCKED lets two
    senders of one robot take different messages on PostgreSQL; SQLite has one writer at a
    time. Losing this commit with the database server costs at most the resend the
    at-least-once window allows anyway, so it does not wait for the disk."""
    table = _qn(ChannelMessage._meta.db_table)
    column = partial(_column, ChannelMessage)
    skip = (
        " FOR UPDATE SKIP LOCKED"
        if db_connection.features.has_select_for_update_skip_locked
        else ""
    )
    now = db_connection.ops.adapt_datetimefield_value(timezone.now())
    status = ChannelMessage.Status
    with transaction.atomic():
        commit_without_flush()
        with db_connection.cursor() as cursor:
            cursor.execute(
                f"UPDATE {table} SET {column('status')} = %s, {column('send_token')} = %s, "
                f"{column('sending_since')} = %s, {column('attempts')} = {column('attempts')} + 1 "
                f"WHERE {column('id')} = (SELECT {column('id')} FROM {table} "
                f"WHERE {column('channel')} = %s AND {column('status')} = %s "
                f"AND {column('next_attempt_at')} <= %s ORDER BY {column('id')} LIMIT 1{skip}) "
                f"AND {column('status')} = %s "
                f"RETURNING {column('id')}, {column('payload')}, {column('attempts')}",
                [
                    status.SENDING.value,
                    token,
                    now,
                    channel_id,
                    status.PENDING.value,
                    now,
                    status.PENDING.value,
                ],
            )
            row = cursor.fetchone()
    if row is None:
        return None
    message_id, payload, attempts = row
    if isinstance(payload, str):  # SQLite hands JSON back as text
        payload = json.loads(payload)
    return ChannelMessage(id=message_id, channel_id=channel_id, payload=payload, attempts=attempts)
