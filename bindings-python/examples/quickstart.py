import secctx

# Behind Application Gateway in 10.1.0.0/24, which appends "client:port" to X-Forwarded-For.
resolver = secctx.Resolver(trusted_proxies=["10.1.0.0/24"], application_name="contoso-chat")

ctx = resolver.resolve(
    "10.1.0.4:61000",  # the socket peer: the gateway
    [
        ("User-Agent", "Mozilla/5.0"),
        ("X-Forwarded-For", "6.6.6.6, 203.0.113.7:50123"),  # 6.6.6.6 was forged by the client
        ("Authorization", "Bearer secret"),  # never forwarded
    ],
    end_user_id="8a0f7c52-7f4e-4d1a-9b55-2f7d4c1e9a10",
    end_user_id_type="aad",
)

assert ctx.source_ip == "203.0.113.7"
assert ctx.reason_code == "chosen_at_hop"
print(ctx.reason)  # the first untrusted entry from the right, at hop 1, is the client
assert ctx.extra_body() == {
    "user_security_context": {
        "application_name": "contoso-chat",
        "end_user_id": "8a0f7c52-7f4e-4d1a-9b55-2f7d4c1e9a10",
        "source_ip": "203.0.113.7",
    }
}
# Older api-versions take the legacy `user` document instead:
assert list(ctx.for_api_version("2024-10-21")) == ["user"]
