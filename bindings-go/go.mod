module github.com/secctx/secctx/bindings-go

go 1.24
