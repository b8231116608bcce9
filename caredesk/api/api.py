"""The versioned REST API: assembles the routers, authentication and the error shape."""

from __future__ import annotations

from typing import Any

from ninja import NinjaAPI
from ninja.openapi.schema import OpenAPISchema

from caredesk.api import accounts, cases, errors, installbase, rma, translation
from caredesk.api.auth import AUTH
from caredesk.api.openapi import document_errors


class CaredeskAPI(NinjaAPI):
    def get_openapi_schema(self, *, path_prefix: str | None = None, path_params: Any = None) -> OpenAPISchema:
        schema = super().get_openapi_schema(path_prefix=path_prefix, path_params=path_params)
        document_errors(schema)
        return schema


api = CaredeskAPI(
    title="caredesk API",
    version="1",
    description=(
        "Cases, accounts and (in later versions) the installed base, entitlement and RMAs. "
        "Authenticate with a personal token (`Authorization: Bearer cd_…`, see POST /auth/tokens) "
        'or the portal session. Errors always have the shape `{"error": {"code", "message", "fields"}}`.'
    ),
    auth=AUTH,
    urls_namespace="api",
    docs_url="/docs",
)
errors.install(api)
api.add_router("/", accounts.router)
api.add_router("/", cases.router)
api.add_router("/", installbase.router)
api.add_router("/", rma.router)
api.add_router("/", translation.router)
