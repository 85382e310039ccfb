"""`create_app(settings)`: the FastAPI application. Nothing is built at import time."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from fastapi import Depends, FastAPI, Request
from fastapi.responses import RedirectResponse
from fastapi.staticfiles import StaticFiles
from sqlalchemy import Engine

from countermark import __version__
from countermark.enforcement.policy import policy_from_settings
from countermark.settings import Settings
from countermark.storage.engine import engine_from_settings, session_factory
from countermark.web import problems
from countermark.web.api import api_router
from countermark.web.api.alliance import alliance_router
from countermark.web.background import WebhookDispatcher
from countermark.web.deps import csrf_guard
from countermark.web.housekeeping import housekeeper_for
from countermark.web.pages import pages_router
from countermark.web.pages.render import make_templates
from countermark.web.policy import LoginRequired
from countermark.web.ratelimit import LoginLimiter

STATIC = Path(__file__).parent / "static"


def create_app(
    settings: Settings, *, engine: Engine | None = None, webhooks: bool = True, housekeeping: bool = True
) -> FastAPI:
    """The web application over `settings`' database (or `engine`, which the caller then owns).

    With `webhooks`, a background thread relays events to webhook subscribers while the app runs. With
    `housekeeping`, another runs the daily enforcement job at start-up and then every
    `settings.housekeeping_interval_minutes` (never when that is 0).

    The enforcement policy (`settings.enforcement_policy`, COUNTERMARK_ENFORCEMENT_POLICY) is loaded here,
    once: routes and housekeeping use the same one, and a broken policy file raises `PolicyError` (a
    ValueError naming the file and the problem) before anything else is built.
    """
    policy = policy_from_settings(settings)
    owned = engine is None
    engine = engine or engine_from_settings(settings)
    sessions = session_factory(engine)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        dispatcher = WebhookDispatcher(sessions) if webhooks else None
        keeper = housekeeper_for(settings, engine, policy) if housekeeping else None
        app.state.housekeeper = keeper
        for thread in (dispatcher, keeper):
            if thread:
                thread.start()
        try:
            yield
        finally:
            for thread in (dispatcher, keeper):
                if thread:
                    thread.stop()
            if owned:
                engine.dispose()

    app = FastAPI(
        lifespan=lifespan,
        title="countermark",
        version=__version__,
        description="Anti-counterfeiting platform API: brands, notices, review queue, sellers, reports.",
        dependencies=[Depends(csrf_guard)],
        openapi_url="/openapi.json",
        docs_url="/api/docs",
        redoc_url=None,
    )
    app.state.settings = settings
    app.state.enforcement_policy = policy
    app.state.engine = engine
    app.state.sessions = sessions
    app.state.login_limiter = LoginLimiter()
    app.state.templates = make_templates()
    problems.install(app)
    app.include_router(api_router(), prefix="/api/v1")
    app.include_router(alliance_router())
    app.include_router(pages_router())
    app.mount("/static", StaticFiles(directory=STATIC), name="static")

    @app.exception_handler(LoginRequired)
    async def _login(request: Request, _: LoginRequired) -> RedirectResponse:
        target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        return RedirectResponse(f"/login?next={target}", status_code=303)

    return app
