"""JSON API under /api/v1: one router per area, all errors as problem+json."""

from fastapi import APIRouter

from countermark.web.api import appeals, auth, brands, metrics, network, notices, queue, sellers, users, webhooks


def api_router() -> APIRouter:
    router = APIRouter()
    for module in (auth, users, brands, notices, queue, appeals, sellers, network, metrics, webhooks):
        router.include_router(module.router)
    return router
