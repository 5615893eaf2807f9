"""The two roles as auth Groups, so non-superuser staff can use the admin.

督办人员 (the activity office) view, add and change everything of the ledger; 责任单位人员 (unit
members) view their commitments and add progress, extension requests and evidence. Nobody gets a
delete permission: commitments are cancelled, never deleted. What a member may do to a given
commitment is still decided per object by the workflow services and the admin querysets.
"""

from django.contrib.auth.management import create_permissions
from django.db import migrations

SUPERVISORS = "督办人员"
UNIT_MEMBERS = "责任单位人员"

SUPERVISOR_PERMS = [
    f"{action}_{model}"
    for model in (
        "commitment",
        "progressupdate",
        "deadlineextension",
        "evidence",
        "sourcedocument",
        "directive",
        "unit",
    )
    for action in ("view", "add", "change")
]
UNIT_MEMBER_PERMS = [
    "view_commitment",
    "view_progressupdate",
    "add_progressupdate",
    "view_deadlineextension",
    "add_deadlineextension",
    "view_evidence",
    "add_evidence",
    "view_sourcedocument",
    "view_directive",
    "view_unit",
]


def create_groups(apps, schema_editor):
    # Permissions are normally created after all migrations ran; on a fresh database they do
    # not exist yet, so create them for this app now.
    app_config = apps.get_app_config("commitments")
    app_config.models_module = True
    create_permissions(app_config, apps=apps, verbosity=0)
    app_config.models_module = None

    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for name, codenames in ((SUPERVISORS, SUPERVISOR_PERMS), (UNIT_MEMBERS, UNIT_MEMBER_PERMS)):
        group, _ = Group.objects.get_or_create(name=name)
        perms = Permission.objects.filter(
            content_type__app_label="commitments", codename__in=codenames
        )
        group.permissions.add(*perms)


def remove_groups(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name__in=[SUPERVISORS, UNIT_MEMBERS]).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("commitments", "0002_workflow_extensions_evidence"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(create_groups, remove_groups)]
