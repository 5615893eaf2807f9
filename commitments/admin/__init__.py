"""The office's daily UI. One module per area; every write goes through commitments.services."""

from . import channels, ledger, outputs, reminders  # noqa: F401
