"""secctx: tell Microsoft Defender for Cloud who sent each Azure OpenAI prompt.

Build one :class:`Resolver` from your configuration at start-up, resolve each incoming request
into a :class:`SecurityContext`, and pass ``ctx.extra_body()`` to openai-python::

    import secctx
    resolver = secctx.Resolver(trusted_proxies=["10.0.0.0/8"], application_name="contoso-chat")
    ctx = resolver.resolve("10.0.0.2:51234", [("X-Forwarded-For", "203.0.113.7")])
    client.chat.completions.create(..., extra_body=ctx.extra_body())

The decisions (client IP, headers, identity, wire formats) are made by secctx's Rust core, so
they are the same in every secctx language.
"""

from ._secctx import (
    DEFAULT_REQUEST_HEADERS,
    DENIED_REQUEST_HEADERS,
    MAX_CHAIN_BYTES,
    MAX_FORWARDED_PAIRS,
    MAX_PRINCIPAL_BYTES,
    MAX_SOURCE_HEADER_BYTES,
    PRESETS,
    Resolver,
    SecurityContext,
    __version__,
    parse_address,
)
from .adapters import (
    default_resolver,
    fastapi_dependency,
    from_asgi,
    from_django,
    from_flask,
    from_starlette,
    from_wsgi,
)
from .errors import (
    InvalidApiVersionError,
    InvalidConfigError,
    InvalidIdentityError,
    MissingEndUserIdTypeError,
    SecCtxError,
)

__all__ = [
    "DEFAULT_REQUEST_HEADERS",
    "DENIED_REQUEST_HEADERS",
    "MAX_CHAIN_BYTES",
    "MAX_FORWARDED_PAIRS",
    "MAX_PRINCIPAL_BYTES",
    "MAX_SOURCE_HEADER_BYTES",
    "PRESETS",
    "Resolver",
    "SecurityContext",
    "__version__",
    "parse_address",
    "default_resolver",
    "fastapi_dependency",
    "from_asgi",
    "from_django",
    "from_flask",
    "from_starlette",
    "from_wsgi",
    "SecCtxError",
    "InvalidConfigError",
    "InvalidIdentityError",
    "MissingEndUserIdTypeError",
    "InvalidApiVersionError",
]
