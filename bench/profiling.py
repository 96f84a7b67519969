"""Where a request's time goes: ``make profile`` (cProfile over the whole Django stack, in-process).

Seeds a few thousand posts into the throw-away database that ``make profile`` provides, then
runs N list, N detail and N create requests (with a Bearer token, as a client would)
through Django's test client, middleware included, and prints the top of each profile.
"""

import argparse
import cProfile
import io
import os
import pstats
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--posts", type=int, default=5000, help="generated posts to seed")
    parser.add_argument("--requests", type=int, default=500, help="requests per profiled path")
    parser.add_argument("--top", type=int, default=30, help="functions to print per profile")
    args = parser.parse_args()
    if not os.environ.get("DATABASE_URL"):
        sys.exit("DATABASE_URL is unset: run `make profile`, which provides a throw-away database.")
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "blogapi.settings")
    os.environ.setdefault("LOG_LEVEL", "WARNING")  # no request log lines among the figures
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command
    from django.test import Client
    from rest_framework_simplejwt.tokens import RefreshToken

    from accounts.models import User
    from posts.models import Post

    settings.ALLOWED_HOSTS = ["*"]
    call_command("migrate", "--no-input", verbosity=0)
    call_command("seed", "--posts", str(args.posts), "--with-demo-logins", stdout=io.StringIO())
    token = RefreshToken.for_user(User.objects.get(email="alice@example.com")).access_token
    client = Client(HTTP_AUTHORIZATION=f"Bearer {token}")
    post = Post.objects.live().first()
    new_post = {"title": "Profiled", "content": "Written by the profiler.", "category": "bench", "image": "p.png"}

    def create():
        return client.post("/api/posts", new_post, content_type="application/json")

    requests = {
        "list /api/posts": lambda: client.get("/api/posts"),
        f"detail /api/posts/{post.pk}": lambda: client.get(f"/api/posts/{post.pk}"),
        "create POST /api/posts": create,
    }
    for name, request in requests.items():
        for _ in range(20):  # warm-up: connections, caches, imports
            assert request().status_code in (200, 201)
        profiler = cProfile.Profile()
        start = time.perf_counter()
        profiler.enable()
        for _ in range(args.requests):
            request()
        profiler.disable()
        per_request = (time.perf_counter() - start) / args.requests * 1000
        print(f"\n=== {name}: {per_request:.2f} ms a request under the profiler ===")
        for order in ("cumulative", "tottime"):
            pstats.Stats(profiler).strip_dirs().sort_stats(order).print_stats(args.top)


if __name__ == "__main__":
    main()
