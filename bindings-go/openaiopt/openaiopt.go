// Package openaiopt connects secctx to the official OpenAI Go SDK (github.com/openai/openai-go/v3)
// for Azure OpenAI: a request option that puts the resolved security context into the
// chat-completions request body.
//
//	ctx := secctx.FromContext(r.Context()) // stored by secctx.Middleware
//	completion, err := client.Chat.Completions.New(r.Context(), params, openaiopt.Option(ctx))
//
// It is a separate module so that the secctx package itself has no dependencies.
package openaiopt

import (
	"context"
	"encoding/json"
	"net/http"

	"github.com/openai/openai-go/v3/option"
	secctx "github.com/secctx/secctx/bindings-go"
)

// Option sets the request body's `user_security_context` (Azure OpenAI api-versions from
// 2024-12-01-preview, and v1) to ctx's. A nil ctx gives an option that changes nothing.
func Option(ctx *secctx.Context) option.RequestOption {
	if ctx == nil {
		return option.WithMiddleware(func(r *http.Request, next option.MiddlewareNext) (*http.Response, error) {
			return next(r)
		})
	}
	return option.WithJSONSet("user_security_context", json.RawMessage(ctx.UserSecurityContextJSON()))
}

// ForAPIVersion sets the body field the api-version takes: `user_security_context`, or for
// older versions the legacy `user` string. It fails with secctx.ErrInvalidAPIVersion, or
// secctx.ErrMissingEndUserIDType when the legacy form has an id without a type.
func ForAPIVersion(ctx *secctx.Context, apiVersion string) (option.RequestOption, error) {
	field, value, err := ctx.ForAPIVersion(apiVersion)
	if err != nil {
		return nil, err
	}
	return option.WithJSONSet(field, json.RawMessage(value)), nil
}

// FromContext is Option for the context that secctx.Middleware stored in c.
func FromContext(c context.Context) option.RequestOption {
	return Option(secctx.FromContext(c))
}
