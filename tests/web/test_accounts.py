from datetime import UTC, datetime, timedelta

import pytest

from countermark.accounts.models import ApiToken, WebSession
from countermark.accounts.service import (
    AccountError,
    authenticate,
    create_user,
    issue_token,
    resolve_session,
    revoke_token,
    start_session,
    user_for_token,
)
from countermark.enforcement.audit import stored_entries, verify_chain
from countermark.storage.engine import transaction


def test_passwords_are_argon2_and_checked(engine):
    with transaction(engine) as s:
        user = create_user(s, username="ann", password="s3cret-pass", role="reviewer")
        assert user.password_hash.startswith("$argon2id$")
        assert authenticate(s, "ann", "s3cret-pass") is user
        assert authenticate(s, "ann", "wrong-pass") is None
        assert authenticate(s, "nobody", "s3cret-pass") is None
        user.active = False
        assert authenticate(s, "ann", "s3cret-pass") is None


def test_bad_accounts_are_refused(engine):
    with transaction(engine) as s:
        create_user(s, username="ann", password="s3cret-pass", role="reviewer")
        with pytest.raises(AccountError, match="taken"):
            create_user(s, username="ann", password="s3cret-pass", role="reviewer")
        with pytest.raises(AccountError, match="unknown role"):
            create_user(s, username="bob", password="s3cret-pass", role="root")
        with pytest.raises(AccountError, match="at least"):
            create_user(s, username="bob", password="short", role="seller")


def test_tokens_store_only_hashes_and_can_be_revoked(engine):
    with transaction(engine) as s:
        user = create_user(s, username="ann", password="s3cret-pass", role="notifier")
        plain, token = issue_token(s, user, "ci", actor="test")
        assert plain not in token.token_hash and len(token.token_hash) == 64
        assert user_for_token(s, plain) is user
        assert user_for_token(s, plain + "x") is None
        revoke_token(s, token, actor="test")
        assert user_for_token(s, plain) is None
        assert s.query(ApiToken).count() == 1


def test_sessions_expire(engine):
    now = datetime(2026, 1, 1, tzinfo=UTC)
    with transaction(engine) as s:
        user = create_user(s, username="ann", password="s3cret-pass", role="seller")
        cookie, csrf = start_session(s, user, ttl=timedelta(hours=1), now=now)
    with transaction(engine) as s:
        found = resolve_session(s, cookie, now=now + timedelta(minutes=59))
        assert found and found[0].username == "ann" and found[1].csrf_token == csrf
        assert resolve_session(s, cookie, now=now + timedelta(hours=1)) is None
        assert s.get(WebSession, cookie) is None  # the cookie value itself is never a key


def test_account_changes_are_audited(engine):
    with transaction(engine) as s:
        user = create_user(s, username="ann", password="s3cret-pass", role="notifier")
        issue_token(s, user, "ci", actor="user:ann")
    with transaction(engine) as s:
        entries = list(stored_entries(s))
        assert [e.action for e in entries][-2:] == ["user.created", "token.issued"]
        assert verify_chain(entries) is None
