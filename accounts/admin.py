"""Users in the Django admin (API.md, Admin).

Staff rights follow ``User.role``: moderators see and search every user and may
deactivate plain users; only admins (superusers) add or delete users, change roles,
or touch other staff accounts. The model has no PermissionsMixin, so this is a plain
ModelAdmin, not ``django.contrib.auth.admin.UserAdmin`` (which expects groups and
permission fields).
"""

from django.contrib import admin, messages
from django.contrib.auth.hashers import UNUSABLE_PASSWORD_PREFIX, identify_hasher
from django.contrib.auth.models import Group
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html, format_html_join

from accounts.authentication import forget_users
from accounts.models import Role, User

PASSWORD_HELP = (
    "Another person's password is never set here: they use the password reset flow "
    "(POST /api/auth/forgotpassword), or an operator runs `manage.py changepassword` with their email. "
    "Your own: \u201cChange password\u201d at the top of the page. Any password change ends the person's API sessions."
)
# Shown (never edited) on every change form.
ALWAYS_READ_ONLY = ("id", "password_summary", "posts_link", "last_login", "created_at", "updated_at")
# What a moderator may change: only whether a plain user's account is active.
MODERATOR_EDITABLE = frozenset({"is_active"})


# Users have roles, not groups (no PermissionsMixin): django.contrib.auth's Group page is moot.
admin.site.unregister(Group)


@admin.register(User)
class UserAdmin(admin.ModelAdmin):
    list_display = ["email", "name", "role", "verified", "is_active", "created_at"]
    list_filter = ["role", "verified", "is_active"]
    # icontains on both: finds a user by any part of the address or name. The users table
    # is small next to posts; this is also the post author autocomplete's search.
    search_fields = ["email", "name"]
    ordering = ["-created_at"]
    show_full_result_count = False
    list_per_page = 50
    actions = ["deactivate_users"]

    fieldsets = [
        (None, {"fields": ["email", "name", "photo"]}),
        ("Access", {"fields": ["role", "verified", "is_active"]}),
        ("Password", {"fields": ["password_summary"], "description": PASSWORD_HELP}),
        ("Activity", {"fields": ["posts_link", "last_login", "created_at", "updated_at", "id"]}),
    ]
    add_fieldsets = [
        (None, {"fields": ["email", "name", "photo"]}),
        ("Access", {"fields": ["role", "verified", "is_active"]}),
        (
            "Password",
            {
                "fields": [],
                "description": "The new account has no usable password until one is set. " + PASSWORD_HELP,
            },
        ),
    ]

    # Permissions. Django asks has_perm() first (moderators hold view/change user, never
    # add/delete); the object rules below keep moderators off staff accounts.

    def has_add_permission(self, request) -> bool:
        return request.user.is_superuser

    def has_delete_permission(self, request, obj=None) -> bool:
        return request.user.is_superuser

    def has_change_permission(self, request, obj=None) -> bool:
        if not super().has_change_permission(request, obj):
            return False
        # A moderator could otherwise lock out another moderator or an admin.
        return obj is None or request.user.is_superuser or obj.role == Role.USER

    def lookup_allowed(self, lookup, value, request=None) -> bool:
        # ?password__startswith=... would let anyone with the changelist read hashes a
        # character at a time.
        if lookup.split("__")[0] == "password":
            return False
        return super().lookup_allowed(lookup, value, request)

    def get_fieldsets(self, request, obj=None):
        return self.add_fieldsets if obj is None else self.fieldsets

    def get_readonly_fields(self, request, obj=None):
        if obj is None:
            return ()
        if not request.user.is_superuser:
            editable = MODERATOR_EDITABLE
        elif obj.pk == request.user.pk:
            # An admin who demotes or deactivates themselves may be the last admin.
            editable = {"email", "name", "photo", "verified"}
        else:
            editable = {"email", "name", "photo", "role", "verified", "is_active"}
        form_fields = ("email", "name", "photo", "role", "verified", "is_active")
        return ALWAYS_READ_ONLY + tuple(name for name in form_fields if name not in editable)

    def save_model(self, request, obj, form, change) -> None:
        if not change:
            obj.set_unusable_password()
        super().save_model(request, obj, form, change)

    @admin.display(description="Password")
    def password_summary(self, obj: User) -> str:
        """The hasher and a masked hash, as Django's own user admin shows it: never the hash."""
        if not obj.password or obj.password.startswith(UNUSABLE_PASSWORD_PREFIX):
            return "No password set."
        try:
            hasher = identify_hasher(obj.password)
        except ValueError:
            return "Invalid password format or unknown hashing algorithm."
        return format_html_join(", ", "{}: {}", hasher.safe_summary(obj.password).items())

    @admin.display(description="Posts")
    def posts_link(self, obj: User) -> str:
        if obj.pk is None:
            return "-"
        url = reverse("admin:posts_post_changelist")
        return format_html('<a href="{}?user__id__exact={}">Posts by this user</a>', url, obj.pk)

    @admin.action(description="Deactivate selected users", permissions=["change"])
    def deactivate_users(self, request, queryset) -> None:
        """Same rule as the change form: moderators deactivate plain users only; nobody themselves."""
        allowed = queryset.exclude(pk=request.user.pk)
        if not request.user.is_superuser:
            allowed = allowed.filter(role=Role.USER)
        skipped = queryset.count() - allowed.count()
        # update() skips save(): updated_at is set, and the users' cached copies dropped, by hand.
        deactivating = list(allowed.filter(is_active=True).values_list("pk", flat=True))
        deactivated = allowed.filter(pk__in=deactivating).update(is_active=False, updated_at=timezone.now())
        forget_users(deactivating)
        self.message_user(request, f"Deactivated {deactivated} user(s).", messages.SUCCESS)
        if skipped:
            self.message_user(
                request,
                f"Skipped {skipped} user(s): moderators deactivate only plain users, and nobody deactivates themselves.",
                messages.WARNING,
            )
