# Type stubs of the extension module `secctx._secctx` (checked by `python -m mypy.stubtest`).
from typing import Any, Mapping, Optional, Union, final

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
    "default_resolver",
    "from_asgi",
    "from_wsgi",
    "parse_address",
]

__version__: str
DEFAULT_REQUEST_HEADERS: list[str]
DENIED_REQUEST_HEADERS: list[str]
MAX_CHAIN_BYTES: int
MAX_SOURCE_HEADER_BYTES: int
MAX_PRINCIPAL_BYTES: int
MAX_FORWARDED_PAIRS: int
PRESETS: list[str]

#: Accepted shapes of `headers`: (name, value) pairs, a mapping whose values are a str or a
#: list/tuple of str (repeated headers), or any object whose `.items()` yields pairs.
_Headers = Any

def parse_address(text: str) -> Optional[str]: ...
def default_resolver() -> Resolver: ...
def from_wsgi(
    environ: Mapping[str, Any],
    resolver: Optional[Resolver] = None,
    *,
    end_user_id: Optional[str] = None,
    end_user_id_type: Optional[str] = None,
    end_user_tenant_id: Optional[str] = None,
    application_name: Optional[str] = None,
) -> SecurityContext: ...
def from_asgi(
    scope: Mapping[str, Any],
    resolver: Optional[Resolver] = None,
    *,
    end_user_id: Optional[str] = None,
    end_user_id_type: Optional[str] = None,
    end_user_tenant_id: Optional[str] = None,
    application_name: Optional[str] = None,
) -> SecurityContext: ...

@final
class Resolver:
    def __new__(cls, config: Optional[Mapping[str, Any]] = None, **keys: Any) -> Resolver: ...
    @staticmethod
    def from_json(json: str) -> Resolver: ...
    @property
    def config(self) -> dict[str, Any]: ...
    def resolve(
        self,
        peer: Optional[str],
        headers: _Headers = None,
        *,
        end_user_id: Optional[str] = None,
        end_user_id_type: Optional[str] = None,
        end_user_tenant_id: Optional[str] = None,
        application_name: Optional[str] = None,
    ) -> SecurityContext: ...
    def from_wsgi(
        self,
        environ: Mapping[str, Any],
        *,
        end_user_id: Optional[str] = None,
        end_user_id_type: Optional[str] = None,
        end_user_tenant_id: Optional[str] = None,
        application_name: Optional[str] = None,
    ) -> SecurityContext: ...
    def from_asgi(
        self,
        scope: Mapping[str, Any],
        *,
        end_user_id: Optional[str] = None,
        end_user_id_type: Optional[str] = None,
        end_user_tenant_id: Optional[str] = None,
        application_name: Optional[str] = None,
    ) -> SecurityContext: ...
    def explain(
        self,
        peer: Optional[str],
        headers: _Headers = None,
        *,
        end_user_id: Optional[str] = None,
        end_user_id_type: Optional[str] = None,
        end_user_tenant_id: Optional[str] = None,
        application_name: Optional[str] = None,
    ) -> dict[str, Any]: ...
    def explain_wsgi(
        self,
        environ: Mapping[str, Any],
        *,
        end_user_id: Optional[str] = None,
        end_user_id_type: Optional[str] = None,
        end_user_tenant_id: Optional[str] = None,
        application_name: Optional[str] = None,
    ) -> dict[str, Any]: ...
    def explain_asgi(
        self,
        scope: Mapping[str, Any],
        *,
        end_user_id: Optional[str] = None,
        end_user_id_type: Optional[str] = None,
        end_user_tenant_id: Optional[str] = None,
        application_name: Optional[str] = None,
    ) -> dict[str, Any]: ...

@final
class SecurityContext:
    @property
    def application_name(self) -> Optional[str]: ...
    @property
    def end_user_id(self) -> Optional[str]: ...
    @property
    def end_user_id_type(self) -> Optional[str]: ...
    @property
    def end_user_tenant_id(self) -> Optional[str]: ...
    @property
    def source_ip(self) -> Optional[str]: ...
    @property
    def peer(self) -> Optional[str]: ...
    @property
    def source_request_headers(self) -> dict[str, str]: ...
    @property
    def reason(self) -> str: ...
    @property
    def reason_code(self) -> str: ...
    @property
    def reason_hop(self) -> Optional[int]: ...
    @property
    def identity_source(self) -> str: ...
    @property
    def easy_auth_note(self) -> Optional[str]: ...
    @property
    def easy_auth_note_code(self) -> Optional[str]: ...
    def user_security_context(self) -> dict[str, str]: ...
    def user_security_context_json(self) -> str: ...
    def legacy_user(self) -> str: ...
    @staticmethod
    def field_for_api_version(api_version: str) -> str: ...
    def for_api_version(self, api_version: str) -> dict[str, Union[str, dict[str, str]]]: ...
    def extra_body(
        self, existing: Optional[Mapping[str, Any]] = None, *, api_version: Optional[str] = None
    ) -> dict[str, Any]: ...
    def as_dict(self) -> dict[str, Any]: ...
    def __eq__(self, value: object, /) -> bool: ...
