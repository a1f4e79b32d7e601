"""The analysts' dashboard: server-rendered pages, actions, CSV export and a JSON API, all behind a login."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from monitor.dashboard import actions, api, export, pages
from monitor.dashboard.guard import Dashboard
from monitor.dashboard.guard import action as _action
from monitor.dashboard.guard import api as _api
from monitor.dashboard.guard import page as _page
from monitor.runtime import Runtime

# Reachable without signing in: the sign-in form itself, and nothing else.
PUBLIC = frozenset({("GET", "/login"), ("POST", "/login")})


def routes(rt: Runtime) -> list[BaseRoute]:
    """Every dashboard route, to mount at the root of an app (alert links point at /developments/{id})."""
    d = Dashboard(rt)

    async def login_form(request: Request) -> Response:
        return await actions.login_form(d, request)

    async def login(request: Request) -> Response:
        return await actions.login(d, request)

    return [
        Route("/login", login_form, methods=["GET"], name="dashboard:login-form"),
        Route("/login", login, methods=["POST"], name="dashboard:login"),
        Route("/logout", _action(d, actions.logout), methods=["POST"], name="dashboard:logout"),
        Route("/", _page(d, pages.overview), methods=["GET"], name="dashboard:overview"),
        Route("/countries/{code}", _page(d, pages.country), methods=["GET"], name="dashboard:country"),
        Route("/developments/{id}", _page(d, pages.development), methods=["GET"], name="dashboard:development"),
        Route("/developments/{id}/status", _action(d, actions.development_status), methods=["POST"],
              name="dashboard:development-status"),
        Route("/articles", _page(d, pages.articles), methods=["GET"], name="dashboard:articles"),
        Route("/articles/{id}/label", _action(d, actions.label), methods=["POST"], name="dashboard:label"),
        Route("/sources", _page(d, pages.sources), methods=["GET"], name="dashboard:sources"),
        Route("/alerts", _page(d, pages.alerts), methods=["GET"], name="dashboard:alerts"),
        Route("/alerts/{id}/retry", _action(d, actions.retry_alert), methods=["POST"], name="dashboard:retry"),
        Route("/alerts/retry-dead", _action(d, actions.retry_dead), methods=["POST"], name="dashboard:retry-dead"),
        Route("/developments.csv", _api(d, export.export_developments), methods=["GET"], name="dashboard:csv"),
        Route("/api/openapi.json", _api(d, api.openapi), methods=["GET"], name="api:openapi"),
        Route("/api/developments", _api(d, api.list_developments, params=api.DEVELOPMENT_PARAMS), methods=["GET"],
              name="api:developments"),
        Route("/api/developments/{id}", _api(d, api.get_development), methods=["GET"], name="api:development"),
        Route("/api/countries", _api(d, api.list_countries), methods=["GET"], name="api:countries"),
        Route("/api/articles", _api(d, api.list_articles, params=("filter", "limit", "offset")), methods=["GET"],
              name="api:articles"),
        Route("/api/articles/{id}/label", _api(d, api.label_article, write=True), methods=["POST"],
              name="api:label"),
        Route("/api/sources", _api(d, api.list_sources), methods=["GET"], name="api:sources"),
        Route("/api/alerts", _api(d, api.list_alerts, params=("status", "limit")), methods=["GET"],
              name="api:alerts"),
        Route("/api/alerts/{id}/retry", _api(d, api.retry_alert, write=True), methods=["POST"], name="api:retry"),
    ]
