"""Brand portal API: brands, trademarks, authentication profile, catalogue, reference images."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Body, File, Query, UploadFile
from pydantic import BaseModel, Field

from countermark.accounts.service import get_user, grant_brand
from countermark.rights import service
from countermark.rights.models import Brand, Product, Trademark
from countermark.web.deps import CurrentPrincipal, Page, PageDep, SessionDep, SettingsDep, allow
from countermark.web.policy import brand_filter
from countermark.web.problems import Problem
from countermark.web.roles import ADMIN, BRAND_EDITORS, BRAND_READERS
from countermark.web.scoped import ScopedBrand, ScopedTrademark

router = APIRouter(tags=["brands"])

Text = Annotated[str, Field(max_length=1000)]


class TrademarkIn(BaseModel):
    mark: str = Field(min_length=1, max_length=1000)
    office: str = Field(default="", max_length=100)
    registration_number: str = Field(default="", max_length=100)
    classes: list[Annotated[int, Field(ge=1, le=45)]] = Field(default_factory=list, max_length=45)

    def as_input(self) -> service.TrademarkInput:
        return service.TrademarkInput(self.mark, self.office, self.registration_number, tuple(self.classes))


class TrademarkOut(BaseModel):
    id: int
    mark: str
    office: str
    registration_number: str
    classes: list[int]
    verification_status: str

    @classmethod
    def of(cls, t: Trademark) -> TrademarkOut:
        return cls(id=t.id, mark=t.mark, office=t.office, registration_number=t.registration_number,
                   classes=list(t.classes), verification_status=t.verification_status)


class BrandIn(BaseModel):
    brand_id: str = Field(min_length=1, max_length=200, pattern=service.BRAND_ID.pattern)
    name: str = Field(min_length=1, max_length=1000)
    owner: str = Field(default="", max_length=1000)
    categories: list[Text] = Field(default_factory=list, max_length=100)
    trademarks: list[TrademarkIn] = Field(default_factory=list, max_length=100)


class BrandSummary(BaseModel):
    brand_id: str
    name: str
    owner: str


class BrandOut(BrandSummary):
    categories: list[str]
    trademarks: list[TrademarkOut]
    aliases: list[str]
    red_flag_terms: list[str]
    authorized_sellers: list[str]
    reference_images: int
    products: int

    @classmethod
    def of(cls, b: Brand) -> BrandOut:
        return cls(brand_id=b.brand_id, name=b.name, owner=b.owner, categories=list(b.categories),
                   trademarks=[TrademarkOut.of(t) for t in b.trademarks], aliases=[a.alias for a in b.aliases],
                   red_flag_terms=[t.term for t in b.red_flag_terms],
                   authorized_sellers=[s.seller_id for s in b.authorized_sellers],
                   reference_images=len(b.reference_images), products=len(b.products))


class ProfileIn(BaseModel):
    aliases: list[Text] = Field(default_factory=list, max_length=1000)
    red_flag_terms: list[Text] = Field(default_factory=list, max_length=1000)
    authorized_sellers: list[Annotated[str, Field(max_length=200)]] = Field(default_factory=list, max_length=10000)


class VerificationIn(BaseModel):
    status: Literal["unverified", "verified", "rejected"]


class ProductOut(BaseModel):
    sku: str
    title: str
    model_numbers: list[str]
    msrp: float
    currency: str
    category: str
    images: list[str]

    @classmethod
    def of(cls, p: Product) -> ProductOut:
        return cls(sku=p.sku, title=p.title, model_numbers=list(p.model_numbers), msrp=p.msrp,
                   currency=p.currency, category=p.category, images=list(p.images))


class CatalogueReportOut(BaseModel):
    accepted: int
    created: int
    updated: int
    rejects: list[dict]


class ReferenceImageOut(BaseModel):
    position: int
    path: str


def _brand_error(e: service.BrandError) -> Problem:
    return Problem(409 if "already exists" in str(e) else 422, str(e))


@router.get("/brands", response_model=Page[BrandSummary], dependencies=allow(*BRAND_READERS))
def list_brands(db: SessionDep, principal: CurrentPrincipal, page: PageDep,
                q: Annotated[str, Query(max_length=200, description="Name or id contains")] = "") -> Page[BrandSummary]:
    brands, total = service.brands_page(db, brand_filter(principal), q=q, limit=page.limit, offset=page.offset)
    items = [BrandSummary(brand_id=b.brand_id, name=b.name, owner=b.owner) for b in brands]
    return Page(items=items, total=total, limit=page.limit, offset=page.offset)


@router.post("/brands", status_code=201, response_model=BrandOut, dependencies=allow(*BRAND_EDITORS))
def register_brand(db: SessionDep, principal: CurrentPrincipal, body: Annotated[BrandIn, Body()]) -> BrandOut:
    """Register a brand; its trademarks start unverified until an admin checks them."""
    try:
        brand = service.register_brand(
            db, brand_id=body.brand_id, name=body.name, owner=body.owner, categories=body.categories,
            trademarks=[t.as_input() for t in body.trademarks], actor=principal.actor,
        )
    except service.BrandError as e:
        raise _brand_error(e) from e
    if principal.role == "rights_holder":
        grant_brand(db, get_user(db, principal.username), brand.brand_id, actor=principal.actor)
    return BrandOut.of(brand)


@router.get("/brands/{brand_id}", response_model=BrandOut, dependencies=allow(*BRAND_READERS))
def get_brand(brand: ScopedBrand) -> BrandOut:
    return BrandOut.of(brand)


@router.put("/brands/{brand_id}/profile", response_model=BrandOut, dependencies=allow(*BRAND_EDITORS))
def update_profile(db: SessionDep, principal: CurrentPrincipal, brand: ScopedBrand,
                   body: Annotated[ProfileIn, Body()]) -> BrandOut:
    """Replace aliases, red-flag terms and authorised sellers."""
    service.update_profile(db, brand, aliases=body.aliases, red_flag_terms=body.red_flag_terms,
                           authorized_sellers=body.authorized_sellers, actor=principal.actor)
    return BrandOut.of(brand)


@router.post("/brands/{brand_id}/trademarks", status_code=201, response_model=TrademarkOut,
             dependencies=allow(*BRAND_EDITORS))
def add_trademark(db: SessionDep, principal: CurrentPrincipal, brand: ScopedBrand,
                  body: Annotated[TrademarkIn, Body()]) -> TrademarkOut:
    try:
        return TrademarkOut.of(service.add_trademark(db, brand, body.as_input(), actor=principal.actor))
    except service.BrandError as e:
        raise _brand_error(e) from e


@router.put("/trademarks/{trademark_id}/verification", response_model=TrademarkOut, dependencies=allow(*ADMIN))
def verify_trademark(db: SessionDep, principal: CurrentPrincipal, trademark: ScopedTrademark,
                     body: Annotated[VerificationIn, Body()]) -> TrademarkOut:
    """Only an admin sets a trademark's verification status."""
    return TrademarkOut.of(service.set_verification(db, trademark, body.status, actor=principal.actor))


