"""The versioned REST API: assembles the routers, authentication and the error shape."""

from __future__ import annotations

from ninja import NinjaAPI

from caredesk.api import accounts, cases, errors, installbase
from caredesk.api.auth import AUTH

api = NinjaAPI(
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
