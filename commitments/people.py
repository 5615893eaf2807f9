"""People as the office names them: 姓名, surname first (王小明), else the login name.

Django's User prints its username; in a Chinese office a person is their full name, surname
first and without a space. `person_name` is the one rule; the app installs it as User.__str__
(apps.py), so admin lists, choices, the API and the Excel sheet all say the same.
"""

from __future__ import annotations

from typing import Any


def person_name(
    user: Any = None, *, username: str | None = None, last_name: str = "", first_name: str = ""
) -> str:
    """The name of `user`, or of the user whose fields are given (read as plain values)."""
    if user is not None:
        username, last_name, first_name = user.username, user.last_name, user.first_name
    full = f"{(last_name or '').strip()}{(first_name or '').strip()}"
    return full or (username or "")
