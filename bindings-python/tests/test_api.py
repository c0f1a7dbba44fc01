"""The Python API itself: configuration, header shapes, every field, errors, threads."""

from __future__ import annotations

import base64
import json
import threading
from collections import OrderedDict
from concurrent.futures import ThreadPoolExecutor

import pytest

import secctx

TRUSTED = secctx.Resolver(trusted_proxies=["10.0.0.0/8"], application_name="chat")


# --- configuration --------------------------------------------------------------------------


def test_config_dict_and_keywords_merge_keywords_win() -> None:
    r = secctx.Resolver({"application_name": "a", "max_hops": 3}, application_name="b", client_ip_header=None)
    assert r.config["application_name"] == "b"
    assert r.config["max_hops"] == 3
    assert r.config["client_ip_header"] is None


def test_config_defaults_and_presets() -> None:
    assert secctx.Resolver().config["trusted_proxies"] == []
    assert secctx.Resolver(None).config == secctx.Resolver.from_json("{}").config
    assert secctx.Resolver(preset="sidecar").config["trusted_proxies"] == ["loopback"]
    assert set(secctx.PRESETS) >= {"sidecar", "private_ingress", "cloudflare", "azure_front_door"}
    assert "Resolver(" in repr(secctx.Resolver())


@pytest.mark.parametrize(
    ("config", "key"),
    [
        ({"trusted_proxy": ["10.0.0.0/8"]}, "trusted_proxy"),
        ({"trusted_proxies": "10.0.0.0/8"}, "trusted_proxies"),
        ({"trusted_proxies": ["10.0.0.1/8"]}, "trusted_proxies[0]"),
        ({"max_hops": 0}, "max_hops"),
        ({"max_hops": 2.5}, "max_hops"),
        ({"request_headers": ["Cookie"]}, "request_headers[0]"),
        ({"preset": "nope"}, "preset"),
        ({"trust_easy_auth": "yes"}, "trust_easy_auth"),
        ({"max_hops": float("nan")}, "configuration"),
    ],
)
def test_invalid_config(config: dict[str, object], key: str) -> None:
    with pytest.raises(secctx.InvalidConfigError) as info:
        secctx.Resolver(config)
    assert info.value.code == "invalid_config"
    assert str(info.value).startswith(key), str(info.value)
    assert isinstance(info.value, ValueError) and isinstance(info.value, secctx.SecCtxError)


def test_invalid_config_json_text() -> None:
    for text in ["", "[]", "{", '{"max_hops": 1, "max_hops": 2}', "null"]:
        with pytest.raises(secctx.InvalidConfigError):
            secctx.Resolver.from_json(text)


def test_config_wrong_python_types() -> None:
    with pytest.raises(TypeError, match="config"):
        secctx.Resolver(["trusted_proxies"])  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="config"):
        secctx.Resolver(trusted_proxies={"10.0.0.0/8"})
    with pytest.raises(TypeError):
        secctx.Resolver.from_json(b"{}")  # type: ignore[arg-type]


# --- headers in every accepted shape ---------------------------------------------------------


def test_header_shapes_agree() -> None:
    pairs = [("X-Forwarded-For", "203.0.113.7"), ("x-forwarded-for", "10.1.1.1"), ("User-Agent", "u")]
    expected = TRUSTED.resolve("10.0.0.2", pairs)
    assert expected.source_ip == "203.0.113.7"
    shapes = [
        tuple(pairs),
        [list(p) for p in pairs],
        iter(pairs),
        {"X-Forwarded-For": ["203.0.113.7", "10.1.1.1"], "User-Agent": "u"},
        OrderedDict([("X-Forwarded-For", ("203.0.113.7", "10.1.1.1")), ("User-Agent", "u")]),
    ]
    for shape in shapes:
        assert TRUSTED.resolve("10.0.0.2", shape) == expected, shape


def test_no_headers() -> None:
    for headers in (None, [], {}, ()):
        ctx = TRUSTED.resolve("10.0.0.2", headers)
        assert ctx.source_ip == "10.0.0.2"
        assert ctx.reason_code == "no_forwarded_header"
    assert TRUSTED.resolve("10.0.0.2") == TRUSTED.resolve("10.0.0.2", None)


# --- every field ----------------------------------------------------------------------------


