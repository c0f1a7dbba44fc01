module github.com/secctx/secctx/bindings-go/bench

go 1.24

require (
	github.com/realclientip/realclientip-go v1.0.0
	github.com/secctx/secctx/bindings-go v0.0.0
)

replace github.com/secctx/secctx/bindings-go => ../
