from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import serializers
from rest_framework.exceptions import ValidationError
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from blogapi.pagination import positive_int_param
from blogapi.schema import ValidationErrorSerializer
from events import changes
from events.models import Event, EventType

DEFAULT_LIMIT = 100
MAX_LIMIT = 1000
BAD_CURSOR = "Not a cursor from this feed."


class ChangeSerializer(serializers.ModelSerializer):
    cursor = serializers.SerializerMethodField()
    type = serializers.ChoiceField(choices=EventType.choices)
    id = serializers.UUIDField(source="post_id")

    class Meta:
        model = Event
        fields = ["cursor", "type", "id", "slug", "at"]

    def get_cursor(self, event: Event) -> str:
        return changes.cursor_of(event)


class ChangesPageSerializer(serializers.Serializer):
    status = serializers.ChoiceField(choices=["success"])
    changes = ChangeSerializer(many=True)
    next = serializers.CharField(help_text="Pass it as `after` to read on; on an empty page, the cursor passed")


class ChangesView(APIView):
    """Every change of the posts you may see, in commit order, deletions included."""

    permission_classes = [IsAuthenticated]

    @extend_schema(
        summary="Changes of posts since a cursor",
        parameters=[
            OpenApiParameter("after", str, description="A cursor from an earlier answer; none: from the beginning."),
            OpenApiParameter(
                "limit",
                {"type": "integer", "minimum": 1, "default": DEFAULT_LIMIT},
                description=f"Changes per page; above {MAX_LIMIT} it is capped at {MAX_LIMIT}.",
            ),
        ],
        responses={
            200: ChangesPageSerializer,
            400: OpenApiResponse(ValidationErrorSerializer, description="A malformed cursor or limit"),
        },
    )
    def get(self, request):
        after = request.query_params.get("after", changes.BEGINNING)
        limit = min(positive_int_param(request, "limit", DEFAULT_LIMIT), MAX_LIMIT)
        try:
            page = changes.changes_after(request.user, after, limit)
        except changes.BadCursor:
            raise ValidationError({"after": [BAD_CURSOR]}) from None
        return Response(
            {
                "status": "success",
                "changes": ChangeSerializer(page, many=True).data,
                "next": changes.cursor_of(page[-1]) if page else after,
            }
        )
