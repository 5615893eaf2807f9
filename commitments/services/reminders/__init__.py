"""E-mail reminders: claim what is due exactly once, compose one digest per recipient, send.

The life of a reminder, and why each step is safe to repeat:

1. Claim (per batch of candidates, one transaction, a fixed number of statements): one
   multi-row INSERT ... ON CONFLICT DO NOTHING RETURNING writes a ReminderLog row per
   (commitment, kind, period) and hands back only the rows it inserted: those are ours. Their
   recipients (ReminderDelivery rows, unique per log and address) are inserted in the same
   transaction, so "decided to send" and "claimed" commit together or not at all. A second
   sweep, a redelivered task or a restarted worker finds the rows claimed and adds nothing.
   A claim that found no recipient (no responsible person's address, no unit contact) is
   kept, so the office sees 无收件人 in the history, but it is not final: while its period
   lasts, every sweep (and 催办) looks again, and once an address exists the reminder goes
   out. Two sweeps doing that at once cannot both deliver it: the delivery rows are unique.
2. Compose (per batch of recipients, one transaction): every delivery not yet in a message is
   put into one ReminderMessage per recipient, row-locked (SKIP LOCKED where the database has
   it) so two composers never take the same delivery. Under a worker the sweep fans this
   step out: one `compose_reminder_digests` task per recipient batch composes and sends over
   one SMTP connection, so several workers share the load; `send_reminders` (cron) does the
   same in-process. Deliveries a lost task left undigested are picked up by the resume task.
3. Send (per chunk of messages, one SMTP connection): one UPDATE ... RETURNING moves only
   `pending` messages to `sending` and reads them; after the SMTP conversation one UPDATE
   marks the accepted ones `sent`, and one more puts failures back to `pending` (retried with
   backoff) or, after REMINDER_MAX_ATTEMPTS, to `failed`, shown in the admin.

The one window no database can close is between the SMTP server accepting a message and our
UPDATE to `sent`. Accepted messages are marked `sent` every REMINDER_MARK_SENT_EVERY (10) of
them, so a worker killed mid-conversation leaves at most that many accepted messages in
`sending` (one UPDATE per message would make it one, for a query per e-mail). We chose
at-least-once for that single point: after REMINDER_SENDING_LEASE_SECONDS such messages are
put back to `pending` and sent again, with the same Message-ID header so mail clients can fold
a copy. A rare duplicate digest is better than a reminder that silently never arrives.
Modules, in the order a reminder passes through them: `config` (the settings, read in one
place), `claim` (what is due, claimed once per period), `compose` (one digest per recipient),
`send` (over SMTP, with retries), `sweep` (the day's run, the preview and 催办), `mail` (the
digest's words and the SMTP outbox), `dispatch` (how the batches a sweep hands on are run; the
caller chooses) and `sql` (every hand-written statement, for SQLite and PostgreSQL).
"""
