"""Turn the workflow's refusals into HTTP answers the caller can act on."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from ..services.errors import ActorNotAllowed, InvalidInput, TransitionNotAllowed, WorkflowError


def exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    if isinstance(exc, TransitionNotAllowed):
        # 409: the request is fine, the commitment's state is not; the body lists what is.
        return Response(
            {
                "detail": str(exc),
                "code": "transition_not_allowed",
                "current": exc.current,
                "move": exc.move,
                "allowed": exc.allowed,
            },
            status=status.HTTP_409_CONFLICT,
        )
    if isinstance(exc, ActorNotAllowed):
        return Response(
            {"detail": str(exc), "code": "permission_denied"}, status=status.HTTP_403_FORBIDDEN
        )
    if isinstance(exc, InvalidInput):
        return Response(
            {exc.field or "non_field_errors": [str(exc)]}, status=status.HTTP_400_BAD_REQUEST
        )
    if isinstance(exc, WorkflowError):
        return Response({"detail": str(exc)}, status=status.HTTP_400_BAD_REQUEST)
    if isinstance(exc, DjangoValidationError):
        body = (
            exc.message_dict if hasattr(exc, "error_dict") else {"non_field_errors": exc.messages}
        )
        return Response(body, status=status.HTTP_400_BAD_REQUEST)
    if isinstance(exc, Http404):
        # get_object_or_404's own text ("No Commitment matches the given query.") is English in
        # every language and names the model; DRF's "Not found." is translated.
        exc = exceptions.NotFound()
    return drf_exception_handler(exc, context)
