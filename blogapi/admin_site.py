from django.contrib import admin
from django.contrib.admin.apps import AdminConfig
from django.http import HttpResponse

from accounts.throttles import AuthEndpointThrottle


class _AdminLogin:
    throttle_scope = "admin_login"  # AUTH_THROTTLE_RATE, like the API's login


class BlogAdminSite(admin.AdminSite):
    site_header = "Blog API administration"
    site_title = "Blog API admin"
    site_url = "/api/docs/"  # "View site": the API's documentation

    def login(self, request, extra_context=None):
        """Django's admin login, throttled per client: staff passwords are the ones worth guessing."""
        if request.method == "POST":
            throttle = AuthEndpointThrottle()
            if not throttle.allow_request(request, _AdminLogin):
                response = HttpResponse(
                    "Too many login attempts. Try again in a minute.", status=429, content_type="text/plain"
                )
                response["Retry-After"] = str(int(throttle.wait() or 60))
                return response
        return super().login(request, extra_context)


class BlogAdminConfig(AdminConfig):
    default_site = "blogapi.admin_site.BlogAdminSite"
