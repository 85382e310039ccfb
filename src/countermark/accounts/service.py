"""Account operations: users and scopes, password checks, API tokens and browser sessions.

Secrets handed to people (API tokens, session cookies) are random; only their SHA-256 is stored, so a
database leak gives no usable credential. Passwords are hashed with argon2id.
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import select
from sqlalchemy.orm import Session

from countermark.accounts.models import ROLES, ApiToken, BrandScope, StorefrontScope, User, WebSession
from countermark.enforcement import audit

_hasher = PasswordHasher()
TOKEN_PREFIX = "cm_"
MIN_PASSWORD_LENGTH = 8


class AccountError(ValueError):
    """A request that breaks an account rule (unknown role, duplicate username, weak password)."""


@dataclass(frozen=True)
class Principal:
    """Who is acting: what authorisation decisions are made from."""

    user_id: int
    username: str
    role: str
    brands: frozenset[str]
    storefronts: frozenset[str]

    @property
    def actor(self) -> str:
        return f"user:{self.username}"


def principal_for(user: User) -> Principal:
    return Principal(
        user_id=user.id,
        username=user.username,
        role=user.role,
        brands=frozenset(s.brand_id for s in user.brand_scopes),
        storefronts=frozenset(s.seller_id for s in user.storefront_scopes),
    )


@cache
def _dummy_hash() -> str:
    """Verified against when the username is unknown, so both paths cost one argon2 verification."""
    return _hasher.hash("countermark-dummy-password")


def digest(secret: str) -> str:
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


def _aware(moment: datetime) -> datetime:
    """SQLite returns naive datetimes; everything stored is UTC."""
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def create_user(
    session: Session,
    *,
    username: str,
    password: str,
    role: str,
    brands: Iterable[str] = (),
    storefronts: Iterable[str] = (),
    display_name: str = "",
    email: str = "",
    actor: str = "cli",
) -> User:
    username = username.strip()
    brand_ids, seller_ids = list(dict.fromkeys(brands)), list(dict.fromkeys(storefronts))
    if role not in ROLES:
        raise AccountError(f"unknown role {role!r}; expected one of {', '.join(ROLES)}")
    if not username:
        raise AccountError("username must not be empty")
    if len(password) < MIN_PASSWORD_LENGTH:
        raise AccountError(f"password must have at least {MIN_PASSWORD_LENGTH} characters")
    if session.scalar(select(User.id).where(User.username == username)) is not None:
        raise AccountError(f"username {username!r} is taken")
    user = User(
        username=username,
        password_hash=_hasher.hash(password),
        role=role,
        display_name=display_name or username,
        email=email,
        brand_scopes=[BrandScope(brand_id=b) for b in brand_ids],
        storefront_scopes=[StorefrontScope(seller_id=s) for s in seller_ids],
    )
    session.add(user)
    session.flush()
    audit.record(
        session,
        actor=actor,
        action="user.created",
        subject=f"user:{username}",
        details={"role": role, "brands": brand_ids, "storefronts": seller_ids},
    )
    return user


def grant_brand(session: Session, user: User, brand_id: str, *, actor: str) -> None:
    if any(s.brand_id == brand_id for s in user.brand_scopes):
        return
    user.brand_scopes.append(BrandScope(brand_id=brand_id))
    session.flush()
    audit.record(session, actor=actor, action="user.brand_granted", subject=f"user:{user.username}",
                 details={"brand_id": brand_id})


def get_user(session: Session, username: str) -> User | None:
    return session.scalar(select(User).where(User.username == username))


def list_users(session: Session) -> list[User]:
    return list(session.scalars(select(User).order_by(User.username)))


def authenticate(session: Session, username: str, password: str) -> User | None:
    """The active user with this username and password, else None (same work either way)."""
    user = get_user(session, username)
    try:
        _hasher.verify(user.password_hash if user else _dummy_hash(), password)
    except (VerificationError, InvalidHashError):
        return None
    if user is None or not user.active:
        return None
    if _hasher.check_needs_rehash(user.password_hash):
        user.password_hash = _hasher.hash(password)
    return user


def issue_token(session: Session, user: User, name: str = "", *, actor: str) -> tuple[str, ApiToken]:
    """A new API token: the plain value is returned once and never stored."""
    plain = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken(user_id=user.id, name=name, token_hash=digest(plain))
    session.add(token)
    session.flush()
    audit.record(session, actor=actor, action="token.issued", subject=f"user:{user.username}",
                 details={"token_id": token.id, "name": name})
    return plain, token


def revoke_token(session: Session, token: ApiToken, *, actor: str, now: datetime | None = None) -> None:
    token.revoked_at = now or datetime.now(UTC)
    audit.record(session, actor=actor, action="token.revoked", subject=f"token:{token.id}")


def user_for_token(session: Session, plain: str, now: datetime | None = None) -> User | None:
    token = session.scalar(select(ApiToken).where(ApiToken.token_hash == digest(plain)))
    if token is None or token.revoked_at is not None:
        return None
    user = session.get(User, token.user_id)
    if user is None or not user.active:
        return None
    moment = now or datetime.now(UTC)
    # Record use at most once a minute, so busy clients do not turn every read into a write.
    if token.last_used_at is None or moment - _aware(token.last_used_at) > timedelta(minutes=1):
        token.last_used_at = moment
    return user


def start_session(session: Session, user: User, *, ttl: timedelta, now: datetime | None = None) -> tuple[str, str]:
    """A new browser session: returns (cookie value, CSRF token)."""
    moment = now or datetime.now(UTC)
    plain, csrf = secrets.token_urlsafe(32), secrets.token_urlsafe(32)
    session.add(WebSession(token_hash=digest(plain), user_id=user.id, csrf_token=csrf, created_at=moment,
                           expires_at=moment + ttl))
    return plain, csrf


def resolve_session(session: Session, plain: str, now: datetime | None = None) -> tuple[User, WebSession] | None:
    web_session = session.get(WebSession, digest(plain))
    if web_session is None or _aware(web_session.expires_at) <= (now or datetime.now(UTC)):
        return None
    user = session.get(User, web_session.user_id)
    if user is None or not user.active:
        return None
    return user, web_session


def end_session(session: Session, plain: str) -> None:
    web_session = session.get(WebSession, digest(plain))
    if web_session is not None:
        session.delete(web_session)


def notifier_for(session: Session, username: str, *, name: str, email: str) -> str:
    """The enforcement notifier a web account sends notices as (created on first use, brands kept in sync)."""
    from countermark.enforcement.models import Notifier
    from countermark.enforcement.notices import register_notifier

    user = get_user(session, username)
    if user is None:
        raise AccountError(f"no user {username!r}")
    brands = sorted(s.brand_id for s in user.brand_scopes)
    notifier = session.scalar(select(Notifier).where(Notifier.account == username))
    if notifier is not None and sorted(b.brand_id for b in notifier.brands) == brands:
        return notifier.notifier_id
    known = (notifier.name, notifier.email) if notifier else (user.display_name or username, user.email)
    notifier_id = notifier.notifier_id if notifier else f"user-{username}"
    register_notifier(session, notifier_id=notifier_id, name=name.strip() or known[0], email=email.strip() or known[1],
                      brands=brands, account=username, actor=f"user:{username}")
    return notifier_id
