"""Server-rendered pages (Jinja2): thin views over the same services as the API."""

from fastapi import APIRouter

from countermark.web.pages import (
    auth,
    dashboard,
    investigations,
    media,
    notices,
    portal,
    review,
    seller,
    users,
    webhooks,
)


def pages_router() -> APIRouter:
    router = APIRouter(include_in_schema=False)
    for module in (auth, portal, notices, review, seller, investigations, dashboard, webhooks, users, media):
        router.include_router(module.router)
    return router
