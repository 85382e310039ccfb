"""Notice intake (DSA Art. 16): one validation and acceptance path for single, bulk and API notices.

Intake is idempotent: a notice is keyed by (notifier, idempotency key); a retry with the same content
returns the first notice, the same key with different content is refused.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

from sqlalchemy import select
from sqlalchemy.orm import Session

from countermark.enforcement import audit
from countermark.enforcement.bulkdb import among, insert_returning_ids, insert_rows
from countermark.enforcement.clock import Clock, as_utc, system_clock
from countermark.enforcement.errors import IntakeSuspended, InvalidNotice, NotFound
from countermark.enforcement.models import Notice, Notifier, NotifierBrand, ReviewItem
from countermark.enforcement.policy import DEFAULT_POLICY, Policy
from countermark.listings.models import Listing
from countermark.rights.models import Brand, Trademark

EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


@dataclass(frozen=True)
class NoticeInput:
    """What a notifier submits; name and email default to the notifier's registered contact."""

    notifier_id: str
    idempotency_key: str
    brand_id: str
    trademark_registration: str
    listings: Sequence[str]  # listing ids or marketplace URLs
    explanation: str
    good_faith: bool
    notifier_name: str = ""
    notifier_email: str = ""
    source_file: str | None = None
    source_line: int | None = None


@dataclass
class IntakeResult:
    notice_ids: list[int] = field(default_factory=list)  # accepted now, in input order
    duplicates: list[int] = field(default_factory=list)  # retries that returned an existing notice
    auto_removed: int = 0  # listings removed automatically (expedited lane)


def register_notifier(
    session: Session,
    *,
    notifier_id: str,
    name: str,
    email: str,
    brands: Sequence[str],
    address: str = "",
    account: str | None = None,
    actor: str = "cli",
    clock: Clock = system_clock,
) -> Notifier:
    """Create or update a notifier and the brands it may send notices for."""
    problems = [] if EMAIL.match(email) else [f"email {email!r} is not an e-mail address"]
    known = set(session.scalars(select(Brand.brand_id).where(Brand.brand_id.in_(brands))))
    problems += [f"unknown brand {b!r}" for b in brands if b not in known]
    if not name.strip():
        problems.append("name is empty")
    if problems:
        raise InvalidNotice(problems)
    now = clock()
    notifier = session.get(Notifier, notifier_id)
    if notifier is None:
        notifier = Notifier(notifier_id=notifier_id, created_at=now, expedited=False)
        session.add(notifier)
    notifier.name, notifier.email, notifier.address, notifier.account = name, email, address, account
    notifier.brands = [NotifierBrand(brand_id=b) for b in dict.fromkeys(brands)]
    session.flush()
    audit.record(session, actor=actor, action="notifier.registered", subject=f"notifier:{notifier_id}",
                 details={"name": name, "email": email, "brands": list(dict.fromkeys(brands))}, at=now)
    return notifier


def listing_id_of(location: str) -> str:
    """A listing id from an id or a marketplace URL (`?listing_id=`/`?id=` or the last path segment)."""
    location = location.strip()
    if "://" not in location:
        return location
    parts = urlsplit(location)
    query = parse_qs(parts.query)
    for key in ("listing_id", "id"):
        if query.get(key):
            return query[key][0]
    segments = [s for s in parts.path.split("/") if s]
    return segments[-1] if segments else ""


def fingerprint(notice: NoticeInput) -> str:
    content = [notice.brand_id, notice.trademark_registration.strip(), notice.explanation.strip(),
               *sorted({listing_id_of(x) for x in notice.listings})]
    return hashlib.sha256("\x1f".join(content).encode()).hexdigest()


def _registration_key(registration: str) -> str:
    return re.sub(r"[\s.\-/]", "", registration).upper()


@dataclass
class ValidNotice:
    notice: NoticeInput
    fingerprint: str
    trademark_id: int
    name: str
    email: str
    listings: list[tuple[str, str, str]]  # (location, listing_id, seller_id)


