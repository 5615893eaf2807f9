"""Substring search in a commitment's title and description, served by an index on PostgreSQL.

Chinese has no spaces between words, so the ledger searches substrings (`推进` anywhere in the
text), which a B-tree cannot serve. Migration 0011 gives PostgreSQL two GIN indexes:
- pg_trgm (`gin_trgm_ops`) on `ledger_search_text(title, description)` (both, upper-cased) for
  words of three characters or more: `LIKE '%示范点%'`;
- for shorter words, on `search_grams`, the text's distinct 1- and 2-character pieces (a column
  a trigger keeps): pg_trgm finds no trigram inside `%推进%` and would read every row, while
  "the text contains 推进" is exactly "推进 is one of its 2-character pieces" (`@> '{推进}'`).
SQLite (the embedded mode, small ledgers) scans with `icontains`, as before.

The public search (`published=True`: /api/v1/public/commitments/?q=) reads the title and the
text the office confirmed (`public_description`), never the unit's working description, through
the same two kinds of index over that text (migration 0018: `public_search_grams`, and pg_trgm on
`ledger_search_text(title, public_description)`), built over published work only.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.db import models
from django.db.models import Q

# Words beyond these are ignored: a pasted paragraph must not become a 200-way AND.
MAX_WORDS = 5
# pg_trgm needs a trigram inside the word; shorter words go to the 1-/2-character index.
TRIGRAM_MIN_LENGTH = 3


def search_words(text: str) -> list[str]:
    return text.split()[:MAX_WORDS]


# The text searched besides the title, and the column of its 1- and 2-character pieces.
_TEXTS = {
    False: ("description", "search_grams"),
    True: ("public_description", "public_search_grams"),
}


class _SearchText(models.Func):
    """UPPER(title || newline || text): the expression the indexes are built on."""

    function = "ledger_search_text"
    output_field = models.TextField()

    def __init__(self, text_field: str) -> None:
        super().__init__(models.F("title"), models.F(text_field))


class _ContainsWord(models.Func):
    """Whether the search text contains `word`, in the form one of the indexes serves."""

    output_field = models.BooleanField()

    def __init__(self, word: str, *, published: bool = False) -> None:
        text_field, self.grams_column = _TEXTS[published]
        super().__init__(_SearchText(text_field), models.Value(word))
        self.word = word

    def as_sql(  # type: ignore[override]  # a fixed template: no function/template arguments
        self, compiler: Any, connection: Any, **extra: Any
    ) -> tuple[str, list[Any]]:
        if len(self.word) < TRIGRAM_MIN_LENGTH:
            # The pieces live in a column migration 0011 (0018) adds, filled by a trigger:
            # the table's alias is the one this query gives the title.
            title_sql, _params = compiler.compile(
                models.F("title").resolve_expression(compiler.query)
            )
            grams_sql = title_sql.rsplit(".", 1)[0] + f'."{self.grams_column}"'
            return f"({grams_sql} @> ARRAY[UPPER(%s)])", [self.word]
        text_sql, text_params = compiler.compile(self.source_expressions[0])
        pattern = f"%{connection.ops.prep_for_like_query(self.word)}%"
        return f"({text_sql} LIKE UPPER(%s))", [*text_params, pattern]


def text_search_condition(
    text: str,
    *,
    vendor: str,
    also: Callable[[str], Q] | None = None,
    published: bool = False,
) -> Q:
    """Every word of `text` (up to five) appears in the title or the description (with
    `published`, the confirmed public description instead), any case.

    `also(word)` adds, per word, another place the word may be found (the admin: unit names).
    """
    text_field = _TEXTS[published][0]
    condition = Q()
    for word in search_words(text):
        if vendor == "postgresql":
            found = Q(_ContainsWord(word, published=published))
        else:
            found = Q(title__icontains=word) | Q(**{f"{text_field}__icontains": word})
        condition &= found | also(word) if also is not None else found
    return condition
