from django.core.management.base import BaseCommand

from accounts.models import AccountToken


class Command(BaseCommand):
    help = "Delete expired or used email verification and password reset tokens."

    def handle(self, *args, **options):
        deleted, _ = AccountToken.objects.expired().delete()
        self.stdout.write(self.style.SUCCESS(f"Deleted {deleted} expired or used account tokens."))
