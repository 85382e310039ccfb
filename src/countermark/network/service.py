"""Seller networks over the database: store clusters with their evidence, linked accounts, ban evasion.

`cluster_database` runs the pure linkage kernel over every seller and replaces the stored clusters in
one transaction. Ban evasion: any seller in a cluster with a banned account (`Seller.status ==
"banned"`) is flagged with the linking evidence and, by policy, held for review (an open flag)
until someone confirms or dismisses it. `screen_seller` does the same for one seller between runs
(a new account), by looking its keys up among the stored ones.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import delete, insert, select
from sqlalchemy.orm import Session

from countermark.detection.context import SellerFacts
from countermark.enforcement import audit
from countermark.listings.models import Seller, SellerIdentifier
from countermark.listings.service import seller_records
from countermark.network.identifiers import key_kind, normalise
from countermark.network.linkage import LinkageRules, link_keys, seller_keys
from countermark.network.models import (
    BanEvasionFlag,
    NetworkCluster,
    NetworkHub,
    NetworkKey,
    NetworkLink,
    NetworkMember,
    NetworkRun,
)

FLAG_STATUSES = ("open", "confirmed", "dismissed")
_RAW_CHARS = 2000


class NetworkError(ValueError):
    """A request the network service cannot carry out; the message says why."""


@dataclass(frozen=True)
class RunReport:
    run_id: int
    sellers: int
    clusters: int
    linked_clusters: int
    hub_keys: int
    hub_limit: int
    flagged: list[str]  # sellers newly held for review as ban evasion


@dataclass(frozen=True)
class BanEvidence:
    seller_id: str
    cluster_id: str
    banned_seller_ids: list[str]
    links: list[dict]  # [{"key", "sellers": [...]}]: the shared identifiers that tie the cluster together

    def summary(self) -> str:
        keys = ", ".join(link["key"] for link in self.links[:5])
        return f"linked to banned {', '.join(self.banned_seller_ids)} in {self.cluster_id} via {keys}"


def cluster_database(session: Session, rules: LinkageRules = LinkageRules(), *, actor: str = "cli",
                     now: datetime | None = None) -> RunReport:
    """Cluster every stored seller, replace the stored clusters, flag ban evasion; all in the caller's transaction."""
    now = now or datetime.now(UTC)
    sellers = list(seller_records(session))
    keys = list(seller_keys(sellers))
    linkage = link_keys((s.seller_id for s in sellers), keys, rules)
    assignments = linkage.assignments()

    for table in (NetworkLink, NetworkMember, NetworkCluster, NetworkHub, NetworkKey):
        session.execute(delete(table))
    if keys:
        session.execute(insert(NetworkKey), [
            {"seller_id": k.seller_id, "key": k.key, "field": k.field, "raw": k.raw[:_RAW_CHARS]} for k in keys])
    sizes = linkage.cluster_sizes()
    if sizes:
        session.execute(insert(NetworkCluster),
                        [{"cluster_id": c, "size": n, "computed_at": now} for c, n in sizes.items()])
        session.execute(insert(NetworkMember), [{"seller_id": s, "cluster_id": c} for s, c in assignments.items()])
    links = [{"cluster_id": c, "key": k, "weight": w, "seller_ids": members}
             for c, k, w, members in linkage.shared_keys()]
    if links:
        session.execute(insert(NetworkLink), links)
    hubs = linkage.hub_keys()
    if hubs:
        session.execute(insert(NetworkHub), [{"key": k, "sellers": n} for k, n in hubs])
    run = NetworkRun(computed_at=now, sellers=len(assignments), clusters=len(sizes), hub_limit=linkage.hub_limit,
                     rules=rules.as_json())
    session.add(run)
    session.flush()
    audit.record(session, actor=actor, action="network.clustered", subject=f"network_run:{run.id}", at=now,
                 details={"sellers": run.sellers, "clusters": run.clusters, "hub_keys": len(hubs),
                          "hub_limit": run.hub_limit})
    flagged = flag_ban_evasion(session, actor=actor, now=now)
    return RunReport(run.id, run.sellers, run.clusters, sum(1 for n in sizes.values() if n > 1), len(hubs),
                     run.hub_limit, flagged)


def cluster_assignments(session: Session) -> dict[str, str]:
    """seller_id -> cluster_id of every clustered seller, as stored by the last run."""
    return dict(session.execute(select(NetworkMember.seller_id, NetworkMember.cluster_id)
                                .order_by(NetworkMember.seller_id)).all())


