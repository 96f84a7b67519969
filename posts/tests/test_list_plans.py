"""The public list's page is served by an index at a realistic size (API.md, Publishing).

20,000 generated posts (drafts and scheduled ones among them, as `manage.py seed` makes
them): the query the API runs for an anonymous list must walk the partial index on live
posts in the list's order, with no sort and no scan of the whole table.
"""

from io import StringIO

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

pytestmark = pytest.mark.django_db

SEEDED_POSTS = 20_000


@pytest.fixture
def seeded(db):
    call_command("seed", "--posts", str(SEEDED_POSTS), stdout=StringIO())


def page_query_plan(client, path: str) -> str:
    with CaptureQueriesContext(connection) as captured:
        assert client.get(path).status_code == 200
    (page_query,) = [query["sql"] for query in captured if "LIMIT" in query["sql"]]
    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN " + page_query)
        return "\n".join(row[0] for row in cursor.fetchall())


@pytest.mark.parametrize(
    "path,index",
    [
        ("/api/posts", "post_live_published_idx"),
        ("/api/posts?page=50", "post_live_published_idx"),
        ("/api/posts?ordering=published_at", "post_live_published_asc_idx"),
    ],
)
def test_the_live_list_walks_the_live_index_in_order(api_client, seeded, path, index):
    plan = page_query_plan(api_client, path)

    assert f"Index Scan using {index}" in plan or f"Index Scan Backward using {index}" in plan, plan
    assert "Sort" not in plan, plan
    assert "Seq Scan on posts_post" not in plan, plan
