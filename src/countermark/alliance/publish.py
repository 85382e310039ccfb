"""What this instance shares: drafts of feed entries built from its own database."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import select
from sqlalchemy.orm import Session

from countermark.alliance.config import AllianceIdentity
from countermark.alliance.feed import Draft
from countermark.alliance.keyed import identifier_hashes, keyed_hash
from countermark.hashbanks.models import HashBank, HashBankEntry
from countermark.listings.models import Seller
from countermark.listings.service import seller_records
from countermark.rights.bundle_io import brand_records

PUBLISHED_KINDS = ("profile", "counterfeit_hash", "banned_actor")


def _seller_hashes(session: Session, identity: AllianceIdentity, seller_ids: Iterable[str]) -> dict[str, list[str]]:
    wanted = set(seller_ids)
    if not identity.secret or not wanted:
        return {}
    return {s.seller_id: sorted(identifier_hashes(identity.secret, s.identifiers, s.country))
            for s in seller_records(session) if s.seller_id in wanted}


def profile_drafts(session: Session, identity: AllianceIdentity, brand_ids: Iterable[str] | None = None
                   ) -> list[Draft]:
    """Brand authentication profiles; authorised sellers travel as keyed hashes of their identifiers."""
    wanted = set(brand_ids) if brand_ids is not None else None
    brands = [b for b in brand_records(session) if wanted is None or b.brand_id in wanted]
    authorised = _seller_hashes(session, identity, (s for b in brands for s in b.authorized_sellers))
    references: dict[str, list[dict[str, str]]] = {}
    rows = session.execute(select(HashBankEntry.brand_id, HashBankEntry.ref_id, HashBankEntry.pdq_hex)
                           .join(HashBankEntry.bank).where(HashBank.kind == "reference")
                           .order_by(HashBankEntry.ref_id))
    for brand_id, ref_id, pdq in rows:
        if brand_id:
            references.setdefault(brand_id, []).append({"ref_id": ref_id, "pdq": pdq})
    drafts = []
    for b in brands:
        payload = {
            "brand_id": b.brand_id, "name": b.name, "owner": b.owner, "aliases": list(b.aliases),
            "categories": list(b.categories), "red_flag_terms": list(b.red_flag_terms),
            "products": [{"sku": p.sku, "title": p.title, "model_numbers": list(p.model_numbers), "msrp": p.msrp,
                          "currency": p.currency, "category": p.category} for p in b.products],
            "reference_hashes": references.get(b.brand_id, []),
            "authorized_sellers": [authorised[s] for s in b.authorized_sellers if authorised.get(s)],
        }
        drafts.append(Draft("profile", f"brand:{b.brand_id}", payload))
    return drafts


def counterfeit_hash_drafts(session: Session) -> list[Draft]:
    """PDQ hashes of this instance's confirmed counterfeits (its own banks of kind counterfeit)."""
    rows = session.execute(select(HashBankEntry.pdq_hex, HashBankEntry.quality, HashBankEntry.brand_id)
                           .join(HashBankEntry.bank).where(HashBank.kind == "counterfeit")
                           .order_by(HashBankEntry.pdq_hex))
    drafts: dict[str, Draft] = {}
    for pdq, quality, brand_id in rows:
        drafts.setdefault(pdq, Draft("counterfeit_hash", f"pdq:{pdq}",
                                     {"pdq": pdq, "quality": quality, "brand_id": brand_id}))
    return list(drafts.values())


def banned_actor_drafts(session: Session, identity: AllianceIdentity) -> list[Draft]:
    """Banned accounts as keyed hashes of their normalised identifiers: no raw personal data leaves."""
    banned = session.scalars(select(Seller.seller_id).where(Seller.status == "banned")).all()
    hashes = _seller_hashes(session, identity, banned)
    return [Draft("banned_actor", f"actor:{keyed_hash(identity.secret, 'seller:' + seller_id)}",
                  {"identifiers": found, "status": "banned"})
            for seller_id, found in sorted(hashes.items()) if found]


def all_drafts(session: Session, identity: AllianceIdentity, brand_ids: Iterable[str] | None = None
               ) -> list[Draft]:
    return [*profile_drafts(session, identity, brand_ids), *counterfeit_hash_drafts(session),
            *banned_actor_drafts(session, identity)]
