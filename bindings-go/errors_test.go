package secctx

import (
	"errors"
	"net/http"
	"runtime"
	"strings"
	"testing"
)

func mustResolver(t testing.TB, config string) *Resolver {
	t.Helper()
	r, err := NewResolver([]byte(config))
	if err != nil {
		t.Fatalf("NewResolver(%s): %v", config, err)
	}
	t.Cleanup(func() { r.Close() })
	return r
}

func TestBadConfigIsATypedError(t *testing.T) {
	for _, tc := range []struct{ config, mentions string }{
		{`{"trusted_proxy": ["10.0.0.0/8"]}`, "trusted_proxy"},
		{`{"trusted_proxies": ["10.0.0.1/8"]}`, "trusted_proxies"},
		{`{"max_hops": 0}`, "max_hops"},
		{`{"request_headers": ["Cookie"]}`, "request_headers"},
		{`[]`, ""},
		{``, ""},
		{`{"application_name": "` + "\xff\xfe" + `"}`, "UTF-8"},
		{`{"trusted_proxies": ["10.0.0.0/8"]` + strings.Repeat(" ", 10), ""},
	} {
		r, err := NewResolver([]byte(tc.config))
		if r != nil || err == nil {
			t.Fatalf("%q: expected an error", tc.config)
		}
		var e *Error
		if !errors.As(err, &e) || e.Code != CodeInvalidConfig {
			t.Fatalf("%q: got %#v", tc.config, err)
		}
		if !errors.Is(err, ErrInvalidConfig) || errors.Is(err, ErrInvalidIdentity) {
			t.Fatalf("%q: errors.Is does not match the code", tc.config)
		}
		if e.Message == "" || !strings.Contains(e.Message, tc.mentions) {
			t.Fatalf("%q: message %q does not mention %q", tc.config, e.Message, tc.mentions)
		}
		if !strings.HasPrefix(err.Error(), "secctx: invalid_config: ") {
			t.Fatalf("%q: Error() = %q", tc.config, err.Error())
		}
	}
	if _, err := NewResolver(nil); !errors.Is(err, ErrInvalidConfig) {
		t.Fatalf("nil config: %v", err)
	}
}

func TestBadIdentityIsATypedError(t *testing.T) {
	r := mustResolver(t, `{}`)
	for _, typ := range []string{"github", "AAD ", "\xff"} {
		ctx, err := r.Resolve("192.0.2.1", nil, &Identity{EndUserID: "u", EndUserIDType: typ})
		if ctx != nil || !errors.Is(err, ErrInvalidIdentity) {
			t.Fatalf("%q: got %v, %v", typ, ctx, err)
		}
	}
	if _, err := r.Resolve("192.0.2.1", nil, &Identity{EndUserID: "\xc3"}); !errors.Is(err, ErrInvalidIdentity) {
		t.Fatalf("identity not UTF-8: %v", err)
	}
}

