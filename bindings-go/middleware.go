package secctx

import (
	"context"
	"net/http"
)

type contextKey struct{}

// NewContext returns a copy of parent carrying c.
func NewContext(parent context.Context, c *Context) context.Context {
	return context.WithValue(parent, contextKey{}, c)
}

// FromContext returns the security context stored by [Middleware] (or [NewContext]), or nil.
func FromContext(ctx context.Context) *Context {
	c, _ := ctx.Value(contextKey{}).(*Context)
	return c
}

// MiddlewareOptions configures [Middleware].
type MiddlewareOptions struct {
	// Identity returns the identity of the request's end user (for example from the session),
	// or nil. Optional.
	Identity func(r *http.Request) *Identity
	// OnError handles a resolve failure (only an invalid identity can fail). The default answers
	// 500 Internal Server Error: the application passed an invalid end_user_id_type.
	OnError func(w http.ResponseWriter, r *http.Request, err error)
}

// Middleware resolves every request with resolver and stores the [Context] in the request's
// context.Context, where handlers read it with [FromContext].
func Middleware(resolver *Resolver, opts MiddlewareOptions) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			var id *Identity
			if opts.Identity != nil {
				id = opts.Identity(r)
			}
			c, err := resolver.FromRequest(r, id)
			if err != nil {
				if opts.OnError != nil {
					opts.OnError(w, r, err)
				} else {
					http.Error(w, "secctx: "+err.Error(), http.StatusInternalServerError)
				}
				return
			}
			next.ServeHTTP(w, r.WithContext(NewContext(r.Context(), c)))
		})
	}
}
