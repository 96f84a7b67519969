from django.db import InterfaceError, OperationalError, connection
from django.views.decorators.csrf import csrf_exempt
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from blogapi.exceptions import database_unavailable_response, json_error

NOT_FOUND = "Not found."


class HealthSerializer(serializers.Serializer):
    status = serializers.ChoiceField(choices=["success"])
    message = serializers.CharField()
    database = serializers.ChoiceField(choices=["ok"])


class HealthOutageSerializer(serializers.Serializer):
    status = serializers.ChoiceField(choices=["error"])
    detail = serializers.CharField()
    database = serializers.ChoiceField(choices=["unavailable"])


class HealthCheckView(APIView):
    """Liveness of the API and of its database. No authentication."""

    authentication_classes = []
    permission_classes = [AllowAny]

    @extend_schema(responses={200: HealthSerializer, 503: HealthOutageSerializer})
    def get(self, request):
        try:
            with connection.cursor() as cursor:
                cursor.execute("SELECT 1")
        except (OperationalError, InterfaceError):
            return database_unavailable_response(database="unavailable")
        return Response({"status": "success", "message": "Hello World", "database": "ok"})


@csrf_exempt  # also the fallback view: a POST to an unknown path is a 404, not a CSRF 403
def handler404(request, exception=None, **kwargs):
    """Also the URL map's fallback: in DEBUG, Django's own 404 page would be HTML."""
    return json_error(status.HTTP_404_NOT_FOUND, NOT_FOUND)


def handler500(request):
    return json_error(status.HTTP_500_INTERNAL_SERVER_ERROR)
