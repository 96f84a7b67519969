"""The posts admin through its HTTP pages, logged in as each role, and what keeps it fast (API.md, Admin)."""

import datetime as dt
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from accounts.models import Role
from accounts.tests.factories import UserFactory
from posts.admin import EstimatedCountPaginator
from posts.models import CONTENT_MAX_LENGTH, Post, Tag
from posts.publishing import Status
from posts.tests.factories import PostFactory

pytestmark = pytest.mark.django_db

CHANGELIST = "/admin/posts/post/"
ADD = "/admin/posts/post/add/"
AUTOCOMPLETE = "/admin/autocomplete/"
AUTHOR_LOOKUP = {"app_label": "posts", "model_name": "post", "field_name": "user"}


def change_url(post: Post) -> str:
    return f"/admin/posts/post/{post.pk}/change/"


def delete_url(post: Post) -> str:
    return f"/admin/posts/post/{post.pk}/delete/"


def edited(**changes) -> dict:
    data = {
        "title": "Edited",
        "content": "Edited content",
        "category": "edited",
        "image": "edited.png",
        "status": "published",
        # the tags inline, left empty
        "post_tags-TOTAL_FORMS": "0",
        "post_tags-INITIAL_FORMS": "0",
        "_save": "Save",
    }
    data.update(changes)
    return data


@pytest.fixture
def post(db):
    return PostFactory(title="Needle in a haystack")


def reads_whole_table_count(queries) -> bool:
    return any("COUNT(" in q["sql"] and "WHERE" not in q["sql"] for q in queries)


# Who gets in


@pytest.mark.parametrize(
    "query",
    [
        {},
        {"q": "needle"},
        {"q": "two words"},
        {"created_at__gte": "2000-01-01 00:00:00+00:00", "created_at__lt": "2100-01-01 00:00:00+00:00"},
        {"o": "1"},  # sorted by title
        {"p": "1"},
    ],
)
@pytest.mark.parametrize("role", [Role.MODERATOR, Role.ADMIN])
def test_staff_open_posts_changelist_search_and_filters(login, post, role, query):
    response = login(UserFactory(role=role)).get(CHANGELIST, query)

    assert response.status_code == 200


@pytest.mark.parametrize("role", [Role.MODERATOR, Role.ADMIN])
def test_staff_filter_posts_by_author(login, post, role):
    PostFactory()

    response = login(UserFactory(role=role)).get(CHANGELIST, {"user__id__exact": str(post.user_id)})

    assert response.status_code == 200
    assert list(response.context["cl"].result_list) == [post]


def test_search_finds_title_and_content_case_insensitively(login, moderator, post):
    in_content = PostFactory(title="Other", content="A NEEDLE here")
    PostFactory(title="Nothing", content="to see")

    response = login(moderator).get(CHANGELIST, {"q": "needle"})

    assert response.status_code == 200
    assert set(response.context["cl"].result_list) == {post, in_content}


@pytest.mark.parametrize("url", ["/admin/", CHANGELIST])
def test_plain_user_is_sent_to_admin_login(login, url):
    author = UserFactory()
    PostFactory(user=author)

    response = login(author).get(url)

    assert response.status_code == 302
    assert response["Location"].startswith("/admin/login/")


# What a moderator may do


def test_moderator_edits_any_post_through_change_form(login, moderator, post):
    response = login(moderator).get(change_url(post))
    assert response.status_code == 200

    response = login(moderator).post(change_url(post), edited())

    assert response.status_code == 302
    post.refresh_from_db()
    assert (post.title, post.content, post.category, post.image) == ("Edited", "Edited content", "edited", "edited.png")


def test_moderator_cannot_reassign_post_author(login, moderator, post):
    author = post.user_id

    response = login(moderator).post(change_url(post), edited(user=str(moderator.pk)))

    assert response.status_code == 302
    post.refresh_from_db()
    assert post.user_id == author
    assert post.title == "Edited"


def test_post_content_over_contract_limit_is_rejected(login, moderator, post):
    response = login(moderator).post(change_url(post), edited(content="x" * (CONTENT_MAX_LENGTH + 1)))

    assert response.status_code == 200  # the form again, with its error
    assert "content" in response.context["adminform"].form.errors
    post.refresh_from_db()
    assert post.title == "Needle in a haystack"


def test_moderator_deletes_post_through_confirmation_page(login, moderator, post):
    client = login(moderator)
    assert client.get(delete_url(post)).status_code == 200

    response = client.post(delete_url(post), {"post": "yes"})

    assert response.status_code == 302
    assert not Post.objects.filter(pk=post.pk).exists()


