"""The dashboard's running tally (models_figures), kept by triggers on PostgreSQL; nothing
runs on SQLite, where the dashboard counts the commitments. Also: partial indexes for
/public/'s pages per unit, and the public search's indexes (PostgreSQL).

The rules below are the ledger's (choices.py, selectors.lights.light_rule) written once more
in SQL, frozen here as a migration is: tests/outputs/test_figure_tally.py compares what the
tally says with a count of the commitments, day by day, so a change to the rules that is not
carried over fails there.
"""

from django.db import migrations, models

FUNCTIONS = r"""
-- What the tally needs of a commitment; `baseline` is when the unit last showed life (its
-- last report, else when it signed for or got the work, else when it was recorded).
CREATE TYPE ledger_figure_input AS (
    lead_unit_id bigint,
    document_id bigint,
    status text,
    deadline date,
    completed_on date,
    finished_on_time boolean,
    baseline timestamptz
);

CREATE FUNCTION ledger_figure_input(c commitments_commitment) RETURNS ledger_figure_input
LANGUAGE sql STABLE AS $$
    SELECT ROW(
        c.lead_unit_id, c.document_id, c.status, c.deadline, c.completed_on, c.finished_on_time,
        coalesce(c.last_progress_at, c.accepted_at, c.assigned_at, c.created_at)
    )::ledger_figure_input
$$;

-- A commitment's figures on day x: its bucket (open / done / late / cancelled), whether it is
-- overdue, its traffic light (selectors.lights.light_rule).
CREATE FUNCTION ledger_figure_state(
    status text, deadline date, completed_on date, finished_on_time boolean, baseline date,
    due_soon integer, stale integer, x date,
    OUT bucket text, OUT overdue boolean, OUT light text
)
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT
        CASE
            WHEN status = 'cancelled' THEN 'cancelled'
            WHEN status IN ('verified', 'closed') THEN
                CASE WHEN finished_on_time IS FALSE THEN 'late' ELSE 'done' END
            ELSE 'open'
        END,
        status NOT IN ('verified', 'closed', 'cancelled') AND deadline IS NOT NULL
            AND deadline < x,
        CASE
            WHEN status IN ('verified', 'closed', 'cancelled') THEN 'grey'
            WHEN status = 'submitted' THEN
                CASE WHEN deadline IS NOT NULL AND completed_on IS NOT NULL
                          AND completed_on > deadline
                     THEN 'red' ELSE 'green' END
            WHEN deadline IS NULL THEN 'incomplete'
            WHEN deadline < x THEN 'red'
            WHEN deadline <= x + due_soon THEN 'yellow'
            WHEN status IN ('assigned', 'accepted', 'in_progress', 'returned')
                 AND baseline IS NOT NULL AND baseline + stale <= x THEN 'yellow'
            ELSE 'green'
        END
$$;

-- A commitment's figures as tally rows: +1 for its figures since ever (0001-01-01), and on
-- each day they change (the first due-soon day, the day after the deadline, the day the
-- report becomes stale) -1 for the figures before and +1 for those after. Summing the rows
-- dated x or earlier gives its figures on day x.
CREATE FUNCTION ledger_figure_events(
    status text, deadline date, completed_on date, finished_on_time boolean, baseline date,
    due_soon integer, stale integer
)
RETURNS TABLE (day date, bucket text, overdue boolean, light text, n integer)
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT DATE '0001-01-01', s.bucket, s.overdue, s.light, 1
    FROM ledger_figure_state(
        status, deadline, completed_on, finished_on_time, baseline, due_soon, stale,
        DATE '0001-01-01'
    ) AS s
    UNION ALL
    SELECT p.day, e.bucket, e.overdue, e.light, e.n
    FROM (
        SELECT DISTINCT q AS day
        FROM unnest(ARRAY[deadline - due_soon, deadline + 1, baseline + stale]) AS q
        WHERE q > DATE '0001-01-01'
    ) AS p
    CROSS JOIN LATERAL ledger_figure_state(
        status, deadline, completed_on, finished_on_time, baseline, due_soon, stale, p.day
    ) AS a
    CROSS JOIN LATERAL ledger_figure_state(
        status, deadline, completed_on, finished_on_time, baseline, due_soon, stale, p.day - 1
    ) AS b
    CROSS JOIN LATERAL (
        VALUES (a.bucket, a.overdue, a.light, 1), (b.bucket, b.overdue, b.light, -1)
    ) AS e (bucket, overdue, light, n)
    WHERE (a.bucket, a.overdue, a.light) IS DISTINCT FROM (b.bucket, b.overdue, b.light)
$$;

-- Take away the rows of `removed` and add those of `added` (the same commitments before and
-- after a change, say); rows of days already folded go straight into the since-ever rows.
-- Locks the tally tables before reading the state row, as the rebuild does, so a rebuild never
-- misses a change; one statement per table, rows in key order, so that two transactions
-- changing the same counts take their row locks in the same order (one waits, none deadlock).
CREATE FUNCTION ledger_figures_add(
    removed ledger_figure_input[], added ledger_figure_input[]
) RETURNS void
LANGUAGE plpgsql AS $$
DECLARE
    st commitments_figuretallystate;
BEGIN
    IF coalesce(cardinality(removed), 0) + coalesce(cardinality(added), 0) = 0 THEN
        RETURN;
    END IF;
    LOCK TABLE commitments_figuretally, commitments_figureday IN ROW EXCLUSIVE MODE;
    SELECT * INTO st FROM commitments_figuretallystate LIMIT 1;
    IF NOT FOUND THEN
        RETURN;  -- not built: whoever reads it first builds it from the commitments
    END IF;

    WITH r AS (
        SELECT x.*, -1 AS sign FROM unnest(removed) AS x
        UNION ALL
        SELECT x.*, 1 FROM unnest(added) AS x
    )
    INSERT INTO commitments_figuretally AS t (scope, key, day, bucket, overdue, light, n)
    SELECT s.scope, s.key, f.day, e.bucket, e.overdue, e.light, sum(e.n * r.sign)
    FROM r
    LEFT JOIN commitments_sourcedocument AS d ON d.id = r.document_id
    CROSS JOIN LATERAL ledger_figure_events(
        r.status, r.deadline, r.completed_on, r.finished_on_time,
        (r.baseline AT TIME ZONE st.time_zone)::date,
        coalesce(d.due_soon_days, st.due_soon_days),
        coalesce(d.stale_report_days, st.stale_report_days)
    ) AS e
    CROSS JOIN LATERAL (
        SELECT CASE WHEN e.day <= st.compacted_through THEN DATE '0001-01-01' ELSE e.day END
    ) AS f (day)
    CROSS JOIN LATERAL (VALUES ('u', r.lead_unit_id), ('d', r.document_id)) AS s (scope, key)
    WHERE s.key IS NOT NULL
    GROUP BY s.scope, s.key, f.day, e.bucket, e.overdue, e.light
    HAVING sum(e.n * r.sign) <> 0
    ORDER BY s.scope, s.key, f.day, e.bucket, e.overdue, e.light
    ON CONFLICT (scope, key, day, bucket, overdue, light) DO UPDATE SET n = t.n + excluded.n;

    WITH r AS (
        SELECT x.*, -1 AS sign FROM unnest(removed) AS x
        UNION ALL
        SELECT x.*, 1 FROM unnest(added) AS x
    )
    INSERT INTO commitments_figureday AS f (day, due, completed, completed_late)
    SELECT x.day, sum(x.due), sum(x.completed), sum(x.late)
    FROM (
        SELECT r.deadline AS day, r.sign AS due, 0 AS completed, 0 AS late
        FROM r
        WHERE r.status <> 'cancelled' AND r.deadline IS NOT NULL
        UNION ALL
        SELECT r.completed_on, 0, r.sign, CASE WHEN r.finished_on_time IS FALSE THEN r.sign ELSE 0 END
        FROM r
        WHERE r.status IN ('verified', 'closed') AND r.completed_on IS NOT NULL
    ) AS x
    GROUP BY x.day
    HAVING sum(x.due) <> 0 OR sum(x.completed) <> 0 OR sum(x.late) <> 0
    ORDER BY x.day
    ON CONFLICT (day) DO UPDATE SET
        due = f.due + excluded.due,
        completed = f.completed + excluded.completed,
        completed_late = f.completed_late + excluded.completed_late;
END
$$;

-- Fold the rows of days up to `through` into the since-ever rows: the sums stay the same,
-- and reading them reads about one row per unit or document and figure.
CREATE FUNCTION ledger_figures_compact(through date) RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
    WITH moved AS (
        DELETE FROM commitments_figuretally
        WHERE day > DATE '0001-01-01' AND day <= through
        RETURNING scope, key, bucket, overdue, light, n
    )
    INSERT INTO commitments_figuretally AS t (scope, key, day, bucket, overdue, light, n)
    SELECT scope, key, DATE '0001-01-01', bucket, overdue, light, sum(n)
    FROM moved
    GROUP BY scope, key, bucket, overdue, light
    ON CONFLICT (scope, key, day, bucket, overdue, light) DO UPDATE SET n = t.n + excluded.n;
    DELETE FROM commitments_figuretally WHERE day = DATE '0001-01-01' AND n = 0;
    UPDATE commitments_figuretallystate SET compacted_through = through
    WHERE compacted_through < through;
END
$$;

-- Count everything again, with these thresholds and this zone, folded up to `today`. Holds
-- the tally tables exclusively: writers wait, and none of their changes is missed.
-- (ANALYZE: the planner must know the since-ever rows are few, or it reads the whole table.)
CREATE FUNCTION ledger_figures_rebuild(
    due_soon integer, stale integer, zone text, today date
) RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
    LOCK TABLE commitments_figuretally, commitments_figureday IN ACCESS EXCLUSIVE MODE;
    IF EXISTS (
        SELECT 1 FROM commitments_figuretallystate
        WHERE due_soon_days = due_soon AND stale_report_days = stale AND time_zone = zone
            AND compacted_through <= today
    ) THEN
        RETURN;  -- built meanwhile by another reader
    END IF;
    DELETE FROM commitments_figuretallystate;
    TRUNCATE commitments_figuretally, commitments_figureday;
    INSERT INTO commitments_figuretallystate
        (due_soon_days, stale_report_days, time_zone, compacted_through)
    VALUES (due_soon, stale, zone, today);
    PERFORM ledger_figures_add(
        '{}', ARRAY(SELECT ledger_figure_input(c) FROM commitments_commitment AS c)
    );
    ANALYZE commitments_figuretally;
    ANALYZE commitments_figureday;
END
$$;

-- Statement triggers: one pass over all the rows a statement changed (a bulk import too).
CREATE FUNCTION ledger_commitment_figures() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    removed ledger_figure_input[];
    added ledger_figure_input[];
BEGIN
    IF TG_OP = 'INSERT' THEN
        PERFORM ledger_figures_add('{}', ARRAY(SELECT ledger_figure_input(n) FROM new_rows AS n));
    ELSIF TG_OP = 'DELETE' THEN
        PERFORM ledger_figures_add(ARRAY(SELECT ledger_figure_input(o) FROM old_rows AS o), '{}');
    ELSE
        -- Only the rows whose figures may have changed (not a new title, say).
        SELECT array_agg(ledger_figure_input(o)), array_agg(ledger_figure_input(n))
        INTO removed, added
        FROM old_rows AS o JOIN new_rows AS n USING (id)
        WHERE ledger_figure_input(o) IS DISTINCT FROM ledger_figure_input(n);
        PERFORM ledger_figures_add(removed, added);
    END IF;
    RETURN NULL;
END
$$;

CREATE TRIGGER commitment_figures_insert AFTER INSERT ON commitments_commitment
    REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION ledger_commitment_figures();
CREATE TRIGGER commitment_figures_update AFTER UPDATE ON commitments_commitment
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION ledger_commitment_figures();
CREATE TRIGGER commitment_figures_delete AFTER DELETE ON commitments_commitment
    REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION ledger_commitment_figures();

-- A document's own thresholds change every light of its commitments (rarely: the office
-- sets them when it imports the document): the tally is counted again by its next reader.
CREATE FUNCTION ledger_document_thresholds_changed() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    LOCK TABLE commitments_figuretally, commitments_figureday IN ROW EXCLUSIVE MODE;
    DELETE FROM commitments_figuretallystate;
    RETURN NULL;
END
$$;

CREATE TRIGGER sourcedocument_figure_thresholds AFTER UPDATE ON commitments_sourcedocument
    FOR EACH ROW
    WHEN (OLD.due_soon_days IS DISTINCT FROM NEW.due_soon_days
          OR OLD.stale_report_days IS DISTINCT FROM NEW.stale_report_days)
    EXECUTE FUNCTION ledger_document_thresholds_changed();
"""

