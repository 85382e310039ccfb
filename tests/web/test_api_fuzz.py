"""Property-based fuzzing of the whole API from its OpenAPI schema (schemathesis + hypothesis):
no input makes the server fail (5xx), and every client error is RFC 9457 problem+json."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings

from countermark.settings import Settings
from countermark.storage.engine import make_engine
from countermark.storage.migrate import upgrade
from countermark.web.app import create_app
from tests.web.conftest import _seed

TOKENS: dict[str, str] = {}


@pytest.fixture(scope="module")
def fuzz_app(tmp_path_factory: pytest.TempPathFactory, _cheap_password_hashing) -> Iterator[object]:
    root: Path = tmp_path_factory.mktemp("fuzz")
    engine = make_engine(f"sqlite:///{root / 'fuzz.db'}")
    upgrade(engine)
    settings_ = Settings(data_dir=root / "var")
    _seed(engine, TOKENS, settings_.data_dir / "media")
    yield create_app(settings_, engine=engine, webhooks=False, housekeeping=False)
    engine.dispose()


def check(case, role: str) -> None:  # noqa: ANN001
    case.headers = {**(case.headers or {}), "Authorization": f"Bearer {TOKENS[role]}"}
    response = case.call()
    assert response.status_code < 500, f"{case.method} {case.formatted_path}: {response.status_code} {response.text}"
    if response.status_code >= 400:
        assert response.headers["content-type"][0].startswith("application/problem+json"), response.text
        body = response.json()
        assert body["status"] == response.status_code and body["title"]


@pytest.mark.parametrize("role", ["admin", "rights_holder"])
def test_fuzz_every_operation(fuzz_app, role: str) -> None:  # noqa: ANN001
    """As an admin, and as a brand-scoped user (who takes other paths: 403s, 404s for other brands)."""
    schema = schemathesis.openapi.from_asgi("/openapi.json", fuzz_app)
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) > 20
    for operation in operations:

        @given(case=operation.as_strategy())
        @settings(max_examples=12, suppress_health_check=list(HealthCheck), derandomize=True,
                  database=None)
        def fuzz(case) -> None:  # noqa: ANN001
            check(case, role)

        fuzz()