def test_every_field() -> None:
    ctx = TRUSTED.resolve(
        "[::ffff:10.0.0.2]:443",
        [("X-Forwarded-For", "6.6.6.6, 203.0.113.7"), ("Authorization", "Bearer x"), ("User-Agent", "ua")],
        end_user_id="u1",
        end_user_id_type="AaD",
        end_user_tenant_id="t1",
        application_name="per-request",
    )
    assert ctx.application_name == "per-request"
    assert ctx.end_user_id == "u1"
    assert ctx.end_user_id_type == "AAD"
    assert ctx.end_user_tenant_id == "t1"
    assert ctx.source_ip == "203.0.113.7"
    assert ctx.peer == "10.0.0.2"
    assert ctx.source_request_headers == {"User-Agent": "ua", "X-Forwarded-For": "6.6.6.6, 203.0.113.7"}
    assert ctx.reason == "the first untrusted entry from the right, at hop 1, is the client"
    assert ctx.reason_code == "chosen_at_hop" and ctx.reason_hop == 1
    assert ctx.identity_source == "explicit"
    assert ctx.easy_auth_note is None and ctx.easy_auth_note_code is None
    assert list(ctx.user_security_context()) == ["application_name", "end_user_id", "end_user_tenant_id", "source_ip"]
    assert ctx.user_security_context_json() == (
        '{"application_name":"per-request","end_user_id":"u1","end_user_tenant_id":"t1","source_ip":"203.0.113.7"}'
    )
    legacy = ctx.legacy_user()
    assert list(json.loads(legacy)) == [
        "EndUserId", "EndUserIdType", "EndUserTenantId", "SourceIP", "SourceRequestHeaders", "ApplicationName"
    ]
    assert ctx.for_api_version("2024-10-21") == {"user": legacy}
    assert ctx.for_api_version("v1") == {"user_security_context": ctx.user_security_context()}
    assert secctx.SecurityContext.field_for_api_version("2024-11-01-preview") == "user"
    assert secctx.SecurityContext.field_for_api_version("2024-12-01-preview") == "user_security_context"
    record = ctx.as_dict()
    assert record["reason"] == {"code": "chosen_at_hop", "hop": 1, "text": ctx.reason}
    assert repr(ctx) == (
        "SecurityContext(source_ip='203.0.113.7', peer='10.0.0.2', end_user_id='u1', end_user_id_type='AAD', "
        "end_user_tenant_id='t1', application_name='per-request', reason_code='chosen_at_hop')"
    )


def test_empty_context_still_yields_the_field() -> None:
    ctx = secctx.Resolver().resolve(None, [])
    assert ctx.source_ip is None and ctx.peer is None
    assert ctx.reason_code == "peer_unknown"
    assert ctx.extra_body() == {"user_security_context": {}}
    assert ctx.for_api_version("2024-10-21") == {"user": "{}"}


def test_extra_body_merges_without_clobbering() -> None:
    ctx = TRUSTED.resolve("10.0.0.2", [])
    existing = {"data_sources": [{"type": "x"}], "user_security_context": {"stale": "1"}}
    merged = ctx.extra_body(existing)
    assert merged["data_sources"] is existing["data_sources"]
    assert merged["user_security_context"] == {"application_name": "chat", "source_ip": "10.0.0.2"}
    assert existing["user_security_context"] == {"stale": "1"}
    assert ctx.extra_body(None) == ctx.extra_body()
    with pytest.raises(TypeError, match="existing"):
        ctx.extra_body([("a", 1)])  # type: ignore[arg-type]


def test_easy_auth() -> None:
    principal = {"auth_typ": "aad", "claims": [
        {"typ": "http://schemas.microsoft.com/identity/claims/objectidentifier", "val": "oid-1"},
        {"typ": "tid", "val": "tenant-1"},
    ]}
    encoded = base64.b64encode(json.dumps(principal).encode()).decode()
    r = secctx.Resolver(trust_easy_auth=True)
    ctx = r.resolve("192.0.2.1", [("X-MS-CLIENT-PRINCIPAL", encoded), ("X-MS-CLIENT-PRINCIPAL-IDP", "aad")])
    assert (ctx.end_user_id, ctx.end_user_id_type, ctx.end_user_tenant_id) == ("oid-1", "AAD", "tenant-1")
    assert ctx.identity_source == "easy_auth"
    bad = r.resolve("192.0.2.1", [("X-MS-CLIENT-PRINCIPAL", "%%%"), ("X-MS-CLIENT-PRINCIPAL-ID", "id-2")])
    assert bad.end_user_id == "id-2"
    assert bad.easy_auth_note_code == "easy_auth_malformed"
    assert bad.easy_auth_note and "X-MS-CLIENT-PRINCIPAL" in bad.easy_auth_note
    # Without trust_easy_auth, the headers are ignored.
    assert secctx.Resolver().resolve("192.0.2.1", [("X-MS-CLIENT-PRINCIPAL-ID", "id-2")]).end_user_id is None


