import os

from openai import AzureOpenAI

import secctx

# Once, at start-up: the app runs behind a proxy in 10.0.0.0/8 that appends to X-Forwarded-For.
resolver = secctx.Resolver(trusted_proxies=["10.0.0.0/8"], application_name="contoso-chat")
client = AzureOpenAI(
    azure_endpoint=os.environ["AZURE_OPENAI_ENDPOINT"],
    api_key=os.environ["AZURE_OPENAI_API_KEY"],
    api_version="2025-04-01-preview",
)


def answer(peer: str, headers: list[tuple[str, str]], user_oid: str, tenant_id: str, question: str) -> str:
    # Per request: who is asking, and from where.
    ctx = resolver.resolve(
        peer,
        headers,
        end_user_id=user_oid,
        end_user_id_type="aad",
        end_user_tenant_id=tenant_id,
    )
    completion = client.chat.completions.create(
        model="gpt-4o",  # your deployment's name
        messages=[{"role": "user", "content": question}],
        extra_body=ctx.extra_body(),
    )
    return completion.choices[0].message.content or ""


if __name__ == "__main__":
    print(
        answer(
            peer="10.0.0.2:51234",
            headers=[("X-Forwarded-For", "6.6.6.6, 203.0.113.7"), ("User-Agent", "demo/1.0")],
            user_oid="8a0f7c52-7f4e-4d1a-9b55-2f7d4c1e9a10",
            tenant_id="72f988bf-86f1-41af-91ab-2d7cd011db47",
            question="Hello!",
        )
    )
