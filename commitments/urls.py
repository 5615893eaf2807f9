"""Pages outside the admin and the API: the public page and calendar feeds."""

from django.urls import path

from .views.calendar import calendar_feed
from .views.evidence import evidence_download
from .views.public import public_commitment_list

app_name = "commitments"

urlpatterns = [
    path("public/", public_commitment_list, name="public"),
    path("calendar/<str:token>.ics", calendar_feed, name="calendar-feed"),
    path("evidence/<int:pk>/", evidence_download, name="evidence-download"),
]
