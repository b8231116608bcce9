from django.contrib import admin
from django.urls import include, path

from caredesk.api.api import api
from caredesk.web.locale import switch_language

urlpatterns = [
    path("api/v1/", api.urls),
    path("admin/", admin.site.urls),
    path("language/", switch_language, name="switch_language"),
    path("console/", include("caredesk.console.urls")),
    path("", include("caredesk.portal.urls")),
]