def cluster_of(session: Session, seller_id: str) -> str | None:
    return session.scalar(select(NetworkMember.cluster_id).where(NetworkMember.seller_id == seller_id))


def cluster_members(session: Session, cluster_id: str) -> list[str]:
    return list(session.scalars(select(NetworkMember.seller_id).where(NetworkMember.cluster_id == cluster_id)
                                .order_by(NetworkMember.seller_id)))


def cluster_links(session: Session, cluster_id: str) -> list[dict]:
    rows = session.scalars(select(NetworkLink).where(NetworkLink.cluster_id == cluster_id).order_by(NetworkLink.key))
    return [{"key": r.key, "weight": r.weight, "sellers": list(r.seller_ids)} for r in rows]


def linked_sellers(session: Session, seller_id: str) -> list[str]:
    """The other accounts in the seller's cluster (as of the last clustering), sorted."""
    cluster_id = cluster_of(session, seller_id)
    if cluster_id is None:
        return []
    return [s for s in cluster_members(session, cluster_id) if s != seller_id]


def _banned(session: Session, seller_ids: Iterable[str]) -> list[str]:
    ids = list(seller_ids)
    if not ids:
        return []
    return sorted(session.scalars(select(Seller.seller_id).where(Seller.seller_id.in_(ids),
                                                                 Seller.status == "banned")))


def _banned_by_cluster(session: Session, clusters: Iterable[str] | None = None) -> dict[str, list[str]]:
    """cluster_id -> its banned members (sorted), for the given clusters or all of them."""
    stmt = (select(NetworkMember.cluster_id, Seller.seller_id).join(Seller, Seller.seller_id == NetworkMember.seller_id)
            .where(Seller.status == "banned").order_by(Seller.seller_id))
    if clusters is not None:
        stmt = stmt.where(NetworkMember.cluster_id.in_(list(clusters)))
    banned: dict[str, list[str]] = {}
    for cluster_id, seller_id in session.execute(stmt):
        banned.setdefault(cluster_id, []).append(seller_id)
    return banned


def banned_links(session: Session, seller_id: str) -> BanEvidence | None:
    """Evidence that the seller is linked to a banned account (itself excluded), or None."""
    cluster_id = cluster_of(session, seller_id)
    if cluster_id is None:
        return None
    banned = _banned(session, linked_sellers(session, seller_id))
    if not banned:
        return None
    return BanEvidence(seller_id, cluster_id, banned, cluster_links(session, cluster_id))


def flag_ban_evasion(session: Session, *, actor: str = "system:network", now: datetime | None = None) -> list[str]:
    """Hold for review every non-banned seller clustered with a banned one; returns those newly flagged.

    Idempotent: an open flag is refreshed with the current evidence; a dismissed or confirmed flag
    is left as decided.
    """
    now = now or datetime.now(UTC)
    newly: list[str] = []
    for cluster_id, banned in sorted(_banned_by_cluster(session).items()):
        links = cluster_links(session, cluster_id)
        for seller_id in cluster_members(session, cluster_id):
            if seller_id not in banned and _hold(session, BanEvidence(seller_id, cluster_id, banned, links),
                                                 actor=actor, now=now):
                newly.append(seller_id)
    return newly


def _hold(session: Session, evidence: BanEvidence, *, actor: str, now: datetime) -> bool:
    flag = session.get(BanEvasionFlag, evidence.seller_id)
    if flag is not None:
        if flag.status == "open":
            flag.cluster_id, flag.banned_seller_ids, flag.evidence = (
                evidence.cluster_id, evidence.banned_seller_ids, evidence.links)
        return False
    session.add(BanEvasionFlag(seller_id=evidence.seller_id, cluster_id=evidence.cluster_id,
                               banned_seller_ids=evidence.banned_seller_ids, evidence=evidence.links,
                               status="open", flagged_at=now))
    audit.record(session, actor=actor, action="network.ban_evasion_flagged", subject=f"seller:{evidence.seller_id}",
                 at=now, details={"cluster_id": evidence.cluster_id, "banned": evidence.banned_seller_ids,
                                  "keys": [link["key"] for link in evidence.links]})
    return True


