"""Text understanding for leaders' speeches and notices.

Every module here works on plain bytes/strings and dataclasses: no Django, no database.
The public entry point is :func:`commitments.importer.parse.parse_document`.
"""

from commitments.importer.errors import SeedError

__all__ = ["SeedError"]
