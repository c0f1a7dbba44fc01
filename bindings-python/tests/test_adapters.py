"""Each adapter with the real framework, behind simulated proxies."""

from __future__ import annotations

import email.message
import http.client
import json
import threading
import wsgiref.simple_server
from typing import Any, Iterator

import pytest

import secctx

FORGED_CHAIN = "6.6.6.6, 203.0.113.7"  # 6.6.6.6 forged by the client, 203.0.113.7 appended by the proxy


# --- Flask ----------------------------------------------------------------------------------


def test_flask_behind_trusted_proxy() -> None:
    from examples.flask_app import app

    client = app.test_client()
    resp = client.post("/chat", headers={"X-Forwarded-For": FORGED_CHAIN}, environ_base={"REMOTE_ADDR": "10.0.0.2"})
    assert resp.status_code == 200
    assert resp.get_json() == {
        "user_security_context": {
            "application_name": "contoso-chat",
            "end_user_id": "user-42",
            "source_ip": "203.0.113.7",
        }
    }


def test_flask_direct_client_cannot_spoof() -> None:
    from examples.flask_app import app

    resp = app.test_client().post(
        "/chat", headers={"X-Forwarded-For": FORGED_CHAIN}, environ_base={"REMOTE_ADDR": "198.51.100.4"}
    )
    assert resp.get_json()["user_security_context"]["source_ip"] == "198.51.100.4"


def test_flask_proxyfix_does_not_hide_the_socket_peer() -> None:
    from flask import Flask
    from werkzeug.middleware.proxy_fix import ProxyFix

    app = Flask("proxyfix")
    resolver = secctx.Resolver(trusted_proxies=["10.0.0.0/8"])
    seen: dict[str, Any] = {}

    @app.get("/")
    def index() -> str:
        from flask import request

        ctx = secctx.from_flask(resolver=resolver)
        seen["remote_addr"] = request.remote_addr
        seen["peer"] = ctx.peer
        seen["source_ip"] = ctx.source_ip
        return "ok"

    app.wsgi_app = ProxyFix(app.wsgi_app, x_for=1)  # type: ignore[method-assign]
    # A direct client (not a proxy) forges X-Forwarded-For; ProxyFix believes it.
    app.test_client().get("/", headers={"X-Forwarded-For": "6.6.6.6"}, environ_base={"REMOTE_ADDR": "198.51.100.4"})
    assert seen["remote_addr"] == "6.6.6.6"
    assert seen["peer"] == "198.51.100.4"
    assert seen["source_ip"] == "198.51.100.4"


def test_werkzeug_headers_keep_repeats() -> None:
    from werkzeug.datastructures import Headers

    headers = Headers([("X-Forwarded-For", "203.0.113.7"), ("X-Forwarded-For", "10.1.1.1")])
    ctx = secctx.Resolver(trusted_proxies=["10.0.0.0/8"]).resolve("10.0.0.2", headers)
    assert ctx.source_ip == "203.0.113.7"
    assert ctx.reason_hop == 2
    assert ctx.source_request_headers["X-Forwarded-For"] == "203.0.113.7, 10.1.1.1"


# --- Django ---------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def django_setup() -> None:
    import django
    from django.conf import settings

    if not settings.configured:
        settings.configure(ALLOWED_HOSTS=["*"], DEBUG=False, SECRET_KEY="test", ROOT_URLCONF=__name__)
        django.setup()


def test_django_request_factory(django_setup: None) -> None:
    from django.test import RequestFactory

    from examples.django_views import chat

    request = RequestFactory().post("/chat", HTTP_X_FORWARDED_FOR=FORGED_CHAIN, REMOTE_ADDR="10.0.0.2",
                                    HTTP_USER_AGENT="django-test")
    resp = chat(request)
    assert json.loads(resp.content) == {
        "user_security_context": {"application_name": "contoso-chat", "source_ip": "203.0.113.7"}
    }
    ctx = secctx.from_django(request, secctx.Resolver(preset="private_ingress"))
    assert ctx.source_request_headers == {"User-Agent": "django-test", "X-Forwarded-For": FORGED_CHAIN}


def test_django_untrusted_peer(django_setup: None) -> None:
    from django.test import RequestFactory

    from examples.django_views import chat

    request = RequestFactory().get("/chat", HTTP_X_FORWARDED_FOR=FORGED_CHAIN, REMOTE_ADDR="198.51.100.4")
    assert json.loads(chat(request).content)["user_security_context"]["source_ip"] == "198.51.100.4"


# --- Starlette / FastAPI --------------------------------------------------------------------


def test_fastapi_dependency_behind_proxy() -> None:
    from starlette.testclient import TestClient

    from examples.fastapi_app import app

    with TestClient(app, client=("10.0.0.2", 50123)) as client:
        resp = client.post("/chat", headers={"X-Forwarded-For": FORGED_CHAIN})
    assert resp.status_code == 200, resp.text
    assert resp.json() == {"user_security_context": {"application_name": "contoso-chat", "source_ip": "203.0.113.7"}}


