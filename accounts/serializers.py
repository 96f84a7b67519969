from rest_framework import serializers

from accounts.exceptions import PASSWORDS_DO_NOT_MATCH
from accounts.models import User

PASSWORD_MAX_LENGTH = 256


def password_field() -> serializers.CharField:
    return serializers.CharField(write_only=True, trim_whitespace=False, max_length=PASSWORD_MAX_LENGTH)


class PasswordPairSerializer(serializers.Serializer):
    password = password_field()
    passwordConfirm = password_field()

    def validate(self, attrs):
        if attrs["password"] != attrs["passwordConfirm"]:
            raise serializers.ValidationError(PASSWORDS_DO_NOT_MATCH)
        return attrs


class RegisterSerializer(PasswordPairSerializer):
    """Only these fields are read: role, verified, is_staff or id in the body are ignored."""

    name = serializers.CharField(max_length=100)
    email = serializers.EmailField(max_length=255)
    photo = serializers.CharField(max_length=255, required=False, allow_null=True)

    def validate(self, attrs):
        from accounts.services import validate_password_strength

        attrs = super().validate(attrs)
        validate_password_strength(attrs["password"], user=User(email=attrs["email"], name=attrs["name"]))
        return attrs


class LoginSerializer(serializers.Serializer):
    email = serializers.CharField(max_length=255)
    password = serializers.CharField(trim_whitespace=False, max_length=PASSWORD_MAX_LENGTH)


class EmailSerializer(serializers.Serializer):
    email = serializers.EmailField(max_length=255)


class RefreshSerializer(serializers.Serializer):
    refresh = serializers.CharField(required=False, allow_blank=True)


class UserSerializer(serializers.ModelSerializer):
    """The full user, as shown to its owner (API.md, User object)."""

    name = serializers.CharField(max_length=100)

    class Meta:
        model = User
        fields = ["id", "name", "email", "photo", "role", "verified", "created_at", "updated_at"]
        read_only_fields = ["id", "email", "role", "verified", "created_at", "updated_at"]


class TokenPairSerializer(serializers.Serializer):
    """Response of login and refresh."""

    status = serializers.CharField(default="success")
    access_token = serializers.CharField()
    refresh_token = serializers.CharField()
