"""The OpenAPI schema: served, valid, and honoured by every endpoint (schemathesis)."""

from __future__ import annotations

import functools
import json
import re

import pytest
import schemathesis
from django.core import signals
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from hypothesis import HealthCheck, given, settings
from rest_framework.authtoken.models import Token
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import response_schema_conformance

from commitments.models import Commitment
from tests.factories import (
    CommitmentFactory,
    DeadlineExtensionFactory,
    DirectiveFactory,
    ProgressUpdateFactory,
)

pytestmark = pytest.mark.django_db

application = get_wsgi_application()


def test_schema_and_swagger_ui_are_served(client):
    schema = client.get("/api/schema/", headers={"accept": "application/json"})
    docs = client.get("/api/docs/")
    assert schema.status_code == 200
    paths = schema.json()["paths"]
    for path in (
        "/api/v1/commitments/",
        "/api/v1/commitments/{id}/verify/",
        "/api/v1/commitments/{id}/extensions/{extension_id}/approve/",
        "/api/v1/public/commitments/",
        "/api/v1/units/{id}/summary/",
        "/api/v1/documents/{id}/summary/",
        "/api/v1/auth/token/",
    ):
        assert path in paths
    filters = {p["name"] for p in paths["/api/v1/commitments/"]["get"]["parameters"]}
    assert {
        "status",
        "traffic_light",
        "unit",
        "responsible",
        "deadline_before",
        "deadline_after",
        "overdue",
        "due_within",
        "document",
        "q",
        "ordering",
        "cursor",
        "page_size",
    } <= filters
    assert docs.status_code == 200 and b"swagger" in docs.content.lower()


def test_swagger_ui_asks_nothing_of_another_host_and_has_no_inline_script(client):
    page = client.get("/api/docs/").content.decode()
    script = client.get("/api/docs/?script=")

    assets = re.findall(r'(?:src|href)="([^"]+)"', page)
    assert assets and all(url.startswith("/") and not url.startswith("//") for url in assets)
    assert "/static/drf_spectacular_sidecar/swagger-ui-dist/swagger-ui-bundle.js" in assets
    # The start-up script comes as a file from our origin, so script-src 'self' is enough.
    assert "<script>" not in page and "/api/docs/?script=" in assets
    assert script.status_code == 200
    assert script["Content-Type"].startswith("application/javascript")
    assert "SwaggerUIBundle(" in script.content.decode()
    # Swagger UI's default "valid" badge is an image from the public validator service.
    assert '"validatorUrl": null' in script.content.decode()


def _examples(operation: dict) -> list:
    found = []
    bodies = [operation.get("requestBody", {}), *operation.get("responses", {}).values()]
    for body in bodies:
        for media in body.get("content", {}).values():
            found += list(media.get("examples", {}).values())
    return found


def test_every_operation_has_a_summary_and_an_example(client):
    paths = client.get("/api/schema/", headers={"accept": "application/json"}).json()["paths"]
    for path, operations in paths.items():
        for method, operation in operations.items():
            if method in {"get", "post", "put", "patch", "delete"}:
                assert operation.get("summary"), f"{method.upper()} {path} has no summary"
                assert _examples(operation), f"{method.upper()} {path} has no example"
    conflict = paths["/api/v1/commitments/{id}/verify/"]["post"]["responses"]["409"]
    assert conflict["content"]["application/json"]["examples"]


@functools.cache
def _raw_schema() -> dict:
    """The schema as /api/schema/ serves it, generated once: it is the same for every test."""
    from drf_spectacular.generators import SchemaGenerator
    from drf_spectacular.renderers import OpenApiJsonRenderer

    schema = SchemaGenerator().get_schema(request=None, public=True)
    return json.loads(OpenApiJsonRenderer().render(schema))


def _operations() -> list[tuple[str, str]]:
    """(method, path) of every operation; read at collection, when there is no database."""
    return [
        (method.upper(), path)
        for path, operations in sorted(_raw_schema()["paths"].items())
        for method in operations
        if method in {"get", "post", "put", "patch", "delete"}
    ]


def test_the_served_schema_is_the_generated_one(client):
    served = client.get("/api/schema/", headers={"accept": "application/json"}).json()
    assert served == _raw_schema()


@pytest.fixture
def keep_test_connection():
    """The raw WSGI app closes the connection after each request, which would end the test
    transaction; Django's own test client switches that off the same way."""
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    yield
    signals.request_started.connect(close_old_connections)
    signals.request_finished.connect(close_old_connections)


@pytest.fixture
def api_schema(db, keep_test_connection, supervisor, unit):
    # Real rows, so detail endpoints also answer 200 and not only 404.
    for status in (Commitment.Status.ASSIGNED, Commitment.Status.IN_PROGRESS):
        commitment = CommitmentFactory(lead_unit=unit, status=status, is_public=True)
        ProgressUpdateFactory(commitment=commitment, is_public=True)
    DeadlineExtensionFactory(commitment__lead_unit=unit)
    DirectiveFactory()
    schema = schemathesis.openapi.from_dict(_raw_schema())
    schema.app = application
    schema.location = "/api/schema/"
    return schema


@pytest.mark.parametrize(("method", "path"), _operations())
def test_api_answers_without_server_errors_and_as_its_schema_says(
    api_schema, supervisor, method, path
):
    # schemathesis' own pytest loader does not run under pytest 9 (it reads a private node
    # attribute), so each operation drives its strategy with hypothesis directly.
    token, _ = Token.objects.get_or_create(user=supervisor)
    operation = api_schema[path][method]

    @given(case=operation.as_strategy())
    @settings(
        max_examples=5,
        deadline=None,
        derandomize=True,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    def check(case):
        case.call_and_validate(
            headers={"Authorization": f"Token {token.key}"},
            checks=[not_a_server_error, response_schema_conformance],
        )

    check()
