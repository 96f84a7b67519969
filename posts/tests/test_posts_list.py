import datetime as dt
import uuid

import pytest
from django.utils import timezone

from posts.models import Post
from posts.tests.factories import PostFactory

pytestmark = pytest.mark.django_db


def list_posts(client, **params):
    return client.get("/api/posts", params)


def ids(response) -> list[str]:
    return [post["id"] for post in response.json()["posts"]]


def test_list_envelope_and_default_ordering(client_of):
    older = PostFactory()
    newer = PostFactory()
    # v2: the default order is by publication (-published_at), not creation
    Post.objects.filter(id=older.id).update(published_at=timezone.now() - dt.timedelta(days=1))

    response = list_posts(client_of)

    assert response.status_code == 200
    body = response.json()
    assert {k: body[k] for k in ("status", "results", "total", "page", "limit")} == {
        "status": "success",
        "results": 2,
        "total": 2,
        "page": 1,
        "limit": 10,
    }
    assert ids(response) == [str(newer.id), str(older.id)]


def test_next_and_previous_are_absolute_links_keeping_the_other_parameters(client_of):
    PostFactory.create_batch(5, category="news")

    first = list_posts(client_of, limit=2, category="news", page=1).json()
    second = client_of.get(first["next"]).json()
    last = client_of.get(second["next"]).json()

    assert first["previous"] is None
    assert first["next"] == "http://testserver/api/posts?category=news&limit=2&page=2"
    assert second["previous"] == "http://testserver/api/posts?category=news&limit=2&page=1"
    assert (last["page"], last["results"], last["next"]) == (3, 1, None)
    assert last["previous"].endswith("page=2")


def test_empty_list(client_of):
    body = list_posts(client_of).json()
    assert (body["results"], body["total"], body["posts"], body["next"], body["previous"]) == (0, 0, [], None, None)


def test_page_and_limit(client_of):
    PostFactory.create_batch(5)
    body = list_posts(client_of, page=2, limit=2).json()
    assert (body["results"], body["total"], body["page"], body["limit"]) == (2, 5, 2, 2)


def test_page_past_the_end_is_empty(client_of):
    PostFactory.create_batch(3)
    body = list_posts(client_of, page=99, limit=2).json()
    assert (body["results"], body["total"], body["page"], body["posts"]) == (0, 3, 99, [])


def test_huge_page_number_is_an_empty_page_not_an_error(client_of):
    PostFactory()
    response = list_posts(client_of, page=10**30)
    assert response.status_code == 200
    assert response.json()["posts"] == []


def test_limit_is_capped_at_100(client_of):
    PostFactory.create_batch(101)
    body = list_posts(client_of, limit=500).json()
    assert (body["limit"], body["results"], body["total"]) == (100, 100, 101)


@pytest.mark.parametrize("param", ["page", "limit"])
@pytest.mark.parametrize("value", ["0", "-1", "abc", "1.5", "", "+1", " 1", "1_0", "\u0661", "\uff11"])
def test_bad_page_or_limit_is_400(client_of, param, value):
    response = list_posts(client_of, **{param: value})

    assert response.status_code == 400
    assert response.json() == {
        "status": "fail",
        "detail": "Invalid input.",
        "errors": {param: ["A positive integer is required."]},
    }


def test_walk_over_all_pages_sees_every_post_once_even_with_equal_timestamps(client_of):
    posts = PostFactory.create_batch(25)
    same_instant = timezone.now()
    Post.objects.update(created_at=same_instant, updated_at=same_instant)

    for ordering in ["-created_at", "created_at", "updated_at", "-updated_at"]:
        seen = []
        for page in range(1, 5):
            seen += ids(list_posts(client_of, page=page, limit=7, ordering=ordering))
        assert sorted(seen) == sorted(str(p.id) for p in posts), ordering


