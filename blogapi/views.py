from django.db import InterfaceError, OperationalError, connection
from django.views.decorators.csrf import csrf_exempt
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from blogapi.db_router import REPLICA_STATES, replica_statuses
from blogapi.exceptions import database_unavailable_response, json_error

NOT_FOUND = "Not found."


REPLICAS_HELP = (
    "Only when DATABASE_REPLICA_URL is set (absent otherwise): each read replica by alias "
    "(replica1, replica2, ... in the order of DATABASE_REPLICA_URL) and its state. A replica that is "
    "unavailable or lagging (more than REPLICA_MAX_LAG_SECONDS behind) is skipped: reads go to the "
    "primary. It never makes this check fail; only the primary (`database`) does."
)


def replicas_field() -> serializers.DictField:
    return serializers.DictField(
        child=serializers.ChoiceField(choices=REPLICA_STATES), required=False, help_text=REPLICAS_HELP
    )


class HealthSerializer(serializers.Serializer):
    status = serializers.ChoiceField(choices=["success"])
    message = serializers.CharField()
    database = serializers.ChoiceField(choices=["ok"], help_text="The primary database.")
    replicas = replicas_field()


class HealthOutageSerializer(serializers.Serializer):
    status = serializers.ChoiceField(choices=["error"])
    detail = serializers.CharField()
    database = serializers.ChoiceField(choices=["unavailable"], help_text="The primary database.")
    replicas = replicas_field()


class HealthCheckView(APIView):
    """Liveness of the API and of its databases. No authentication. Only the primary decides the status."""

    authentication_classes = []
    permission_classes = [AllowAny]

    @extend_schema(responses={200: HealthSerializer, 503: HealthOutageSerializer})
    def get(self, request):
        replicas = {"replicas": statuses} if (statuses := replica_statuses()) else {}
        try:
            with connection.cursor() as cursor:  # the primary's own connection, never routed
                cursor.execute("SELECT 1")
        except (OperationalError, InterfaceError):
            return database_unavailable_response(database="unavailable", **replicas)
        return Response({"status": "success", "message": "Hello World", "database": "ok", **replicas})


@csrf_exempt  # also the fallback view: a POST to an unknown path is a 404, not a CSRF 403
def handler404(request, exception=None, **kwargs):
    """Also the URL map's fallback: in DEBUG, Django's own 404 page would be HTML."""
    return json_error(status.HTTP_404_NOT_FOUND, NOT_FOUND)


def handler500(request):
    return json_error(status.HTTP_500_INTERNAL_SERVER_ERROR)
