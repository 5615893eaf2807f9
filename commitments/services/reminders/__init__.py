"""E-mail reminders (being split along claim, compose, send and sweep)."""

from .sweep import *  # noqa: F403
from .sweep import _claim_due, _compose_all  # noqa: F401
