"""The official `openai` package (PyPI) sending real requests to `secctx mock` on loopback.

Every test asserts on what the mock recorded: the body's `user_security_context` must be exactly
(byte for byte, once re-serialised compactly) what the context renders, and the mock's checker
must report nothing.
"""

from __future__ import annotations

import asyncio
import json
from typing import Any

import httpx
import pytest
from openai import AsyncAzureOpenAI, AzureOpenAI

import secctx

from conftest import Mock

CURRENT = "2025-04-01-preview"
LEGACY = "2024-10-21"
RESOLVER = secctx.Resolver(trusted_proxies=["10.0.0.0/8"], application_name="contoso-chat")
MESSAGES: Any = [{"role": "user", "content": "Hello"}]


def context() -> secctx.SecurityContext:
    return RESOLVER.resolve(
        "10.0.0.2:51234",
        [("X-Forwarded-For", "6.6.6.6, 203.0.113.7"), ("User-Agent", "pytest/1"), ("Cookie", "s=1")],
        end_user_id="8a0f7c52-7f4e-4d1a-9b55-2f7d4c1e9a10",
        end_user_id_type="aad",
        end_user_tenant_id="72f988bf-86f1-41af-91ab-2d7cd011db47",
    )


def compact(value: Any) -> str:
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False)


def only_record(mock: Mock) -> dict[str, Any]:
    records = mock.requests()
    assert len(records) == 1, records
    record = records[0]
    assert record["findings"] == [], record["findings"]
    assert record["method"] == "POST"
    return record


def assert_current(record: dict[str, Any], ctx: secctx.SecurityContext) -> None:
    assert record["api_version"] == CURRENT
    assert record["deployment"] == "gpt-4o"
    assert record["path"].startswith("/openai/deployments/gpt-4o/chat/completions")
    assert record["user_security_context"] == ctx.user_security_context()
    assert compact(record["user_security_context"]) == ctx.user_security_context_json()
    assert record["user_security_context"]["source_ip"] == "203.0.113.7"
    assert record["user"] is None
    assert record["headers"]["api-key"] == "<redacted>"


def sync_client(mock: Mock, api_version: str = CURRENT) -> AzureOpenAI:
    return AzureOpenAI(azure_endpoint=mock.base_url, api_key="test", api_version=api_version, max_retries=0)


def async_client(mock: Mock) -> AsyncAzureOpenAI:
    return AsyncAzureOpenAI(azure_endpoint=mock.base_url, api_key="test", api_version=CURRENT, max_retries=0)


def test_sync_create(mock: Mock) -> None:
    ctx = context()
    with sync_client(mock) as client:
        completion = client.chat.completions.create(model="gpt-4o", messages=MESSAGES, extra_body=ctx.extra_body())
    assert completion.object == "chat.completion"
    assert completion.choices[0].message.role == "assistant"
    assert_current(only_record(mock), ctx)


def test_sync_stream(mock: Mock) -> None:
    ctx = context()
    with sync_client(mock) as client:
        stream = client.chat.completions.create(
            model="gpt-4o", messages=MESSAGES, stream=True, extra_body=ctx.extra_body()
        )
        chunks = list(stream)
    assert chunks, "the stream yielded no chunk"
    assert all(c.object == "chat.completion.chunk" for c in chunks)
    record = only_record(mock)
    assert record["body"]["stream"] is True
    assert_current(record, ctx)


def test_sync_with_raw_response(mock: Mock) -> None:
    ctx = context()
    with sync_client(mock) as client:
        raw = client.chat.completions.with_raw_response.create(
            model="gpt-4o", messages=MESSAGES, extra_body=ctx.extra_body()
        )
    assert raw.status_code == 200
    assert raw.parse().choices[0].finish_reason == "stop"
    assert_current(only_record(mock), ctx)


