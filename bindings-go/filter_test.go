package secctx

import (
	"net/http"
	"testing"
)

// The binding packs only the headers the resolver reads. Names must still match in any case
// (a hand-built http.Header may hold non-canonical keys), and headers it skips must not matter.
func TestHeaderFilter(t *testing.T) {
	r := mustResolver(t, `{"trusted_proxies": ["10.0.0.0/8"], "request_headers": ["User-Agent", "X-MS-Custom-Long-Header-Name-Over-Sixty-Four-Bytes-Long-For-The-Mask"]}`)
	long := "X-MS-Custom-Long-Header-Name-Over-Sixty-Four-Bytes-Long-For-The-Mask"
	if len(long) < 64 {
		t.Fatalf("test header name must be at least 64 bytes, is %d", len(long))
	}
	canonical := http.Header{}
	canonical.Add("X-Forwarded-For", "203.0.113.7, 10.1.1.1")
	canonical.Add("User-Agent", "curl/8")
	canonical.Add(long, "v")
	odd := http.Header{
		"x-forwarded-for": {"203.0.113.7, 10.1.1.1"},
		"USER-AGENT":      {"curl/8"},
		"x-ms-custom-long-header-name-over-sixty-four-bytes-long-for-the-mask": {"v"},
		"Authorization": {"Bearer secret"},
		"X-Forwarded":   {"for=6.6.6.6"}, // listed by default only; not in this configuration
	}
	want, err := r.Resolve("10.0.0.2", canonical, nil)
	if err != nil {
		t.Fatal(err)
	}
	got, err := r.Resolve("10.0.0.2", odd, nil)
	if err != nil {
		t.Fatal(err)
	}
	if want.SourceIP != "203.0.113.7" || got.SourceIP != want.SourceIP {
		t.Fatalf("source_ip: canonical %q, odd case %q", want.SourceIP, got.SourceIP)
	}
	wl, _ := want.LegacyUserJSON()
	gl, _ := got.LegacyUserJSON()
	if wl != gl || len(got.SourceRequestHeaders) != 2 {
		t.Fatalf("legacy differs or headers lost:\n%s\n%s", wl, gl)
	}
	for _, name := range []string{"x-forwarded-for", "USER-AGENT", "User-Agent", long} {
		if !r.reads.match(name) {
			t.Errorf("filter drops %q", name)
		}
	}
	for _, name := range []string{"Authorization", "Cookie", "X-Forwarded", "User-Agenz", long + "x", ""} {
		if r.reads.match(name) {
			t.Errorf("filter keeps %q", name)
		}
	}
}
