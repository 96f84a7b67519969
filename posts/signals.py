"""Sent by posts.services inside the transaction of each change of a post (API.md, Changes).

Receivers run in that transaction: what they write commits or rolls back with the change.
``was_live``: the post was live before the change; ``deleted``: the change is its deletion
(sent before the row goes, with the post as it was).
"""

from django.dispatch import Signal

post_changed = Signal()  # sender=Post, post, was_live: bool, deleted: bool