def test_fastapi_dependency_identity_callable() -> None:
    from fastapi import Depends, FastAPI
    from starlette.testclient import TestClient

    app = FastAPI()
    dep = secctx.fastapi_dependency(
        secctx.Resolver(trusted_proxies=["10.0.0.0/8"]),
        identity=lambda request: {"end_user_id": request.headers["x-user"], "end_user_id_type": "google"},
    )

    @app.get("/")
    def index(ctx: secctx.SecurityContext = Depends(dep)) -> dict[str, Any]:
        return {"legacy": json.loads(ctx.legacy_user()), "source_ip": ctx.source_ip}

    with TestClient(app, client=("10.0.0.2", 1)) as client:
        body = client.get("/", headers={"X-User": "u-7", "X-Forwarded-For": "203.0.113.9"}).json()
    assert body["source_ip"] == "203.0.113.9"
    assert body["legacy"]["EndUserId"] == "u-7"
    assert body["legacy"]["EndUserIdType"] == "Google"
    assert body["legacy"]["SourceIP"] == "10.0.0.2"


def test_starlette_request_and_headers_object() -> None:
    from starlette.applications import Starlette
    from starlette.requests import Request
    from starlette.responses import JSONResponse
    from starlette.routing import Route
    from starlette.testclient import TestClient

    resolver = secctx.Resolver(trusted_proxies=["loopback", "10.0.0.0/8"])

    async def endpoint(request: Request) -> JSONResponse:
        a = secctx.from_starlette(request, resolver)
        b = resolver.resolve(request.client.host if request.client else None, request.headers)
        return JSONResponse({"a": a.as_dict(), "b": b.as_dict()})

    app = Starlette(routes=[Route("/", endpoint)])
    with TestClient(app, client=("::1", 4000)) as client:
        body = client.get("/", headers=[("X-Forwarded-For", "203.0.113.7"), ("X-Forwarded-For", "10.9.9.9"),
                                        ("User-Agent", "caf\u00e9".encode("latin-1"))]).json()
    assert body["a"] == body["b"]
    assert body["a"]["source_ip"] == "203.0.113.7"
    assert body["a"]["peer"] == "::1"
    assert body["a"]["source_request_headers"]["X-Forwarded-For"] == "203.0.113.7, 10.9.9.9"


def test_asgi_scope_directly() -> None:
    scope = {
        "type": "http",
        "client": ("10.0.0.2", 1234),
        "headers": [(b"x-forwarded-for", b"203.0.113.7"), (b"user-agent", b"caf\xe9")],
    }
    ctx = secctx.from_asgi(scope, secctx.Resolver(trusted_proxies=["10.0.0.0/8"]))
    assert ctx.source_ip == "203.0.113.7"
    assert ctx.source_request_headers["User-Agent"] == "caf\u00e9"  # latin-1, as ASGI servers decode
    assert secctx.from_asgi({"type": "http", "client": None, "headers": []}).reason_code == "peer_unknown"
    assert secctx.from_asgi({"type": "http"}).source_ip is None


# --- email.message.Message ------------------------------------------------------------------


def test_email_message_headers() -> None:
    msg = email.message.Message()
    msg["Forwarded"] = 'for="[2001:db8::17]:4711"'
    msg["Forwarded"] = "for=10.0.0.9"
    ctx = secctx.Resolver(trusted_proxies=["10.0.0.0/8"], forwarded_header="Forwarded").resolve("10.0.0.2", msg)
    assert ctx.source_ip == "2001:db8::17"
    assert ctx.reason_hop == 2


# --- a real WSGI server on loopback ---------------------------------------------------------


@pytest.fixture()
def wsgi_server() -> Iterator[tuple[str, int, list[secctx.SecurityContext]]]:
    seen: list[secctx.SecurityContext] = []
    resolver = secctx.Resolver(preset="sidecar", application_name="wsgi-test")

    def app(environ: dict[str, Any], start_response: Any) -> list[bytes]:
        ctx = secctx.from_wsgi(environ, resolver)
        seen.append(ctx)
        body = json.dumps(ctx.extra_body()).encode()
        start_response("200 OK", [("Content-Type", "application/json"), ("Content-Length", str(len(body)))])
        return [body]

    class Quiet(wsgiref.simple_server.WSGIRequestHandler):
        def log_message(self, *args: Any) -> None:
            pass

    server = wsgiref.simple_server.make_server("127.0.0.1", 0, app, handler_class=Quiet)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        yield "127.0.0.1", server.server_port, seen
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)


def test_wsgi_server_on_loopback(wsgi_server: tuple[str, int, list[secctx.SecurityContext]]) -> None:
    host, port, seen = wsgi_server
    conn = http.client.HTTPConnection(host, port, timeout=10)
    conn.request("GET", "/", headers={"X-Forwarded-For": "6.6.6.6, 198.51.100.77", "User-Agent": "loopback"})
    body = json.loads(conn.getresponse().read())
    conn.close()
    # The sidecar preset trusts loopback: the test client talks to the server over 127.0.0.1.
    assert body == {"user_security_context": {"application_name": "wsgi-test", "source_ip": "198.51.100.77"}}
    assert seen[0].peer == "127.0.0.1"
    assert seen[0].source_request_headers["User-Agent"] == "loopback"