class IntakeContext:
    """Everything validation needs about one notifier, loaded once per batch."""

    def __init__(self, session: Session, notifier_id: str, policy: Policy, now: datetime) -> None:
        notifier = session.get(Notifier, notifier_id)
        if notifier is None:
            raise NotFound(f"unknown notifier {notifier_id!r}")
        if notifier.intake_suspended_until and as_utc(notifier.intake_suspended_until) > now:
            raise IntakeSuspended(f"notice intake of {notifier_id} is suspended until "
                                  f"{as_utc(notifier.intake_suspended_until).isoformat()} (repeated unfounded notices)")
        self.session, self.notifier, self.policy = session, notifier, policy
        self.brands = {b.brand_id for b in notifier.brands}
        self.known_brands: set[str] = set(session.scalars(select(Brand.brand_id)))
        self.trademarks: dict[str, dict[str, int]] = {}
        for mark in session.scalars(select(Trademark).where(Trademark.verification_status != "rejected")):
            self.trademarks.setdefault(mark.brand_id, {})[_registration_key(mark.registration_number)] = mark.id
        self.sellers: dict[str, str] = {}
        self.existing: dict[str, tuple[int, str]] = {}  # idempotency key -> (notice id, fingerprint)

    def preload(self, notices: Sequence[NoticeInput]) -> None:
        """Look up listings and idempotency keys for a whole batch with a few queries."""
        ids = list({listing_id_of(x) for n in notices for x in n.listings} - self.sellers.keys())
        keys = list({n.idempotency_key for n in notices} - self.existing.keys())
        for start in range(0, len(ids), 5000):
            chunk = ids[start : start + 5000]
            query = select(Listing.listing_id, Listing.seller_id).where(among(self.session, Listing.listing_id, chunk))
            self.sellers.update(self.session.execute(query).all())
        for start in range(0, len(keys), 5000):
            chunk = keys[start : start + 5000]
            rows = self.session.execute(select(Notice.idempotency_key, Notice.id, Notice.fingerprint).where(
                Notice.notifier_id == self.notifier.notifier_id, among(self.session, Notice.idempotency_key, chunk)))
            self.existing.update({key: (nid, fp) for key, nid, fp in rows})

    def validate(self, notice: NoticeInput) -> ValidNotice | int:
        """The validated notice, or the id of the notice this retry duplicates; raises InvalidNotice."""
        problems: list[str] = []
        key = notice.idempotency_key.strip()
        if not key or len(key) > 200:
            problems.append("idempotency_key must be 1-200 characters")
        fp = fingerprint(notice)
        if key in self.existing:
            notice_id, first_fp = self.existing[key]
            if first_fp == fp:
                return notice_id
            problems.append(f"idempotency_key {key!r} was already used for notice {notice_id} with different content")
        name = notice.notifier_name.strip() or self.notifier.name
        email = notice.notifier_email.strip() or self.notifier.email
        if not EMAIL.match(email):
            problems.append(f"notifier_email {email!r} is not an e-mail address")
        trademark_id = 0
        if notice.brand_id not in self.known_brands:
            problems.append(f"unknown brand {notice.brand_id!r}")
        elif notice.brand_id not in self.brands:
            problems.append(f"notifier {self.notifier.notifier_id} does not represent brand {notice.brand_id!r}")
        else:
            trademark_id = self.trademarks.get(notice.brand_id, {}).get(
                _registration_key(notice.trademark_registration), 0)
            if not trademark_id:
                problems.append(f"trademark registration {notice.trademark_registration!r} is not a registration "
                                f"of brand {notice.brand_id!r}")
        listings: list[tuple[str, str, str]] = []
        seen: set[str] = set()
        for location in notice.listings:
            listing_id = listing_id_of(location)
            if listing_id in seen:
                continue
            seen.add(listing_id)
            if listing_id not in self.sellers:
                shown = repr(location) if location == listing_id else f"{location!r} (id {listing_id!r})"
                problems.append(f"unknown listing {shown}")
            else:
                listings.append((location.strip(), listing_id, self.sellers[listing_id]))
        if not notice.listings:
            problems.append("no listing named")
        if len(seen) > self.policy.max_listings_per_notice:
            limit = self.policy.max_listings_per_notice
            problems.append(f"{len(seen)} listings named; a notice may name at most {limit}")
        if not notice.explanation.strip():
            problems.append("explanation is empty")
        if not notice.good_faith:
            problems.append("good-faith statement missing")
        if problems:
            raise InvalidNotice(problems)
        return ValidNotice(notice, fp, trademark_id, name, email, listings)