def test_explain() -> None:
    ex = TRUSTED.explain("10.0.0.2", [("X-Forwarded-For", "203.0.113.7, 10.1.1.1"), ("Cookie", "c")])
    assert ex["peer_trusted_by"] == "10.0.0.0/8"
    assert [h["verdict"] for h in ex["hops"]] == ["trusted", "client"]
    assert ex["dropped_headers"] == ["Cookie"]
    assert ex["context"]["source_ip"] == "203.0.113.7"
    environ = {"REMOTE_ADDR": "10.0.0.2", "HTTP_X_FORWARDED_FOR": "garbage, 10.1.1.1"}
    ex = TRUSTED.explain_wsgi(environ)
    assert ex["hops"][-1]["verdict"] == "invalid"
    assert ex["context"]["reason"]["code"] == "invalid_entry"
    scope = {"type": "http", "client": ("10.0.0.2", 1), "headers": [(b"x-forwarded-for", b"203.0.113.7")]}
    assert TRUSTED.explain_asgi(scope)["context"]["source_ip"] == "203.0.113.7"


def test_parse_address_and_constants() -> None:
    assert secctx.parse_address("[::ffff:192.0.2.1]:443") == "192.0.2.1"
    assert secctx.parse_address("010.8.8.8") is None
    assert secctx.DEFAULT_REQUEST_HEADERS[0] == "User-Agent"
    assert "Cookie" in secctx.DENIED_REQUEST_HEADERS
    assert secctx.MAX_CHAIN_BYTES == 65536
    assert secctx.__version__


# --- errors ---------------------------------------------------------------------------------


def test_error_classes() -> None:
    classes = [secctx.InvalidConfigError, secctx.InvalidIdentityError, secctx.MissingEndUserIdTypeError,
               secctx.InvalidApiVersionError]
    assert [c.code for c in classes] == [
        "invalid_config", "invalid_identity", "missing_end_user_id_type", "invalid_api_version"
    ]
    for c in classes:
        assert issubclass(c, secctx.SecCtxError) and issubclass(c, ValueError)


def test_spec_errors() -> None:
    with pytest.raises(secctx.InvalidIdentityError) as info:
        TRUSTED.resolve(None, [], end_user_id_type="github")
    assert info.value.code == "invalid_identity" and "github" in str(info.value)
    ctx = TRUSTED.resolve(None, [], end_user_id="u1")
    with pytest.raises(secctx.MissingEndUserIdTypeError) as info2:
        ctx.legacy_user()
    assert info2.value.code == "missing_end_user_id_type"
    with pytest.raises(secctx.MissingEndUserIdTypeError):
        ctx.for_api_version("2024-10-21")
    assert ctx.for_api_version("2025-04-01-preview") == {"user_security_context": {"application_name": "chat",
                                                                                   "end_user_id": "u1"}}
    for bad in ["", "V1", " v1", "2024-02-30", "2024-12-01-Preview"]:
        with pytest.raises(secctx.InvalidApiVersionError) as info3:
            ctx.for_api_version(bad)
        assert info3.value.code == "invalid_api_version"
        with pytest.raises(secctx.InvalidApiVersionError):
            ctx.extra_body(api_version=bad)


