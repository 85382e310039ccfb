"""Bulk writes inside the caller's transaction: COPY on PostgreSQL, executemany on SQLite.

Bulk notice intake writes tens of thousands of rows per file; PostgreSQL's COPY keeps that within a
small factor of the raw floor, where multi-row INSERTs spend most of their time building SQL text.
"""

from __future__ import annotations

import json
from collections.abc import Sequence

from sqlalchemy import ColumnElement, any_, bindparam, insert, text
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.orm import DeclarativeBase, Session


def _is_postgres(session: Session) -> bool:
    return session.get_bind().dialect.name == "postgresql"


def insert_rows(session: Session, model: type[DeclarativeBase], rows: Sequence[dict]) -> None:
    """Insert plain rows (every row with the same keys, as column names)."""
    if not rows:
        return
    if not _is_postgres(session):
        session.execute(insert(model.__table__), list(rows))
        return
    session.flush()
    columns = list(rows[0])
    cursor = session.connection().connection.driver_connection.cursor()
    with cursor.copy(f"COPY {model.__tablename__} ({', '.join(columns)}) FROM STDIN") as copy:
        for row in rows:
            copy.write_row([json.dumps(v) if isinstance(v, dict | list) else v for v in (row[c] for c in columns)])


def insert_returning_ids(session: Session, model: type[DeclarativeBase], rows: Sequence[dict]) -> list[int]:
    """Insert rows of a table with an integer `id` key; returns the new ids in row order."""
    if not rows:
        return []
    if not _is_postgres(session):
        return list(session.scalars(insert(model).returning(model.id, sort_by_parameter_order=True), list(rows)))
    ids = list(session.scalars(text("SELECT nextval(pg_get_serial_sequence(:table, 'id')) FROM generate_series(1, :n)"),
                               {"table": model.__tablename__, "n": len(rows)}))
    insert_rows(session, model, [{"id": i, **row} for i, row in zip(ids, rows, strict=True)])
    return ids


def among(session: Session, column: ColumnElement, values: Sequence) -> ColumnElement[bool]:
    """`column IN values` as one array parameter on PostgreSQL (thousands of binds are slow to send)."""
    if _is_postgres(session):
        return column == any_(bindparam(None, list(values), type_=ARRAY(column.type)))
    return column.in_(values)
