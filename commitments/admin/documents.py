"""导入讲话/通知: the office uploads a speech or notice, checks the preview, confirms.

The same import as ``manage.py import_seed`` (``services.imports.document_import``, one
transaction): the page parses the upload, shows what the import would create, keeps the file
(``services.import_uploads``) and imports it when the office confirms.
"""

from __future__ import annotations

import contextlib
from datetime import date
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.db import IntegrityError
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect, QueryDict
from django.template.response import TemplateResponse
from django.urls import URLPattern, path, reverse
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST

from ..importer.decode import MAX_BYTES as TEXT_MAX_BYTES
from ..importer.errors import SeedError
from ..importer.formats.detect import OFFICE_MAX_BYTES, PDF_MAX_BYTES
from ..importer.parse import ParsedDocument, parse_document
from ..models import Directive, SourceDocument, Unit
from ..selectors.access import user_can_import_documents
from ..services.errors import InvalidInput
from ..services.import_uploads import (
    import_upload_confirm,
    import_upload_discard,
    import_upload_parsed,
    import_upload_stage,
)
from ..services.imports import (
    AddedTask,
    ImportOverrides,
    ImportPreview,
    TaskReview,
    UnitChoice,
    document_import_preview,
    source_size_check,
)

ACCEPT = ".txt,.docx,.xlsx,.pdf"
_MB = 1024 * 1024


