"""Development: the base settings as they are."""

from .base import *  # noqa: F403
