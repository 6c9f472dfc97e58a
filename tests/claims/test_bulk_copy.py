"""rows_insert writes text COPY must escape, NULLs and numbers exactly (PostgreSQL COPY)."""

import pytest
from django.utils.safestring import mark_safe

from claims.models import Source
from claims.services.bulk import rows_insert
from tests.factories import NodeFactory

pytestmark = pytest.mark.django_db


def test_text_with_tabs_newlines_and_backslashes_null_and_numbers_survive_copy():
    node = NodeFactory()
    texts = ["tab\there", "line\nbreak\r\n", "back\\slash \\N", mark_safe("safe\tstring"), "plain"]
    rows = [(node.pk, i, text, "", "q") for i, text in enumerate(texts)]
    assert rows_insert(Source, ("node_id", "position", "document", "locator", "quote"), rows) == 5
    stored = list(Source.objects.filter(node=node).order_by("position").values_list("document"))
    assert [s for (s,) in stored] == [str(t) for t in texts]
