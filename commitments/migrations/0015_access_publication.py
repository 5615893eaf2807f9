"""Publishing on /public/ becomes the office's decision (issue 15, "who sees what").

Until now a unit member's progress note marked 可公开 and a unit's edit of a public commitment's
description went online unreviewed. What the office never confirmed goes back to it as a
request: notes a unit published become 申请公开 (the office's own notes stay public), and the
description of a public commitment waits as 具体内容申请公开 with nothing published yet. The
office confirms them in the admin (进展情况 / 承诺事项 → 待确认公开).
"""

from django.db import migrations, models
from django.db.models import Q


def _office_author(prefix: str = "author__") -> Q:
    # selectors.access.user_is_supervisor as of this migration: a superuser or a member of a
    # supervising unit.
    return Q(**{f"{prefix}is_superuser": True}) | Q(**{f"{prefix}units__is_supervisor": True})


def unconfirmed_publications_to_requests(apps, schema_editor):
    ProgressUpdate = apps.get_model("commitments", "ProgressUpdate")
    Commitment = apps.get_model("commitments", "Commitment")
    office_notes = ProgressUpdate.objects.filter(is_public=True).filter(_office_author())
    ProgressUpdate.objects.filter(is_public=True).exclude(id__in=office_notes.values("id")).update(
        is_public=False, publish_requested=True
    )
    Commitment.objects.filter(is_public=True).exclude(description="").update(
        description_publish_requested=True
    )


def requests_back_to_publications(apps, schema_editor):
    ProgressUpdate = apps.get_model("commitments", "ProgressUpdate")
    Commitment = apps.get_model("commitments", "Commitment")
    ProgressUpdate.objects.filter(publish_requested=True).update(
        is_public=True, publish_requested=False
    )
    Commitment.objects.filter(description_publish_requested=True).update(
        description_publish_requested=False
    )


class Migration(migrations.Migration):
    dependencies = [
        ("commitments", "0014_review_unit_alias_import_record"),
    ]

    operations = [
        migrations.AddField(
            model_name="commitment",
            name="description_publish_requested",
            field=models.BooleanField(
                default=False,
                help_text="责任单位申请公开具体内容,待督办人员确认",
                verbose_name="具体内容申请公开",
            ),
        ),
        migrations.AddField(
            model_name="commitment",
            name="public_description",
            field=models.TextField(
                blank=True,
                help_text="经督办人员确认后向社会公开;为空则不公开",
                verbose_name="公开的具体内容",
            ),
        ),
        migrations.AddField(
            model_name="historicalcommitment",
            name="description_publish_requested",
            field=models.BooleanField(
                default=False,
                help_text="责任单位申请公开具体内容,待督办人员确认",
                verbose_name="具体内容申请公开",
            ),
        ),
        migrations.AddField(
            model_name="historicalcommitment",
            name="public_description",
            field=models.TextField(
                blank=True,
                help_text="经督办人员确认后向社会公开;为空则不公开",
                verbose_name="公开的具体内容",
            ),
        ),
        migrations.AddField(
            model_name="historicalprogressupdate",
            name="publish_requested",
            field=models.BooleanField(
                default=False, help_text="报送单位申请公开,待督办人员确认", verbose_name="申请公开"
            ),
        ),
        migrations.AddField(
            model_name="progressupdate",
            name="publish_requested",
            field=models.BooleanField(
                default=False, help_text="报送单位申请公开,待督办人员确认", verbose_name="申请公开"
            ),
        ),
        migrations.AlterField(
            model_name="historicalprogressupdate",
            name="is_public",
            field=models.BooleanField(
                default=False, help_text="经督办人员确认后向社会公开", verbose_name="已公开"
            ),
        ),
        migrations.AlterField(
            model_name="progressupdate",
            name="is_public",
            field=models.BooleanField(
                default=False, help_text="经督办人员确认后向社会公开", verbose_name="已公开"
            ),
        ),
        migrations.RunPython(
            unconfirmed_publications_to_requests, requests_back_to_publications, elidable=False
        ),
    ]