def test_extra_body_keeps_other_keys(mock: Mock) -> None:
    ctx = context()
    mine = {"seed": 7}
    with sync_client(mock) as client:
        client.chat.completions.create(model="gpt-4o", messages=MESSAGES, extra_body=ctx.extra_body(mine))
    record = only_record(mock)
    assert record["body"]["seed"] == 7
    assert mine == {"seed": 7}, "extra_body must not modify the caller's dict"
    assert_current(record, ctx)


def test_async_create_and_stream(mock: Mock) -> None:
    ctx = context()

    async def run() -> int:
        async with async_client(mock) as client:
            completion = await client.chat.completions.create(
                model="gpt-4o", messages=MESSAGES, extra_body=ctx.extra_body()
            )
            assert completion.choices[0].message.content
            stream = await client.chat.completions.create(
                model="gpt-4o", messages=MESSAGES, stream=True, extra_body=ctx.extra_body()
            )
            n = 0
            async for _chunk in stream:
                n += 1
            raw = await client.chat.completions.with_raw_response.create(
                model="gpt-4o", messages=MESSAGES, extra_body=ctx.extra_body()
            )
            assert raw.parse().object == "chat.completion"
            return n

    assert asyncio.run(run()) > 0
    records = mock.requests()
    assert len(records) == 3
    for record in records:
        assert record["findings"] == []
        assert_current(record, ctx)


def test_legacy_api_version_sends_user(mock: Mock) -> None:
    ctx = context()
    with sync_client(mock, LEGACY) as client:
        client.chat.completions.create(model="gpt-4o", messages=MESSAGES, extra_body=ctx.for_api_version(LEGACY))
    record = only_record(mock)
    assert record["api_version"] == LEGACY
    assert record["user_security_context"] is None
    assert record["user"] == ctx.legacy_user()
    legacy = json.loads(record["user"])
    assert legacy["SourceIP"] == "10.0.0.2"
    assert legacy["EndUserIdType"] == "AAD"
    assert "Cookie" not in legacy["SourceRequestHeaders"]
    assert legacy["SourceRequestHeaders"]["X-Forwarded-For"] == "6.6.6.6, 203.0.113.7"


def test_extra_body_for_api_version_matches_for_api_version(mock: Mock) -> None:
    ctx = context()
    assert ctx.extra_body(api_version=LEGACY) == ctx.for_api_version(LEGACY)
    assert ctx.extra_body(api_version=CURRENT) == ctx.extra_body()


def test_mock_checker_is_live(mock: Mock) -> None:
    """The mock really checks bodies: a hand-made, misspelled context is reported."""
    with sync_client(mock) as client:
        client.chat.completions.create(
            model="gpt-4o", messages=MESSAGES, extra_body={"user_security_context": {"sourceIp": "1.2.3.4"}}
        )
    records = mock.requests()
    assert len(records) == 1
    assert [f["code"] for f in records[0]["findings"]] == ["misspelled_key"]


def test_readme_openai_example(mock: Mock, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AZURE_OPENAI_ENDPOINT", mock.base_url)
    monkeypatch.setenv("AZURE_OPENAI_API_KEY", "test")
    import importlib

    import examples.openai_azure as example

    example = importlib.reload(example)
    text = example.answer(
        "10.0.0.2:51234",
        [("X-Forwarded-For", "6.6.6.6, 203.0.113.7")],
        "8a0f7c52-7f4e-4d1a-9b55-2f7d4c1e9a10",
        "72f988bf-86f1-41af-91ab-2d7cd011db47",
        "Hello!",
    )
    assert text
    record = only_record(mock)
    assert record["user_security_context"] == {
        "application_name": "contoso-chat",
        "end_user_id": "8a0f7c52-7f4e-4d1a-9b55-2f7d4c1e9a10",
        "end_user_tenant_id": "72f988bf-86f1-41af-91ab-2d7cd011db47",
        "source_ip": "203.0.113.7",
    }


def test_mock_is_on_loopback(mock: Mock) -> None:
    assert mock.addr.startswith("127.0.0.1:")
    assert httpx.get(f"{mock.base_url}/_secctx/requests", timeout=10).json() == []
