// Package bench compares secctx's Go binding with realclientip-go, in the same process on the
// same request: resolving the client IP and producing the user_security_context JSON.
package bench

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/realclientip/realclientip-go"
	secctx "github.com/secctx/secctx/bindings-go"
)

// Request is a typical request behind Application Gateway (10.1.0.0/24): the gateway appended
// the real client to X-Forwarded-For; the client forged the leftmost entry.
func Request() *http.Request {
	r := httptest.NewRequest(http.MethodPost, "http://chat.contoso.example/api/chat", nil)
	r.RemoteAddr = "10.1.0.4:61000"
	r.Header.Set("User-Agent", "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36")
	r.Header.Set("Accept", "application/json")
	r.Header.Set("Accept-Encoding", "gzip, deflate, br")
	r.Header.Set("Content-Type", "application/json")
	r.Header.Set("Content-Length", "512")
	r.Header.Set("Authorization", "Bearer eyJhbGciOiJSUzI1NiIsInR5cCI6IkpXVCJ9.payload.signature")
	r.Header.Set("Traceparent", "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01")
	r.Header.Set("X-Forwarded-Proto", "https")
	r.Header.Set("X-Forwarded-For", "6.6.6.6, 203.0.113.7")
	return r
}

// Config is the secctx configuration for that deployment.
const Config = `{"application_name": "contoso-chat", "trusted_proxies": ["10.1.0.0/24"]}`

// Identity is the end user, as the application knows it.
var Identity = secctx.Identity{
	EndUserID:       "8a0f7c52-7f4e-4d1a-9b55-2f7d4c1e9a10",
	EndUserIDType:   "aad",
	EndUserTenantID: "72f988bf-86f1-41af-91ab-2d7cd011db47",
}

// USC is the user_security_context object the peer marshals.
type USC struct {
	ApplicationName string `json:"application_name,omitempty"`
	EndUserID       string `json:"end_user_id,omitempty"`
	EndUserTenantID string `json:"end_user_tenant_id,omitempty"`
	SourceIP        string `json:"source_ip,omitempty"`
}

// Secctx returns a benchmark of FromRequest + UserSecurityContextJSON, and its output.
func Secctx() (func(b *testing.B), string, error) {
	resolver, err := secctx.NewResolver([]byte(Config))
	if err != nil {
		return nil, "", err
	}
	req := Request()
	ctx, err := resolver.FromRequest(req, &Identity)
	if err != nil {
		return nil, "", err
	}
	out := ctx.UserSecurityContextJSON()
	return func(b *testing.B) {
		b.ReportAllocs()
		var n int
		for b.Loop() {
			ctx, err := resolver.FromRequest(req, &Identity)
			if err != nil {
				b.Fatal(err)
			}
			n += len(ctx.UserSecurityContextJSON())
		}
		if n == 0 {
			b.Fatal("no output")
		}
	}, out, nil
}

// Peer returns a benchmark of realclientip-go's RightmostTrustedRangeStrategy + json.Marshal of
// the same context, and its output.
func Peer() (func(b *testing.B), string, error) {
	ranges, err := realclientip.AddressesAndRangesToIPNets("10.1.0.0/24")
	if err != nil {
		return nil, "", err
	}
	strategy, err := realclientip.NewRightmostTrustedRangeStrategy("X-Forwarded-For", ranges)
	if err != nil {
		return nil, "", err
	}
	req := Request()
	build := func() ([]byte, error) {
		ip := strategy.ClientIP(req.Header, req.RemoteAddr)
		return json.Marshal(USC{
			ApplicationName: "contoso-chat",
			EndUserID:       Identity.EndUserID,
			EndUserTenantID: Identity.EndUserTenantID,
			SourceIP:        ip,
		})
	}
	out, err := build()
	if err != nil {
		return nil, "", err
	}
	return func(b *testing.B) {
		b.ReportAllocs()
		var n int
		for b.Loop() {
			js, err := build()
			if err != nil {
				b.Fatal(err)
			}
			n += len(js)
		}
		if n == 0 {
			b.Fatal("no output")
		}
	}, string(out), nil
}
