"""Investigator API: seller clusters with the identifiers that link them, and case export."""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Annotated

from fastapi import APIRouter, BackgroundTasks, Query
from fastapi.responses import FileResponse
from pydantic import BaseModel

from countermark.listings.models import Seller
from countermark.network import service as network
from countermark.network.case import export_case
from countermark.web.deps import CurrentPrincipal, Page, PageDep, SessionDep, SettingsDep, allow
from countermark.web.queries import clusters_page
from countermark.web.roles import INVESTIGATORS
from countermark.web.scoped import ClusterId

router = APIRouter(tags=["investigations"])


class ClusterSummary(BaseModel):
    cluster_id: str
    size: int
    banned: int
    suspended: int


class MemberOut(BaseModel):
    seller_id: str
    display_name: str
    country: str
    status: str


class LinkOut(BaseModel):
    key: str
    weight: float
    sellers: list[str]


class ClusterOut(BaseModel):
    cluster_id: str
    members: list[MemberOut]
    links: list[LinkOut]


def cluster_detail(db, cluster_id: str) -> ClusterOut:  # noqa: ANN001
    members = [db.get(Seller, s) for s in network.cluster_members(db, cluster_id)]
    return ClusterOut(
        cluster_id=cluster_id,
        members=[MemberOut(seller_id=m.seller_id, display_name=m.display_name, country=m.country, status=m.status)
                 for m in members if m is not None],
        links=[LinkOut(**link) for link in network.cluster_links(db, cluster_id)])


@router.get("/clusters", response_model=Page[ClusterSummary], dependencies=allow(*INVESTIGATORS))
def list_clusters(db: SessionDep, page: PageDep,
                  min_size: Annotated[int, Query(ge=1, le=100_000)] = 2) -> Page[ClusterSummary]:
    """Clusters of linked seller accounts, those holding banned accounts first."""
    rows, total = clusters_page(db, min_size=min_size, limit=page.limit, offset=page.offset)
    return Page(items=[ClusterSummary(**vars(r)) for r in rows], total=total, limit=page.limit, offset=page.offset)


@router.get("/clusters/{cluster_id}", response_model=ClusterOut, dependencies=allow(*INVESTIGATORS))
def get_cluster(db: SessionDep, cluster_id: ClusterId) -> ClusterOut:
    """Members and the linking evidence (shared normalised identifiers)."""
    return cluster_detail(db, cluster_id)


def export_zip(db, settings, principal, cluster_id: str, cleanup: BackgroundTasks) -> FileResponse:  # noqa: ANN001
    folder = Path(tempfile.mkdtemp(prefix="countermark-case-"))
    report = export_case(db, cluster_id, folder / f"case-{cluster_id}.zip", media_root=settings.media_root,
                         actor=principal.actor)
    cleanup.add_task(_remove, folder)
    return FileResponse(report.path, media_type="application/zip", filename=report.path.name,
                        headers={"X-Manifest-SHA256": report.manifest_sha256})


def _remove(folder: Path) -> None:
    for path in folder.iterdir():
        path.unlink()
    folder.rmdir()


@router.post("/clusters/{cluster_id}/export", dependencies=allow(*INVESTIGATORS),
             response_class=FileResponse, responses={200: {"content": {"application/zip": {}}}})
def export(db: SessionDep, settings: SettingsDep, principal: CurrentPrincipal, cluster_id: ClusterId,
           cleanup: BackgroundTasks) -> FileResponse:
    """The evidence package (zip with manifest and hashes; see `countermark network case verify`)."""
    return export_zip(db, settings, principal, cluster_id, cleanup)