DROP = """
DROP TRIGGER IF EXISTS sourcedocument_figure_thresholds ON commitments_sourcedocument;
DROP TRIGGER IF EXISTS commitment_figures_insert ON commitments_commitment;
DROP TRIGGER IF EXISTS commitment_figures_update ON commitments_commitment;
DROP TRIGGER IF EXISTS commitment_figures_delete ON commitments_commitment;
DROP FUNCTION IF EXISTS ledger_document_thresholds_changed();
DROP FUNCTION IF EXISTS ledger_commitment_figures();
DROP FUNCTION IF EXISTS ledger_figures_rebuild(integer, integer, text, date);
DROP FUNCTION IF EXISTS ledger_figures_compact(date);
DROP FUNCTION IF EXISTS ledger_figures_add(ledger_figure_input[], ledger_figure_input[]);
DROP FUNCTION IF EXISTS ledger_figure_events(text, date, date, boolean, date, integer, integer);
DROP FUNCTION IF EXISTS
    ledger_figure_state(text, date, date, boolean, date, integer, integer, date);
DROP FUNCTION IF EXISTS ledger_figure_input(commitments_commitment);
DROP TYPE IF EXISTS ledger_figure_input;
"""


# /api/v1/public/commitments/?q= searches the title and the text the office confirmed
# (public_description), never the unit's working description: the same two indexes as
# migration 0011 gives the admin's search (commitments/search.py), over that text and over
# published work only.
PUBLIC_SEARCH = r"""
ALTER TABLE commitments_commitment
    ADD COLUMN IF NOT EXISTS public_search_grams text[] NOT NULL DEFAULT '{}';

-- Only published work carries its pieces: nothing else is searched (or indexed).
CREATE OR REPLACE FUNCTION ledger_commitment_public_search_grams() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    NEW.public_search_grams := CASE
        WHEN NEW.is_public AND NEW.status <> 'cancelled'
        THEN ledger_short_grams(ledger_search_text(NEW.title, NEW.public_description))
        ELSE '{}'
    END;
    RETURN NEW;
END
$$;

DROP TRIGGER IF EXISTS commitment_public_search_grams ON commitments_commitment;
CREATE TRIGGER commitment_public_search_grams
    BEFORE INSERT OR UPDATE OF title, public_description, is_public, status
    ON commitments_commitment
    FOR EACH ROW EXECUTE FUNCTION ledger_commitment_public_search_grams();

UPDATE commitments_commitment
    SET public_search_grams = ledger_short_grams(ledger_search_text(title, public_description))
    WHERE is_public AND status <> 'cancelled';

CREATE INDEX IF NOT EXISTS commitment_public_search_short
    ON commitments_commitment USING gin (public_search_grams)
    WHERE is_public AND NOT (status = 'cancelled');
"""

