"""The shared conformance corpus (SPEC section 7), run through the Python API.

The directory is `$SECCTX_VECTORS` when set, else the repository's `tests/vectors`. Results are
compared as core/src/conformance.rs `compare` does: `user_security_context` always; `user` and
`user_error` when `expect` gives them; an `expect` holding only `error` requires that error.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any, Optional

import pytest

import secctx

from conftest import REPO_ROOT


def vectors_dir() -> Path:
    env = os.environ.get("SECCTX_VECTORS")
    return Path(env) if env else REPO_ROOT / "tests" / "vectors"


def load_cases() -> list[tuple[str, dict[str, Any]]]:
    directory = vectors_dir()
    files = sorted(directory.glob("*.json"))
    cases: list[tuple[str, dict[str, Any]]] = []
    for file in files:
        doc = json.loads(file.read_text(encoding="utf-8"))
        items = doc if isinstance(doc, list) else [doc]
        for i, case in enumerate(items):
            cases.append((f"{file.name}[{i}] {case.get('name', '')}", case))
    return cases


CASES = load_cases()


def test_corpus_is_not_empty() -> None:
    assert CASES, f"no conformance cases found in {vectors_dir()}"


def evaluate(case: dict[str, Any]) -> dict[str, Any]:
    """What this surface computes for a case, shaped like `expect`."""
    config = case.get("config", {})
    request = case.get("request", {})
    identity = case.get("identity") or {}
    # The document as JSON text (any JSON value, as the corpus may hold) ...
    try:
        from_text: Optional[secctx.Resolver] = secctx.Resolver.from_json(json.dumps(config))
        text_error = None
    except secctx.SecCtxError as e:
        from_text, text_error = None, e.code
    if not isinstance(config, dict):
        # ... a Python caller passes a dict; anything else is a TypeError (tested elsewhere).
        return {"error": text_error} if text_error else {"unexpected": "non-object config accepted"}
    # ... and as a dict, which must agree.
    try:
        resolver = secctx.Resolver(config)
    except secctx.SecCtxError as e:
        assert e.code == text_error, f"dict config gave {e.code}, JSON text gave {text_error}"
        return {"error": e.code}
    assert from_text is not None and text_error is None, f"JSON text gave {text_error}, dict config no error"
    assert from_text.config == resolver.config
    headers = [tuple(pair) for pair in request.get("headers", [])]
    try:
        ctx = resolver.resolve(request.get("peer"), headers, **identity)
    except secctx.SecCtxError as e:
        return {"error": e.code}
    got: dict[str, Any] = {"user_security_context": ctx.user_security_context()}
    # The dict must be exactly core's JSON text, key order included.
    assert json.dumps(got["user_security_context"], separators=(",", ":"), ensure_ascii=False) == (
        ctx.user_security_context_json()
    )
    try:
        got["user"] = json.loads(ctx.legacy_user())
    except secctx.SecCtxError as e:
        got["user_error"] = e.code
    return got


def compare(expect: dict[str, Any], got: dict[str, Any]) -> Optional[str]:
    problems = []
    if "error" in expect:
        if got.get("error") != expect["error"]:
            problems.append(f"expected error {expect['error']!r}, got {got!r}")
    else:
        for key in ("user_security_context", "user", "user_error"):
            if key == "user_security_context" or key in expect:
                if got.get(key, "<absent>") != expect.get(key, "<absent>"):
                    problems.append(f"{key}: expected {expect.get(key)!r}, got {got.get(key, '<absent>')!r}")
    return "; ".join(problems) or None


@pytest.mark.parametrize("case", [c for _, c in CASES], ids=[i for i, _ in CASES])
def test_vector(case: dict[str, Any]) -> None:
    problem = compare(case["expect"], evaluate(case))
    assert problem is None, problem


def test_compare_detects_differences() -> None:
    """The comparison itself can fail (an honest runner)."""
    expect = {"user_security_context": {"source_ip": "192.0.2.1"}}
    assert compare(expect, {"user_security_context": {"source_ip": "192.0.2.1"}, "user": {}}) is None
    assert compare(expect, {"user_security_context": {}}) is not None
    assert compare({"error": "invalid_config"}, {"user_security_context": {}}) is not None
    assert compare({"user_security_context": {}, "user_error": "missing_end_user_id_type"},
                   {"user_security_context": {}, "user": {}}) is not None


def wsgi_environ(peer: Optional[str], headers: list[tuple[str, str]]) -> Optional[dict[str, Any]]:
    """The request as a WSGI environ, in header order; a repeated name takes a key WSGI spells
    differently (`HTTP_x_forwarded_for`, `HTTP_X-FORWARDED-FOR`, …). None when the headers cannot
    be written as an environ (a non-ASCII name or one with `_`, too many repeats)."""
    environ: dict[str, Any] = {"wsgi.url_scheme": "http", "REQUEST_METHOD": "GET"}
    if peer is not None:
        environ["REMOTE_ADDR"] = peer
    for name, value in headers:
        if not name.isascii() or "_" in name:
            return None
        upper = name.upper().replace("-", "_")
        special = {"CONTENT_TYPE", "CONTENT_LENGTH"}
        candidates = ([upper] if upper in special else []) + [
            "HTTP_" + "".join(c.lower() if (bits >> i) & 1 else c for i, c in enumerate(upper))
            for bits in range(64)
        ] + ["HTTP_" + name.upper(), "HTTP_" + name.lower()]
        key = next((k for k in candidates if k not in environ), None)
        if key is None:
            return None
        environ[key] = value
    return environ


@pytest.mark.parametrize("case", [c for _, c in CASES], ids=[i for i, _ in CASES])
def test_vector_through_wsgi(case: dict[str, Any]) -> None:
    """`from_wsgi` (which skips the headers a resolver never reads) agrees with `resolve`."""
    config, request = case.get("config", {}), case.get("request", {})
    if not isinstance(config, dict) or "error" in case["expect"]:
        return
    headers = [(str(n), str(v)) for n, v in request.get("headers", [])]
    environ = wsgi_environ(request.get("peer"), headers)
    if environ is None or not isinstance(request.get("peer"), (str, type(None))):
        return
    resolver = secctx.Resolver(config)
    identity = case.get("identity") or {}

    def outcome(call: Any) -> Any:
        try:
            ctx = call()
        except secctx.SecCtxError as e:
            return e.code
        try:
            legacy: Any = ctx.legacy_user()
        except secctx.SecCtxError as e:
            legacy = e.code
        return ctx.as_dict(), ctx.extra_body(), legacy, ctx

    for _ in range(2):  # the second time from the resolver's memo
        got = outcome(lambda: resolver.from_wsgi(environ, **identity))
        want = outcome(lambda: resolver.resolve(request.get("peer"), headers, **identity))
        assert got == want
