from rest_framework.routers import SimpleRouter

from posts.views import PostViewSet, TagViewSet

router = SimpleRouter()
# DRF treats the constructor's trailing_slash as a boolean; the attribute takes a regex.
router.trailing_slash = "/?"
router.register("posts", PostViewSet, basename="post")
router.register("tags", TagViewSet, basename="tag")

urlpatterns = router.urls
