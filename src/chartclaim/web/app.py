"""The application factory: API under /api/v1 (OpenAPI at /api/v1/openapi.json), pages at /, static assets
served from the package (no network at runtime)."""

from __future__ import annotations

from fastapi import FastAPI, HTTPException, Request
from fastapi.responses import JSONResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from sqlalchemy import Engine

from chartclaim.settings import Settings, get_settings
from chartclaim.web.db import make_engine, make_sessionmaker
from chartclaim.web.deps import LoginRequired, is_api
from chartclaim.web.render import STATIC_DIR, templates
from chartclaim.web.security import SessionSigner
from chartclaim.web.services.claims import Scrubber, Submitter, default_submitter
from chartclaim.web.services.codes import CodeService
from chartclaim.web.services.suggest import CoderSuggester, Suggester

API_PREFIX = "/api/v1"


def create_app(settings: Settings | None = None, engine: Engine | None = None, *,
               suggester: Suggester | None = None, codes: CodeService | None = None,
               scrubber: Scrubber | None = None, submitter: Submitter | None = None) -> FastAPI:
    """`suggester` (the automated coder) and `codes` (the encoder) are injectable so tests can pin them."""
    settings = settings or get_settings()
    if engine is None:
        settings.ensure_dirs()
        engine = make_engine(settings.sqlalchemy_url)
    app = FastAPI(
        title="chartclaim",
        version="1",
        description="Chart to cash: coding queue, claims, remittances, denials, patient accounts.",
        openapi_url=f"{API_PREFIX}/openapi.json",
        docs_url=None,  # Swagger UI would load from a CDN; the schema itself is served
        redoc_url=None,
    )
    app.state.settings = settings
    app.state.engine = engine
    app.state.sessionmaker = make_sessionmaker(engine)
    app.state.signer = SessionSigner(settings.secret_key)
    app.state.secure_cookies = False  # set True behind TLS
    app.state.suggester = suggester or CoderSuggester()
    app.state.codes = codes or CodeService()
    app.state.scrubber = scrubber or Scrubber()
    app.state.submitter = submitter or default_submitter(settings.data_dir)

    @app.exception_handler(LoginRequired)
    async def _login_required(request: Request, _exc: LoginRequired) -> Response:
        if is_api(request):
            return JSONResponse({"detail": "not signed in"}, status_code=401)
        return RedirectResponse(f"/login?next={request.url.path}", status_code=303)

    @app.exception_handler(HTTPException)
    async def _http_error(request: Request, exc: HTTPException) -> Response:
        if is_api(request) or exc.status_code < 400:
            return JSONResponse({"detail": exc.detail}, status_code=exc.status_code, headers=exc.headers)
        return templates.TemplateResponse(
            request, "error.html", {"request": request, "status": exc.status_code, "detail": exc.detail,
                                    "user": None, "nav": [], "csrf_token": ""},
            status_code=exc.status_code)

    @app.middleware("http")
    async def _headers(request: Request, call_next):  # type: ignore[no-untyped-def]
        response: Response = await call_next(request)
        # Pages hold patient data: no caching, no framing, nothing loaded from elsewhere.
        response.headers.setdefault("Cache-Control", "no-store")
        response.headers.setdefault("X-Frame-Options", "DENY")
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("Referrer-Policy", "same-origin")
        response.headers.setdefault(
            "Content-Security-Policy",
            "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; frame-ancestors 'none'")
        return response

    app.mount("/static", StaticFiles(directory=str(STATIC_DIR)), name="static")

    from chartclaim.web.routers import ROUTERS

    for router in ROUTERS:
        app.include_router(router)
    return app
