"""The office's daily UI. One module per area; every write goes through commitments.services."""

from . import channels, ledger, notices, outputs, reminders, words, workbench  # noqa: F401
