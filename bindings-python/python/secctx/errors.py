"""The exceptions of secctx: one root, :class:`SecCtxError`, and one subclass per error kind.

Each class carries ``code``, exactly the specification's error kind string, so a program can
match on it the same way in every secctx language.

Wrong Python *types* (bytes where text is expected, an ``int`` header value, a headers argument
that is not pairs or a mapping) raise the built-in :class:`TypeError` instead, with a message
naming the argument; text that is not valid Unicode (lone surrogates) raises :class:`ValueError`.
"""

from __future__ import annotations

__all__ = [
    "SecCtxError",
    "InvalidConfigError",
    "InvalidIdentityError",
    "MissingEndUserIdTypeError",
    "InvalidApiVersionError",
]


class SecCtxError(Exception):
    """The root of every error secctx raises for a specification-level problem."""

    code: str = "secctx_error"

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class InvalidConfigError(SecCtxError, ValueError):
    """The configuration document is not valid (``invalid_config``); the message names the key."""

    code = "invalid_config"


class InvalidIdentityError(SecCtxError, ValueError):
    """A per-request identity value is not valid (``invalid_identity``)."""

    code = "invalid_identity"


class MissingEndUserIdTypeError(SecCtxError, ValueError):
    """The legacy ``user`` document needs ``end_user_id_type`` whenever there is an
    ``end_user_id`` (``missing_end_user_id_type``)."""

    code = "missing_end_user_id_type"


class InvalidApiVersionError(SecCtxError, ValueError):
    """An api-version that is not ``v1``, ``latest``, ``preview`` or a dated version
    (``invalid_api_version``)."""

    code = "invalid_api_version"
