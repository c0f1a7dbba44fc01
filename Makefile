# secctx: the two commands are `make demo` and `make test`. Each installs what it needs.
SHELL := /bin/bash
CARGO ?= cargo
export CARGO_TERM_COLOR ?= never

# Binding surfaces, each with its own Makefile providing `test` and `demo`. The core and the CLI
# are tested by `cargo test --workspace`; the CLI's demo comes first in `make demo`.
SURFACES := bindings-c bindings-go bindings-python bindings-node bindings-dotnet
DEMOS := cli $(SURFACES)

.PHONY: all build test demo lint test-rust bench fuzz $(addprefix test-,$(SURFACES)) $(addprefix demo-,$(DEMOS))

all: build

build:
	$(CARGO) build --workspace

## make test: every check and every test of every surface.
test: lint test-rust $(addprefix test-,$(SURFACES))
	@echo "make test: all surfaces passed"

lint:
	$(CARGO) fmt --all -- --check
	$(CARGO) clippy --workspace --all-targets -- -D warnings

test-rust:
	$(CARGO) test --workspace

$(addprefix test-,$(SURFACES)): test-%: build
	$(MAKE) -C $* test

## make demo: build, start the mock Azure OpenAI endpoint, resolve a request through a
## simulated proxy chain and send a chat completion carrying the context.
demo: build $(addprefix demo-,$(DEMOS))

$(addprefix demo-,$(DEMOS)): demo-%: build
	$(MAKE) -C $* demo

## make bench: the core benchmarks (see docs/BENCHMARKS.md).
bench:
	$(CARGO) bench -p secctx --bench resolve

## make fuzz: every fuzz target for FUZZ_SECONDS each (default 60).
fuzz:
	./scripts/fuzz.sh
