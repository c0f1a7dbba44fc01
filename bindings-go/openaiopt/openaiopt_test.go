package openaiopt_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"reflect"
	"sync"
	"testing"

	"github.com/openai/openai-go/v3"
	"github.com/openai/openai-go/v3/azure"
	secctx "github.com/secctx/secctx/bindings-go"
	"github.com/secctx/secctx/bindings-go/openaiopt"
)

// mockMu serialises tests that clear and read the mock's record.
var mockMu sync.Mutex

func newClient(apiVersion string) openai.Client {
	return openai.NewClient(
		azure.WithEndpoint("http://"+mockAddr, apiVersion),
		azure.WithAPIKey("test-key-not-secret"),
		azure.WithUnsafeAllowHTTP(), // plaintext to the loopback mock only
	)
}

func chatParams() openai.ChatCompletionNewParams {
	return openai.ChatCompletionNewParams{
		Model:    "gpt-4o",
		Messages: []openai.ChatCompletionMessageParamUnion{openai.UserMessage("Hello")},
	}
}

func resolveBehindGateway(t *testing.T, id *secctx.Identity) *secctx.Context {
	t.Helper()
	r, err := secctx.NewResolver([]byte(`{"application_name": "contoso-chat", "trusted_proxies": ["10.1.0.0/24"]}`))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { r.Close() })
	req := httptest.NewRequest(http.MethodPost, "/chat", nil)
	req.RemoteAddr = "10.1.0.4:61000"
	req.Header.Set("X-Forwarded-For", "6.6.6.6, 203.0.113.7")
	req.Header.Set("User-Agent", "contoso-web/1.0")
	ctx, err := r.FromRequest(req, id)
	if err != nil {
		t.Fatal(err)
	}
	return ctx
}

func sameJSON(t *testing.T, got json.RawMessage, want string) {
	t.Helper()
	var a, b any
	if err := json.Unmarshal(got, &a); err != nil {
		t.Fatalf("recorded %s: %v", got, err)
	}
	if err := json.Unmarshal([]byte(want), &b); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(a, b) {
		t.Fatalf("recorded %s, want %s", got, want)
	}
}

// TestOptionAgainstMock: openai-go v3 (azure.WithEndpoint, current api-version) sends the
// context as user_security_context; the mock records exactly it.
func TestOptionAgainstMock(t *testing.T) {
	mockMu.Lock()
	defer mockMu.Unlock()
	if err := clearMock(); err != nil {
		t.Fatal(err)
	}
	sc := resolveBehindGateway(t, &secctx.Identity{EndUserID: "8a0f7c52-7f4e-4d1a-9b55-2f7d4c1e9a10",
		EndUserIDType: "aad", EndUserTenantID: "72f988bf-86f1-41af-91ab-2d7cd011db47"})
	client := newClient("2025-04-01-preview")
	completion, err := client.Chat.Completions.New(context.Background(), chatParams(), openaiopt.Option(sc))
	if err != nil {
		t.Fatal(err)
	}
	if len(completion.Choices) == 0 {
		t.Fatal("no choices in the mock's answer")
	}
	recs, err := mockRequests()
	if err != nil {
		t.Fatal(err)
	}
	if len(recs) != 1 {
		t.Fatalf("mock recorded %d requests", len(recs))
	}
	rec := recs[0]
	if rec.Method != "POST" || rec.APIVersion == nil || *rec.APIVersion != "2025-04-01-preview" ||
		rec.Deployment == nil || *rec.Deployment != "gpt-4o" {
		t.Fatalf("unexpected request: %+v", rec)
	}
	sameJSON(t, rec.UserSecurityContext, `{"application_name":"contoso-chat","end_user_id":"8a0f7c52-7f4e-4d1a-9b55-2f7d4c1e9a10","end_user_tenant_id":"72f988bf-86f1-41af-91ab-2d7cd011db47","source_ip":"203.0.113.7"}`)
	sameJSON(t, rec.UserSecurityContext, sc.UserSecurityContextJSON())
	if string(rec.User) != "null" && len(rec.User) != 0 {
		t.Fatalf("unexpected user field: %s", rec.User)
	}
	if rec.Headers["api-key"] != "<redacted>" {
		t.Fatalf("api-key header: %q", rec.Headers["api-key"])
	}
	if len(rec.Findings) != 0 {
		t.Fatalf("mock findings: %+v", rec.Findings)
	}
}

