#!/usr/bin/env bash
# secctx demo: start the mock Azure OpenAI endpoint, resolve a request that arrived through a
# proxy chain, send a chat completion carrying the resolved context, and print what the mock
# received. Runs from any directory; needs cargo, curl and python3.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
CARGO="${CARGO:-cargo}"
TARGET_DIR="${CARGO_TARGET_DIR:-$ROOT/target}"
BIN="$TARGET_DIR/debug/secctx"

if [[ -t 1 && -z "${NO_COLOR:-}" ]]; then
    BOLD=$'\e[1m' DIM=$'\e[2m' RESET=$'\e[0m'
else
    BOLD='' DIM='' RESET=''
fi
step() { printf '\n%s== %s ==%s\n' "$BOLD" "$*" "$RESET"; }
note() { printf '%s%s%s\n' "$DIM" "$*" "$RESET"; }

for tool in curl python3; do
    command -v "$tool" >/dev/null || { echo "demo: $tool is required" >&2; exit 1; }
done

step "1. Build the secctx command"
(cd "$ROOT" && "$CARGO" build --quiet -p secctx-cli)
note "$BIN"

WORK="$(mktemp -d)"
MOCK_PID=''
cleanup() {
    if [[ -n "$MOCK_PID" ]] && kill -0 "$MOCK_PID" 2>/dev/null; then
        kill "$MOCK_PID" 2>/dev/null || true
        wait "$MOCK_PID" 2>/dev/null || true
    fi
    rm -rf "$WORK"
}
trap cleanup EXIT

step "2. Start the mock Azure OpenAI endpoint"
"$BIN" mock --listen 127.0.0.1:0 --port-file "$WORK/port" --max-lifetime 120 2>"$WORK/mock.log" &
MOCK_PID=$!
for _ in $(seq 1 200); do
    [[ -s "$WORK/port" ]] && break
    if ! kill -0 "$MOCK_PID" 2>/dev/null; then
        echo "demo: the mock endpoint exited:" >&2
        cat "$WORK/mock.log" >&2
        exit 1
    fi
    sleep 0.05
done
[[ -s "$WORK/port" ]] || { echo "demo: the mock endpoint did not start" >&2; cat "$WORK/mock.log" >&2; exit 1; }
SECCTX_MOCK_URL="http://$(tr -d '\n' <"$WORK/port")"
export SECCTX_MOCK_URL
note "listening on $SECCTX_MOCK_URL (exits by itself after 120 s)"

step "3. The deployment and the request"
cat >"$WORK/secctx.json" <<'EOF'
{
  "application_name": "contoso-chat",
  "trusted_proxies": ["10.1.0.0/24", "198.18.0.0/15"]
}
EOF
cat <<'EOF'
client 203.0.113.7  --(sends "X-Forwarded-For: 6.6.6.6", a forged entry)-->
edge 198.18.4.20    --(a Front Door-like edge; appends the client it saw)-->
Application Gateway in 10.1.0.0/24 --(appends the edge as ip:port)--> app (peer 10.1.0.4:61000)

configuration (trusted_proxies: the gateway's subnet and the edge's range; 198.18.0.0/15
stands in for the edge provider's published ranges):
EOF
cat "$WORK/secctx.json"
REQUEST=(
    --config "$WORK/secctx.json"
    --peer 10.1.0.4:61000
    -H 'X-Forwarded-For: 6.6.6.6, 203.0.113.7, 198.18.4.20:443'
    -H 'User-Agent: Mozilla/5.0 (contoso-web)'
    -H 'Authorization: Bearer eyJhbGciOi.demo-token'
    --end-user-id 8a0f7c52-7f4e-4d1a-9b55-2f7d4c1e9a10
    --end-user-id-type aad
    --end-user-tenant-id 72f988bf-86f1-41af-91ab-2d7cd011db47
)

step "4. secctx explain: how the app resolves it"
"$BIN" explain "${REQUEST[@]}"

step "5. The request-body field for api-version 2025-04-01-preview"
API_VERSION=2025-04-01-preview
"$BIN" explain --json --api-version "$API_VERSION" "${REQUEST[@]}" >"$WORK/explain.json"
python3 - "$WORK/explain.json" "$WORK/body.json" <<'EOF'
import json, sys
explanation = json.load(open(sys.argv[1]))
body = {
    "messages": [{"role": "user", "content": "Summarise our Q3 sales notes."}],
    "max_tokens": 64,
}
body.update(explanation["body_fields"])
json.dump(body, open(sys.argv[2], "w"))
print(json.dumps(explanation["body_fields"]))
EOF

step "6. POST a chat completion carrying it to the mock"
URL="$SECCTX_MOCK_URL/openai/deployments/gpt-4o-mini/chat/completions?api-version=$API_VERSION"
note "POST $URL"
curl -sS --fail-with-body -H 'content-type: application/json' -H 'api-key: demo-key' \
    --data-binary "@$WORK/body.json" "$URL" >"$WORK/reply.json"
python3 -c 'import json,sys; r=json.load(open(sys.argv[1])); print("assistant:", r["choices"][0]["message"]["content"])' \
    "$WORK/reply.json"

step "7. What the mock received (GET /_secctx/requests)"
curl -sS --fail-with-body "$SECCTX_MOCK_URL/_secctx/requests" >"$WORK/records.json"
if command -v jq >/dev/null; then
    jq . "$WORK/records.json"
else
    python3 -m json.tool "$WORK/records.json"
fi
note "mock log:"
grep ' POST ' "$WORK/mock.log" || true

# The demo is also a smoke test: the mock must have received the real client, not the forgery.
python3 - "$WORK/records.json" <<'EOF'
import json, sys
records = json.load(open(sys.argv[1]))
assert len(records) == 1, f"expected one request, got {len(records)}"
context = records[0]["user_security_context"]
assert context["source_ip"] == "203.0.113.7", context
assert records[0]["findings"] == [], records[0]["findings"]
assert records[0]["headers"]["api-key"] == "<redacted>"
print(f"\nOK: the mock received source_ip {context['source_ip']} (not the forged 6.6.6.6), with no findings.")
EOF
