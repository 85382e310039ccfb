from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect

from countermark.storage.base import all_models
from countermark.storage.migrate import current, downgrade, upgrade


def test_migrations_create_exactly_the_models(engine):
    """The schema comes only from migrations, and they match the ORM models."""
    with engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), all_models())
    assert diff == []


def test_downgrade_to_base_and_back(engine):
    downgrade(engine, "base")
    assert inspect(engine).get_table_names() == ["alembic_version"]
    upgrade(engine)
    assert current(engine) is not None
    assert "listings" in inspect(engine).get_table_names()