PUBLIC_TRIGRAM = """
CREATE INDEX IF NOT EXISTS commitment_public_search_trgm
    ON commitments_commitment
    USING gin (ledger_search_text(title, public_description) gin_trgm_ops)
    WHERE is_public AND NOT (status = 'cancelled');
"""

PUBLIC_SEARCH_DROP = """
DROP INDEX IF EXISTS commitment_public_search_trgm;
DROP INDEX IF EXISTS commitment_public_search_short;
DROP TRIGGER IF EXISTS commitment_public_search_grams ON commitments_commitment;
DROP FUNCTION IF EXISTS ledger_commitment_public_search_grams();
ALTER TABLE commitments_commitment DROP COLUMN IF EXISTS public_search_grams;
"""


def _on_postgresql(*statements):
    """A RunPython step running SQL on PostgreSQL, nothing elsewhere. A statement that is a
    pair (check, sql) runs when `check` finds a row."""

    def run(apps, schema_editor):
        if schema_editor.connection.vendor != "postgresql":
            return
        with schema_editor.connection.cursor() as cursor:
            for statement in statements:
                check, sql = statement if isinstance(statement, tuple) else (None, statement)
                if check is not None:
                    cursor.execute(check)
                    if cursor.fetchone() is None:
                        continue
                cursor.execute(sql)

    return run


