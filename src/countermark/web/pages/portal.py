"""Brand portal pages: register brands and trademarks, edit the authentication profile, catalogue, images."""

from __future__ import annotations

from typing import Annotated
from urllib.parse import quote

from fastapi import APIRouter, File, Form, Request, UploadFile
from fastapi.responses import RedirectResponse, Response

from countermark.accounts.service import get_user, grant_brand
from countermark.rights import service
from countermark.web.deps import CurrentPrincipal, PageDep, SessionDep, SettingsDep, allow_page
from countermark.web.pages.render import render
from countermark.web.policy import brand_filter
from countermark.web.problems import Problem
from countermark.web.roles import ADMIN, BRAND_EDITORS, BRAND_READERS
from countermark.web.scoped import ScopedBrand, ScopedTrademark

router = APIRouter(include_in_schema=False)


def back(path: str, message: str) -> RedirectResponse:
    return RedirectResponse(f"{path}?msg={quote(message)}", status_code=303)


def _lines(text: str) -> list[str]:
    return [line.strip() for line in text.replace(",", "\n").splitlines() if line.strip()]


@router.get("/brands", dependencies=allow_page(*BRAND_READERS))
def brands(request: Request, db: SessionDep, principal: CurrentPrincipal, page: PageDep, q: str = "") -> Response:
    rows, total = service.brands_page(db, brand_filter(principal), q=q[:200], limit=page.limit, offset=page.offset)
    return render(request, "brands.html", brands=rows, total=total, page=page, q=q,
                  can_register=principal.role in BRAND_EDITORS)


@router.post("/brands", dependencies=allow_page(*BRAND_EDITORS))
def register(
    request: Request,
    db: SessionDep,
    principal: CurrentPrincipal,
    brand_id: Annotated[str, Form(max_length=200)],
    name: Annotated[str, Form(max_length=1000)],
    owner: Annotated[str, Form(max_length=1000)] = "",
    mark: Annotated[str, Form(max_length=1000)] = "",
    office: Annotated[str, Form(max_length=100)] = "",
    registration_number: Annotated[str, Form(max_length=100)] = "",
) -> Response:
    marks = [service.TrademarkInput(mark, office, registration_number)] if mark.strip() else []
    try:
        brand = service.register_brand(db, brand_id=brand_id.strip(), name=name, owner=owner, trademarks=marks,
                                       actor=principal.actor)
    except service.BrandError as e:
        raise Problem(422, str(e)) from e
    if principal.role == "rights_holder":
        grant_brand(db, get_user(db, principal.username), brand.brand_id, actor=principal.actor)
    return back(f"/brands/{brand.brand_id}", "Brand registered. Trademarks await verification by an admin.")


@router.get("/brands/{brand_id}", dependencies=allow_page(*BRAND_READERS))
def brand_page(request: Request, db: SessionDep, principal: CurrentPrincipal, brand: ScopedBrand) -> Response:
    products, total = service.products_page(db, brand.brand_id, limit=20, offset=0)
    return render(request, "brand.html", brand=brand, products=products, product_total=total,
                  can_edit=principal.role in BRAND_EDITORS, is_admin=principal.role == "admin")


@router.post("/brands/{brand_id}/profile", dependencies=allow_page(*BRAND_EDITORS))
def edit_profile(
    db: SessionDep,
    principal: CurrentPrincipal,
    brand: ScopedBrand,
    aliases: Annotated[str, Form(max_length=100_000)] = "",
    red_flag_terms: Annotated[str, Form(max_length=100_000)] = "",
    authorized_sellers: Annotated[str, Form(max_length=1_000_000)] = "",
) -> Response:
    service.update_profile(db, brand, aliases=_lines(aliases), red_flag_terms=_lines(red_flag_terms),
                           authorized_sellers=_lines(authorized_sellers), actor=principal.actor)
    return back(f"/brands/{brand.brand_id}", "Authentication profile saved.")


@router.post("/brands/{brand_id}/trademarks", dependencies=allow_page(*BRAND_EDITORS))
def add_trademark(
    db: SessionDep,
    principal: CurrentPrincipal,
    brand: ScopedBrand,
    mark: Annotated[str, Form(max_length=1000)],
    office: Annotated[str, Form(max_length=100)] = "",
    registration_number: Annotated[str, Form(max_length=100)] = "",
) -> Response:
    try:
        service.add_trademark(db, brand, service.TrademarkInput(mark, office, registration_number),
                              actor=principal.actor)
    except service.BrandError as e:
        raise Problem(422, str(e)) from e
    return back(f"/brands/{brand.brand_id}", "Trademark added; an admin will verify it.")


@router.post("/trademarks/{trademark_id}/verification", dependencies=allow_page(*ADMIN))
def verify(
    db: SessionDep,
    principal: CurrentPrincipal,
    trademark: ScopedTrademark,
    status: Annotated[str, Form(max_length=20)],
) -> Response:
    try:
        service.set_verification(db, trademark, status, actor=principal.actor)
    except service.BrandError as e:
        raise Problem(422, str(e)) from e
    return back(f"/brands/{trademark.brand_id}", f"Trademark {trademark.mark} is now {status}.")


@router.post("/brands/{brand_id}/catalogue", dependencies=allow_page(*BRAND_EDITORS))
def upload_catalogue(
    request: Request, db: SessionDep, principal: CurrentPrincipal, brand: ScopedBrand,
    file: Annotated[UploadFile, File()],
) -> Response:
    try:
        report = service.import_catalogue_csv(db, brand, file.file.read(), actor=principal.actor)
    except service.BrandError as e:
        raise Problem(422, str(e)) from e
    return render(request, "catalogue_report.html", brand=brand, report=report, filename=file.filename or "")


@router.post("/brands/{brand_id}/reference-images", dependencies=allow_page(*BRAND_EDITORS))
def upload_image(
    db: SessionDep, settings: SettingsDep, principal: CurrentPrincipal, brand: ScopedBrand,
    file: Annotated[UploadFile, File()],
) -> Response:
    try:
        service.add_reference_image(db, brand, file.file.read(service.MAX_IMAGE_BYTES + 1),
                                    media_root=settings.media_root, actor=principal.actor)
    except service.BrandError as e:
        raise Problem(422, str(e)) from e
    return back(f"/brands/{brand.brand_id}", "Reference image added.")
