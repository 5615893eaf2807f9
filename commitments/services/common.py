"""Small helpers shared by the service modules."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, TypeVar

from django.conf import settings
from django.db import models
from django.utils import translation

M = TypeVar("M", bound=models.Model)


def office_language() -> translation.override:
    """Write in the office's language (settings.LANGUAGE_CODE), whatever the reader's is.

    For text that is stored or sent on rather than shown to the person acting: history change
    reasons, webhook payloads, the Excel 台账. An English-speaking user must not leave English
    words in the office's Chinese audit trail.
    """
    return translation.override(settings.LANGUAGE_CODE)


def model_update(*, instance: M, fields: Iterable[str], data: dict[str, Any]) -> tuple[M, bool]:
    """Set the whitelisted `fields` present in `data`, validate, and save only what changed."""
    changed = [f for f in fields if f in data and getattr(instance, f) != data[f]]
    for name in changed:
        setattr(instance, name, data[name])
    if changed:
        instance.full_clean()
        update_fields = list(changed)
        if any(f.name == "updated_at" for f in instance._meta.get_fields()):
            update_fields.append("updated_at")
        instance.save(update_fields=update_fields)
    return instance, bool(changed)