# Without pg_trgm (see 0011) longer words are found by a scan.
HAS_TRIGRAM = "SELECT 1 FROM pg_extension WHERE extname = 'pg_trgm'"


class Migration(migrations.Migration):

    dependencies = [
        ('commitments', '0017_channel_help_notices'),
    ]

    operations = [
        migrations.CreateModel(
            name='FigureDay',
            fields=[
                ('day', models.DateField(primary_key=True, serialize=False)),
                ('due', models.IntegerField(default=0)),
                ('completed', models.IntegerField(default=0)),
                ('completed_late', models.IntegerField(default=0)),
            ],
        ),
        migrations.CreateModel(
            name='FigureTallyState',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('due_soon_days', models.IntegerField()),
                ('stale_report_days', models.IntegerField()),
                ('time_zone', models.CharField(max_length=64)),
                ('compacted_through', models.DateField()),
            ],
        ),
        migrations.CreateModel(
            name='FigureTally',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('scope', models.CharField(choices=[('u', 'lead unit'), ('d', 'source document')], max_length=1)),
                ('key', models.BigIntegerField()),
                ('day', models.DateField()),
                ('bucket', models.CharField(max_length=10)),
                ('overdue', models.BooleanField()),
                ('light', models.CharField(max_length=10)),
                ('n', models.IntegerField()),
            ],
            options={
                'indexes': [models.Index(fields=['day'], name='figure_tally_day')],
                'constraints': [models.UniqueConstraint(fields=('scope', 'key', 'day', 'bucket', 'overdue', 'light'), name='figure_tally_key')],
            },
        ),
        migrations.RunPython(_on_postgresql(FUNCTIONS), _on_postgresql(DROP), elidable=False),
        migrations.AddIndex(
            model_name='commitment',
            index=models.Index(condition=models.Q(('is_public', True), ('status__in', ['draft', 'assigned', 'accepted', 'in_progress', 'submitted', 'returned'])), fields=['lead_unit', 'deadline', 'id'], name='commitment_public_open'),
        ),
        migrations.AddIndex(
            model_name='commitment',
            index=models.Index(condition=models.Q(('is_public', True), models.Q(('status', 'cancelled'), _negated=True)), fields=['lead_unit', 'deadline', 'id'], name='commitment_public_unit'),
        ),
        migrations.RunPython(
            _on_postgresql(PUBLIC_SEARCH, (HAS_TRIGRAM, PUBLIC_TRIGRAM)),
            _on_postgresql(PUBLIC_SEARCH_DROP),
            elidable=False,
        ),
        migrations.RemoveIndex(
            model_name='commitment',
            name='commitment_open_deadline',
        ),
        migrations.AddIndex(
            model_name='commitment',
            index=models.Index(condition=models.Q(('status__in', ['draft', 'assigned', 'accepted', 'in_progress', 'submitted', 'returned'])), fields=['deadline', 'id'], name='commitment_open_deadline_id'),
        ),
    ]
