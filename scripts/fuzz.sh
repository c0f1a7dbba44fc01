#!/usr/bin/env bash
# Runs every cargo-fuzz target for FUZZ_SECONDS (default 60) each. Needs the nightly toolchain;
# installs cargo-fuzz from crates.io when it is missing. Findings land in fuzz/artifacts/.
set -euo pipefail
cd "$(dirname "$0")/../fuzz"
seconds="${FUZZ_SECONDS:-60}"
if ! cargo fuzz --version >/dev/null 2>&1; then
    cargo install cargo-fuzz --locked
fi
targets=(${FUZZ_TARGETS:-forwarded list config resolve})
for target in "${targets[@]}"; do
    mkdir -p "corpus/$target"
    # Seed the resolver targets with the shared corpus' header values.
    if [ "$target" != config ] && [ -z "$(ls -A "corpus/$target")" ]; then
        python3 - "$target" <<'PY'
import json, glob, sys, hashlib, os
target = sys.argv[1]
for f in glob.glob("../tests/vectors/*.json"):
    for case in json.load(open(f)):
        for name, value in case.get("request", {}).get("headers", []):
            data = value.encode()
            open(os.path.join("corpus", target, hashlib.sha1(data).hexdigest()), "wb").write(data)
PY
    fi
    echo "== fuzz $target for ${seconds}s"
    cargo +nightly fuzz run "$target" -- -max_total_time="$seconds" -rss_limit_mb=2048
done
