"""The changes feed: events in commit order, with cursors that never skip (API.md, Changes).

A sequence id alone would skip: ids are taken at insert and become visible at commit, out
of order. So the stream is ordered by (transaction id, id) and read only below the oldest
transaction still in progress (``pg_snapshot_xmin``): everything there is final, and
everything written later sorts after it.
"""

import re

from django.db.models import BooleanField, Q
from django.db.models.expressions import RawSQL

from events.models import Event

CURSOR_PATTERN = re.compile(r"(\d{1,19})\.(\d{1,19})")
BEGINNING = "0.0"
MAX_BIGINT = 2**63 - 1
FINISHED_TRANSACTIONS = RawSQL(
    "xid < pg_snapshot_xmin(pg_current_snapshot())::text::bigint", [], output_field=BooleanField()
)


class BadCursor(ValueError):
    pass


def cursor_of(event: Event) -> str:
    return f"{event.xid}.{event.pk}"


def parse_cursor(cursor: str) -> tuple[int, int]:
    match = CURSOR_PATTERN.fullmatch(cursor)
    if match is None or any(int(part) > MAX_BIGINT for part in match.groups()):
        raise BadCursor(cursor)
    xid, event_id = match.groups()
    return int(xid), int(event_id)


def visible_to(user):
    """Moderators see every event; others their own posts' and those of posts once live."""
    events = Event.objects.all()
    if user.is_moderator:
        return events
    return events.filter(Q(public=True) | Q(author_id=user.pk))


def changes_after(user, cursor: str, limit: int) -> list[Event]:
    xid, event_id = parse_cursor(cursor)
    return list(
        visible_to(user)
        .alias(finished=FINISHED_TRANSACTIONS)
        .filter(Q(xid__gt=xid) | Q(xid=xid, id__gt=event_id), finished=True)
        .order_by("xid", "id")[:limit]
    )