def test_moderator_deletes_selected_posts(login, moderator):
    posts = PostFactory.create_batch(2)
    kept = PostFactory()

    response = login(moderator).post(
        CHANGELIST, {"action": "delete_selected", "_selected_action": [str(p.pk) for p in posts], "post": "yes"}
    )

    assert response.status_code == 302
    assert list(Post.objects.all()) == [kept]


def test_moderator_cannot_add_post(login, moderator):
    client = login(moderator)

    assert client.get(ADD).status_code == 403
    response = client.post(ADD, edited(user=str(moderator.pk)))

    assert response.status_code == 403
    assert not Post.objects.exists()


def test_author_autocomplete_answers_json_for_moderator(login, moderator):
    wanted = UserFactory(email="xavier@example.com")
    UserFactory(email="someone@example.com")

    response = login(moderator).get(AUTOCOMPLETE, {**AUTHOR_LOOKUP, "term": "xav"})

    assert response.status_code == 200
    assert response.json() == {
        "results": [{"id": str(wanted.pk), "text": "xavier@example.com"}],
        "pagination": {"more": False},
    }


def test_author_autocomplete_sends_plain_user_to_login(login, user):
    response = login(user).get(AUTOCOMPLETE, {**AUTHOR_LOOKUP, "term": "x"})

    assert response.status_code == 302
    assert response["Location"].startswith("/admin/login/")


# What only an admin may do


def test_admin_opens_add_post_page(login, admin_account):
    response = login(admin_account).get(ADD)

    assert response.status_code == 200
    assert list(response.context["adminform"].form.fields) == [
        "user",
        "title",
        "slug",
        "content",
        "custom_excerpt",
        "category",
        "image",
        "status",
        "published_at",
    ]


def test_admin_adds_post_for_an_author(login, admin_account, user):
    response = login(admin_account).post(ADD, edited(user=str(user.pk)))

    assert response.status_code == 302
    created = Post.objects.get()
    assert (created.user_id, created.title) == (user.pk, "Edited")


def test_admin_reassigns_post_author(login, admin_account, post, user):
    response = login(admin_account).post(change_url(post), edited(user=str(user.pk)))

    assert response.status_code == 302
    post.refresh_from_db()
    assert post.user_id == user.pk


def test_change_form_uses_author_autocomplete_not_a_select_of_every_user(login, admin_account, post):
    UserFactory.create_batch(3)

    response = login(admin_account).get(change_url(post))

    assert response.status_code == 200
    page = response.content.decode()
    assert "admin-autocomplete" in page
    author_select = re.search(r'<select name="user".*?</select>', page, re.S).group()
    assert author_select.count("<option") <= 1  # only the current author


# Fast with a million posts


def changelist_queries(client, **query):
    with CaptureQueriesContext(connection) as captured:
        response = client.get(CHANGELIST, query)
    assert response.status_code == 200
    return captured.captured_queries


def test_changelist_query_count_does_not_grow_with_posts_or_authors(login, moderator):
    client = login(moderator)
    PostFactory.create_batch(2)
    few = len(changelist_queries(client))

    PostFactory.create_batch(20)  # each with its own author

    assert len(changelist_queries(client)) == few


def test_changelist_offers_no_filter_counts(login, moderator, post):
    response = login(moderator).get(CHANGELIST, {"_facets": "True"})

    assert response.status_code == 200
    assert response.context["cl"].add_facets is False
    assert "Show counts" not in response.content.decode()


def test_search_counts_only_matching_posts(login, moderator, post):
    queries = changelist_queries(login(moderator), q="needle")

    assert not reads_whole_table_count(queries)


def test_unfiltered_changelist_uses_planner_estimate_instead_of_count(login, moderator, monkeypatch):
    PostFactory.create_batch(3)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE posts_post")
    monkeypatch.setattr(EstimatedCountPaginator, "exact_below", 1)

    queries = changelist_queries(login(moderator))

    assert not any("COUNT(" in q["sql"] for q in queries)


def test_paginator_counts_exactly_when_filtered_or_table_small():
    PostFactory.create_batch(3)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE posts_post")

    assert EstimatedCountPaginator(Post.objects.all(), 50).count == 3  # under exact_below
    assert EstimatedCountPaginator(Post.objects.filter(category="none"), 50).count == 0


def test_paginator_stops_counting_a_broad_search_at_the_cap(monkeypatch):
    PostFactory.create_batch(3, title="Needle")
    monkeypatch.setattr(EstimatedCountPaginator, "count_cap", 2)

    with CaptureQueriesContext(connection) as captured:
        paginator = EstimatedCountPaginator(Post.objects.filter(title__icontains="needle"), 1)
        count = paginator.count

    assert (count, paginator.num_pages) == (2, 2)
    assert "LIMIT 2" in captured.captured_queries[-1]["sql"]


