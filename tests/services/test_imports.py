from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from commitments.importer.errors import SeedError
from commitments.models import Commitment, Directive, ProgressUpdate, SourceDocument, Unit
from commitments.services import imports
from commitments.services.imports import document_import
from tests.factories import ProgressUpdateFactory, UnitFactory, UserFactory

pytestmark = pytest.mark.django_db

SEED = Path(__file__).resolve().parents[2] / "seeds" / "000_d59561c663881efd.txt"
SEED_NAME = SEED.name


@pytest.fixture
def seed_bytes() -> bytes:
    return SEED.read_bytes()


def edited(data: bytes, old: str, new: str) -> bytes:
    text = data.decode("utf-8")
    assert old in text
    return text.replace(old, new, 1).encode("utf-8")


def counts() -> tuple[int, int, int, int]:
    return (
        SourceDocument.objects.count(),
        Directive.objects.count(),
        Commitment.objects.count(),
        Unit.objects.count(),
    )


def test_seed_import_writes_document_directives_units_and_commitments(seed_bytes):
    result = document_import(data=seed_bytes, name=SEED_NAME)

    doc = result.document
    assert result.created and not result.unchanged
    assert (doc.title, doc.speaker, doc.delivered_on, doc.issued_on) == (
        "在全市教育系统争创全国一流工作水平发动大会上的讲话",
        "魏福刚",
        date(2023, 4, 1),
        date(2023, 4, 2),
    )
    assert doc.source_name == SEED_NAME
    assert "2023年4月2日\n在全市" in doc.cleaned_text
    assert result.directive_count == doc.directives.count() == 43
    kinds = {k: doc.directives.filter(kind=k).count() for k in Directive.Kind.values}
    assert kinds == {"task": 35, "quoted": 4, "context": 4}
    # One commitment per task that names (or inherits) an owner; none for quoted or context.
    assert result.commitment_count == 35
    assert not Commitment.objects.filter(directive__kind__in=["quoted", "context"]).exists()
    assert all(c.status == Commitment.Status.DRAFT for c in Commitment.objects.all())


def test_commitment_fields_come_from_the_directive(seed_bytes):
    document_import(data=seed_bytes, name=SEED_NAME)

    festival = Commitment.objects.get(directive__ref="3.3-3")
    assert festival.lead_unit.name == "工会系统"
    assert [u.name for u in festival.co_units.all()] == ["共青团系统"]
    assert festival.deadline == date(2023, 5, 4)
    assert festival.deadline_text == "以纪念“五一、“五四为重要契机"
    assert festival.description == festival.directive.text
    assert len(festival.title) <= 200
    assert festival.title.startswith("以纪念“五一、“五四为重要契机")

    pending = Commitment.objects.get(directive__ref="2.2-4")
    assert pending.deadline is None and pending.deadline_pending
    assert pending.deadline_text == "限期解决到位"

    windows = Commitment.objects.get(directive__ref="3.2-5")
    assert windows.lead_unit.name == "各级窗口服务单位"
    assert {u.name for u in windows.co_units.all()} == {"行政服务中心", "联合接访中心"}


def test_units_are_reused_by_name_and_new_ones_get_a_guessed_kind(seed_bytes):
    existing = UnitFactory(name="各县区各系统各部门", kind=Unit.Kind.OTHER)

    document_import(data=seed_bytes, name=SEED_NAME)

    assert Unit.objects.filter(name="各县区各系统各部门").count() == 1
    existing.refresh_from_db()
    assert existing.kind == Unit.Kind.OTHER  # an existing unit is not reclassified
    assert existing.led_commitments.count() >= 10
    assert Unit.objects.get(name="工会系统").kind == Unit.Kind.GROUP
    assert Unit.objects.get(name="各级活动办公室").kind == Unit.Kind.OFFICE
    assert Unit.objects.get(name="市教育系统").kind == Unit.Kind.SYSTEM


def test_importing_the_same_bytes_again_changes_nothing(seed_bytes):
    first = document_import(data=seed_bytes, name=SEED_NAME)
    before = counts()
    stamps = list(Commitment.objects.order_by("pk").values_list("updated_at", flat=True))
    doc_stamp = first.document.updated_at

    again = document_import(data=seed_bytes, name="another-name.txt")

    assert again.unchanged and not again.created
    assert again.document.pk == first.document.pk
    assert counts() == before
    assert list(Commitment.objects.order_by("pk").values_list("updated_at", flat=True)) == stamps
    again.document.refresh_from_db()
    assert again.document.updated_at == doc_stamp
    assert again.document.source_name == SEED_NAME


