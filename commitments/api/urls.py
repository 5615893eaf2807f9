"""/api/v1/ routes."""

from __future__ import annotations

from django.urls import include, path
from rest_framework.routers import DefaultRouter

from . import views
from .auth import ObtainTokenView
from .export import CommitmentExportView

router = DefaultRouter()
router.register("documents", views.DocumentViewSet, basename="document")
router.register("directives", views.DirectiveViewSet, basename="directive")
router.register("units", views.UnitViewSet, basename="unit")
router.register("commitments", views.CommitmentViewSet, basename="commitment")
router.register("progress-updates", views.ProgressUpdateViewSet, basename="progressupdate")
router.register("public/commitments", views.PublicCommitmentViewSet, basename="public-commitment")

app_name = "api"

urlpatterns = [
    path("auth/token/", ObtainTokenView.as_view(), name="token"),
    path("commitments/export/", CommitmentExportView.as_view(), name="commitment-export"),
    path("", include(router.urls)),
]
