"""Property-based API run: schemathesis generates requests from /api/schema/.

Authenticated as an editor of a fixture map; bounded examples per operation.
It must find no 5xx and no response that violates the schema.
"""

import pytest
import schemathesis
from hypothesis import HealthCheck
from hypothesis import settings as hypothesis_settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import response_schema_conformance

from argmap.wsgi import application

schema = schemathesis.openapi.from_wsgi("/api/schema/", application)


@schemathesis.hook
def map_path_parameters(ctx, path_parameters):
    # Point most requests at the fixture map and its nodes, so that they reach
    # the views' real logic instead of stopping at 404.
    if path_parameters is not None:
        if "slug" in path_parameters:
            path_parameters["slug"] = "fuzz-map"
        if "key" in path_parameters and path_parameters["key"] not in ("frame", "crux"):
            path_parameters["key"] = "crux"
        if "edge_key" in path_parameters:
            path_parameters["edge_key"] = "crux--supports--frame"
    return path_parameters


@pytest.fixture
def wsgi_keeps_test_connection():
    """Calling the WSGI app directly would close the test's DB connection at each
    request (close_old_connections); Django's own test client disconnects it too."""
    from django.core import signals
    from django.db import close_old_connections

    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    yield
    signals.request_started.connect(close_old_connections)
    signals.request_finished.connect(close_old_connections)


@pytest.fixture
def editor_headers(db, wsgi_keeps_test_connection):
    from rest_framework.authtoken.models import Token

    from claims.models import MapMember
    from claims.services import edge_create, map_create, node_create
    from tests.factories import UserFactory

    owner = UserFactory(username="fuzz-owner")
    editor = UserFactory(username="fuzz-editor")
    the_map = map_create(slug="fuzz-map", title="Fuzz", owner=owner)
    MapMember.objects.create(map=the_map, user=editor, role="editor")
    frame = node_create(
        map=the_map, kind="frame", category="inner", title="Frame", key="frame", created_by=owner
    )
    crux = node_create(map=the_map, kind="crux", title="Crux", key="crux", created_by=owner)
    edge_create(map=the_map, source=crux, target=frame, kind="supports", created_by=owner)
    token, _ = Token.objects.get_or_create(user=editor)
    return {"Authorization": f"Token {token.key}"}


@schema.parametrize()
@hypothesis_settings(
    max_examples=12,
    deadline=None,
    suppress_health_check=list(HealthCheck),
    derandomize=True,
)
def test_api_never_errors_and_matches_its_schema(case, editor_headers):
    case.call_and_validate(
        headers=editor_headers,
        checks=[not_a_server_error, response_schema_conformance],
    )
