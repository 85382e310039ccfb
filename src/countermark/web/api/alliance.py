"""`/alliance/v1`: this instance's signed feed, for peers to pull. Public: entries are signed and carry
no raw personal data (identifiers travel as keyed hashes)."""

from __future__ import annotations

import json

from fastapi import APIRouter, Query, Request, Response
from fastapi.responses import JSONResponse

from countermark.alliance.config import AllianceIdentity, load_identity
from countermark.alliance.feed import PAGE_LIMIT, page
from countermark.web.deps import SessionDep


def _identity(request: Request) -> AllianceIdentity:
    if getattr(request.app.state, "alliance_identity", None) is None:
        request.app.state.alliance_identity = load_identity(request.app.state.settings)
    return request.app.state.alliance_identity


def alliance_router() -> APIRouter:
    router = APIRouter(prefix="/alliance/v1", tags=["alliance"])

    @router.get("/feed", summary="Entries of this instance's feed after a sequence number",
                response_class=JSONResponse)
    def feed(request: Request, db: SessionDep, after: int = Query(0, ge=0),
             limit: int = Query(PAGE_LIMIT, ge=1, le=PAGE_LIMIT)) -> Response:
        # Serialised directly: pages hold up to 10,000 entries, too many for FastAPI's generic encoder.
        body = json.dumps(page(db, _identity(request), after, limit), ensure_ascii=False, separators=(",", ":"))
        return Response(content=body, media_type="application/json")

    @router.get("/key", summary="This instance's name and Ed25519 public key")
    def key(request: Request) -> dict[str, str]:
        identity = _identity(request)
        return {"instance": identity.name, "public_key": identity.public_key}

    return router