@pytest.mark.parametrize(
    ("call", "needle"),
    [
        (lambda: TRUSTED.resolve(b"10.0.0.2", []), "peer"),
        (lambda: TRUSTED.resolve(10, []), "peer"),
        (lambda: TRUSTED.resolve("10.0.0.2", "X-Forwarded-For: 1.2.3.4"), "headers"),
        (lambda: TRUSTED.resolve("10.0.0.2", b"x"), "headers"),
        (lambda: TRUSTED.resolve("10.0.0.2", 42), "headers"),
        (lambda: TRUSTED.resolve("10.0.0.2", [("X-Forwarded-For", b"1.2.3.4")]), "headers[0] value"),
        (lambda: TRUSTED.resolve("10.0.0.2", [(b"X-Forwarded-For", "1.2.3.4")]), "headers[0] name"),
        (lambda: TRUSTED.resolve("10.0.0.2", [("X-Forwarded-For", None)]), "headers[0] value"),
        (lambda: TRUSTED.resolve("10.0.0.2", [("User-Agent", 5)]), "headers[0] value"),
        (lambda: TRUSTED.resolve("10.0.0.2", [("a", "b", "c")]), "headers[0]"),
        (lambda: TRUSTED.resolve("10.0.0.2", ["ab"]), "headers[0]"),
        (lambda: TRUSTED.resolve("10.0.0.2", {"User-Agent": 5}), "headers[0] value"),
        (lambda: TRUSTED.resolve("10.0.0.2", {"User-Agent": ["a", None]}), "value 1"),
        (lambda: TRUSTED.resolve("10.0.0.2", [], end_user_id=5), "end_user_id"),
        (lambda: TRUSTED.resolve("10.0.0.2", [], end_user_id_type=b"aad"), "end_user_id_type"),
        (lambda: TRUSTED.from_wsgi([("REMOTE_ADDR", "1.2.3.4")]), "environ"),
        (lambda: TRUSTED.from_wsgi({"REMOTE_ADDR": b"1.2.3.4"}), "REMOTE_ADDR"),
        (lambda: TRUSTED.from_wsgi({"HTTP_USER_AGENT": None}), "HTTP_USER_AGENT"),
        (lambda: TRUSTED.from_asgi({"client": "10.0.0.2"}), "client"),
        (lambda: TRUSTED.from_asgi({"headers": [("x-a", "b")]}), "scope['headers'][0] name"),
        (lambda: TRUSTED.from_asgi({"headers": 5}), "headers"),
        (lambda: TRUSTED.from_asgi(None), "scope"),
    ],
)
def test_wrong_types_raise_type_error(call: object, needle: str) -> None:
    with pytest.raises(TypeError) as info:
        call()  # type: ignore[operator]
    assert needle in str(info.value), str(info.value)


def test_lone_surrogates_are_value_errors() -> None:
    with pytest.raises(ValueError, match="headers\\[0\\] value"):
        TRUSTED.resolve("10.0.0.2", [("User-Agent", "\udcff")])
    with pytest.raises(ValueError, match="peer"):
        TRUSTED.resolve("\ud800", [])
    with pytest.raises(ValueError, match="end_user_id"):
        TRUSTED.resolve(None, [], end_user_id="\ud800")


def test_huge_and_odd_inputs_are_bounded() -> None:
    huge = ", ".join(["10.1.1.1"] * 20000)
    ctx = TRUSTED.resolve("10.0.0.2", [("X-Forwarded-For", huge)])
    assert ctx.source_ip is None and ctx.reason_code == "header_too_large"
    assert len(ctx.source_request_headers["X-Forwarded-For"]) <= secctx.MAX_SOURCE_HEADER_BYTES
    many = [("X-Forwarded-For", "10.1.1.1")] * 50 + [("X-Other", "x" * 100000)] * 100
    assert TRUSTED.resolve("10.0.0.2", many).reason_code == "too_many_hops"
    ctx = TRUSTED.resolve("10.0.0.2", [("User-Agent", "\x00\u00e9\U0001f600" * 1000), ("", "")])
    assert json.loads(ctx.legacy_user())["SourceRequestHeaders"]["User-Agent"].startswith("\x00\u00e9\U0001f600")
    assert TRUSTED.resolve("not an address", []).reason_code == "peer_unknown"


# --- threads --------------------------------------------------------------------------------


def test_many_threads_share_one_resolver() -> None:
    resolver = secctx.Resolver(trusted_proxies=["10.0.0.0/8"], application_name="threads")
    barrier = threading.Barrier(16)

    def work(n: int) -> list[str]:
        barrier.wait()
        out = []
        for i in range(300):
            client = f"203.0.{n}.{i % 250 + 1}"
            ctx = resolver.resolve("10.0.0.2", [("X-Forwarded-For", f"{client}, 10.9.9.9")], end_user_id=f"u{n}-{i}")
            assert ctx.end_user_id == f"u{n}-{i}"
            out.append(ctx.extra_body()["user_security_context"]["source_ip"])
        return out

    with ThreadPoolExecutor(max_workers=16) as pool:
        results = list(pool.map(work, range(16)))
    for n, got in enumerate(results):
        assert got == [f"203.0.{n}.{i % 250 + 1}" for i in range(300)]


# --- module-level adapters and the WSGI environ ----------------------------------------------


