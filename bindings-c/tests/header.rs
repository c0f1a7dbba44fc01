//! The committed header `include/secctx.h` must equal a fresh cbindgen generation.
//! Set `SECCTX_UPDATE_HEADER=1` to rewrite it (what `make -C bindings-c header` does).

use std::path::Path;

#[test]
fn committed_header_matches_a_fresh_generation() {
    let crate_dir = Path::new(env!("CARGO_MANIFEST_DIR"));
    let config = cbindgen::Config::from_file(crate_dir.join("cbindgen.toml")).expect("cbindgen.toml");
    let bindings = cbindgen::Builder::new()
        .with_crate(crate_dir)
        .with_config(config)
        .generate()
        .expect("cbindgen generates the header");
    let mut fresh = Vec::new();
    bindings.write(&mut fresh);
    let fresh = String::from_utf8(fresh).expect("UTF-8 header");
    let path = crate_dir.join("include/secctx.h");
    if std::env::var_os("SECCTX_UPDATE_HEADER").is_some_and(|v| v == "1") {
        std::fs::write(&path, &fresh).expect("write include/secctx.h");
        return;
    }
    let committed = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        committed == fresh,
        "include/secctx.h differs from a fresh cbindgen generation: run `make -C bindings-c header` and commit the result"
    );
}
