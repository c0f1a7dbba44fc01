package secctx

import (
	"net/http"
	"testing"
)

func benchReq() (http.Header, string) {
	h := http.Header{}
	h.Set("User-Agent", "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36")
	h.Set("Accept", "application/json")
	h.Set("Accept-Encoding", "gzip, deflate, br")
	h.Set("Content-Type", "application/json")
	h.Set("Content-Length", "512")
	h.Set("Authorization", "Bearer eyJhbGciOiJSUzI1NiIsInR5cCI6IkpXVCJ9.payload.signature")
	h.Set("Traceparent", "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01")
	h.Set("X-Forwarded-Proto", "https")
	h.Set("X-Forwarded-For", "6.6.6.6, 203.0.113.7")
	return h, "10.1.0.4:61000"
}

var benchID = &Identity{EndUserID: "8a0f7c52-7f4e-4d1a-9b55-2f7d4c1e9a10", EndUserIDType: "aad", EndUserTenantID: "72f988bf-86f1-41af-91ab-2d7cd011db47"}

// The pieces of a resolve, to see where the time goes: packing the headers (Go), the native
// call (cgo + the core), an empty cgo call, and the whole Resolve.

// BenchmarkPiecePack is the Go side's packing of the request into one buffer (only the headers
// the resolver reads, as Resolve does).
func BenchmarkPiecePack(b *testing.B) {
	r, _ := NewResolver([]byte(`{"application_name": "contoso-chat", "trusted_proxies": ["10.1.0.0/24"]}`))
	h, peer := benchReq()
	buf := make([]byte, 0, 2048)
	for b.Loop() {
		buf = begin(buf, peer, benchID)
		for name, values := range h {
			if !r.reads.match(name) {
				continue
			}
			for _, v := range values {
				buf = appendField(buf, name)
				buf = appendField(buf, v)
			}
		}
	}
}

// BenchmarkPieceCgo is the native call alone (one cgo call doing the core's work).
func BenchmarkPieceCgo(b *testing.B) {
	r, _ := NewResolver([]byte(`{"application_name": "contoso-chat", "trusted_proxies": ["10.1.0.0/24"]}`))
	h, peer := benchReq()
	buf := begin(nil, peer, benchID)
	for name, values := range h {
		if !r.reads.match(name) {
			continue
		}
		for _, v := range values {
			buf = appendField(buf, name)
			buf = appendField(buf, v)
		}
	}
	out := make([]byte, 4096)
	for b.Loop() {
		callInto(r, buf, out)
	}
}

// BenchmarkPieceCopyOut is what follows the native call: the result copied into a string, and
// the Context built over it.
func BenchmarkPieceCopyOut(b *testing.B) {
	r, _ := NewResolver([]byte(`{"application_name": "contoso-chat", "trusted_proxies": ["10.1.0.0/24"]}`))
	h, peer := benchReq()
	buf := begin(nil, peer, benchID)
	for name, values := range h {
		if r.reads.match(name) {
			for _, v := range values {
				buf = appendField(buf, name)
				buf = appendField(buf, v)
			}
		}
	}
	out := make([]byte, 4096)
	size := callInto(r, buf, out)
	b.ReportAllocs()
	for b.Loop() {
		if c, ok := newContext(string(out[:size])); !ok || c.SourceIP != "203.0.113.7" {
			b.Fatal("bad result")
		}
	}
}

// BenchmarkPieceHeaderWalk is iterating the request's header map alone.
func BenchmarkPieceHeaderWalk(b *testing.B) {
	h, _ := benchReq()
	n := 0
	for b.Loop() {
		for name := range h {
			n += len(name)
		}
	}
	if n == 0 {
		b.Fatal("no headers")
	}
}

// BenchmarkPieceNoop is the fixed cost of one cgo call.
func BenchmarkPieceNoop(b *testing.B) {
	for b.Loop() {
		noop()
	}
}

// BenchmarkResolve is the whole Resolve (pack, call, copy into a Context).
func BenchmarkResolve(b *testing.B) {
	r, _ := NewResolver([]byte(`{"application_name": "contoso-chat", "trusted_proxies": ["10.1.0.0/24"]}`))
	h, peer := benchReq()
	b.ReportAllocs()
	for b.Loop() {
		if _, err := r.Resolve(peer, h, benchID); err != nil {
			b.Fatal(err)
		}
	}
}
