package secctx_test

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"

	secctx "github.com/secctx/secctx/bindings-go"
)

// A net/http application behind Application Gateway (10.1.0.0/24): the middleware resolves each
// request and the handler reads the context to put in its Azure OpenAI request body.
func Example_netHTTP() {
	resolver, err := secctx.NewResolver([]byte(`{
		"application_name": "contoso-chat",
		"trusted_proxies": ["10.1.0.0/24"]
	}`))
	if err != nil {
		panic(err)
	}
	defer resolver.Close()

	chat := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ctx := secctx.FromContext(r.Context())
		body := map[string]any{
			"messages":              []map[string]string{{"role": "user", "content": "Hi"}},
			"user_security_context": json.RawMessage(ctx.UserSecurityContextJSON()),
		}
		out, _ := json.Marshal(body)
		fmt.Fprintf(w, "%s\nreason: %s", out, ctx.Reason)
	})
	handler := secctx.Middleware(resolver, secctx.MiddlewareOptions{
		Identity: func(r *http.Request) *secctx.Identity {
			// From your session or token validation.
			return &secctx.Identity{EndUserID: "8a0f7c52-7f4e-4d1a-9b55-2f7d4c1e9a10", EndUserIDType: "aad"}
		},
	})(chat)

	req := httptest.NewRequest(http.MethodPost, "/chat", nil)
	req.RemoteAddr = "10.1.0.4:61000"                               // the gateway
	req.Header.Set("X-Forwarded-For", "6.6.6.6, 203.0.113.7:50123") // 6.6.6.6 was forged
	rec := httptest.NewRecorder()
	handler.ServeHTTP(rec, req)
	text, _ := io.ReadAll(rec.Body)
	fmt.Println(string(text))
	// Output:
	// {"messages":[{"content":"Hi","role":"user"}],"user_security_context":{"application_name":"contoso-chat","end_user_id":"8a0f7c52-7f4e-4d1a-9b55-2f7d4c1e9a10","source_ip":"203.0.113.7"}}
	// reason: the first untrusted entry from the right, at hop 1, is the client
}

// Choosing the body field from the api-version: older versions take the legacy `user` string.
func ExampleContext_ForAPIVersion() {
	resolver, _ := secctx.NewResolver([]byte(`{"request_headers": []}`))
	defer resolver.Close()
	ctx, _ := resolver.Resolve("192.0.2.1:443", nil, &secctx.Identity{EndUserID: "u1", EndUserIDType: "other"})
	for _, v := range []string{"2025-04-01-preview", "2024-10-21"} {
		field, value, _ := ctx.ForAPIVersion(v)
		fmt.Println(v, field, value)
	}
	// Output:
	// 2025-04-01-preview user_security_context {"end_user_id":"u1","source_ip":"192.0.2.1"}
	// 2024-10-21 user "{\"EndUserId\":\"u1\",\"EndUserIdType\":\"Other\",\"SourceIP\":\"192.0.2.1\"}"
}
