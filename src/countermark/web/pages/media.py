"""Images from the media store (data_dir/media), served only through objects the caller may see."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

from fastapi import APIRouter
from fastapi import Path as PathParam
from fastapi.responses import FileResponse

from countermark.web.deps import MediaRootDep, allow_page
from countermark.web.problems import not_found
from countermark.web.roles import BRAND_READERS, EVERYONE
from countermark.web.scoped import ScopedBrand, ScopedListing, ScopedProduct

router = APIRouter(include_in_schema=False)

Position = Annotated[int, PathParam(ge=0, le=10_000)]


def _file(media_root: Path, relative: str | None) -> FileResponse:
    if relative is None:
        raise not_found("image")
    root = media_root.resolve()
    path = (root / relative).resolve()
    if not path.is_relative_to(root) or not path.is_file():  # never serve outside the media store
        raise not_found("image")
    return FileResponse(path, headers={"Cache-Control": "private, max-age=3600"})


@router.get("/media/listings/{listing_id}/{position}", dependencies=allow_page(*EVERYONE))
def listing_image(media_root: MediaRootDep, listing: ScopedListing, position: Position) -> FileResponse:
    paths = {i.position: i.path for i in listing.images}
    return _file(media_root, paths.get(position))


@router.get("/media/products/{product_id}/{position}", dependencies=allow_page(*BRAND_READERS))
def product_image(media_root: MediaRootDep, product: ScopedProduct, position: Position) -> FileResponse:
    images = list(product.images)
    return _file(media_root, images[position] if position < len(images) else None)


@router.get("/media/brands/{brand_id}/reference/{position}", dependencies=allow_page(*BRAND_READERS))
def reference_image(media_root: MediaRootDep, brand: ScopedBrand, position: Position) -> FileResponse:
    paths = {r.position: r.path for r in brand.reference_images}
    return _file(media_root, paths.get(position))
