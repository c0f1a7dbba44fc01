// Package secctx tells Microsoft Defender for Cloud who sent each Azure OpenAI prompt: the end
// user, their tenant, the application, and the client's real IP address, resolved from proxy
// headers in a way a forged header cannot spoof.
//
// It is a thin cgo layer over secctx's Rust core through its C ABI (bindings-c), linked
// statically: every decision about addresses, headers, identity and JSON is the core's, so the
// output is byte-identical to every other secctx surface.
//
// A [Resolver] is compiled once from the configuration JSON document (identical in every secctx
// language) and is safe for concurrent use. Each request resolves, in one cgo call, into a
// [Context] whose fields are plain Go values:
//
//	resolver, err := secctx.NewResolver([]byte(`{"trusted_proxies": ["10.0.0.0/8"], "application_name": "chat"}`))
//	...
//	ctx, err := resolver.FromRequest(r, &secctx.Identity{EndUserID: oid, EndUserIDType: "aad"})
//	body["user_security_context"] = json.RawMessage(ctx.UserSecurityContextJSON())
//
// Building: the package links bindings-c's static library by its full path,
// ../target/release/libsecctx.a relative to this directory. Build it first with
// `cargo build -p secctx-c --release` (or `make -C bindings-go test`, which does).
package secctx

/*
#cgo CFLAGS: -I${SRCDIR}/../bindings-c/include
#cgo LDFLAGS: ${SRCDIR}/../target/release/libsecctx.a -lgcc_s -lutil -lrt -lpthread -lm -ldl -lc
#include <stdlib.h>
#include "secctx.h"
*/
import "C"

import (
	"net/http"
	"runtime"
	"strings"
	"sync"
	"unsafe"
)

// Version is the version of the linked secctx library.
func Version() string {
	return C.GoString(C.secctx_version())
}

// Identity holds the identity values the application passes for one request (SPEC section 6).
// They win over anything derived. An empty string is absent.
type Identity struct {
	// EndUserID is the end user's id (for Entra ID, the object id).
	EndUserID string
	// EndUserIDType is "aad", "google" or "other", in any case; anything else fails with
	// invalid_identity.
	EndUserIDType string
	// EndUserTenantID is the end user's tenant id.
	EndUserTenantID string
	// ApplicationName is a per-request application name, over the configuration's.
	ApplicationName string
}

// Header is one request header, for [Resolver.ResolveHeaders], which keeps the order of
// headers across different names.
type Header struct {
	Name  string
	Value string
}

// Resolver resolves requests under one configuration. It is immutable and safe for concurrent
// use by any number of goroutines. Close releases it; a finalizer releases it otherwise.
type Resolver struct {
	ptr *C.secctx_resolver
	// reads says which header names a resolve may read; the others are not packed.
	reads nameFilter
}

// nameFilter matches the header names a resolver reads (SPEC's names are ASCII tokens):
// first by length, then exactly against the canonical form (what http.Header holds), then
// ASCII case-insensitively.
type nameFilter struct {
	lengths uint64 // bit n set: some name has length n (bit 0: some name is 64 bytes or longer)
	canon   []string
	lower   []string
}

func newNameFilter(list string) nameFilter {
	var f nameFilter
	for _, name := range strings.Split(list, "\n") {
		if name == "" {
			continue
		}
		f.lower = append(f.lower, name)
		f.canon = append(f.canon, http.CanonicalHeaderKey(name))
		if len(name) < 64 {
			f.lengths |= 1 << len(name)
		} else {
			f.lengths |= 1
		}
	}
	return f
}

func (f *nameFilter) match(name string) bool {
	n := len(name)
	if n < 64 {
		if f.lengths&(1<<n) == 0 {
			return false
		}
	} else if f.lengths&1 == 0 {
		return false
	}
	for i, c := range f.canon {
		if len(c) == n && (c == name || asciiEqualFold(f.lower[i], name)) {
			return true
		}
	}
	return false
}

// asciiEqualFold reports whether name equals lower (lower-case ASCII) ignoring ASCII case
// only, as the core compares names (unlike strings.EqualFold, no Unicode folding).
func asciiEqualFold(lower, name string) bool {
	if len(lower) != len(name) {
		return false
	}
	for i := 0; i < len(name); i++ {
		c := name[i]
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		if c != lower[i] {
			return false
		}
	}
	return true
}