def test_default_resolver_trusts_nothing() -> None:
    assert secctx.default_resolver() is secctx.default_resolver()
    environ = {"REMOTE_ADDR": "10.0.0.2", "HTTP_X_FORWARDED_FOR": "203.0.113.7"}
    ctx = secctx.from_wsgi(environ)
    assert ctx.source_ip == "10.0.0.2" and ctx.reason_code == "peer_untrusted"
    assert secctx.from_wsgi(environ, TRUSTED).source_ip == "203.0.113.7"
    assert secctx.from_wsgi(environ, None, end_user_id="u").end_user_id == "u"
    with pytest.raises(TypeError, match="resolver"):
        secctx.from_wsgi(environ, "not a resolver")  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="resolver"):
        secctx.from_asgi({}, 5)  # type: ignore[arg-type]


def test_wsgi_environ_translation() -> None:
    environ = {
        "REMOTE_ADDR": "10.0.0.2",
        "REMOTE_PORT": "5000",
        "CONTENT_TYPE": "application/json",
        "HTTP_X_REAL_IP": "203.0.113.50",
        "HTTP_X_FORWARDED_FOR": "203.0.113.7",
        "wsgi.input": object(),
        42: "not a str key",
    }
    r = secctx.Resolver(trusted_proxies=["10.0.0.0/8"], client_ip_header="X-Real-IP",
                        request_headers=["Content-Type", "X-Real-IP"])
    ctx = r.from_wsgi(environ)
    assert ctx.source_ip == "203.0.113.50" and ctx.reason_code == "client_ip_header"
    assert ctx.source_request_headers == {"Content-Type": "application/json", "X-Real-IP": "203.0.113.50"}
    # werkzeug's ProxyFix keeps the original REMOTE_ADDR: that is the socket peer.
    fixed = dict(environ, REMOTE_ADDR="6.6.6.6", **{"werkzeug.proxy_fix.orig": {"REMOTE_ADDR": "10.0.0.2"}})
    assert r.from_wsgi(fixed).peer == "10.0.0.2"
    assert r.from_wsgi({}).reason_code == "peer_unknown"


def test_wsgi_many_distinct_header_names() -> None:
    # More distinct names than the translation memo holds: still correct.
    for batch in range(3):
        environ = {f"HTTP_X_N{batch}_{i}": "v" for i in range(3000)}
        environ.update(REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR="203.0.113.7")
        assert TRUSTED.from_wsgi(environ).source_ip == "203.0.113.7"


def test_wsgi_keys_are_remembered_per_resolver() -> None:
    class Key(str):
        pass

    environ = {
        "REMOTE_ADDR": "10.0.0.2",
        Key("HTTP_X_FORWARDED_FOR"): "203.0.113.7",
        42: "not a str key",
        "HTTP_X_CLIENT": "203.0.113.50",
        "HTTP_COOKIE": None,  # never read: not converted, so not an error
    }
    by_chain = secctx.Resolver(trusted_proxies=["10.0.0.0/8"], request_headers=[])
    by_header = secctx.Resolver(trusted_proxies=["10.0.0.0/8"], client_ip_header="X-Client", request_headers=[])
    for _ in range(2):  # the second time from each resolver's memo
        assert by_chain.from_wsgi(environ).source_ip == "203.0.113.7"
        assert by_header.from_wsgi(environ).source_ip == "203.0.113.50"
    with pytest.raises(TypeError, match="HTTP_X_CLIENT"):
        by_header.from_wsgi(dict(environ, HTTP_X_CLIENT=None))
    assert by_chain.from_wsgi(dict(environ, HTTP_X_CLIENT=None)).source_ip == "203.0.113.7"
    # Spellings WSGI servers do not use still name the header; repeats keep the environ's order.
    odd = {"REMOTE_ADDR": "10.0.0.2", "HTTP_X-FORWARDED-FOR": "198.51.100.1", "HTTP_x_forwarded_for": "203.0.113.9"}
    assert by_chain.from_wsgi(odd).source_ip == "203.0.113.9"
    assert by_chain.from_wsgi(dict(reversed(list(odd.items())))).source_ip == "198.51.100.1"


def test_importing_secctx_imports_no_framework() -> None:
    import subprocess
    import sys

    code = (
        "import sys, secctx\n"
        "loaded = [m for m in ('flask', 'werkzeug', 'django', 'starlette', 'fastapi', 'openai') if m in sys.modules]\n"
        "print(loaded)\n"
        "secctx.from_wsgi({'REMOTE_ADDR': '192.0.2.1'})\n"
        "assert not loaded, loaded\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True)
