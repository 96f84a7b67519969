"""Background jobs of posts (on procrastinate, like events.tasks)."""

from procrastinate.contrib.django import app

from posts import counts


@app.periodic(cron="*/5 * * * *", periodic_id="compact_post_counts")
@app.task(name="posts.compact_post_counts", queueing_lock="compact_post_counts")
def compact_post_counts(timestamp: int) -> None:
    """Fold the delta rows of the kept post counts: each total stays a read of a few rows."""
    counts.compact()
