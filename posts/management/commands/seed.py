from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction

from accounts.models import Role, User
from posts.models import Post

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
BATCH_SIZE = 50_000
WORDS = [
    "django",
    "python",
    "postgres",
    "index",
    "search",
    "blog",
    "api",
    "token",
    "cache",
    "admin",
    "travel",
    "food",
    "music",
]


class Command(BaseCommand):
    help = "Create demo users and posts (idempotent), and optionally many extra posts for benchmarks."

    def add_arguments(self, parser):
        parser.add_argument("--posts", type=int, default=0, help="also insert this many generated posts")
        parser.add_argument("--if-empty", action="store_true", help="do nothing when the database already holds a user")

    def handle(self, *args, posts: int, if_empty: bool, **options):
        if posts < 0:
            raise CommandError("--posts must be zero or more.")
        if if_empty and User.objects.exists():
            self.stdout.write("Database already has users; not seeding.")
            return
        authors, created = self.seed_demo()
        if posts:
            self.insert_generated_posts(posts, authors)
        self.stdout.write(
            self.style.SUCCESS(
                f"Created {created} of {len(authors)} demo users (the others existed); "
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
        for (title, category, content), user in zip(DEMO_POSTS, users * 2, strict=False):
            Post.objects.get_or_create(
                title=title, user=user, defaults={"category": category, "content": content, "image": "default.png"}
            )
        return users, created

    def insert_generated_posts(self, count: int, authors: list[User]) -> None:
        """Insert ``count`` posts server-side (INSERT ... SELECT), in batches with a progress line."""
        author_ids = [str(user.id) for user in authors]
        sql = f"""
            INSERT INTO {Post._meta.db_table} (id, user_id, title, content, category, image, created_at, updated_at)
            SELECT gen_random_uuid(),
                   (%(authors)s::uuid[])[1 + (n %% cardinality(%(authors)s::uuid[]))],
                   'Post ' || n || ' about ' || (%(words)s::text[])[1 + (n %% cardinality(%(words)s::text[]))],
                   'Generated post ' || n || ' on ' || (%(words)s::text[])[1 + ((n / 7) %% cardinality(%(words)s::text[]))]
                       || ' and ' || md5(n::text),
                   (%(words)s::text[])[1 + ((n / 3) %% cardinality(%(words)s::text[]))],
                   'default.png',
                   now() - make_interval(secs => n),
                   now() - make_interval(secs => n)
            FROM generate_series(%(start)s, %(stop)s) AS n
        """  # noqa: S608 - only the table name is interpolated
        done = 0
        with connection.cursor() as cursor:
            while done < count:
                size = min(BATCH_SIZE, count - done)
                cursor.execute(sql, {"authors": author_ids, "words": WORDS, "start": done + 1, "stop": done + size})
                done += size
                self.stdout.write(f"\r  inserted {done}/{count} posts", ending="")
                self.stdout.flush()
            cursor.execute(f"ANALYZE {Post._meta.db_table}")
        self.stdout.write("")
