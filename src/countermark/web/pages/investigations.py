"""Investigator view: seller clusters with linking evidence, case export."""

from __future__ import annotations

from fastapi import APIRouter, BackgroundTasks, Request
from fastapi.responses import FileResponse, Response

from countermark.web.api.network import cluster_detail, export_zip
from countermark.web.deps import CurrentPrincipal, PageDep, SessionDep, SettingsDep, allow_page
from countermark.web.pages.render import render
from countermark.web.queries import clusters_page
from countermark.web.roles import INVESTIGATORS
from countermark.web.scoped import ClusterId

router = APIRouter(include_in_schema=False)


@router.get("/investigations", dependencies=allow_page(*INVESTIGATORS))
def clusters(request: Request, db: SessionDep, page: PageDep) -> Response:
    rows, total = clusters_page(db, min_size=2, limit=page.limit, offset=page.offset)
    return render(request, "investigations.html", rows=rows, total=total, page=page)


@router.get("/investigations/{cluster_id}", dependencies=allow_page(*INVESTIGATORS))
def cluster(request: Request, db: SessionDep, cluster_id: ClusterId) -> Response:
    return render(request, "cluster.html", c=cluster_detail(db, cluster_id))


@router.post("/investigations/{cluster_id}/export", dependencies=allow_page(*INVESTIGATORS))
def export(db: SessionDep, settings: SettingsDep, principal: CurrentPrincipal, cluster_id: ClusterId,
           cleanup: BackgroundTasks) -> FileResponse:
    return export_zip(db, settings, principal, cluster_id, cleanup)
