"""Every route x every role x own/other brand (or storefront): 401, 403 and 404 exactly where due.

Routes are enumerated from the app, so a new route is covered automatically; a route without an
`Allow` declaration, or with a path parameter the world below cannot fill, fails this test.
"""

from __future__ import annotations

import re

import pytest
from fastapi.routing import APIRoute

from countermark.accounts.models import ROLES
from countermark.web.policy import Allow

PUBLIC = {
    ("POST", "/api/v1/auth/token"), ("GET", "/login"), ("POST", "/login"),
    # The alliance feed is public by design: entries are signed and carry only keyed hashes.
    ("GET", "/alliance/v1/feed"), ("GET", "/alliance/v1/key"),
}
# Which roles are confined to a kind of scope, and which kind each path parameter belongs to.
SCOPED_ROLES = {"rights_holder": "brand", "notifier": "brand", "seller": "storefront"}
PARAM_KIND = {
    "brand_id": "brand",
    "trademark_id": "brand",
    "notice_id": "brand",
    "webhook_id": "brand",
    "listing_id": "storefront",  # listings are public pages, but a seller only manages its own
    "seller_id": "storefront",
    "statement_id": "storefront",
    "item_id": "review",  # review items are for reviewers only
    "counter_id": "review",
    "cluster_id": "investigation",  # clusters are for investigators only
    "product_id": "brand",
    "position": "none",
}
# Text that only ever appears in the other brand's or other storefront's private records.
SECRETS = ("confidential-beta", "confidential-S-other")


class Route:
    def __init__(self, path: str, route: APIRoute) -> None:
        self.path, self.dependencies = path, route.dependencies


def _flatten(routes, prefix: str = ""):
    """(full path, route) for every API route, through included routers (FastAPI may keep them nested)."""
    for route in routes:
        nested = getattr(route, "original_router", None)
        if nested is not None:
            yield from _flatten(nested.routes, prefix + route.include_context.prefix)
        elif isinstance(route, APIRoute):
            yield prefix + route.path, route


@pytest.fixture
def db_url(tmp_path) -> str:
    """Authorization does not depend on the database engine: this matrix runs on SQLite only."""
    from countermark.storage.engine import make_engine
    from countermark.storage.migrate import upgrade

    url = f"sqlite:///{tmp_path / 'matrix.db'}"
    engine = make_engine(url)
    upgrade(engine)
    engine.dispose()
    return url


def routes(app):
    for path, route in _flatten(app.router.routes):
        for method in sorted(route.methods - {"HEAD"}):
            yield method, Route(path, route)


def allowed_roles(route: Route) -> frozenset[str] | None:
    for dependency in route.dependencies:
        if isinstance(dependency.dependency, Allow):
            return dependency.dependency.roles
    return None


def fill(path: str, ids: dict, which: str) -> tuple[str, set[str]]:
    kinds = set()

    def value(match: re.Match) -> str:
        name = match.group(1)
        assert name in PARAM_KIND and name in ids, f"the matrix world has no {which} value for path parameter {name}"
        kinds.add(PARAM_KIND[name])
        return ids[name][which]

    return re.sub(r"\{(\w+)(?::\w+)?\}", value, path), kinds


def call(world, method, url, role):
    headers = world.headers(role) if role else {}
    headers["accept"] = "application/json"
    return world.client.request(method, url, headers=headers, follow_redirects=False)


def test_every_route_declares_who_may_use_it(world):
    undeclared = [f"{m} {r.path}" for m, r in routes(world.app)
                  if allowed_roles(r) is None and (m, r.path) not in PUBLIC]
    assert undeclared == []


def test_authorization_matrix(world):
    failures = []
    checked = 0
    for method, route in routes(world.app):
        roles = allowed_roles(route)
        if roles is None:
            continue
        is_page = not route.path.startswith("/api/")
        for which in ("own", "other") if "{" in route.path else ("own",):
            url, kinds = fill(route.path, world.ids, which)
            anonymous = call(world, method, url, None)
            if is_page:
                if not (anonymous.status_code == 303 and anonymous.headers["location"].startswith("/login")):
                    failures.append(f"anonymous {method} {url}: {anonymous.status_code}, expected login redirect")
            elif anonymous.status_code != 401:
                failures.append(f"anonymous {method} {url}: {anonymous.status_code}, expected 401")
            for role in ROLES:
                response = call(world, method, url, role)
                checked += 1
                status = response.status_code
                if role not in roles:
                    expected = "403"
                    ok = status == 403
                elif which == "other" and SCOPED_ROLES.get(role) in kinds:
                    expected = "404"
                    ok = status == 404
                else:
                    expected = "not 401/403/404 and no server error"
                    ok = status not in (401, 403, 404) and status < 500
                if not ok:
                    failures.append(f"{role} {method} {url}: {status}, expected {expected}: {response.text[:200]}")
                if method == "GET" and status == 200 and role in SCOPED_ROLES:
                    leaked = [s for s in SECRETS if s in response.text]
                    if leaked:
                        failures.append(f"{role} {method} {url} leaks {leaked}")
    assert checked > 0
    assert failures == [], "\n".join(failures)


@pytest.mark.parametrize("role", ["rights_holder", "notifier", "seller"])
def test_scoped_roles_never_see_the_other_side_in_any_listing(world, role):
    """GET routes without path parameters (lists, dashboards) filter by scope."""
    for method, route in routes(world.app):
        if method != "GET" or "{" in route.path or role not in (allowed_roles(route) or ()):
            continue
        text = call(world, method, route.path, role).text
        assert not [s for s in SECRETS if s in text], f"{role} GET {route.path} leaks another brand's data"
