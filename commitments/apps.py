from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CommitmentsConfig(AppConfig):
    name = "commitments"
    verbose_name = _("认责承诺台账")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from django.contrib.auth import get_user_model
        from django.core import checks
        from django.db.models.signals import post_migrate

        from config.checks import check_broker

        from .people import person_name
        from .services.roles import role_groups_after_migrate
        from .services.webhooks import webhook_sender_set
        from .tasks import deliver_webhook

        # After migrate and after a test flush: the role groups must always exist.
        post_migrate.connect(role_groups_after_migrate, sender=self, dispatch_uid="ledger-roles")
        # The services hand work to Celery without importing the task layer (which imports them).
        webhook_sender_set(deliver_webhook.delay)
        # Everywhere a person is shown (lists, choices, history, API, Excel): 姓名, surname first.
        user_model = get_user_model()
        user_model.__str__ = person_name  # type: ignore[method-assign,assignment]
        # The admin greets with the short name: 欢迎，王小明 rather than the given name alone.
        user_model.get_short_name = person_name  # type: ignore[method-assign,assignment]
        checks.register(check_broker)
