package secctx

import (
	"context"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"testing"
	"time"
)

// listenOn starts an httptest server on a given loopback address (all of 127.0.0.0/8 is local
// on Linux), so each hop of the simulated chain has its own address.
func listenOn(t *testing.T, ip string, h http.Handler) *httptest.Server {
	t.Helper()
	l, err := net.Listen("tcp", ip+":0")
	if err != nil {
		t.Skipf("cannot listen on %s: %v", ip, err)
	}
	s := httptest.NewUnstartedServer(h)
	s.Listener.Close()
	s.Listener = l
	s.Start()
	t.Cleanup(s.Close)
	return s
}

// clientFrom is an HTTP client whose connections come from a given loopback address.
func clientFrom(ip string) *http.Transport {
	d := &net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP(ip)}, Timeout: 5 * time.Second}
	return &http.Transport{DialContext: func(ctx context.Context, network, addr string) (net.Conn, error) {
		return d.DialContext(ctx, network, addr)
	}}
}

// proxy is a reverse proxy listening on ip, forwarding from ip to target; like nginx or App
// Gateway it appends the address of its client to X-Forwarded-For.
func proxy(t *testing.T, ip, target string) *httptest.Server {
	u, _ := url.Parse(target)
	rp := httputil.NewSingleHostReverseProxy(u)
	rp.Transport = clientFrom(ip)
	return listenOn(t, ip, rp)
}

// TestBehindSimulatedProxies: client (127.0.0.9) → proxy A (127.0.0.2) → proxy B (127.0.0.3) →
// app (127.0.0.1) over real TCP, with the app trusting only the two proxies. The client's
// forged X-Forwarded-For entry must not win; the middleware stores the context for the handler.
func TestBehindSimulatedProxies(t *testing.T) {
	r := mustResolver(t, `{"trusted_proxies": ["127.0.0.2", "127.0.0.3"], "application_name": "chat"}`)
	handler := http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		ctx := FromContext(req.Context())
		if ctx == nil {
			http.Error(w, "no context", 500)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(map[string]any{
			"usc": json.RawMessage(ctx.UserSecurityContextJSON()), "reason": ctx.ReasonCode, "hop": ctx.ReasonHop,
			"peer": ctx.Peer, "xff": req.Header.Get("X-Forwarded-For"),
		})
	})
	app := listenOn(t, "127.0.0.1", Middleware(r, MiddlewareOptions{
		Identity: func(req *http.Request) *Identity {
			return &Identity{EndUserID: req.Header.Get("X-Test-User"), EndUserIDType: "aad"}
		},
	})(handler))
	b := proxy(t, "127.0.0.3", app.URL)
	a := proxy(t, "127.0.0.2", b.URL)

	get := func(target string) map[string]any {
		t.Helper()
		req, _ := http.NewRequest(http.MethodGet, target, nil)
		req.Header.Set("X-Forwarded-For", "6.6.6.6") // forged by the client
		req.Header.Set("X-Test-User", "u-42")
		resp, err := (&http.Client{Transport: clientFrom("127.0.0.9"), Timeout: 10 * time.Second}).Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		body, _ := io.ReadAll(resp.Body)
		if resp.StatusCode != 200 {
			t.Fatalf("status %d: %s", resp.StatusCode, body)
		}
		var out map[string]any
		if err := json.Unmarshal(body, &out); err != nil {
			t.Fatalf("%s: %v", body, err)
		}
		return out
	}

	// Through both proxies: XFF at the app is "6.6.6.6, 127.0.0.9, 127.0.0.2", peer 127.0.0.3.
	got := get(a.URL)
	if got["xff"] != "6.6.6.6, 127.0.0.9, 127.0.0.2" || got["peer"] != "127.0.0.3" {
		t.Fatalf("unexpected chain: %v", got)
	}
	usc, _ := json.Marshal(got["usc"])
	if string(usc) != `{"application_name":"chat","end_user_id":"u-42","source_ip":"127.0.0.9"}` ||
		got["reason"] != "chosen_at_hop" || got["hop"] != float64(2) {
		t.Fatalf("through the proxies: %v", got)
	}

	// Straight to the app: the peer is untrusted, the forged header is not read.
	got = get(app.URL)
	usc, _ = json.Marshal(got["usc"])
	if string(usc) != `{"application_name":"chat","end_user_id":"u-42","source_ip":"127.0.0.9"}` ||
		got["reason"] != "peer_untrusted" {
		t.Fatalf("direct: %v", got)
	}
}

// TestMiddlewareIdentityError: an invalid identity from the application is answered by OnError.
func TestMiddlewareIdentityError(t *testing.T) {
	r := mustResolver(t, `{}`)
	var seen error
	h := Middleware(r, MiddlewareOptions{
		Identity: func(*http.Request) *Identity { return &Identity{EndUserID: "u", EndUserIDType: "github"} },
		OnError: func(w http.ResponseWriter, _ *http.Request, err error) {
			seen = err
			w.WriteHeader(http.StatusTeapot)
		},
	})(http.HandlerFunc(func(http.ResponseWriter, *http.Request) { t.Fatal("handler reached") }))
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/", nil))
	if rec.Code != http.StatusTeapot || !isCode(seen, CodeInvalidIdentity) {
		t.Fatalf("code %d, err %v", rec.Code, seen)
	}
}

func isCode(err error, code string) bool {
	e, ok := err.(*Error)
	return ok && e.Code == code
}
