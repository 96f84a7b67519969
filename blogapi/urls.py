"""The whole URL map. Every API path answers with and without a trailing slash (API.md)."""

from django.contrib import admin
from django.urls import include, path, re_path
from django.views.generic import RedirectView
from drf_spectacular.views import SpectacularAPIView, SpectacularRedocView, SpectacularSwaggerView

from accounts.urls import auth_urlpatterns, users_urlpatterns
from blogapi.docs import redoc_bundle
from blogapi.views import HealthCheckView, handler404
from events.views import ChangesView
from posts.feeds import LatestPostsAtom, LatestPostsRSS

urlpatterns = [
    re_path(r"^api/healthchecker/?$", HealthCheckView.as_view(), name="healthchecker"),
    path("api/auth/", include(auth_urlpatterns)),
    path("api/users/", include(users_urlpatterns)),
    path("api/", include("posts.urls")),
    re_path(r"^api/changes/?$", ChangesView.as_view(), name="changes"),
    re_path(r"^feed/atom/?$", LatestPostsAtom(), name="feed-atom"),
    re_path(r"^feed/rss/?$", LatestPostsRSS(), name="feed-rss"),
    re_path(r"^api/schema/?$", SpectacularAPIView.as_view(), name="schema"),
    re_path(r"^api/docs/?$", SpectacularSwaggerView.as_view(url_name="schema"), name="docs"),
    re_path(
        r"^api/redoc/?$",
        SpectacularRedocView.as_view(url_name="schema", template_name="blogapi/redoc.html"),
        name="redoc",
    ),
    re_path(r"^api/redoc/bundles/redoc\.standalone\.js$", redoc_bundle, name="redoc-bundle"),
    path("admin/", admin.site.urls),
    path("admin", RedirectView.as_view(url="/admin/")),
    path("", RedirectView.as_view(url="/api/docs/"), name="home"),  # the docs are where to start
    # Any other path: the contract's JSON 404, in DEBUG too (Django's debug 404 is HTML).
    re_path(r"^", handler404),
]

handler404 = "blogapi.views.handler404"
handler500 = "blogapi.views.handler500"