@router.get("/brands/{brand_id}/products", response_model=Page[ProductOut], dependencies=allow(*BRAND_READERS))
def list_products(db: SessionDep, brand: ScopedBrand, page: PageDep,
                  q: Annotated[str, Query(max_length=200, description="Title or SKU contains")] = "",
                  ) -> Page[ProductOut]:
    products, total = service.products_page(db, brand.brand_id, q=q, limit=page.limit, offset=page.offset)
    return Page(items=[ProductOut.of(p) for p in products], total=total, limit=page.limit, offset=page.offset)


@router.post("/brands/{brand_id}/catalogue", response_model=CatalogueReportOut, dependencies=allow(*BRAND_EDITORS))
def upload_catalogue(db: SessionDep, principal: CurrentPrincipal, brand: ScopedBrand,
                     file: Annotated[UploadFile, File(description="CSV: " + ",".join(service.CATALOGUE_COLUMNS))],
                     ) -> CatalogueReportOut:
    """Upsert catalogue products by SKU; bad rows are reported by line, valid rows applied."""
    try:
        report = service.import_catalogue_csv(db, brand, file.file.read(), actor=principal.actor)
    except service.BrandError as e:
        raise _brand_error(e) from e
    return CatalogueReportOut(accepted=report.accepted, created=report.created, updated=report.updated,
                              rejects=report.rejects)


@router.post("/brands/{brand_id}/reference-images", status_code=201, response_model=ReferenceImageOut,
             dependencies=allow(*BRAND_EDITORS))
def upload_reference_image(db: SessionDep, settings: SettingsDep, principal: CurrentPrincipal, brand: ScopedBrand,
                           file: Annotated[UploadFile, File(description="PNG, JPEG, WebP or GIF")],
                           ) -> ReferenceImageOut:
    try:
        row = service.add_reference_image(db, brand, file.file.read(service.MAX_IMAGE_BYTES + 1),
                                          media_root=settings.media_root, actor=principal.actor)
    except service.BrandError as e:
        raise _brand_error(e) from e
    return ReferenceImageOut(position=row.position, path=row.path)