func TestRenderingErrors(t *testing.T) {
	r := mustResolver(t, `{}`)
	ctx, err := r.Resolve("192.0.2.1:443", nil, &Identity{EndUserID: "u1"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := ctx.LegacyUserJSON(); !errors.Is(err, ErrMissingEndUserIDType) {
		t.Fatalf("legacy without a type: %v", err)
	}
	if _, _, err := ctx.ForAPIVersion("2024-10-21"); !errors.Is(err, ErrMissingEndUserIDType) {
		t.Fatalf("legacy api-version without a type: %v", err)
	}
	for _, v := range []string{"", "V1", "2024-02-30", "someday", " v1", "\xff"} {
		if _, _, err := ctx.ForAPIVersion(v); !errors.Is(err, ErrInvalidAPIVersion) {
			t.Fatalf("ForAPIVersion(%q): %v", v, err)
		}
	}
	field, value, err := ctx.ForAPIVersion("2025-04-01-preview")
	if err != nil || field != "user_security_context" || value != `{"end_user_id":"u1","source_ip":"192.0.2.1"}` ||
		value != ctx.UserSecurityContextJSON() {
		t.Fatalf("ForAPIVersion(preview): %q %q %v", field, value, err)
	}
}

func TestClosedResolver(t *testing.T) {
	r, err := NewResolver([]byte(`{}`))
	if err != nil {
		t.Fatal(err)
	}
	ctx, err := r.Resolve("192.0.2.1", nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	legacy, err := ctx.LegacyUserJSON()
	if err != nil {
		t.Fatal(err)
	}
	record, err := ctx.RecordJSON()
	if err != nil {
		t.Fatal(err)
	}
	if err := r.Close(); err != nil {
		t.Fatal(err)
	}
	if err := r.Close(); err != nil { // idempotent
		t.Fatal(err)
	}
	if _, err := r.Resolve("192.0.2.1", nil, nil); !errors.Is(err, ErrInvalidArgument) {
		t.Fatalf("resolve after Close: %v", err)
	}
	// The context outlives the resolver whole: its fields and every form.
	runtime.GC()
	if ctx.SourceIP != "192.0.2.1" || ctx.UserSecurityContextJSON() != `{"source_ip":"192.0.2.1"}` {
		t.Fatalf("fields after Close: %+v", ctx)
	}
	if got, err := ctx.LegacyUserJSON(); err != nil || got != legacy || got != `{"SourceIP":"192.0.2.1"}` {
		t.Fatalf("legacy after Close: %q, %v", got, err)
	}
	if got, err := ctx.RecordJSON(); err != nil || got != record {
		t.Fatalf("record after Close: %q, %v", got, err)
	}
	if field, value, err := ctx.ForAPIVersion("2024-10-21"); err != nil || field != "user" || value != `"{\"SourceIP\":\"192.0.2.1\"}"` {
		t.Fatalf("ForAPIVersion after Close: %q %q %v", field, value, err)
	}
	// A Context not made by a Resolver has nothing to render from.
	if _, err := (&Context{}).LegacyUserJSON(); !errors.Is(err, ErrInvalidArgument) {
		t.Fatalf("legacy of a zero Context: %v", err)
	}
	var nilResolver *Resolver
	if _, err := nilResolver.Resolve("", nil, nil); !errors.Is(err, ErrInvalidArgument) {
		t.Fatalf("nil resolver: %v", err)
	}
}

// TestHostileInputsNeverCrash feeds malformed, huge and binary input: every call returns a
// context or an *Error.
func TestHostileInputsNeverCrash(t *testing.T) {
	r := mustResolver(t, `{"trusted_proxies": ["0.0.0.0/0", "::/0"], "forwarded_header": "Forwarded"}`)
	huge := strings.Repeat("for=1.2.3.4, ", 20000)
	binary := string([]byte{0, 1, 2, 0xff, 0xfe, '"', '\\', 0x80})
	peers := []string{"", "garbage", "[::1", "1.2.3.4:99999", binary, strings.Repeat("9", 100000), "::ffff:10.0.0.1"}
	headers := []http.Header{
		nil,
		{"Forwarded": {huge}},
		{"Forwarded": {binary, "for=\"[2001:db8::1]:80\";for=1.2.3.4"}},
		{binary: {binary}, "": {""}},
		{"User-Agent": {strings.Repeat("é", 5000)}, "X-Forwarded-For": {binary}},
	}
	for _, p := range peers {
		for _, h := range headers {
			ctx, err := r.Resolve(p, h, &Identity{EndUserID: binary, EndUserIDType: "other", ApplicationName: binary})
			if err != nil {
				var e *Error
				if !errors.As(err, &e) {
					t.Fatalf("not an *Error: %v", err)
				}
				continue
			}
			if ctx.ReasonCode == "" || !strings.HasPrefix(ctx.UserSecurityContextJSON(), "{") {
				t.Fatalf("incomplete context: %+v", ctx)
			}
			if _, err := ctx.LegacyUserJSON(); err != nil {
				t.Fatalf("legacy: %v", err)
			}
		}
	}
}

func TestVersion(t *testing.T) {
	if v := Version(); !strings.Contains(v, ".") {
		t.Fatalf("Version() = %q", v)
	}
}
