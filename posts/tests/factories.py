import factory

from accounts.tests.factories import UserFactory
from posts import services
from posts.models import Post


class PostFactory(factory.django.DjangoModelFactory):
    """Posts made the way the API makes them (services.post_create): slug and its history included."""

    class Meta:
        model = Post

    user = factory.SubFactory(UserFactory)
    title = factory.Sequence(lambda n: f"Post number {n}")
    content = factory.Faker("paragraph")
    category = "general"
    image = "default.png"

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        return services.post_create(author=kwargs.pop("user"), **kwargs)
