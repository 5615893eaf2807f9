"""What several admin pages share: what a change page adds to its context, and the page that
asks for one action on a commitment (a move, a 催办)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.urls import reverse

from ..models import Commitment


class ChangePageContext:
    """Mixed into a ModelAdmin, before it: the change page's context gets
    `change_page_context()`, which each mixin extends through super() (rather than each
    overriding `change_view`)."""

    def change_page_context(self, request: HttpRequest, object_id: str) -> dict[str, Any]:
        return {}

    def change_view(
        self,
        request: HttpRequest,
        object_id: str,
        form_url: str = "",
        extra_context: dict[str, Any] | None = None,
    ) -> HttpResponse:
        extra = {**(extra_context or {}), **self.change_page_context(request, object_id)}
        return super().change_view(request, object_id, form_url, extra)  # type: ignore[misc]


def commitment_change_url(commitment: Commitment) -> str:
    return reverse("admin:commitments_commitment_change", args=[commitment.pk])


def action_page(
    model_admin: Any,
    request: HttpRequest,
    commitment: Commitment,
    *,
    form: forms.Form,
    title: str,
    button: Any,
    allowed: bool,
) -> HttpResponse:
    """The page asking for an action's inputs: the commitment's facts, `form`, and a button
    named after the action; `allowed` false says the action is not possible now."""
    context = {
        **model_admin.admin_site.each_context(request),
        "opts": Commitment._meta,
        "original": commitment,
        "title": title,
        "form": form,
        "move_label": button,
        "change_url": commitment_change_url(commitment),
        "allowed": allowed,
    }
    return TemplateResponse(request, "admin/commitments/commitment/move.html", context)