def test_paginator_uses_reltuples_for_unfiltered_big_table(monkeypatch):
    PostFactory.create_batch(3)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE posts_post")
    monkeypatch.setattr(EstimatedCountPaginator, "exact_below", 1)

    with CaptureQueriesContext(connection) as captured:
        count = EstimatedCountPaginator(Post.objects.all(), 50).count

    assert count == 3
    assert [q["sql"] for q in captured.captured_queries if "COUNT(" in q["sql"]] == []


def test_paginator_counts_exactly_before_first_analyze(monkeypatch):
    monkeypatch.setattr(EstimatedCountPaginator, "estimated_rows", staticmethod(lambda queryset: -1))
    monkeypatch.setattr(EstimatedCountPaginator, "exact_below", 1)
    PostFactory.create_batch(2)

    assert EstimatedCountPaginator(Post.objects.all(), 50).count == 2


def plan_of(queryset, *settings: str) -> str:
    with connection.cursor() as cursor:
        for setting in settings:
            cursor.execute(f"SET LOCAL {setting} = off")  # undone by the test's rollback
    return queryset.explain()


def test_changelist_search_is_served_by_trigram_indexes(login, moderator, post):
    response = login(moderator).get(CHANGELIST, {"q": "needle"})

    # A handful of test rows would be read sequentially: forbid that to see the usable index.
    plan = plan_of(response.context["cl"].queryset, "enable_seqscan", "enable_indexscan", "enable_indexonlyscan")

    assert "post_title_trgm_idx" in plan
    assert "post_content_trgm_idx" in plan


def test_changelist_date_filter_is_served_by_created_at_index(login, moderator, post):
    response = login(moderator).get(CHANGELIST, {"created_at__gte": "2000-01-01 00:00:00+00:00"})

    plan = plan_of(response.context["cl"].queryset, "enable_seqscan")

    assert "post_created_id_idx" in plan


# Publishing in the admin (API.md, Publishing and Slugs)


@pytest.fixture
def draft(db):
    return PostFactory(title="Draft", status=Status.DRAFT)


@pytest.fixture
def scheduled(db):
    return PostFactory(title="Scheduled", published_at=timezone.now() + dt.timedelta(days=2))


@pytest.mark.parametrize("publication", ["live", "scheduled", "draft"])
def test_changelist_filters_by_publication(login, moderator, post, draft, scheduled, publication):
    expected = {"live": post, "scheduled": scheduled, "draft": draft}[publication]

    response = login(moderator).get(CHANGELIST, {"publication": publication})

    assert response.status_code == 200
    assert list(response.context["cl"].result_list) == [expected]


def test_changelist_shows_each_posts_publication(login, moderator, post, draft, scheduled):
    page = login(moderator).get(CHANGELIST).content.decode()

    for label in ('<td class="field-publication">live</td>', ">scheduled<", ">draft<"):
        assert label in page


def test_draft_filter_is_served_by_the_drafts_index(login, moderator, draft):
    response = login(moderator).get(CHANGELIST, {"publication": "draft"})

    plan = plan_of(response.context["cl"].queryset, "enable_seqscan")

    assert "post_draft_created_idx" in plan


@pytest.mark.parametrize("role", [Role.MODERATOR, Role.ADMIN])
def test_publish_now_makes_drafts_and_scheduled_posts_live_at_once(login, role, draft, scheduled):
    before = timezone.now()

    response = login(UserFactory(role=role)).post(
        CHANGELIST, {"action": "publish_now", "_selected_action": [str(draft.pk), str(scheduled.pk)]}
    )

    assert response.status_code == 302
    for post in (draft, scheduled):
        post.refresh_from_db()
        assert post.shown_status == "published"
        assert before <= post.published_at <= timezone.now()


def test_publish_now_keeps_the_first_publication_time_of_a_live_post(login, moderator, post):
    first = post.published_at

    login(moderator).post(CHANGELIST, {"action": "publish_now", "_selected_action": [str(post.pk)]})

    post.refresh_from_db()
    assert post.published_at == first


def test_unpublish_moves_posts_back_to_draft_keeping_published_at(login, moderator, post, api_client):
    first = post.published_at

    response = login(moderator).post(CHANGELIST, {"action": "unpublish", "_selected_action": [str(post.pk)]})

    assert response.status_code == 302
    post.refresh_from_db()
    assert (post.status, post.published_at) == (Status.DRAFT, first)
    assert api_client.get(f"/api/posts/{post.pk}").status_code == 404


def test_plain_user_cannot_run_publishing_actions(login, user, draft):
    response = login(user).post(CHANGELIST, {"action": "publish_now", "_selected_action": [str(draft.pk)]})

    assert response.status_code == 302 and response["Location"].startswith("/admin/login/")
    draft.refresh_from_db()
    assert draft.status == Status.DRAFT


