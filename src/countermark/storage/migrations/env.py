from alembic import context

from countermark.storage.base import all_models

config = context.config
engine = config.attributes["engine"]
target_metadata = all_models()

with engine.begin() as connection:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=connection.dialect.name == "sqlite",
    )
    with context.begin_transaction():
        context.run_migrations()
