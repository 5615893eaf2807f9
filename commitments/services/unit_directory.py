"""The unit directory: each unit under its name and the other names documents give it.

Documents write 住建局, 市住建局 and 市住房和城乡建设局 for one unit, 各校 and 学校 for one group;
the importer and the import review find the unit through its aliases (``UnitAlias``) after the
importer's own normalisation (``importer.owners.unit_key``).
"""

from __future__ import annotations

from collections.abc import Iterable

from django.utils.translation import gettext as _

from ..importer.owners import unit_key
from ..models import Unit, UnitAlias
from .errors import InvalidInput


def units_matching(names: Iterable[str]) -> dict[str, Unit]:
    """The existing unit each name stands for, by its name or an alias (two queries);
    names that match nothing are left out."""
    keys = {name: unit_key(name) for name in names}
    wanted = set(keys.values()) | set(keys)
    by_name = {u.name: u for u in Unit.objects.filter(name__in=wanted)}
    by_alias = {
        a.name: a.unit for a in UnitAlias.objects.filter(name__in=wanted).select_related("unit")
    }
    found: dict[str, Unit] = {}
    for name, key in keys.items():
        unit = by_name.get(name) or by_name.get(key) or by_alias.get(name) or by_alias.get(key)
        if unit is not None:
            found[name] = unit
    return found


def unit_alias_add(*, unit: Unit, name: str) -> UnitAlias | None:
    """Record ``name`` as another name of ``unit``; None when it is the unit's own name.

    Refuses a name that is another unit's name or already an alias of another unit: one name
    stands for one unit."""
    key = unit_key(name)
    if key == unit.name:
        return None
    if Unit.objects.filter(name=key).exclude(pk=unit.pk).exists():
        raise InvalidInput(_("“%(name)s”是另一个责任主体的名称,不能作为别名") % {"name": key})
    alias, _created = UnitAlias.objects.get_or_create(name=key, defaults={"unit": unit})
    if alias.unit_id != unit.pk:
        raise InvalidInput(
            _("“%(name)s”已是“%(unit)s”的别名") % {"name": key, "unit": alias.unit.name}
        )
    return alias