def test_changed_version_updates_rows_in_place_and_keeps_progress(seed_bytes):
    first = document_import(data=seed_bytes, name=SEED_NAME)
    user = UserFactory()
    commitment = Commitment.objects.get(directive__ref="3.1-4")
    Commitment.objects.filter(pk=commitment.pk).update(
        status=Commitment.Status.IN_PROGRESS, responsible=user, is_public=True
    )
    ProgressUpdateFactory(commitment=commitment, text="已建立联系机制", percent=40)
    before = counts()

    changed = edited(seed_bytes, "做到指导同向、责任共担、形成合力", "做到指导同向、责任共担")
    changed = edited(changed, "推进今年各项工作的落实", "推进6月30日前各项工作的落实")
    second = document_import(data=changed, name=SEED_NAME)

    assert not second.created and not second.unchanged
    assert second.document.pk == first.document.pk
    assert (second.commitment_count, second.commitments_created) == (35, 0)
    assert second.commitments_updated == 2
    assert counts() == before  # no duplicates
    second.document.refresh_from_db()
    assert second.document.sha256 != first.document.sha256
    commitment.refresh_from_db()
    assert commitment.status == Commitment.Status.IN_PROGRESS
    assert commitment.responsible == user and commitment.is_public
    assert ProgressUpdate.objects.filter(commitment=commitment).count() == 1
    assert "形成合力" not in commitment.description
    assert commitment.directive.text == commitment.description
    moved = Commitment.objects.get(directive__ref="3.1-3")
    assert (moved.deadline, moved.deadline_text) == (date(2023, 6, 30), "6月30日前")


def test_changed_version_is_found_by_title_and_date_under_another_file_name(seed_bytes):
    first = document_import(data=seed_bytes, name=SEED_NAME)
    changed = edited(seed_bytes, "检查催促兑现落实", "检查催促兑现落实情况")

    second = document_import(data=changed, name="renamed.txt")

    assert second.document.pk == first.document.pk
    assert SourceDocument.objects.count() == 1
    assert second.commitments_updated == 1


def test_office_edits_survive_a_reimport_that_does_not_touch_them(seed_bytes):
    document_import(data=seed_bytes, name=SEED_NAME)
    pending = Commitment.objects.get(directive__ref="2.2-4")
    Commitment.objects.filter(pk=pending.pk).update(
        deadline=date(2023, 9, 30), deadline_pending=False, title="限期解决找出的问题"
    )

    document_import(data=edited(seed_bytes, "检查催促兑现落实", "检查督促兑现落实"), name=SEED_NAME)

    pending.refresh_from_db()
    assert (pending.deadline, pending.deadline_pending) == (date(2023, 9, 30), False)
    assert pending.title == "限期解决找出的问题"


def test_directive_dropped_from_a_new_version_keeps_its_commitment_and_progress(seed_bytes):
    document_import(data=seed_bytes, name=SEED_NAME)
    commitment = Commitment.objects.get(directive__ref="4.2-2")
    ProgressUpdateFactory(commitment=commitment)
    # The truncated last sentence is gone from the new version.
    changed = edited(seed_bytes, "各级各部门要把握开展经常性活动的规律和特点,按照“经", "")

    document_import(data=changed, name=SEED_NAME)

    commitment.refresh_from_db()
    assert commitment.directive is None
    assert commitment.progress_updates.count() == 1
    assert not Directive.objects.filter(ref="4.2-2").exists()


def test_bad_input_writes_nothing():
    with pytest.raises(SeedError):
        document_import(data=b"\x00\x01\x02binary" * 50, name="x.bin")
    assert counts() == (0, 0, 0, 0)


def test_a_failure_half_way_rolls_the_whole_document_back(seed_bytes, monkeypatch):
    calls = {"n": 0}
    real_new_commitment = imports._new_commitment

    def flaky(*args, **kwargs):
        calls["n"] += 1
        if calls["n"] == 10:  # the document and its directives are written by now
            raise RuntimeError("database went away")
        return real_new_commitment(*args, **kwargs)

    monkeypatch.setattr(imports, "_new_commitment", flaky)
    with pytest.raises(RuntimeError):
        document_import(data=seed_bytes, name=SEED_NAME)
    assert counts() == (0, 0, 0, 0)


def test_task_without_any_owner_is_kept_as_a_directive_without_commitment():
    text = "在某会议上的讲话\n(2024年1月5日)\n同志们:\n要抓紧完善工作制度。\n"
    result = document_import(data=text.encode(), name="ownerless.txt")
    assert result.directive_count == 1
    assert result.ownerless_tasks == 1
    assert result.commitment_count == 0
    assert Directive.objects.get().owner_names == []


def test_a_different_document_under_a_reused_file_name_is_not_a_new_version(seed_bytes):
    document_import(data=seed_bytes, name="讲话.txt")
    other = "在全区安全生产工作会议上的讲话\n(2024年3月15日)\n李建国\n同志们:\n各乡镇要抓好落实。\n"

    result = document_import(data=other.encode(), name="讲话.txt")

    assert result.created
    assert SourceDocument.objects.count() == 2
    assert Commitment.objects.count() == 36


def test_created_events_reach_webhook_subscribers_once_per_commitment(seed_bytes):
    from commitments.models import WebhookDelivery, WebhookSubscription

    WebhookSubscription.objects.create(
        name="督办平台", url="https://example.org/hook", secret="s3cret", events=["created"]
    )
    WebhookSubscription.objects.create(
        name="只看逾期", url="https://example.org/late", secret="s3cret", events=["overdue"]
    )

    document_import(data=seed_bytes, name=SEED_NAME)

    deliveries = WebhookDelivery.objects.filter(event="created")
    assert deliveries.count() == 35
    assert deliveries.values("commitment").distinct().count() == 35


def test_no_webhook_rows_without_subscribers(seed_bytes):
    from commitments.models import WebhookDelivery

    document_import(data=seed_bytes, name=SEED_NAME)
    assert not WebhookDelivery.objects.exists()
