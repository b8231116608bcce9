from django.contrib import admin
from django.urls import include, path

from caredesk.api.api import api

urlpatterns = [
    path("api/v1/", api.urls),
    path("admin/", admin.site.urls),
    path("console/", include("caredesk.console.urls")),
    path("", include("caredesk.portal.urls")),
]