// NewResolver compiles a resolver from the configuration JSON document (SPEC section 3). A bad
// document fails with an [*Error] whose Code is "invalid_config" and whose message names the
// key at fault.
func NewResolver(config []byte) (*Resolver, error) {
	var ptr *C.secctx_resolver
	var data *C.uint8_t
	if len(config) > 0 {
		data = (*C.uint8_t)(unsafe.Pointer(&config[0]))
	}
	if cerr := C.secctx_resolver_new(data, C.size_t(len(config)), &ptr); cerr != nil {
		return nil, takeError(cerr)
	}
	var names *C.char
	var n C.size_t
	if cerr := C.secctx_resolver_read_header_names(ptr, &names, &n); cerr != nil {
		C.secctx_resolver_free(ptr)
		return nil, takeError(cerr)
	}
	r := &Resolver{ptr: ptr, reads: newNameFilter(takeString(names, n))}
	runtime.SetFinalizer(r, (*Resolver).Close)
	return r, nil
}

// Close releases the resolver. It is idempotent. It must not be called while another goroutine
// is still using the resolver. Contexts it produced do not depend on it: they stay whole.
func (r *Resolver) Close() error {
	if r == nil || r.ptr == nil {
		return nil
	}
	runtime.SetFinalizer(r, nil)
	C.secctx_resolver_free(r.ptr)
	r.ptr = nil
	return nil
}

// scratch is the per-call memory handed to C: the packed request and the result buffer.
// Pooled so that a resolve allocates nothing for the call itself.
type scratch struct {
	buf []byte
	out []byte
	n   C.size_t // the result's size (here, not on the stack: a pointer passed to C escapes)
}

var scratchPool = sync.Pool{New: func() any { return &scratch{buf: make([]byte, 0, 2048), out: make([]byte, 4096)} }}

const absent = 0xFFFFFFFF

func appendField(b []byte, s string) []byte {
	n := uint32(len(s))
	b = append(b, byte(n), byte(n>>8), byte(n>>16), byte(n>>24))
	return append(b, s...)
}

func appendOptional(b []byte, s string) []byte {
	if s == "" {
		return append(b, 0xFF, 0xFF, 0xFF, 0xFF)
	}
	return appendField(b, s)
}

// begin packs the peer and identity (the packed format of secctx_resolve_packed).
func begin(b []byte, peer string, id *Identity) []byte {
	b = appendOptional(b[:0], peer)
	if id == nil {
		return append(b, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF)
	}
	b = appendOptional(b, id.EndUserID)
	b = appendOptional(b, id.EndUserIDType)
	b = appendOptional(b, id.EndUserTenantID)
	return appendOptional(b, id.ApplicationName)
}

// Resolve resolves one request from its socket peer (ip, ip:port, [ipv6]:port; "" or anything
// unparsable is an unknown peer), its headers (every value of every header) and an optional
// identity. It fails only with an [*Error] of Code "invalid_identity" (an unknown
// EndUserIDType). Safe for concurrent use.
//
// http.Header keys are canonicalised and repeats of one name are kept in order, which is all the
// resolution depends on; use [Resolver.ResolveHeaders] to pass headers as an ordered list.
func (r *Resolver) Resolve(peer string, h http.Header, id *Identity) (*Context, error) {
	if r == nil || r.ptr == nil {
		return nil, errClosed()
	}
	s := scratchPool.Get().(*scratch)
	b := begin(s.buf, peer, id)
	for name, values := range h {
		if !r.reads.match(name) {
			continue
		}
		for _, v := range values {
			b = appendField(b, name)
			b = appendField(b, v)
		}
	}
	s.buf = b
	return r.finish(s)
}

// FromRequest resolves an incoming request: its RemoteAddr and every value of every header.
func (r *Resolver) FromRequest(req *http.Request, id *Identity) (*Context, error) {
	return r.Resolve(req.RemoteAddr, req.Header, id)
}

// ResolveHeaders is [Resolver.Resolve] with the headers as an ordered list of name/value pairs,
// repeats allowed (the form of the conformance vectors and of servers that keep header order).
func (r *Resolver) ResolveHeaders(peer string, headers []Header, id *Identity) (*Context, error) {
	if r == nil || r.ptr == nil {
		return nil, errClosed()
	}
	s := scratchPool.Get().(*scratch)
	b := begin(s.buf, peer, id)
	for _, h := range headers {
		if !r.reads.match(h.Name) {
			continue
		}
		b = appendField(b, h.Name)
		b = appendField(b, h.Value)
	}
	s.buf = b
	return r.finish(s)
}

