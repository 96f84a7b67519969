"""PostSerializer builds the post object by hand (speed): it must equal what its fields give."""

import datetime as dt

import pytest
from django.utils import timezone
from rest_framework import serializers

from accounts.tests.factories import UserFactory
from posts.models import Post
from posts.publishing import Status
from posts.serializers import PostSerializer
from posts.tests.factories import PostFactory

pytestmark = pytest.mark.django_db


def field_by_field(post: Post) -> dict:
    return serializers.ModelSerializer.to_representation(PostSerializer(), post)


@pytest.mark.parametrize(
    "fields",
    [
        {"tag_names": ["Django", "api"]},
        {"status": Status.DRAFT, "excerpt": "Given by hand"},
        {"published_at": timezone.now() + dt.timedelta(days=2), "content": "word " * 999},
        {"user": lambda: UserFactory(photo=None, name="Ünïcödé")},
        {"title": "A title with <b>markup</b> & \u2028 separators", "category": ""},
    ],
)
def test_the_post_object_is_what_the_fields_would_give(fields):
    fields = {name: value() if callable(value) else value for name, value in fields.items()}
    post = Post.objects.with_author().with_tag_names().get(pk=PostFactory(**fields).pk)

    assert PostSerializer(post).data == field_by_field(post)
    assert list(PostSerializer(post).data) == list(field_by_field(post))  # the same order


def test_the_highlight_is_there_only_when_set():
    post = Post.objects.with_author().with_tag_names().get(pk=PostFactory().pk)
    assert "highlight" not in PostSerializer(post).data

    post.highlight = {"title": "<mark>A</mark>", "content": "b"}
    assert PostSerializer(post).data == field_by_field(post)
    assert PostSerializer(post).data["highlight"] == post.highlight
