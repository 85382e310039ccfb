"""Template rendering for the server-side pages."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates

from countermark.web.problems import Problem

TEMPLATES = Path(__file__).parent / "templates"

NAV = (
    ("Brands", "/brands", ("admin", "reviewer", "investigator", "rights_holder", "notifier")),
    ("Notices", "/notices", ("admin", "rights_holder", "notifier")),
    ("Review queue", "/review", ("admin", "reviewer")),
    ("Seller centre", "/seller", ("admin", "seller")),
    ("Investigations", "/investigations", ("admin", "investigator")),
    ("Dashboard", "/dashboard", ("admin", "reviewer", "investigator", "rights_holder", "notifier")),
    ("Webhooks", "/webhooks", ("admin", "rights_holder")),
    ("Users", "/users", ("admin",)),
)


def make_templates() -> Jinja2Templates:
    templates = Jinja2Templates(directory=str(TEMPLATES))
    templates.env.globals["nav_for"] = lambda role: [(label, href) for label, href, roles in NAV if role in roles]
    return templates


def render(request: Request, name: str, status_code: int = 200, **context: Any) -> HTMLResponse:
    templates: Jinja2Templates = request.app.state.templates
    context.setdefault("principal", getattr(request.state, "principal", None))
    context.setdefault("csrf_token", getattr(request.state, "csrf_token", None) or "")
    context.setdefault("message", request.query_params.get("msg", ""))
    return templates.TemplateResponse(request, name, context, status_code=status_code)


def error_page(request: Request, problem: Problem) -> HTMLResponse:
    response = render(request, "error.html", status_code=problem.status, problem=problem)
    for key, value in problem.headers.items():
        response.headers[key] = value
    return response