def test_changing_the_slug_in_the_admin_keeps_the_old_one_redirecting(login, moderator, post, api_client):
    old = post.slug

    response = login(moderator).post(change_url(post), edited(slug="a-better-slug"))

    assert response.status_code == 302
    post.refresh_from_db()
    assert post.slug == "a-better-slug"
    assert api_client.get(f"/api/posts/{old}")["Location"] == "/api/posts/a-better-slug"
    page = login(moderator).get(change_url(post)).content.decode()
    assert old in page  # the slug history, on the post's page


def test_an_empty_slug_in_the_admin_keeps_the_current_one(login, moderator, post):
    old = post.slug

    login(moderator).post(change_url(post), edited(slug=""))

    post.refresh_from_db()
    assert post.slug == old


@pytest.mark.parametrize("slug", ["Not Valid", "123e4567-e89b-12d3-a456-426614174000", "taken"])
def test_admin_refuses_the_slugs_the_api_refuses(login, moderator, post, slug):
    PostFactory(slug="taken")

    response = login(moderator).post(change_url(post), edited(slug=slug))

    assert response.status_code == 200
    assert "slug" in response.context["adminform"].form.errors


def test_admin_adds_a_post_with_a_generated_slug_and_history(login, admin_account, user):
    response = login(admin_account).post(ADD, edited(user=str(user.pk), title="Made in the admin"))

    assert response.status_code == 302
    created = Post.objects.get()
    assert created.slug == "made-in-the-admin"
    assert list(created.slugs.values_list("slug", flat=True)) == ["made-in-the-admin"]
    assert created.published_at is not None


# Tags in the admin (API.md, Tags)

TAGS = "/admin/posts/tag/"


def test_post_page_edits_its_tags_inline(login, moderator, post):
    django_tag = Tag.objects.create(name="Django", slug="django")
    data = edited(**{"post_tags-TOTAL_FORMS": "1", "post_tags-0-tag": str(django_tag.pk), "post_tags-0-position": "0"})

    response = login(moderator).post(change_url(post), data)

    assert response.status_code == 302
    assert Post.objects.get(pk=post.pk).tag_names == ["Django"]


def test_search_by_tag_in_the_posts_changelist(login, moderator):
    wanted = PostFactory(tag_names=["Django"])
    PostFactory(tag_names=["Flask"])

    response = login(moderator).get(CHANGELIST, {"q": "tag:django"})

    assert list(response.context["cl"].result_list) == [wanted]


def test_tag_changelist_shows_post_counts(login, moderator):
    PostFactory(tag_names=["Django", "API"])
    PostFactory(tag_names=["Django"])

    response = login(moderator).get(TAGS)

    assert response.status_code == 200
    counts = {tag.name: tag.post_count for tag in response.context["cl"].result_list}
    assert counts == {"API": 1, "Django": 2}


def test_merging_two_tags_moves_the_posts_to_the_older_one(login, moderator):
    both = PostFactory(tag_names=["Django", "django-framework"])
    only_new = PostFactory(tag_names=["django-framework", "API"])
    kept = Tag.objects.get(name="Django")
    merged = Tag.objects.get(name="django-framework")

    response = login(moderator).post(TAGS, {"action": "merge", "_selected_action": [str(kept.pk), str(merged.pk)]})

    assert response.status_code == 302
    assert not Tag.objects.filter(pk=merged.pk).exists()
    assert Post.objects.get(pk=both.pk).tag_names == ["Django"]
    assert Post.objects.get(pk=only_new.pk).tag_names == ["Django", "API"]


def test_merge_needs_exactly_two_tags(login, moderator):
    PostFactory(tag_names=["a", "b", "c"])

    response = login(moderator).post(
        TAGS, {"action": "merge", "_selected_action": [str(pk) for pk in Tag.objects.values_list("pk", flat=True)]}
    )

    assert response.status_code == 302
    assert Tag.objects.count() == 3


def test_renaming_a_tag_in_case_only_is_allowed_but_not_into_another_tag(login, moderator):
    PostFactory(tag_names=["django", "Flask"])
    tag = Tag.objects.get(name="django")
    url = f"{TAGS}{tag.pk}/change/"

    assert login(moderator).post(url, {"name": "Django", "_save": "Save"}).status_code == 302
    tag.refresh_from_db()
    assert tag.name == "Django"
    response = login(moderator).post(url, {"name": "FLASK", "_save": "Save"})
    assert response.status_code == 200  # the form again, with the constraint's error
    tag.refresh_from_db()
    assert tag.name == "Django"


def test_moderator_adds_a_tag_with_a_generated_slug(login, moderator):
    Tag.objects.create(name="C", slug="c")

    response = login(moderator).post(f"{TAGS}add/", {"name": "C++", "_save": "Save"})

    assert response.status_code == 302
    assert Tag.objects.get(name="C++").slug == "c-2"
