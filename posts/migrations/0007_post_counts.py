"""Exact totals that stay cheap (posts.counts): PostgreSQL keeps per-state counts of posts in
posts_postcount, from triggers on posts and their tags, in the same transaction as each write.

Each write appends delta rows (no hot counter row for concurrent writers to queue on);
posts.counts.compact() folds them together. Statement-level triggers with transition
tables: a bulk insert (manage.py seed) adds one delta row per counted key, not per post.
"""

from django.db import migrations, models

# The counted state of a post row: live (published and announced: it stays live until the
# next write) or draft; scheduled posts, and live ones not announced yet, are counted from
# post_unannounced_idx instead (few rows).
POST_STATE = """CASE WHEN status = 'draft' THEN 'draft' WHEN status = 'published' AND announced THEN 'live' END"""

COUNT_POSTS = f"""
CREATE FUNCTION posts_count_posts() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    changed text := CASE TG_OP
        WHEN 'INSERT' THEN $c$SELECT id, user_id, category, {POST_STATE} AS state, 1 AS n FROM new_rows$c$
        WHEN 'DELETE' THEN $c$SELECT id, user_id, category, {POST_STATE} AS state, -1 AS n FROM old_rows$c$
        ELSE $c$SELECT id, user_id, category, {POST_STATE} AS state, 1 AS n FROM new_rows
              UNION ALL SELECT id, user_id, category, {POST_STATE} AS state, -1 AS n FROM old_rows$c$
    END;
    -- A new post's tags are counted by the tags' trigger, which sees the post: also when one
    -- statement inserts both (manage.py seed), where this trigger would see the tags too.
    tagged text := CASE WHEN TG_OP = 'INSERT' THEN '' ELSE $c$
        UNION ALL SELECT change.state, 'tag', tagged.tag_id::text, change.n
            FROM change JOIN posts_posttag AS tagged ON tagged.post_id = change.id$c$
    END;
BEGIN
    EXECUTE format($sql$
        WITH change AS (SELECT * FROM (%s) AS rows WHERE state IS NOT NULL)
        INSERT INTO posts_postcount (state, dimension, key, n)
        SELECT state, dimension, key, sum(n) FROM (
            SELECT state, 'all' AS dimension, '' AS key, n FROM change
            UNION ALL SELECT state, 'category', upper(category), n FROM change
            UNION ALL SELECT state, 'user', user_id::text, n FROM change
            %s
        ) AS deltas
        GROUP BY state, dimension, key
        HAVING sum(n) <> 0
    $sql$, changed, tagged);
    RETURN NULL;
END $$;
"""

# A post's tags count with the post's state at that moment. When a post is deleted, Django
# deletes its tags first (counted here, the post still exists); in the other order the post
# trigger counts them, and here the post is gone: either way once.
COUNT_POST_TAGS = f"""
CREATE FUNCTION posts_count_post_tags() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    changed text := CASE TG_OP
        WHEN 'INSERT' THEN $c$SELECT post_id, tag_id, 1 AS n FROM new_rows$c$
        WHEN 'DELETE' THEN $c$SELECT post_id, tag_id, -1 AS n FROM old_rows$c$
        ELSE $c$SELECT post_id, tag_id, 1 AS n FROM new_rows UNION ALL SELECT post_id, tag_id, -1 AS n FROM old_rows$c$
    END;
BEGIN
    EXECUTE format($sql$
        INSERT INTO posts_postcount (state, dimension, key, n)
        SELECT post.state, 'tag', change.tag_id::text, sum(change.n)
        FROM (%s) AS change
        JOIN (SELECT id, {POST_STATE} AS state FROM posts_post) AS post ON post.id = change.post_id
        WHERE post.state IS NOT NULL
        GROUP BY post.state, change.tag_id
        HAVING sum(change.n) <> 0
    $sql$, changed);
    RETURN NULL;
END $$;
"""


def triggers(table: str, function: str) -> str:
    return "\n".join(
        f"""CREATE TRIGGER {table}_count_{event.lower()} AFTER {event} ON {table}
            REFERENCING {references} FOR EACH STATEMENT EXECUTE FUNCTION {function}();"""
        for event, references in (
            ("INSERT", "NEW TABLE AS new_rows"),
            ("UPDATE", "OLD TABLE AS old_rows NEW TABLE AS new_rows"),
            ("DELETE", "OLD TABLE AS old_rows"),
        )
    )


FILL = f"""
INSERT INTO posts_postcount (state, dimension, key, n)
SELECT state, dimension, key, count(*) FROM (
    SELECT {POST_STATE} AS state, 'all' AS dimension, '' AS key FROM posts_post
    UNION ALL SELECT {POST_STATE}, 'category', upper(category) FROM posts_post
    UNION ALL SELECT {POST_STATE}, 'user', user_id::text FROM posts_post
    UNION ALL SELECT {POST_STATE.replace("status", "post.status").replace("announced", "post.announced")}, 'tag', tagged.tag_id::text
        FROM posts_post AS post JOIN posts_posttag AS tagged ON tagged.post_id = post.id
) AS counted
WHERE state IS NOT NULL
GROUP BY state, dimension, key
"""

DROP = """
DROP TRIGGER posts_post_count_insert ON posts_post;
DROP TRIGGER posts_post_count_update ON posts_post;
DROP TRIGGER posts_post_count_delete ON posts_post;
DROP TRIGGER posts_posttag_count_insert ON posts_posttag;
DROP TRIGGER posts_posttag_count_update ON posts_posttag;
DROP TRIGGER posts_posttag_count_delete ON posts_posttag;
DROP FUNCTION posts_count_posts();
DROP FUNCTION posts_count_post_tags();
"""


class Migration(migrations.Migration):

    dependencies = [
        ('posts', '0006_post_announced'),
    ]

    operations = [
        migrations.CreateModel(
            name='PostCount',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('state', models.CharField(max_length=10)),
                ('dimension', models.CharField(max_length=10)),
                ('key', models.CharField(max_length=100)),
                ('n', models.BigIntegerField()),
            ],
            options={
                'indexes': [models.Index(fields=['state', 'dimension', 'key'], include=('n',), name='post_count_key_idx')],
            },
        ),
        migrations.RunSQL(
            [
                COUNT_POSTS,
                COUNT_POST_TAGS,
                triggers("posts_post", "posts_count_posts"),
                triggers("posts_posttag", "posts_count_post_tags"),
                FILL,
            ],
            DROP,
        ),
    ]
