"""Framework adapters: find a request's socket peer and headers, then resolve.

They only translate. A WSGI environ (Flask, Django, any WSGI server) gives the peer as
``REMOTE_ADDR`` and the headers as its ``HTTP_*`` keys; an ASGI scope (Starlette, FastAPI,
Django under ASGI) gives ``scope["client"]`` and raw byte headers, decoded as ISO-8859-1 as
ASGI servers do. ``from_wsgi`` and ``from_asgi`` themselves live in the extension module (they
are on the hot path of every request); the helpers here find the environ or scope and call them.

No framework is imported until a helper that needs one is called.

Every helper takes the resolver to use; when it is omitted, a resolver of the default
configuration is used, which trusts no proxy: ``source_ip`` is then always the socket peer.
Behind a proxy, build one :class:`~secctx.Resolver` with your ``trusted_proxies`` at start-up and
pass it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Callable, Mapping, Optional

from ._secctx import Resolver, SecurityContext, default_resolver, from_asgi, from_wsgi

if TYPE_CHECKING:  # pragma: no cover - typing only
    from starlette.requests import HTTPConnection

__all__ = [
    "default_resolver",
    "from_wsgi",
    "from_asgi",
    "from_flask",
    "from_django",
    "from_starlette",
    "fastapi_dependency",
]


def from_flask(
    request: Any = None,
    resolver: Optional[Resolver] = None,
    *,
    end_user_id: Optional[str] = None,
    end_user_id_type: Optional[str] = None,
    end_user_tenant_id: Optional[str] = None,
    application_name: Optional[str] = None,
) -> SecurityContext:
    """Resolves a Flask (or any werkzeug) request; ``request`` defaults to ``flask.request``.

    If the app is wrapped in werkzeug's ``ProxyFix``, the peer is still the real socket peer:
    ``ProxyFix`` keeps the original ``REMOTE_ADDR`` and that is the one used.
    """
    if request is None:
        from flask import request as current_request

        request = current_request
    return from_wsgi(
        request.environ,
        resolver,
        end_user_id=end_user_id,
        end_user_id_type=end_user_id_type,
        end_user_tenant_id=end_user_tenant_id,
        application_name=application_name,
    )


def from_django(
    request: Any,
    resolver: Optional[Resolver] = None,
    *,
    end_user_id: Optional[str] = None,
    end_user_id_type: Optional[str] = None,
    end_user_tenant_id: Optional[str] = None,
    application_name: Optional[str] = None,
) -> SecurityContext:
    """Resolves a Django ``HttpRequest`` (WSGI or ASGI) from ``request.META``."""
    return from_wsgi(
        request.META,
        resolver,
        end_user_id=end_user_id,
        end_user_id_type=end_user_id_type,
        end_user_tenant_id=end_user_tenant_id,
        application_name=application_name,
    )


def from_starlette(
    request: HTTPConnection,
    resolver: Optional[Resolver] = None,
    *,
    end_user_id: Optional[str] = None,
    end_user_id_type: Optional[str] = None,
    end_user_tenant_id: Optional[str] = None,
    application_name: Optional[str] = None,
) -> SecurityContext:
    """Resolves a Starlette or FastAPI ``Request`` (or ``WebSocket``) from its ASGI scope."""
    return from_asgi(
        request.scope,
        resolver,
        end_user_id=end_user_id,
        end_user_id_type=end_user_id_type,
        end_user_tenant_id=end_user_tenant_id,
        application_name=application_name,
    )


def fastapi_dependency(
    resolver: Optional[Resolver] = None,
    *,
    identity: Optional[Callable[[Any], Mapping[str, Optional[str]]]] = None,
) -> Callable[..., SecurityContext]:
    """A FastAPI dependency that resolves the current request.

    ``identity``, when given, is called with the request and returns the per-request identity
    keywords (``end_user_id``, ``end_user_id_type``, ``end_user_tenant_id``,
    ``application_name``), typically from your authentication.

    >>> ctx_of = fastapi_dependency(resolver)                   # doctest: +SKIP
    >>> async def chat(ctx: SecurityContext = Depends(ctx_of)): ...  # doctest: +SKIP
    """
    from starlette.requests import Request

    chosen = resolver

    def security_context(request: Request) -> SecurityContext:
        keys = dict(identity(request)) if identity is not None else {}
        return (chosen or default_resolver()).from_asgi(request.scope, **keys)

    # FastAPI reads the parameter's annotation to inject the request; give it the real class.
    security_context.__annotations__ = {"request": Request, "return": SecurityContext}
    return security_context
