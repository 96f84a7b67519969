import uuid

from django.contrib.auth.base_user import AbstractBaseUser
from django.db import models
from django.db.models.functions import Lower
from django.utils import timezone

from accounts.managers import UserManager
from blogapi.models import TimestampedModel


class Role(models.TextChoices):
    USER = "user", "User"
    MODERATOR = "moderator", "Moderator"
    ADMIN = "admin", "Admin"


# What a moderator may do in the Django admin; an admin may do everything.
MODERATOR_PERMISSIONS = frozenset(
    {
        "posts.view_post",
        "posts.change_post",
        "posts.delete_post",
        # Tags: curated by moderators (rename, merge, delete), and set on posts through the inline.
        "posts.view_tag",
        "posts.add_tag",
        "posts.change_tag",
        "posts.delete_tag",
        "posts.view_posttag",
        "posts.add_posttag",
        "posts.change_posttag",
        "posts.delete_posttag",
        # Webhooks: endpoints, and their deliveries (read, send again).
        "events.view_webhook",
        "events.add_webhook",
        "events.change_webhook",
        "events.delete_webhook",
        "events.view_delivery",
        "events.change_delivery",
        "events.view_deliveryattempt",
        "accounts.view_user",
        "accounts.change_user",
    }
)


class User(AbstractBaseUser, TimestampedModel):
    """A blog user. Logs in with email; staff rights follow from ``role``."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    email = models.EmailField(max_length=255, unique=True)
    name = models.CharField(max_length=100)
    photo = models.CharField(max_length=255, null=True, blank=True)  # noqa: DJ001 - the contract shows null
    role = models.CharField(
        max_length=20,
        choices=Role.choices,
        default=Role.USER,
        help_text=(
            "user: writes their own posts. moderator: also edits and deletes any post and deactivates "
            "plain users here. admin: everything, roles included. Only admins change roles."
        ),
    )
    verified = models.BooleanField(default=False)
    is_active = models.BooleanField(
        default=True, help_text="Unset to deactivate the account: it can no longer log in or use its tokens."
    )
    objects = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS = ["name"]

    class Meta:
        ordering = ["-created_at"]
        constraints = [models.UniqueConstraint(Lower("email"), name="accounts_user_email_ci_unique")]

    def __str__(self) -> str:
        return self.email

    def save(self, *args, **kwargs):
        self.email = UserManager.normalize_email(self.email)
        password_changed = self._password is not None and not self._state.adding  # set_password() was called
        super().save(*args, **kwargs)
        if password_changed:
            # Every way of changing a password (the API's reset, the admin's password change,
            # `manage.py changepassword`) ends the user's API sessions.
            from accounts.services import refresh_tokens_revoke_all

            refresh_tokens_revoke_all(user=self)

    @property
    def is_moderator(self) -> bool:
        """Moderators (and admins) may edit and delete any post."""
        return self.role in (Role.MODERATOR, Role.ADMIN)

    @property
    def is_staff(self) -> bool:
        return self.is_active and self.is_moderator

    @property
    def is_superuser(self) -> bool:
        return self.is_active and self.role == Role.ADMIN

    def has_perm(self, perm: str, obj=None) -> bool:
        return self.is_superuser or (self.is_staff and perm in MODERATOR_PERMISSIONS)

    def has_perms(self, perm_list, obj=None) -> bool:
        return all(self.has_perm(perm, obj) for perm in perm_list)

    def has_module_perms(self, app_label: str) -> bool:
        return self.is_superuser or (
            self.is_staff and any(perm.startswith(f"{app_label}.") for perm in MODERATOR_PERMISSIONS)
        )


class TokenPurpose(models.TextChoices):
    VERIFY_EMAIL = "verify_email", "Email verification"
    RESET_PASSWORD = "reset_password", "Password reset"


class AccountTokenQuerySet(models.QuerySet):
    def expired(self):
        return self.filter(models.Q(expires_at__lte=timezone.now()) | models.Q(used_at__isnull=False))


class AccountToken(models.Model):
    """A single-use emailed token (verification or password reset).

    Only the SHA-256 of the token is stored: a leaked table does not leak usable links.
    The purpose keeps a verification token from ever working as a reset token.
    """

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="account_tokens")
    purpose = models.CharField(max_length=20, choices=TokenPurpose.choices)
    token_hash = models.CharField(max_length=64, unique=True)
    expires_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = AccountTokenQuerySet.as_manager()

    class Meta:
        indexes = [models.Index(fields=["user", "purpose"], name="accounttoken_user_purpose_idx")]

    def __str__(self) -> str:
        return f"{self.get_purpose_display()} for {self.user_id}"
