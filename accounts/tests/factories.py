import factory
from django.contrib.auth.hashers import make_password

from accounts.models import Role, User

PASSWORD = "correct-Horse-battery-9"
_password_hash = None


def password_hash() -> str:
    """Hash once per run: Argon2 is slow on purpose."""
    global _password_hash
    if _password_hash is None:
        _password_hash = make_password(PASSWORD)
    return _password_hash


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User

    email = factory.Sequence(lambda n: f"user{n}@example.com")
    name = factory.Faker("name")
    password = factory.LazyFunction(password_hash)
    verified = True
    role = Role.USER


class ModeratorFactory(UserFactory):
    role = Role.MODERATOR
