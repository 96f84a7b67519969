import datetime as dt

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction
from django.utils import timezone

from accounts.models import Role, User
from posts import counts
from posts.models import Post, PostSlug, PostTag
from posts.publishing import Status
from posts.sample_text import TAG_NAMES, VOCABULARY, paragraphs
from posts.services import post_create
from posts.tags import tag_named

DEMO_PASSWORD = "demo-Passw0rd!"
DEMO_USERS = [
    ("alice@example.com", "Alice Author", Role.USER),
    ("bob@example.com", "Bob Blogger", Role.USER),
    ("mod@example.com", "Mona Moderator", Role.MODERATOR),
    ("admin@example.com", "Ada Admin", Role.ADMIN),
]
DEMO_POSTS = [
    ("Getting started with Django REST Framework", "django", "Serializers, viewsets and routers in one sitting."),
    ("Why PostgreSQL", "databases", "Transactions, indexes and trigram search for a blog."),
    ("JWT in practice", "security", "Short-lived access tokens, rotating refresh tokens, and blacklists."),
    ("Writing tests that can fail", "testing", "Assert the whole contract of a response, then the database."),
    ("A week in Lisbon", "travel", "Trams, tiles and pastel de nata."),
    ("Sourdough for programmers", "food", "An idempotent starter and a reproducible loaf."),
]
DEMO_TAGS = {
    "Getting started with Django REST Framework": ["Django", "Python", "API"],
    "Why PostgreSQL": ["PostgreSQL", "Databases"],
    "JWT in practice": ["Security", "API"],
    "Writing tests that can fail": ["Testing", "Python"],
    "A week in Lisbon": ["Travel"],
    "Sourdough for programmers": ["Food"],
}
# Not live: seen by their authors and moderators only (API.md, Publishing).
DEMO_DRAFT = ("Notes for a post on caching", "drafts", "ETags, Cache-Control and what a CDN keeps.")
DEMO_SCHEDULED = ("Coming soon: full-text search", "search", "Ranked search with highlights, next week.")
SCHEDULED_IN = dt.timedelta(days=7)
# Generated posts: one in 50 is a draft, one in 100 is scheduled up to 30 days ahead.
DRAFT_EVERY = 50
SCHEDULED_EVERY = 100
BATCH_SIZE = 50_000
# Generated content: 5 of these paragraphs (about 1,300 characters); 0 to 4 tags, long-tailed.
PARAGRAPHS = 1000
PARAGRAPHS_PER_POST = 5
REBUILD_INDEXES_FROM = 100_000  # posts in one run; below, updating the indexes row by row is quicker
REFUSED_WITHOUT_DEBUG = (
    "DEBUG is off: seed would create admin@example.com and other demo accounts with the public demo "
    "password. Pass --with-demo-logins if nobody else can reach this server."
)
CATEGORIES = ["django", "python", "databases", "security", "testing", "travel", "food", "music"]


