"""Messages to notifiers and sellers (read by the web area; every one is also audited by its caller)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from countermark.enforcement.models import Notification


def notify(
    session: Session, *, recipient_kind: str, recipient_id: str, kind: str, subject: str, body: str, now: datetime
) -> None:
    session.add(Notification(recipient_kind=recipient_kind, recipient_id=recipient_id, kind=kind, subject=subject,
                             body=body, created_at=now))