class DocumentUploadForm(forms.Form):
    file = forms.FileField(
        label=_("讲话或通知文件"),
        # The importer says "文件为空" itself, as the command does.
        allow_empty_file=True,
        widget=forms.ClearableFileInput(attrs={"accept": ACCEPT}),
    )
    reference_date = forms.DateField(
        label=_("参考日期"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        help_text=_("解析“今年”“三个月内”等相对时间时使用的日期;不填则取文件中的讲话或印发日期。"),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["file"].help_text = gettext(
            "文本(.txt,UTF-8 或 GBK)、Word(.docx)、Excel(.xlsx)或带文字层的 PDF,"
            "按文件内容识别格式。大小上限:文本 %(text)d MB,Word/Excel %(office)d MB,"
            "PDF %(pdf)d MB。"
        ) % {
            "text": TEXT_MAX_BYTES // _MB,
            "office": OFFICE_MAX_BYTES // _MB,
            "pdf": PDF_MAX_BYTES // _MB,
        }

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        upload = data.get("file")
        if upload is None:
            return data
        try:
            # Checked before reading, like the command: an oversized file is not loaded.
            upload.seek(0)
            source_size_check(size=upload.size, head=upload.read(1024))
            upload.seek(0)
            content = upload.read()
            data["parsed"] = parse_document(
                content, reference_date=data.get("reference_date"), name=upload.name
            )
        except SeedError as exc:
            self.add_error("file", exc.message)
            return data
        data["content"] = content
        data["name"] = (upload.name or "")[:255]
        return data


class DocumentImportAdminMixin:
    """Added to SourceDocumentAdmin: the upload page and its button on the changelist."""

    def get_urls(self) -> list[URLPattern]:
        wrap = self.admin_site.admin_view  # type: ignore[attr-defined]
        return [
            path("import/", wrap(self.import_view), name="commitments_document_import"),
            path(
                "import/confirm/",
                wrap(require_POST(self.import_confirm_view)),
                name="commitments_document_import_confirm",
            ),
            *super().get_urls(),  # type: ignore[misc]
        ]

    def changelist_view(self, request: HttpRequest, extra_context: Any = None) -> HttpResponse:
        extra = {"can_import_documents": user_can_import_documents(request.user)}
        return super().changelist_view(  # type: ignore[misc]
            request, extra_context={**(extra_context or {}), **extra}
        )

    def add_view(self, request: HttpRequest, form_url: str = "", extra_context: Any = None) -> Any:
        # A document enters the ledger only through the importer, never typed in by hand.
        if not user_can_import_documents(request.user):
            raise PermissionDenied
        return HttpResponseRedirect(reverse("admin:commitments_document_import"))

    def import_view(self, request: HttpRequest) -> HttpResponse:
        if not user_can_import_documents(request.user):
            raise PermissionDenied
        if request.method != "POST":
            return self._render(request, form=DocumentUploadForm())
        form = DocumentUploadForm(request.POST, request.FILES)
        if not form.is_valid():
            return self._render(request, form=form)
        parsed: ParsedDocument = form.cleaned_data["parsed"]
        name = form.cleaned_data["name"]
        preview = document_import_preview(parsed=parsed, name=name)
        token = import_upload_stage(
            data=form.cleaned_data["content"],
            name=name,
            user_id=request.user.pk,
            reference_date=form.cleaned_data.get("reference_date"),
        )
        return self._render(request, form=None, preview=preview, token=token)

    def import_confirm_view(self, request: HttpRequest) -> HttpResponse:
        if not user_can_import_documents(request.user):
            raise PermissionDenied
        token = request.POST.get("token", "")
        if "cancel" in request.POST:
            # Nothing staged (any more) is fine: cancelling it is done either way.
            with contextlib.suppress(InvalidInput):
                import_upload_discard(token=token, user_id=request.user.pk)
            messages.info(request, gettext("已取消导入,未写入任何数据。"))
            return HttpResponseRedirect(reverse("admin:commitments_sourcedocument_changelist"))
        try:
            overrides = review_from_post(request.POST)
            result = import_upload_confirm(
                token=token, user_id=request.user.pk, overrides=overrides
            )
        except (InvalidInput, SeedError) as exc:
            error = exc.message if isinstance(exc, SeedError) else str(exc)
            try:
                # A refused decision: the review again, with the file still staged.
                parsed, name = import_upload_parsed(token=token, user_id=request.user.pk)
            except (InvalidInput, SeedError):
                return self._render(request, form=DocumentUploadForm(), error=error)
            preview = document_import_preview(parsed=parsed, name=name)
            return self._render(request, form=None, preview=preview, token=token, error=error)
        except IntegrityError:
            # Two offices importing the same file at the same moment: the other one won.
            return self._render(
                request,
                form=DocumentUploadForm(),
                error=gettext(
                    "同一文件正由他人同时导入,未写入任何数据;请稍后刷新来源文件列表查看。"
                ),
                status=409,
            )
        state = result.state
        if result.unchanged:  # the office is told why nothing changed
            state = gettext("未变化(此文件此前已导入,本次未做任何改动)")
        messages.success(
            request,
            gettext("%(state)s「%(title)s」,工作指示 %(directives)d 条,承诺事项 %(commitments)d 项")
            % {
                "state": state,
                "title": result.document.title or result.document.source_name,
                "directives": result.directive_count,
                "commitments": result.commitment_count,
            },
        )
        url = reverse("admin:commitments_commitment_changelist")
        return HttpResponseRedirect(f"{url}?document__id__exact={result.document.pk}")

    def _render(
        self,
        request: HttpRequest,
        *,
        form: DocumentUploadForm | None,
        preview: ImportPreview | None = None,
        token: str = "",
        error: str = "",
        status: int = 200,
    ) -> TemplateResponse:
        context = {
            **self.admin_site.each_context(request),  # type: ignore[attr-defined]
            "title": gettext("导入讲话/通知"),
            "opts": SourceDocument._meta,
            "form": form,
            "preview": preview,
            "token": token,
            "unit_names": list(Unit.objects.order_by("name").values_list("name", flat=True))
            if preview
            else [],
            "unit_choices": list(Unit.objects.order_by("name").values_list("pk", "name"))
            if preview
            else [],
            "people": _people() if preview else [],
            "kinds": Directive.Kind.choices,
            "error": error,
        }
        return TemplateResponse(
            request, "commitments/admin/import_document.html", context, status=status
        )


def _people() -> list[tuple[int, str]]:
    """The people a task can be given to: active members of a unit, by full name."""
    users = (
        get_user_model()
        .objects.filter(is_active=True, units__isnull=False)
        .distinct()
        .order_by("last_name", "first_name", "username")
    )
    return [(u.pk, f"{u.last_name}{u.first_name}" or u.get_username()) for u in users]


def _date(value: str) -> date | None:
    if not value:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise InvalidInput(gettext("完成时限“%(value)s”不是日期") % {"value": value}) from None


def _int(value: str) -> int | None:
    try:
        return int(value) if value else None
    except ValueError:
        raise InvalidInput(gettext("导入请求无效,请重新上传文件。")) from None


def _task_review(post: QueryDict, prefix: str) -> TaskReview:
    kind = post.get(f"{prefix}kind") or None
    if kind is not None and kind not in Directive.Kind.values:
        raise InvalidInput(gettext("导入请求无效,请重新上传文件。"))
    return TaskReview(
        include=f"{prefix}include" in post,
        lead=post.get(f"{prefix}lead", ""),
        co=tuple(n for n in post.getlist(f"{prefix}co") if n),
        responsible_id=_int(post.get(f"{prefix}responsible", "")),
        set_deadline=True,
        deadline=_date(post.get(f"{prefix}deadline", "")),
        kind=kind,
    )


def review_from_post(post: QueryDict) -> ImportOverrides:
    """The office's decisions on the review page (one row per task, per new name, per skipped
    paragraph), as the import service takes them."""
    tasks = {ref: _task_review(post, f"t-{ref}-") for ref in post.getlist("ref")}
    units: dict[str, tuple[str, int | None]] = {}
    for index, name in enumerate(post.getlist("unit-name")):
        choice = post.get(f"unit-{index}-choice", UnitChoice.CREATE)
        if choice not in (UnitChoice.CREATE, UnitChoice.MAP, UnitChoice.NONE):
            raise InvalidInput(gettext("导入请求无效,请重新上传文件。"))
        target = _int(post.get(f"unit-{index}-target", ""))
        if choice == UnitChoice.MAP and target is None:
            raise InvalidInput(
                gettext("“%(name)s”选择了对应已有单位,但没有选定单位") % {"name": name}
            )
        units[name] = (choice, target)
    added = tuple(
        AddedTask(paragraph=index, review=_task_review(post, f"s-{index}-"))
        for index in (_int(v) for v in post.getlist("add"))
        if index is not None
    )
    for item in added:
        if not item.review.lead:
            raise InvalidInput(gettext("从未识别段落添加的任务须选定牵头单位"))
    return ImportOverrides(tasks=tasks, units=units, added=added)
