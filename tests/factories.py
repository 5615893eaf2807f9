"""factory_boy factories for the ledger's models."""

from __future__ import annotations

import hashlib
from datetime import date, timedelta

import factory
from django.contrib.auth import get_user_model
from django.utils import timezone

from commitments.models import (
    Commitment,
    DeadlineExtension,
    Directive,
    ProgressUpdate,
    SourceDocument,
    Unit,
)


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.org")
    password = factory.PostGenerationMethodCall("set_password", "pw-for-tests-123")

    @factory.post_generation
    def save_password(obj, create, extracted, **kwargs):
        if create:
            obj.save(update_fields=["password"])


class SuperuserFactory(UserFactory):
    is_staff = True
    is_superuser = True


class SourceDocumentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = SourceDocument

    title = factory.Sequence(lambda n: f"在全市第{n}次工作会议上的讲话")
    speaker = "魏福刚"
    issuer = "市委创先争优活动办公室"
    delivered_on = date(2023, 4, 1)
    issued_on = date(2023, 4, 2)
    raw_text = factory.LazyAttribute(lambda d: f"{d.title}。各县区要抓好落实。")
    cleaned_text = factory.LazyAttribute(lambda d: d.raw_text)
    sha256 = factory.LazyAttribute(lambda d: hashlib.sha256(d.raw_text.encode()).hexdigest())


class DirectiveFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Directive

    document = factory.SubFactory(SourceDocumentFactory)
    ref = factory.Sequence(lambda n: f"1.{n}")
    section = "一、总体要求"
    text = "各县区要抓好落实。"
    span_start = 0
    span_end = factory.LazyAttribute(lambda d: len(d.text))
    kind = Directive.Kind.TASK


class UnitFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Unit
        django_get_or_create = ("name",)

    name = factory.Sequence(lambda n: f"第{n}责任单位")
    kind = Unit.Kind.DEPARTMENT
    contact_emails = factory.LazyAttribute(lambda u: f"unit{abs(hash(u.name)) % 10**8}@example.org")


class SupervisorUnitFactory(UnitFactory):
    name = "市委创先争优活动办公室"
    kind = Unit.Kind.OFFICE
    is_supervisor = True


class CommitmentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Commitment
        skip_postgeneration_save = True

    title = factory.Sequence(lambda n: f"承诺事项{n}")
    description = "着力解决群众反映强烈的各种问题。"
    lead_unit = factory.SubFactory(UnitFactory)
    deadline = factory.LazyFunction(lambda: timezone.localdate() + timedelta(days=30))
    original_deadline = factory.LazyAttribute(lambda c: c.deadline)
    status = Commitment.Status.ASSIGNED


class ProgressUpdateFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ProgressUpdate

    commitment = factory.SubFactory(CommitmentFactory)
    author = factory.SubFactory(UserFactory)
    text = "已召开专题会议部署。"
    percent = 30


class DeadlineExtensionFactory(factory.django.DjangoModelFactory):
    """A pending request to move the commitment's deadline 30 days later."""

    class Meta:
        model = DeadlineExtension

    commitment = factory.SubFactory(CommitmentFactory, status=Commitment.Status.IN_PROGRESS)
    requested_by = factory.SubFactory(UserFactory)
    deadline_before = factory.LazyAttribute(lambda e: e.commitment.deadline)
    requested_deadline = factory.LazyAttribute(lambda e: e.deadline_before + timedelta(days=30))
    reason = "需协调多个部门,时间不足。"
