from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CommitmentsConfig(AppConfig):
    name = "commitments"
    verbose_name = _("认责承诺台账")
    default_auto_field = "django.db.models.BigAutoField"
