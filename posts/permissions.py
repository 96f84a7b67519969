from rest_framework.permissions import SAFE_METHODS, BasePermission

NOT_ALLOWED = "You are not allowed to perform this action"


class IsOwnerOrModerator(BasePermission):
    """Anyone authenticated reads; only the author or a moderator writes (Post.can_edit)."""

    message = NOT_ALLOWED

    def has_object_permission(self, request, view, obj) -> bool:
        return request.method in SAFE_METHODS or obj.can_edit(request.user)
