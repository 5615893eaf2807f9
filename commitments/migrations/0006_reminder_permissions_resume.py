"""Reminders for the two roles, and a housekeeping task that finishes interrupted sweeps.

督办人员 see the reminder history, the sweeps and the e-mails, and may queue failed e-mails
again (change); 责任单位人员 see the reminder history of their own commitments (the admin
narrows the list). The task "reminder-resume" runs every 10 minutes: it finishes a sweep a dead
worker left unfinished and re-queues e-mails whose task was lost; both are idempotent.
"""

from django.contrib.auth.management import create_permissions
from django.db import migrations

SUPERVISORS = "督办人员"
UNIT_MEMBERS = "责任单位人员"
SUPERVISOR_PERMS = [
    "view_reminderlog",
    "view_remindersweep",
    "view_remindermessage",
    "change_remindermessage",
]
UNIT_MEMBER_PERMS = ["view_reminderlog"]
RESUME_TASK = "reminder-resume"


def forwards(apps, schema_editor):
    app_config = apps.get_app_config("commitments")
    app_config.models_module = True
    create_permissions(app_config, apps=apps, verbosity=0)
    app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for name, codenames in ((SUPERVISORS, SUPERVISOR_PERMS), (UNIT_MEMBERS, UNIT_MEMBER_PERMS)):
        group, _ = Group.objects.get_or_create(name=name)
        group.permissions.add(
            *Permission.objects.filter(
                content_type__app_label="commitments", codename__in=codenames
            )
        )

    IntervalSchedule = apps.get_model("django_celery_beat", "IntervalSchedule")
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    if not PeriodicTask.objects.filter(name=RESUME_TASK).exists():
        every, _ = IntervalSchedule.objects.get_or_create(every=10, period="minutes")
        PeriodicTask.objects.create(
            name=RESUME_TASK,
            task="commitments.tasks.reminder_sweep_resume",
            interval=every,
            description="每 10 分钟补完被中断的提醒批次,重新排队丢失的提醒邮件",
        )


def backwards(apps, schema_editor):
    apps.get_model("django_celery_beat", "PeriodicTask").objects.filter(name=RESUME_TASK).delete()
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    perms = Permission.objects.filter(
        content_type__app_label="commitments", codename__in=SUPERVISOR_PERMS
    )
    for group in Group.objects.filter(name__in=[SUPERVISORS, UNIT_MEMBERS]):
        group.permissions.remove(*perms)


class Migration(migrations.Migration):
    dependencies = [
        ("commitments", "0005_reminders"),
        ("commitments", "0003_role_groups"),
    ]

    operations = [migrations.RunPython(forwards, backwards)]
