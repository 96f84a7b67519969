import re
import unicodedata

from rest_framework import serializers

from accounts.messages import PASSWORDS_DO_NOT_MATCH
from accounts.models import User
from blogapi.serializers import StrictCharField, StrictModelSerializer, validate_link

PASSWORD_MAX_LENGTH = 256
INVISIBLE_CATEGORIES = {"Cf", "Zs", "Zl", "Zp"}  # format characters (zero-width...) and spaces


LINK_LIKE = re.compile(r"://|\bwww\.|\b[a-z0-9-]+(\.[a-z0-9-]+)*\.[a-z]{2,}/", re.IGNORECASE)


def validate_display_name(value: str) -> str:
    """A name is shown to others and put in emails: no control characters, not invisible."""
    if any(unicodedata.category(char) == "Cc" for char in value):
        raise serializers.ValidationError("Control characters are not allowed.")
    if all(unicodedata.category(char) in INVISIBLE_CATEGORIES for char in value):
        raise serializers.ValidationError("This field may not be blank.")
    if LINK_LIKE.search(value):
        # Names are shown in emails: no text that reads as a link to follow.
        raise serializers.ValidationError("A name cannot contain a web address.")
    return value


def name_field() -> StrictCharField:
    return StrictCharField(max_length=100, validators=[validate_display_name])


def password_field() -> serializers.CharField:
    return StrictCharField(write_only=True, trim_whitespace=False, max_length=PASSWORD_MAX_LENGTH)


class PasswordPairSerializer(serializers.Serializer):
    password = password_field()
    passwordConfirm = password_field()

    def validate(self, attrs):
        if attrs["password"] != attrs["passwordConfirm"]:
            raise serializers.ValidationError(PASSWORDS_DO_NOT_MATCH)
        return attrs


class RegisterSerializer(PasswordPairSerializer):
    """Only these fields are read: role, verified, is_staff or id in the body are ignored."""

    name = name_field()
    email = serializers.EmailField(max_length=255)
    photo = StrictCharField(max_length=255, required=False, allow_null=True, validators=[validate_link])

    def validate(self, attrs):
        from accounts.services import validate_password_strength

        attrs = super().validate(attrs)
        validate_password_strength(attrs["password"], user=User(email=attrs["email"], name=attrs["name"]))
        return attrs


class LoginSerializer(serializers.Serializer):
    email = StrictCharField(max_length=255)
    password = StrictCharField(trim_whitespace=False, max_length=PASSWORD_MAX_LENGTH)


class EmailSerializer(serializers.Serializer):
    email = serializers.EmailField(max_length=255)


class RefreshSerializer(serializers.Serializer):
    refresh = StrictCharField(required=False, allow_blank=True)


class UserSerializer(StrictModelSerializer):
    """The full user, as shown to its owner (API.md, User object)."""

    name = name_field()
    photo = StrictCharField(max_length=255, required=False, allow_null=True, validators=[validate_link])

    class Meta:
        model = User
        fields = ["id", "name", "email", "photo", "role", "verified", "created_at", "updated_at"]
        read_only_fields = ["id", "email", "role", "verified", "created_at", "updated_at"]


class TokenPairSerializer(serializers.Serializer):
    """Response of login and refresh."""

    status = serializers.ChoiceField(choices=["success"])
    access_token = StrictCharField()
    refresh_token = StrictCharField()