func errClosed() error {
	return &Error{Code: CodeInvalidArgument, Message: "the resolver is closed"}
}

// finish makes the one cgo call of a resolve and copies the result into Go memory.
func (r *Resolver) finish(s *scratch) (*Context, error) {
	c, err := r.call(s)
	if cap(s.buf) <= 64<<10 && cap(s.out) <= 64<<10 {
		scratchPool.Put(s)
	}
	return c, err
}

func (r *Resolver) call(s *scratch) (*Context, error) {
	if r == nil || r.ptr == nil {
		return nil, errClosed()
	}
	for {
		cerr := C.secctx_resolve_packed_into(r.ptr, (*C.uint8_t)(unsafe.Pointer(unsafe.SliceData(s.buf))),
			C.size_t(len(s.buf)), (*C.uint8_t)(unsafe.Pointer(unsafe.SliceData(s.out))), C.size_t(len(s.out)), &s.n)
		runtime.KeepAlive(r)
		if cerr != nil {
			return nil, takeError(cerr)
		}
		size := int(s.n)
		if size > len(s.out) {
			// No room for the result (many long allow-listed headers): grow and resolve again
			// (resolution is deterministic).
			s.out = make([]byte, size)
			continue
		}
		// One string holds the result; the Context's fields view it, and the other forms are
		// rendered from it on demand.
		c, ok := newContext(string(s.out[:size]))
		if !ok {
			return nil, &Error{Code: CodePanic, Message: "malformed result from the native library"}
		}
		return c, nil
	}
}

// Error is the error of every secctx operation: a stable Code (the specification's error kind)
// and a Message a person can act on. Use errors.As to read it, or errors.Is with the sentinels
// ErrInvalidConfig, ErrInvalidIdentity, ErrMissingEndUserIDType, ErrInvalidAPIVersion.
type Error struct {
	// Code is "invalid_config", "invalid_identity", "missing_end_user_id_type",
	// "invalid_api_version"; or "invalid_argument" (misuse: a closed handle) or "panic" (a bug
	// in the library, caught at the boundary).
	Code string
	// Message says what was wrong; for configuration errors it starts with the key.
	Message string
}

// Error codes.
const (
	CodeInvalidConfig        = "invalid_config"
	CodeInvalidIdentity      = "invalid_identity"
	CodeMissingEndUserIDType = "missing_end_user_id_type"
	CodeInvalidAPIVersion    = "invalid_api_version"
	// CodeInvalidArgument is misuse of this package (a closed Resolver or Context).
	CodeInvalidArgument = "invalid_argument"
	// CodePanic is a bug inside the library, caught before it crossed into Go.
	CodePanic = "panic"
)

const errPrefix = "secctx: "

// Sentinels for errors.Is: an [*Error] matches the sentinel of its Code.
var (
	ErrInvalidConfig        = &Error{Code: CodeInvalidConfig}
	ErrInvalidIdentity      = &Error{Code: CodeInvalidIdentity}
	ErrMissingEndUserIDType = &Error{Code: CodeMissingEndUserIDType}
	ErrInvalidAPIVersion    = &Error{Code: CodeInvalidAPIVersion}
	ErrInvalidArgument      = &Error{Code: CodeInvalidArgument}
)

func (e *Error) Error() string {
	if e.Message == "" {
		return errPrefix + e.Code
	}
	return errPrefix + e.Code + ": " + e.Message
}

// Is reports whether target is the sentinel (an *Error without a message) of e's Code.
func (e *Error) Is(target error) bool {
	t, ok := target.(*Error)
	return ok && t.Message == "" && t.Code == e.Code
}

// takeError converts and frees a C error.
func takeError(cerr *C.secctx_error) error {
	defer C.secctx_error_free(cerr)
	code := C.GoString(C.secctx_error_code_str(C.uint32_t(C.secctx_error_get_code(cerr))))
	var n C.size_t
	msg := C.secctx_error_message(cerr, &n)
	message := C.GoStringN(msg, C.int(n))
	return &Error{Code: code, Message: message}
}
