package secctx

/*
#include "secctx.h"
*/
import "C"

import "unsafe"

// Context is the security context of one request: who sent it, from where, and why secctx
// thinks so. It is a plain Go value (an empty string is absent): nothing native is held, so
// there is nothing to close, and it is safe to read from any goroutine.
type Context struct {
	// ApplicationName is the application's name (per request, else the configuration's).
	ApplicationName string
	// EndUserID is the end user's id.
	EndUserID string
	// EndUserIDType is "AAD", "Google" or "Other".
	EndUserIDType string
	// EndUserTenantID is the end user's tenant id.
	EndUserTenantID string
	// SourceIP is the original client's address, canonical; "" when it cannot be known.
	SourceIP string
	// Peer is the immediate peer's address, canonical (the legacy SourceIP); "" when unknown.
	Peer string
	// SourceRequestHeaders are the allow-listed request headers (the legacy
	// SourceRequestHeaders), in allow-list order with canonical names.
	SourceRequestHeaders []Header
	// ReasonCode says why SourceIP is what it is, as a stable code: "peer_untrusted",
	// "chosen_at_hop", "invalid_entry", "too_many_hops", …
	ReasonCode string
	// Reason is the same, as a sentence for logs.
	Reason string
	// ReasonHop is the hop ReasonCode is about ("chosen_at_hop", "invalid_entry"), counted from
	// the right from 1; 0 otherwise.
	ReasonHop int
	// IdentitySource is where the identity came from: "explicit", "easy_auth" or "none".
	IdentitySource string
	// EasyAuthNote is set (a stable code) when Easy Auth headers were present but (partly)
	// ignored; EasyAuthNoteText says why.
	EasyAuthNote     string
	EasyAuthNoteText string

	usc string
	// result is the packed result of secctx_resolve_packed_into that every field views; the
	// other forms are rendered from it (secctx_result_*), so no resolver is needed.
	result string
	// inline backs SourceRequestHeaders when there are few (no second allocation).
	inline [2]Header
}

// newContext decodes the packed result of secctx_resolve_packed_into into a Context: every
// field is a substring of text. The fields are read into locals first and the Context is built
// in one composite literal, so that the stores into the new object need no write barriers.
func newContext(text string) (*Context, bool) {
	d := decoder{text: text, ok: true}
	app := d.next()
	id := d.next()
	idType := d.next()
	tenant := d.next()
	sourceIP := d.next()
	peer := d.next()
	reasonCode := d.next()
	reason := d.next()
	hop := int(d.u32())
	idSource := d.next()
	note := d.next()
	noteText := d.next()
	usc := d.next()
	var inline [2]Header
	var more []Header
	n := 0
	for d.ok && d.pos < len(text) {
		h := Header{Name: d.next(), Value: d.next()}
		if n < len(inline) {
			inline[n] = h
		} else {
			if more == nil {
				more = append(make([]Header, 0, 2*len(inline)), inline[:]...)
			}
			more = append(more, h)
		}
		n++
	}
	if !d.ok {
		return nil, false
	}
	c := &Context{
		ApplicationName:  app,
		EndUserID:        id,
		EndUserIDType:    idType,
		EndUserTenantID:  tenant,
		SourceIP:         sourceIP,
		Peer:             peer,
		ReasonCode:       reasonCode,
		Reason:           reason,
		ReasonHop:        hop,
		IdentitySource:   idSource,
		EasyAuthNote:     note,
		EasyAuthNoteText: noteText,
		usc:              usc,
		result:           text,
		inline:           inline,
	}
	switch {
	case more != nil:
		c.SourceRequestHeaders = more
	case n > 0:
		c.SourceRequestHeaders = c.inline[:n:n]
	}
	return c, true
}

// decoder reads the framing of a packed result: 4-byte little-endian lengths, 0xFFFFFFFF for
// absent. A malformed result sets ok to false and yields empty strings from then on.
type decoder struct {
	text string
	pos  int
	ok   bool
}

func (d *decoder) u32() uint32 {
	t := d.text
	if !d.ok || d.pos+4 > len(t) {
		d.ok = false
		return 0
	}
	n := uint32(t[d.pos]) | uint32(t[d.pos+1])<<8 | uint32(t[d.pos+2])<<16 | uint32(t[d.pos+3])<<24
	d.pos += 4
	return n
}

func (d *decoder) next() string {
	n := d.u32()
	if !d.ok || n == absent {
		return ""
	}
	if int(n) > len(d.text)-d.pos {
		d.ok = false
		return ""
	}
	s := d.text[d.pos : d.pos+int(n)]
	d.pos += int(n)
	return s
}

// UserSecurityContextJSON is the user_security_context object (SPEC 2.1) as compact JSON, keys
// in the order application_name, end_user_id, end_user_tenant_id, source_ip; absent values
// omitted. Rendered by the core when the context was resolved.
func (c *Context) UserSecurityContextJSON() string { return c.usc }

// render runs a secctx_result_* function over the context's packed result.
func (c *Context) render(f func(result *C.uint8_t, n C.size_t) *C.secctx_error) error {
	if c.result == "" {
		return &Error{Code: CodeInvalidArgument, Message: "the context was not produced by a Resolver"}
	}
	if cerr := f((*C.uint8_t)(unsafe.Pointer(unsafe.StringData(c.result))), C.size_t(len(c.result))); cerr != nil {
		return takeError(cerr)
	}
	return nil
}

func takeString(p *C.char, n C.size_t) string {
	s := C.GoStringN(p, C.int(n))
	C.secctx_string_free(p)
	return s
}

// LegacyUserJSON renders the legacy `user` document (SPEC 2.2) as compact JSON. It fails with
// ErrMissingEndUserIDType when there is an EndUserID without an EndUserIDType.
func (c *Context) LegacyUserJSON() (string, error) {
	var out string
	err := c.render(func(result *C.uint8_t, size C.size_t) *C.secctx_error {
		var p *C.char
		var n C.size_t
		if cerr := C.secctx_result_legacy_user_json(result, size, &p, &n); cerr != nil {
			return cerr
		}
		out = takeString(p, n)
		return nil
	})
	return out, err
}

// ForAPIVersion renders the request-body field an Azure OpenAI api-version takes (SPEC 2.3):
// field is "user_security_context" (v1, latest, preview, previews from 2024-12-01) with the
// object as valueJSON, or "user" (older versions) with a JSON string holding the legacy
// document. It fails with ErrInvalidAPIVersion or ErrMissingEndUserIDType.
func (c *Context) ForAPIVersion(apiVersion string) (field, valueJSON string, err error) {
	err = c.render(func(result *C.uint8_t, size C.size_t) *C.secctx_error {
		var name *C.char
		var p *C.char
		var n C.size_t
		data := (*C.uint8_t)(unsafe.Pointer(unsafe.StringData(apiVersion)))
		if cerr := C.secctx_result_for_api_version(result, size, data, C.size_t(len(apiVersion)), &name, &p, &n); cerr != nil {
			return cerr
		}
		field = C.GoString(name)
		valueJSON = takeString(p, n)
		return nil
	})
	return field, valueJSON, err
}

// RecordJSON renders the full record of the context as one JSON object (every field, the
// reason and where the identity came from), for logs.
func (c *Context) RecordJSON() (string, error) {
	var out string
	err := c.render(func(result *C.uint8_t, size C.size_t) *C.secctx_error {
		var p *C.char
		var n C.size_t
		if cerr := C.secctx_result_to_json(result, size, &p, &n); cerr != nil {
			return cerr
		}
		out = takeString(p, n)
		return nil
	})
	return out, err
}