def screen_seller(session: Session, seller_id: str, rules: LinkageRules = LinkageRules(), *,
                  actor: str = "system:network", now: datetime | None = None) -> BanEvidence | None:
    """Check one (e.g. newly registered) seller against the stored network before the next clustering.

    Its keys are looked up among the stored ones (hub keys ignored); sellers sharing strong keys, or
    weak keys adding up to the threshold, link it. When any of them, or their clusters, hold a banned
    account, the seller is flagged and held for review; the evidence is returned.
    """
    now = now or datetime.now(UTC)
    seller = session.get(Seller, seller_id)
    if seller is None:
        raise NetworkError(f"no seller {seller_id!r}")
    identifiers = session.scalars(select(SellerIdentifier).where(SellerIdentifier.seller_id == seller_id))
    own = {key for ident in identifiers for key in normalise(ident.kind, ident.value, country=seller.country)}
    hubs = set(session.scalars(select(NetworkHub.key).where(NetworkHub.key.in_(own)))) if own else set()
    own -= hubs
    shared: dict[str, dict[str, float]] = {}
    if own:
        for other, key in session.execute(select(NetworkKey.seller_id, NetworkKey.key)
                                          .where(NetworkKey.key.in_(own), NetworkKey.seller_id != seller_id)):
            shared.setdefault(other, {})[key] = rules.weights.get(key_kind(key), 0.0)
    linked = {other for other, keys in shared.items() if sum(keys.values()) >= rules.threshold - 1e-9}
    if not linked:
        return None
    clusters = set(session.scalars(select(NetworkMember.cluster_id).where(NetworkMember.seller_id.in_(linked))))
    members = set(session.scalars(select(NetworkMember.seller_id).where(NetworkMember.cluster_id.in_(clusters))))
    banned = _banned(session, (linked | members) - {seller_id})
    if not banned:
        return None
    links = [{"key": key, "sellers": sorted([seller_id, *(o for o in linked if key in shared[o])])}
             for key in sorted({k for o in linked for k in shared[o]})]
    cluster_id = cluster_of(session, seller_id) or min(clusters, default=f"C-{seller_id}")
    evidence = BanEvidence(seller_id, cluster_id, banned, links)
    _hold(session, evidence, actor=actor, now=now)
    return evidence


def held_for_review(session: Session) -> list[BanEvasionFlag]:
    """Open ban-evasion flags, oldest first (the review queue of linked-account holds)."""
    return list(session.scalars(select(BanEvasionFlag).where(BanEvasionFlag.status == "open")
                                .order_by(BanEvasionFlag.flagged_at, BanEvasionFlag.seller_id)))


def resolve_flag(session: Session, seller_id: str, status: str, *, actor: str, reason: str = "",
                 now: datetime | None = None) -> BanEvasionFlag:
    """Confirm or dismiss a hold (the sanction itself, e.g. a ban, is enforcement's decision)."""
    if status not in ("confirmed", "dismissed"):
        raise NetworkError(f"status must be 'confirmed' or 'dismissed', got {status!r}")
    flag = session.get(BanEvasionFlag, seller_id)
    if flag is None:
        raise NetworkError(f"no ban-evasion flag for seller {seller_id!r}")
    now = now or datetime.now(UTC)
    flag.status, flag.resolved_at, flag.resolved_by = status, now, actor
    audit.record(session, actor=actor, action=f"network.ban_evasion_{status}", subject=f"seller:{seller_id}",
                 at=now, details={"reason": reason, "cluster_id": flag.cluster_id})
    return flag


def seller_facts(session: Session, seller_ids: Sequence[str], batch: int = 5_000) -> dict[str, SellerFacts]:
    """Seller signals for detection's ScanContext: registration date and links to banned accounts."""
    facts: dict[str, SellerFacts] = {}
    for start in range(0, len(seller_ids), batch):
        ids = list(seller_ids[start:start + batch])
        rows = session.execute(select(Seller.seller_id, Seller.registered_at, NetworkMember.cluster_id)
                               .outerjoin(NetworkMember, NetworkMember.seller_id == Seller.seller_id)
                               .where(Seller.seller_id.in_(ids))).all()
        clusters = {cluster_id for _, _, cluster_id in rows if cluster_id is not None}
        banned = _banned_by_cluster(session, clusters)
        for seller_id, registered_at, cluster_id in rows:
            others = [b for b in banned.get(cluster_id, []) if b != seller_id]
            summary = (BanEvidence(seller_id, cluster_id, others, cluster_links(session, cluster_id)).summary()
                       if others else None)
            facts[seller_id] = SellerFacts(seller_id=seller_id, registered_at=registered_at,
                                           linked_to_banned=bool(others), link_evidence=summary)
    return facts