class Command(BaseCommand):
    help = "Create demo users and posts (idempotent), and optionally many extra posts for benchmarks."

    def add_arguments(self, parser):
        parser.add_argument("--posts", type=int, default=0, help="also insert this many generated posts")
        parser.add_argument("--if-empty", action="store_true", help="do nothing when the database already holds a user")
        parser.add_argument(
            "--with-demo-logins",
            action="store_true",
            help="also with DEBUG off: create the demo accounts (an admin among them) with the public demo password",
        )

    def handle(self, *args, posts: int, if_empty: bool, with_demo_logins: bool, **options):
        if posts < 0:
            raise CommandError("--posts must be zero or more.")
        if not settings.DEBUG and not with_demo_logins:
            raise CommandError(REFUSED_WITHOUT_DEBUG)
        if if_empty and User.objects.exists():
            self.stdout.write("Database already has users; not seeding.")
            return
        authors, created = self.seed_demo()
        if posts:
            self.insert_generated_posts(posts, authors)
            counts.compact()
        self.stdout.write(
            self.style.SUCCESS(
                f"Created {created} of {len(authors)} demo users"
                f"{' (the others existed)' if created < len(authors) else ''}; "
                f"{Post.objects.count()} posts in all."
            )
        )

    @transaction.atomic
    def seed_demo(self) -> tuple[list[User], int]:
        """The demo users (created when missing, never changed) and how many were created."""
        users, created = [], 0
        for email, name, role in DEMO_USERS:
            user = User.objects.filter(email=email).first()
            if user is None:
                user = User.objects.create_user(email, DEMO_PASSWORD, name=name, role=role, verified=True)
                created += 1
            users.append(user)
        alice = users[0]
        demo_posts = [(post, user, {}) for post, user in zip(DEMO_POSTS, users * 2, strict=False)]
        demo_posts += [
            (DEMO_DRAFT, alice, {"status": Status.DRAFT}),
            (DEMO_SCHEDULED, alice, {"published_at": timezone.now() + SCHEDULED_IN}),
        ]
        for (title, category, content), user, publishing in demo_posts:
            if not Post.objects.filter(title=title, user=user).exists():
                post_create(
                    author=user,
                    title=title,
                    category=category,
                    content=content,
                    image="default.png",
                    tag_names=DEMO_TAGS.get(title, []),
                    **publishing,
                )
        return users, created

    def insert_generated_posts(self, count: int, authors: list[User]) -> None:
        """Insert ``count`` posts server-side (INSERT ... SELECT) with their slugs and tags, in batches."""
        posts, slugs, post_tags = Post._meta.db_table, PostSlug._meta.db_table, PostTag._meta.db_table
        sql = f"""
            WITH new AS (
                INSERT INTO {posts}
                    (id, user_id, slug, title, content, custom_excerpt, category, image,
                     status, published_at, announced, created_at, updated_at)
                SELECT gen_random_uuid(),
                       (%(authors)s::uuid[])[1 + (n %% cardinality(%(authors)s::uuid[]))],
                       'post-' || n || '-' || w1 || '-' || w2,
                       'Post ' || n || ': ' || initcap(w1) || ' ' || w2,
                       (SELECT string_agg((%(paragraphs)s::text[])[1 + ((n * 7 + k * 131) %% %(paragraph_count)s)],
                                          E'\\n\\n')
                          FROM generate_series(1, %(paragraphs_per_post)s) AS k),
                       '',
                       (%(categories)s::text[])[1 + ((n / 3) %% cardinality(%(categories)s::text[]))],
                       'default.png',
                       CASE WHEN n %% %(draft_every)s = 0 THEN 'draft' ELSE 'published' END,
                       CASE WHEN n %% %(draft_every)s = 0 THEN NULL
                            WHEN n %% %(scheduled_every)s = 1 THEN now() + make_interval(days => 1 + n %% 30)
                            ELSE now() - make_interval(secs => n) END,
                       n %% %(draft_every)s <> 0 AND n %% %(scheduled_every)s <> 1,
                       now() - make_interval(secs => n),
                       now() - make_interval(secs => n)
                FROM generate_series(%(start)s, %(stop)s) AS n,
                     LATERAL (SELECT (%(words)s::text[])[1 + (n * 17 %% cardinality(%(words)s::text[]))] AS w1,
                                     (%(words)s::text[])[1 + (n * 31 %% cardinality(%(words)s::text[]))] AS w2) AS w
                RETURNING id, slug, created_at
            ),
            history AS (
                INSERT INTO {slugs} (slug, post_id, created_at) SELECT slug, id, created_at FROM new
            )
            -- 0 to 4 tags a post; a tag's chance falls with its rank (random()^3: a long tail).
            INSERT INTO {post_tags} (post_id, tag_id, position)
            SELECT new.id, (%(tags)s::bigint[])[1 + floor(cardinality(%(tags)s::bigint[]) * power(random(), 3))::int], k
            FROM new, generate_series(1, floor(random() * 5)::int) AS k
            ON CONFLICT DO NOTHING
        """  # noqa: S608 - only table names are interpolated
        params = {
            "authors": [str(user.id) for user in authors],
            "words": VOCABULARY,
            "paragraphs": paragraphs(PARAGRAPHS),
            "paragraph_count": PARAGRAPHS,
            "paragraphs_per_post": PARAGRAPHS_PER_POST,
            "categories": CATEGORIES,
            "tags": [tag_named(name).id for name in TAG_NAMES],
            "draft_every": DRAFT_EVERY,
            "scheduled_every": SCHEDULED_EVERY,
        }
        first = self.next_generated_number()
        done = 0
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("SET LOCAL statement_timeout = 0")  # bulk statements, also when called in-process
            rebuilt = self.drop_full_text_indexes(cursor) if count >= REBUILD_INDEXES_FROM else []
            while done < count:
                size = min(BATCH_SIZE, count - done)
                start = first + done
                cursor.execute(sql, {**params, "start": start, "stop": start + size - 1})
                done += size
                self.stdout.write(f"\r  inserted {done}/{count} posts", ending="")
                self.stdout.flush()
            if rebuilt:
                self.stdout.write(f"\n  rebuilding {len(rebuilt)} search indexes", ending="")
                cursor.execute("SET LOCAL maintenance_work_mem = '256MB'")
                cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")  # CREATE INDEX refuses pending FK checks
            for definition in rebuilt:
                cursor.execute(definition)
            for table in (posts, slugs, post_tags):
                cursor.execute(f"ANALYZE {table}")
        self.stdout.write("")

    @staticmethod
    def drop_full_text_indexes(cursor) -> list[str]:
        """Drop the posts' GIN indexes (trigram, tsvector) and return how to make them again.

        Adding a row to a GIN index over 1,300 characters of text costs more than the row;
        building the index once over all rows is several times cheaper. (In the transaction
        of the insert: nothing is left without its indexes if the command stops.)
        """
        cursor.execute(
            "SELECT indexname, indexdef FROM pg_indexes WHERE tablename = %s AND indexdef LIKE %s",
            [Post._meta.db_table, "% USING gin %"],
        )
        indexes = cursor.fetchall()
        for name, _ in indexes:
            cursor.execute(f'DROP INDEX "{name}"')
        return [definition for _, definition in indexes]

    @staticmethod
    def next_generated_number() -> int:
        """Past every earlier run's numbers, so that generated slugs stay unique."""
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT coalesce(max(substring(slug from '^post-([0-9]+)-')::bigint), 0) + 1 "  # noqa: S608
                f"FROM {PostSlug._meta.db_table} WHERE slug LIKE 'post-%%'"
            )
            return cursor.fetchone()[0]
