"""Atom and RSS feeds of the latest live posts, with Django's syndication framework (API.md, Feeds)."""

from django.conf import settings
from django.contrib.syndication.views import Feed
from django.http import Http404
from django.utils.feedgenerator import Atom1Feed, Rss201rev2Feed

from posts import tags
from posts.models import Post, Tag

FEED_SIZE = 20


def post_link(post: Post) -> str:
    """``POST_URL`` with ``{slug}`` replaced, else the API's detail URL by slug (made absolute by the feed)."""
    if settings.POST_URL:
        return settings.POST_URL.replace("{slug}", post.slug)
    return f"/api/posts/{post.slug}"


class LatestPostsRSS(Feed):
    feed_type = Rss201rev2Feed
    description = "The latest posts."

    def get_object(self, request) -> Tag | None:
        if not settings.PUBLIC_READ:
            raise Http404  # feeds are public reads: without them, there are no feeds
        name = request.GET.get("tag")
        if name is None:
            return None
        tag = tags.matching(name.strip()).first()
        if tag is None:
            raise Http404
        return tag

    def title(self, tag: Tag | None) -> str:
        return f"Blog API: posts tagged {tag.name}" if tag else "Blog API"

    def link(self, tag: Tag | None) -> str:
        return f"/api/posts?tag={tag.slug}" if tag else "/api/posts"

    def items(self, tag: Tag | None):
        posts = Post.objects.live().with_author().with_tag_names()
        if tag is not None:
            posts = tags.with_tag(posts, [tag.pk])
        return posts.order_by("-published_at", "-id")[:FEED_SIZE]

    def item_title(self, post: Post) -> str:
        return post.title

    def item_description(self, post: Post) -> str:
        return post.excerpt

    def item_link(self, post: Post) -> str:
        return post_link(post)

    def item_author_name(self, post: Post) -> str:
        return post.user.name  # never the email (RSS: dc:creator)

    def item_pubdate(self, post: Post):
        return post.published_at

    def item_updateddate(self, post: Post):
        return post.updated_at

    def item_categories(self, post: Post) -> list[str]:
        return post.tag_names


class LatestPostsAtom(LatestPostsRSS):
    feed_type = Atom1Feed
    subtitle = LatestPostsRSS.description
