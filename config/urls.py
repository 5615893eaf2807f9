from django.contrib import admin
from django.urls import include, path
from django.views.generic import RedirectView
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from config.health import readyz

urlpatterns = [
    path("", RedirectView.as_view(url="/admin/", permanent=False)),
    # Reached only with a session cookie (else HealthCheckMiddleware answers first): the
    # office signed in to the admin sees what failed.
    path("readyz", readyz, name="readyz"),
    path("admin/", admin.site.urls),
    path("", include("commitments.urls")),
    path("api/v1/", include("commitments.api.urls")),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    # The split view serves its start-up script as a file (?script), so the page needs no
    # inline script and runs under the site's content security policy.
    path("api/docs/", SpectacularSwaggerSplitView.as_view(url_name="schema"), name="swagger-ui"),
]
