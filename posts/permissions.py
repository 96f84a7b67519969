from django.conf import settings
from rest_framework.permissions import SAFE_METHODS, BasePermission

NOT_ALLOWED = "You are not allowed to perform this action"


class PublicReadOrAuthenticated(BasePermission):
    """Anyone reads (which posts: ``Post.objects.visible_to``); writing needs a login.

    ``PUBLIC_READ=0`` keeps the tutorial's rule: every request needs a login (API.md, Posts).
    """

    def has_permission(self, request, view) -> bool:
        if request.method in SAFE_METHODS and settings.PUBLIC_READ:
            return True
        return request.user.is_authenticated


class IsOwnerOrModerator(BasePermission):
    """Only the author or a moderator writes (Post.can_edit)."""

    message = NOT_ALLOWED

    def has_object_permission(self, request, view, obj) -> bool:
        return request.method in SAFE_METHODS or obj.can_edit(request.user)
