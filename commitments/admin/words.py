"""Everything an office user sees in the admin is Chinese.

Django's zh_Hans lacks a few admin messages and django-axes ships no Chinese: those are
translated in locale/zh_Hans/. Two things no catalogue can reach are set here: the login
lockout app's name (axes gives none, so the admin prints "Axes"), and permission names, which
Django stores in English in the database ("Can add 承诺事项") and shows in every permission
picker.
"""

from __future__ import annotations

from django.apps import apps
from django.contrib.auth.models import Permission
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

# The default permissions' verbs; a custom permission keeps the name it was given.
_ACTIONS = {"add": _("增加"), "change": _("修改"), "delete": _("删除"), "view": _("查看")}


def permission_label(permission: Permission) -> str:
    """「认责承诺台账 | 承诺事项 | 查看承诺事项」 rather than 「… | Can view 承诺事项」."""
    content_type = permission.content_type
    action, _sep, model = permission.codename.partition("_")
    model_class = content_type.model_class()
    if action in _ACTIONS and model == content_type.model and model_class is not None:
        name = gettext("%(action)s%(model)s") % {
            "action": _ACTIONS[action],
            "model": model_class._meta.verbose_name,
        }
    else:
        name = permission.name
    return f"{content_type} | {name}"


Permission.__str__ = permission_label  # type: ignore[method-assign,assignment]
if apps.is_installed("axes"):
    apps.get_app_config("axes").verbose_name = _("登录安全")
