"""What each change of a post means as an event (API.md, Changes and webhooks).

Called in the transaction of the change (posts.signals), so an event exists exactly when
its change committed; a public event also queues its webhook dispatch in that transaction.
"""

from django.utils import timezone

from events.models import Event, EventType, Webhook


def event_type(*, was_live: bool, is_live: bool, deleted: bool) -> EventType:
    if deleted:
        return EventType.DELETED
    if is_live and not was_live:
        return EventType.PUBLISHED
    if was_live and not is_live:
        return EventType.UNPUBLISHED
    return EventType.UPDATED


def post_snapshot(post) -> dict:
    from posts.serializers import PostSerializer

    return dict(PostSerializer(post).data)  # JSON-ready: strings, numbers, lists


def record_change(post, *, was_live: bool, deleted: bool = False, at=None) -> Event:
    is_live = not deleted and post.is_live
    # A draft's own edits stay with its author and moderators; the deletion of a post that
    # was ever live reaches everyone (who may have kept it).
    public = was_live or is_live or (deleted and Event.objects.filter(post_id=post.pk, public=True).exists())
    event = Event.objects.create(
        type=event_type(was_live=was_live, is_live=is_live, deleted=deleted),
        post_id=post.pk,
        slug=post.slug,
        author_id=post.user_id,
        public=public,
        at=at or timezone.now(),
        data={"id": str(post.pk), "slug": post.slug} if deleted else post_snapshot(post),
    )
    # No job at all while no webhook wants it (most writes of most blogs): a query is cheaper.
    if event.public and Webhook.objects.wanting(event.type).exists():
        from events.tasks import dispatch_event

        dispatch_event.defer(event_id=event.pk)
    return event


def on_post_changed(sender, *, post, was_live: bool, deleted: bool, **kwargs) -> None:
    record_change(post, was_live=was_live, deleted=deleted)
