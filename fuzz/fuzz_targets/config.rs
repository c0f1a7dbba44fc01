//! Configuration parsing: never panics; a configuration that parses renders back to an equal one.
#![no_main]
use libfuzzer_sys::fuzz_target;
use secctx::Config;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    if let Ok(config) = Config::from_json(&text) {
        let again = Config::from_json(&config.to_json()).expect("to_json parses");
        assert_eq!(config, again);
    }
});
