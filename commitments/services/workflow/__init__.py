"""The commitment's life (being split into the transition table, the moves and their registry)."""

from .moves import *  # noqa: F403
from .moves import TRANSITIONS, _allowed_for, _move  # noqa: F401
