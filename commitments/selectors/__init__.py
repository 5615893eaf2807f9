"""Every named read of the ledger (being split into one module per concern)."""

from .statistics import *  # noqa: F403
