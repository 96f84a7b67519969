from django.core.management.base import BaseCommand

from idempotency.models import IdempotencyKey


class Command(BaseCommand):
    help = "Delete the Idempotency-Keys (and their kept answers) older than 24 hours."

    def handle(self, *args, **options):
        deleted, _ = IdempotencyKey.objects.expired().delete()
        self.stdout.write(self.style.SUCCESS(f"Deleted {deleted} expired idempotency keys."))