def test_list_query_count_does_not_grow_with_page_size(client_of, django_assert_num_queries):
    PostFactory.create_batch(30)
    list_posts(client_of)  # the token's user, now cached for reads (accounts.authentication)
    # the total (from the kept counts), the page with authors and tags joined
    with django_assert_num_queries(2):
        assert list_posts(client_of, limit=30).json()["results"] == 30
    with django_assert_num_queries(2):
        assert list_posts(client_of, limit=2).json()["results"] == 2


# --- search, filters, ordering ---------------------------------------------------------


def test_search_requires_every_term_in_title_or_content_case_insensitively(client_of):
    both = PostFactory(title="Django tips", content="about POSTGRES indexes")
    PostFactory(title="Django only", content="nothing else")
    PostFactory(title="Other", content="postgres only")

    response = list_posts(client_of, search="  django   postgres ")

    assert ids(response) == [str(both.id)]


def test_search_treats_like_wildcards_literally(client_of):
    PostFactory(title="anything sure")
    literal = PostFactory(title="100% sure")
    assert ids(list_posts(client_of, search="% sure")) == [str(literal.id)]
    assert ids(list_posts(client_of, search="_ sure")) == []


def test_search_longer_than_200_characters_is_400(client_of):
    response = list_posts(client_of, search="x" * 201)
    assert response.status_code == 400
    assert "search" in response.json()["errors"]
    assert list_posts(client_of, search="x" * 200).status_code == 200


def test_category_filter_is_exact_and_case_insensitive(client_of):
    news = PostFactory(category="News")
    PostFactory(category="Newsletter")
    assert ids(list_posts(client_of, category="news")) == [str(news.id)]


def test_user_id_filter(client_of, user):
    mine = PostFactory(user=user)
    PostFactory()
    assert ids(list_posts(client_of, user_id=str(user.id))) == [str(mine.id)]


def test_bad_user_id_is_400(client_of):
    response = list_posts(client_of, user_id="nope")
    assert response.status_code == 400
    assert "user_id" in response.json()["errors"]


def test_created_after_and_before_accept_dates_and_datetimes(client_of):
    old = PostFactory()
    new = PostFactory()
    Post.objects.filter(id=old.id).update(created_at=dt.datetime(2020, 1, 1, 12, tzinfo=dt.UTC))
    Post.objects.filter(id=new.id).update(created_at=dt.datetime(2024, 6, 1, 12, tzinfo=dt.UTC))

    assert ids(list_posts(client_of, created_after="2021-01-01")) == [str(new.id)]
    assert ids(list_posts(client_of, created_before="2021-01-01T00:00:00Z")) == [str(old.id)]
    assert ids(list_posts(client_of, created_after="2019-12-31", created_before="2024-06-02")) == [
        str(new.id),
        str(old.id),
    ]


def test_bad_date_is_400(client_of):
    response = list_posts(client_of, created_after="yesterday")
    assert response.status_code == 400
    assert "created_after" in response.json()["errors"]


def test_ordering_by_title_both_ways(client_of):
    b, a, c = PostFactory(title="b"), PostFactory(title="a"), PostFactory(title="c")
    assert ids(list_posts(client_of, ordering="title")) == [str(a.id), str(b.id), str(c.id)]
    assert ids(list_posts(client_of, ordering="-title")) == [str(c.id), str(b.id), str(a.id)]


@pytest.mark.parametrize(
    "ordering", ["content", "id; DROP TABLE", "-password", "user__email", "title,", ",", ",title", "title,,-title"]
)
def test_unknown_ordering_is_400(client_of, ordering):
    response = list_posts(client_of, ordering=ordering)
    assert response.status_code == 400
    assert "ordering" in response.json()["errors"]


def test_filters_combine(client_of, user):
    hit = PostFactory(user=user, category="tech", title="Rust and Python")
    PostFactory(user=user, category="tech", title="Go")
    PostFactory(category="tech", title="Python elsewhere")
    response = list_posts(client_of, user_id=str(user.id), category="TECH", search="python")
    assert ids(response) == [str(hit.id)]