def accept(
    session: Session,
    context: IntakeContext,
    valid: Sequence[ValidNotice],
    *,
    channel: str,
    actor: str,
    now: datetime,
    media_root: Path | None = None,
) -> IntakeResult:
    """Store validated notices and their review items in bulk; expedited notifiers get automatic removal
    (the removed listings' images under `media_root` feed the known-counterfeit bank)."""
    from countermark.enforcement.decisions import remove_automatically

    result = IntakeResult()
    if not valid:
        return result
    notifier = context.notifier
    lane = "expedited" if notifier.expedited else "normal"
    rows = [{
        "notifier_id": notifier.notifier_id, "idempotency_key": v.notice.idempotency_key.strip(),
        "fingerprint": v.fingerprint, "notifier_name": v.name, "notifier_email": v.email,
        "brand_id": v.notice.brand_id, "trademark_id": v.trademark_id,
        "trademark_registration": v.notice.trademark_registration.strip(), "explanation": v.notice.explanation,
        "good_faith": True, "channel": channel, "lane": lane, "received_at": now, "status": "open",
        "source_file": v.notice.source_file, "source_line": v.notice.source_line,
    } for v in valid]
    ids = insert_returning_ids(session, Notice, rows)
    items = [{
        "source": "notice", "lane": lane, "notice_id": notice_id, "position": position, "location": location,
        "listing_id": listing_id, "seller_id": seller_id, "brand_id": v.notice.brand_id, "created_at": now,
        "status": "open", "automated": False,
    } for notice_id, v in zip(ids, valid, strict=True)
        for position, (location, listing_id, seller_id) in enumerate(v.listings)]
    insert_rows(session, ReviewItem, items)
    audit.record_many(session, [
        (actor, "notice.received", f"notice:{notice_id}", {
            "notifier_id": notifier.notifier_id, "idempotency_key": v.notice.idempotency_key.strip(),
            "brand_id": v.notice.brand_id, "listings": [x[1] for x in v.listings], "lane": lane, "channel": channel})
        for notice_id, v in zip(ids, valid, strict=True)], at=now)
    for v, notice_id in zip(valid, ids, strict=True):
        context.existing[v.notice.idempotency_key.strip()] = (notice_id, v.fingerprint)
    result.notice_ids = ids
    if notifier.expedited:
        result.auto_removed = remove_automatically(session, ids, now=now, policy=context.policy, media_root=media_root)
    return result


def submit_notice(
    session: Session,
    notice: NoticeInput,
    *,
    channel: str = "single",
    actor: str = "cli",
    clock: Clock = system_clock,
    policy: Policy = DEFAULT_POLICY,
    media_root: Path | None = None,
) -> tuple[int, bool]:
    """Accept one notice; returns (notice id, created). A retry returns the first notice with created=False."""
    now = clock()
    context = IntakeContext(session, notice.notifier_id, policy, now)
    context.preload([notice])
    valid = context.validate(notice)
    if isinstance(valid, int):
        return valid, False
    return accept(session, context, [valid], channel=channel, actor=actor, now=now,
                  media_root=media_root).notice_ids[0], True