// TestLegacyAgainstMock: for a GA api-version, ForAPIVersion sends the legacy `user` string.
func TestLegacyAgainstMock(t *testing.T) {
	mockMu.Lock()
	defer mockMu.Unlock()
	if err := clearMock(); err != nil {
		t.Fatal(err)
	}
	sc := resolveBehindGateway(t, &secctx.Identity{EndUserID: "u-7", EndUserIDType: "google"})
	opt, err := openaiopt.ForAPIVersion(sc, "2024-10-21")
	if err != nil {
		t.Fatal(err)
	}
	client := newClient("2024-10-21")
	if _, err := client.Chat.Completions.New(context.Background(), chatParams(), opt); err != nil {
		t.Fatal(err)
	}
	recs, err := mockRequests()
	if err != nil || len(recs) != 1 {
		t.Fatalf("mock: %v, %d records", err, len(recs))
	}
	var user string
	if err := json.Unmarshal(recs[0].User, &user); err != nil {
		t.Fatalf("user is not a string: %s", recs[0].User)
	}
	legacy, err := sc.LegacyUserJSON()
	if err != nil {
		t.Fatal(err)
	}
	if user != legacy || user != `{"EndUserId":"u-7","EndUserIdType":"Google","SourceIP":"10.1.0.4","SourceRequestHeaders":{"User-Agent":"contoso-web/1.0","X-Forwarded-For":"6.6.6.6, 203.0.113.7"},"ApplicationName":"contoso-chat"}` {
		t.Fatalf("user = %s", user)
	}
	if len(recs[0].UserSecurityContext) != 0 && string(recs[0].UserSecurityContext) != "null" {
		t.Fatalf("user_security_context sent with a legacy api-version: %s", recs[0].UserSecurityContext)
	}
	if _, err := openaiopt.ForAPIVersion(sc, "someday"); err == nil {
		t.Fatal("expected invalid_api_version")
	}
}

// TestMiddlewareToMock: an app behind the secctx middleware forwards each chat to the mock with
// openaiopt.FromContext; every end user's context arrives with their request.
func TestMiddlewareToMock(t *testing.T) {
	mockMu.Lock()
	defer mockMu.Unlock()
	if err := clearMock(); err != nil {
		t.Fatal(err)
	}
	r, err := secctx.NewResolver([]byte(`{"trusted_proxies": ["loopback"]}`))
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	client := newClient("2025-04-01-preview")
	app := httptest.NewServer(secctx.Middleware(r, secctx.MiddlewareOptions{
		Identity: func(req *http.Request) *secctx.Identity {
			return &secctx.Identity{EndUserID: req.URL.Query().Get("user"), EndUserIDType: "other"}
		},
	})(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		if _, err := client.Chat.Completions.New(req.Context(), chatParams(), openaiopt.FromContext(req.Context())); err != nil {
			http.Error(w, err.Error(), 502)
		}
	})))
	defer app.Close()
	for _, u := range []string{"alice", "bob"} {
		req, _ := http.NewRequest(http.MethodGet, app.URL+"/?user="+u, nil)
		req.Header.Set("X-Forwarded-For", "198.51.100."+map[string]string{"alice": "1", "bob": "2"}[u])
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != 200 {
			t.Fatalf("status %d", resp.StatusCode)
		}
	}
	recs, err := mockRequests()
	if err != nil || len(recs) != 2 {
		t.Fatalf("mock: %v, %d records", err, len(recs))
	}
	sameJSON(t, recs[0].UserSecurityContext, `{"end_user_id":"alice","source_ip":"198.51.100.1"}`)
	sameJSON(t, recs[1].UserSecurityContext, `{"end_user_id":"bob","source_ip":"198.51.100.2"}`)
}
