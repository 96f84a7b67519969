"""The public list's page is served by an index at a realistic size (API.md, Publishing).

20,000 generated posts (drafts and scheduled ones among them, as `manage.py seed` makes
them): the query the API runs for an anonymous list must walk the partial index on live
posts in the list's order, with no sort and no scan of the whole table.
"""

import re
from io import StringIO

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

pytestmark = pytest.mark.django_db

SEEDED_POSTS = 20_000


@pytest.fixture(scope="module")
def seeded(django_db_setup, django_db_blocker):
    """Seeded once for the module (committed), emptied after it."""
    with django_db_blocker.unblock():
        call_command("seed", "--posts", str(SEEDED_POSTS), "--with-demo-logins", stdout=StringIO())
    yield
    with django_db_blocker.unblock():
        call_command("flush", "--no-input")


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
    # The page itself; each post's tag names come from a small per-row subplan after it.
    page_plan = plan.split("SubPlan")[0]

    assert f"Index Scan using {index}" in page_plan or f"Index Scan Backward using {index}" in page_plan, plan
    assert "Sort" not in page_plan, plan
    assert not re.search(r"Seq Scan on posts_post\b", plan), plan


def test_a_deep_cursor_page_reads_only_its_own_rows(api_client, seeded):
    from blogapi import keyset
    from posts.models import Post

    deep = Post.objects.live().order_by("-published_at", "-id")[15_000]
    cursor = keyset.encode([deep.published_at, deep.pk], backwards=False)

    with CaptureQueriesContext(connection) as captured:
        response = api_client.get("/api/posts", {"cursor": cursor})
    assert response.status_code == 200 and response.json()["results"] == 10
    (page_query,) = [query["sql"] for query in captured if "LIMIT" in query["sql"]]
    with connection.cursor() as cursor_:
        cursor_.execute("EXPLAIN (ANALYZE, FORMAT JSON) " + page_query)
        plan = cursor_.fetchone()[0][0]["Plan"]

    def scans(node):
        yield node
        for child in node.get("Plans", []):
            yield from scans(child)

    (index_scan,) = [n for n in scans(plan) if n.get("Index Name") == "post_live_published_idx"]
    assert index_scan["Actual Rows"] <= 11  # the page and one more: nothing before the cursor is read
    assert not any(n["Node Type"] == "Sort" and n.get("Parent Relationship") != "SubPlan" for n in scans(plan))


@pytest.mark.parametrize("query", ["", "?category=python", "?tag=django", "?cursor={cursor}"])
def test_the_total_reads_the_kept_counts_not_the_posts(api_client, seeded, query):
    from blogapi import keyset
    from posts.models import Post

    first = Post.objects.live().order_by("-published_at", "-id").first()
    path = "/api/posts" + query.format(cursor=keyset.encode([first.published_at, first.pk], backwards=False))
    with CaptureQueriesContext(connection) as captured:
        response = api_client.get(path)
    assert response.status_code == 200
    # The kept counts plus COUNT(*) of the posts not announced yet (a tag's kept count alone is
    # looked up first, to choose the page's plan).
    totals = [query["sql"] for query in captured if query["sql"].startswith("SELECT (coalesce(")]
    (total_query,) = [sql for sql in totals if "count(*)" in sql]
    assert not any("COUNT(*)" in query["sql"].upper() and "posts_postcount" not in query["sql"] for query in captured)
    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN " + total_query)
        plan = "\n".join(row[0] for row in cursor.fetchall())

    assert "post_count_key_idx" in plan, plan
    assert not re.search(r"Seq Scan on posts_post\b", plan), plan


def test_a_common_tags_page_walks_the_list_order_and_a_rare_tags_starts_from_its_posts(api_client, seeded):
    from django.db.models import Count

    from posts.models import Tag

    by_use = Tag.objects.annotate(uses=Count("post_tags")).filter(uses__gt=0).order_by("-uses")
    common, rare = by_use.first(), by_use.last()
    assert common.uses > 2000 > rare.uses, list(by_use.values_list("name", "uses")[:5])

    common_plan = page_query_plan(api_client, f"/api/posts?tag={common.slug}")
    rare_plan = page_query_plan(api_client, f"/api/posts?tag={rare.slug}")

    before_tag_names = common_plan.split("SubPlan 1")[0]  # SubPlan 1: each listed post's tag names
    assert "post_live_published_idx" in before_tag_names and "Hash" not in before_tag_names, common_plan
    # The rare tag's posts are known by id before the page query, which reads no tag rows
    # (the planner picks the id lookups or, at this size, the ordered walk with the ids in hand).
    assert "posts_posttag" not in rare_plan.split("SubPlan 1")[0] and "ANY" in rare_plan, rare_plan
    assert not re.search(r"Seq Scan on posts_post\b", common_plan + rare_plan)
