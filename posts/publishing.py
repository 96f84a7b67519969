"""What "live" means and who sees which post (API.md, Posts → Publishing), in one place.

A post is stored as ``draft`` or ``published``; a published post whose ``published_at`` is
still in the future reads as ``scheduled`` and goes live at that instant by itself:
visibility is decided at read time, so no job has to flip it.
"""

from django.db import models
from django.db.models import Q
from django.utils import timezone


class Status(models.TextChoices):
    """What a client writes (and what is stored)."""

    DRAFT = "draft"
    PUBLISHED = "published"


class ShownStatus(models.TextChoices):
    """What a client reads."""

    DRAFT = "draft"
    SCHEDULED = "scheduled"
    PUBLISHED = "published"


class ListStatus(models.TextChoices):
    """The list's ``status`` parameter."""

    PUBLISHED = "published", "live posts"
    SCHEDULED = "scheduled"
    DRAFT = "draft"
    ALL = "all", "live posts and every other post the caller may see"


DEFAULT_LIST_STATUS = ListStatus.PUBLISHED


def live_q(now=None) -> Q:
    return Q(status=Status.PUBLISHED, published_at__lte=now or timezone.now())


def scheduled_q(now=None) -> Q:
    return Q(status=Status.PUBLISHED, published_at__gt=now or timezone.now())


def draft_q() -> Q:
    return Q(status=Status.DRAFT)


def shown_status(status: str, published_at, now=None) -> ShownStatus:
    if status == Status.DRAFT:
        return ShownStatus.DRAFT
    if published_at is not None and published_at > (now or timezone.now()):
        return ShownStatus.SCHEDULED
    return ShownStatus.PUBLISHED


def sees_everything(user) -> bool:
    return user.is_authenticated and user.is_moderator


class PublishingQuerySet(models.QuerySet):
    def live(self):
        return self.filter(live_q())

    def visible_to(self, user):
        """Live posts, plus the caller's own; moderators see every post. Others do not exist."""
        if sees_everything(user):
            return self
        if user.is_authenticated:
            return self.filter(live_q() | Q(user=user))
        return self.live()

    def with_list_status(self, status: str, user):
        """The posts the list's ``status`` parameter selects for ``user`` (anonymous: live only)."""
        if status == ListStatus.PUBLISHED:
            return self.live()
        if status == ListStatus.ALL:
            return self.visible_to(user)
        own = self if sees_everything(user) else self.filter(user=user)
        return own.filter(scheduled_q() if status == ListStatus.SCHEDULED else draft_q())