def test_nul_byte_in_query_is_400_not_500(client_of):
    response = client_of.get("/api/posts?search=a%00b")
    assert response.status_code == 400
    assert response.json()["status"] == "fail"


def test_unknown_filter_user_id_of_nobody_is_empty(client_of):
    PostFactory()
    assert ids(list_posts(client_of, user_id=str(uuid.uuid4()))) == []


def test_extreme_time_zone_offset_is_compared_in_utc_not_500(client_of):
    post = PostFactory()
    assert ids(list_posts(client_of, created_before="9278-10-27T12:25:41-22:13")) == [str(post.id)]


def test_date_out_of_range_in_utc_is_400_on_the_parameter(client_of):
    response = list_posts(client_of, created_after="0001-01-01T00:00:00+23:00")
    assert response.status_code == 400
    assert response.json()["errors"] == {"created_after": ["Date out of range."]}


def test_far_offset_is_compared_in_utc(client_of):
    post = PostFactory()
    Post.objects.filter(id=post.id).update(created_at=dt.datetime(2024, 1, 1, 12, tzinfo=dt.UTC))
    # 2024-01-01T23:30+20:00 is 03:30 UTC on that day: before the post
    assert ids(list_posts(client_of, created_after="2024-01-01T23:30:00+20:00")) == [str(post.id)]


@pytest.mark.parametrize("param", ["user_id", "created_after", "created_before"])
def test_blank_typed_filter_is_400(client_of, param):
    response = list_posts(client_of, **{param: ""})
    assert response.status_code == 400
    assert param in response.json()["errors"]


def test_repeated_search_terms_count_once(client_of):
    wanted = PostFactory(title="Django tips")
    PostFactory(title="Flask tricks")
    assert ids(list_posts(client_of, search=" ".join(["tip"] * 39 + ["TIP"]))) == [str(wanted.id)]


def test_a_search_of_only_short_terms_is_refused_clearly(client_of):
    from posts.search import ONLY_SHORT_TERMS

    # The probe's request: 100 one-letter terms, which match nearly every post and no index serves.
    for value in (" ".join(["e"] * 100), "ab", "a b c"):
        response = list_posts(client_of, search=value)
        assert response.status_code == 400, value
        assert response.json()["errors"] == {"search": [ONLY_SHORT_TERMS]}


def test_short_terms_are_searched_beside_a_longer_one(client_of):
    wanted = PostFactory(title="Go tips", content="with a dash")
    PostFactory(title="Python tips", content="without")
    assert ids(list_posts(client_of, search="tips go")) == [str(wanted.id)]


def test_more_than_8_different_search_terms_are_refused_clearly(client_of):
    from posts.search import TOO_MANY_TERMS

    response = list_posts(client_of, search="aaa bbb ccc ddd eee fff ggg hhh iii")

    assert response.status_code == 400
    assert response.json()["errors"] == {"search": [TOO_MANY_TERMS]}
    assert "8" in TOO_MANY_TERMS


def test_a_statement_stopped_by_the_timeout_is_a_json_503(client_of, monkeypatch):
    from django.db import connection
    from django.db.models.expressions import RawSQL

    from blogapi.exceptions import QUERY_TOO_SLOW
    from posts import search

    def slow(posts, value):
        return posts.filter(pk__in=RawSQL("SELECT id FROM posts_post WHERE pg_sleep(0.3) IS NOT NULL", []))

    monkeypatch.setattr(search, "with_substrings", slow)
    PostFactory()
    with connection.cursor() as cursor:
        cursor.execute("SET statement_timeout = 50")  # the setting's value, shortened for the test

    response = list_posts(client_of, search="xyz")

    assert response.status_code == 503
    assert response.json() == {"status": "error", "detail": QUERY_TOO_SLOW}
    assert int(response["Retry-After"]) > 0
