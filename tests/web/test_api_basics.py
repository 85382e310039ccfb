"""Problem details, pagination, authentication, CSRF and login throttling."""

from tests.web.conftest import PASSWORD, csrf_of

PROBLEM = "application/problem+json"


def test_errors_are_problem_json(world):
    c = world.client
    for response in (
        c.get("/api/v1/nowhere"),  # 404 unknown route
        c.delete("/api/v1/brands", headers=world.headers("admin")),  # 405
        c.get("/api/v1/brands?limit=0", headers=world.headers("admin")),  # 422 validation
        c.get("/api/v1/me"),  # 401
        c.get("/api/v1/users", headers=world.headers("seller")),  # 403
        c.get("/api/v1/brands/beta", headers=world.headers("rights_holder")),  # 404 other brand
    ):
        assert response.headers["content-type"] == PROBLEM, response.text
        body = response.json()
        assert body["status"] == response.status_code and body["title"] and body["detail"]
    assert c.get("/api/v1/me").headers["www-authenticate"] == "Bearer"


def test_openapi_is_served(world):
    schema = world.client.get("/openapi.json").json()
    assert "/api/v1/brands" in schema["paths"]
    assert not any(p.startswith("/brands") for p in schema["paths"])  # pages stay out of the API schema


def test_pagination_and_filtering(world):
    c, h = world.client, world.headers("admin")
    page = c.get("/api/v1/brands?limit=1&offset=1", headers=h).json()
    assert page["total"] == 2 and page["limit"] == 1 and [b["brand_id"] for b in page["items"]] == ["beta"]
    assert [b["brand_id"] for b in c.get("/api/v1/brands?q=alp", headers=h).json()["items"]] == ["alpha"]
    assert c.get("/api/v1/users?role=seller", headers=h).json()["total"] == 1


def test_token_exchange_and_bad_tokens(world):
    c = world.client
    r = c.post("/api/v1/auth/token", json={"username": "reviewer", "password": PASSWORD, "name": "ci"})
    assert r.status_code == 201
    assert c.get("/api/v1/me", headers={"Authorization": f"Bearer {r.json()['token']}"}).json()["role"] == "reviewer"
    assert c.get("/api/v1/me", headers={"Authorization": "Bearer nope"}).status_code == 401


def test_login_is_rate_limited(world):
    c = world.client
    for _ in range(5):
        assert c.post("/api/v1/auth/token", json={"username": "seller", "password": "wrong"}).status_code == 401
    r = c.post("/api/v1/auth/token", json={"username": "seller", "password": PASSWORD})
    assert r.status_code == 429 and int(r.headers["retry-after"]) > 0
    # other users are not locked out by someone guessing this one's password
    assert c.post("/api/v1/auth/token", json={"username": "admin", "password": PASSWORD}).status_code == 201


def test_cookie_sessions_need_csrf_for_changes(world):
    browser = world.login("rights_holder")
    assert browser.get("/api/v1/me").json()["username"] == "rights_holder"
    body = {"aliases": ["Alfa"], "red_flag_terms": [], "authorized_sellers": []}
    assert browser.put("/api/v1/brands/alpha/profile", json=body).status_code == 403
    token = csrf_of(browser.get("/brands/alpha").text)
    assert browser.put("/api/v1/brands/alpha/profile", json=body, headers={"X-CSRF-Token": token}).status_code == 200
    assert browser.post("/brands/alpha/profile", data={"aliases": "x"}).status_code == 403
    r = browser.post("/brands/alpha/profile", data={"aliases": "Alfa\nALF", "csrf_token": token},
                     follow_redirects=False)
    assert r.status_code == 303


def test_login_form(world):
    c = world.client
    assert c.get("/brands", follow_redirects=False).headers["location"] == "/login?next=/brands"
    page = c.get("/login")
    r = c.post("/login", data={"username": "admin", "password": "bad", "csrf_token": csrf_of(page.text)})
    assert r.status_code == 401 and "Wrong username or password" in r.text
    r = c.post("/login", data={"username": "admin", "password": PASSWORD, "csrf_token": "forged"})
    assert r.status_code == 403
    page = c.get("/login")
    r = c.post("/login", data={"username": "admin", "password": PASSWORD, "csrf_token": csrf_of(page.text),
                               "next": "//evil.example"}, follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == "/"
    assert "Welcome, admin" in c.get("/").text
    c.post("/logout", data={"csrf_token": csrf_of(c.get("/").text)})
    assert c.get("/", follow_redirects=False).status_code == 303
