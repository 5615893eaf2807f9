"""The English catalogue: the committed django.mo is the compiled django.po, and labels are English.

A fresh clone runs with the committed .mo (nothing compiles it on the way: not `make run`, not
the Docker image), so a .po edited without `compilemessages` would quietly change nothing.
"""

from __future__ import annotations

import ast
import gettext
import re
from pathlib import Path

import pytest
from django.apps import apps
from django.conf import settings
from django.db import models
from django.utils import translation

from commitments.choices import Move, Role
from commitments.models import ReminderLog

CATALOGUE = Path(settings.BASE_DIR) / "locale" / "en" / "LC_MESSAGES"
CJK = re.compile(r"[\u3000-\u303f\u3400-\u4dbf\u4e00-\u9fff\uff00-\uffef]")
# The reminder e-mails stay Chinese (services/reminders/ may compose them in an English
# admin request); these labels appear in them.
CHINESE_ON_PURPOSE = {str(label) for label in ReminderLog.Kind.labels}


def read_po(path: Path) -> tuple[dict[object, str], list[str]]:
    """(translations as gettext's catalogue keys them, msgids marked fuzzy) of a .po file."""
    entries: list[dict[str, object]] = []
    entry: dict[str, object] = {}
    field = ""
    for line in [*path.read_text(encoding="utf-8").splitlines(), ""]:
        line = line.strip()
        if not line or line.startswith("#~"):
            if entry:
                entries.append(entry)
            entry, field = {}, ""
            continue
        if line.startswith("#,"):
            entry["fuzzy"] = "fuzzy" in line
            continue
        if line.startswith("#"):
            continue
        if line.startswith('"'):
            entry[field] = str(entry[field]) + ast.literal_eval(line)
            continue
        field, _, text = line.partition(" ")
        entry[field] = ast.literal_eval(text)
    catalogue: dict[object, str] = {}
    fuzzy: list[str] = []
    for e in entries:
        msgid = str(e["msgid"])
        if e.get("fuzzy"):
            fuzzy.append(msgid)
            continue
        key = f"{e['msgctxt']}\x04{msgid}" if "msgctxt" in e else msgid
        if "msgid_plural" in e:
            forms = {k: v for k, v in e.items() if k.startswith("msgstr[")}
            if any(forms.values()):
                for name, text in forms.items():
                    catalogue[(key, int(name[7:-1]))] = str(text)
        elif e.get("msgstr") and msgid:
            catalogue[key] = str(e["msgstr"])
    return catalogue, fuzzy


def test_the_committed_mo_is_the_compiled_po():
    po, _fuzzy = read_po(CATALOGUE / "django.po")
    with open(CATALOGUE / "django.mo", "rb") as compiled:
        mo = gettext.GNUTranslations(compiled)._catalog  # type: ignore[attr-defined]

    mo = {key: text for key, text in mo.items() if key != ""}  # the header
    assert len(po) > 400
    assert mo == po, "locale/en: run `manage.py compilemessages -l en --ignore='.venv/*'`"


def test_no_translation_is_left_fuzzy():
    # makemessages guesses a "fuzzy" translation for a new message from a similar old one;
    # gettext ignores it, so the message would silently stay Chinese (or, kept, be wrong).
    _po, fuzzy = read_po(CATALOGUE / "django.po")
    assert fuzzy == []


def _labels() -> list[tuple[str, str]]:
    found: list[tuple[str, str]] = []
    for model in apps.get_app_config("commitments").get_models():
        meta = model._meta
        name = meta.label
        found += [(name, meta.verbose_name), (name, meta.verbose_name_plural)]
        for field in meta.get_fields():
            if not isinstance(field, models.Field) or field.auto_created:
                continue
            where = f"{name}.{field.name}"
            found += [(where, field.verbose_name), (where, field.help_text)]
            found += [(where, label) for _value, label in field.flatchoices]
    found += [("workflow.Move", label) for label in Move.labels]
    found += [("workflow.Role", label) for label in Role.labels]
    return found


@pytest.mark.parametrize("language", ["en", "en-us", "en-gb"])
def test_every_model_label_and_choice_has_an_english_translation(language):
    with translation.override(language):
        untranslated = [
            (where, str(label))
            for where, label in _labels()
            if CJK.search(str(label)) and str(label) not in CHINESE_ON_PURPOSE
        ]
    assert untranslated == []


def test_labels_stay_chinese_by_default():
    with translation.override(settings.LANGUAGE_CODE):
        assert str(Move.ASSIGN.label) == "交办"
        assert {str(label) for _where, label in _labels() if CJK.search(str(label))}
