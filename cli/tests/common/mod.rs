//! Helpers shared by the integration tests: the binary's path and a running mock endpoint.
#![allow(dead_code)]

use std::fs::File;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::time::{Duration, Instant};

/// The `secctx` binary cargo built for these tests.
pub fn secctx() -> &'static Path {
    Path::new(env!("CARGO_BIN_EXE_secctx"))
}

/// The repository root (the workspace holding `cli/`).
pub fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).parent().expect("cli/ has a parent").to_path_buf()
}

/// A `secctx mock` process on 127.0.0.1, killed when dropped. It also exits by itself after
/// 300 s (`--max-lifetime`), so a crashed test never leaves it running.
pub struct Mock {
    child: Child,
    /// `127.0.0.1:PORT`, as written to the port file.
    pub addr: String,
    /// From spawning the process to the port file appearing.
    pub ready_after: Duration,
    dir: tempfile::TempDir,
}

impl Mock {
    pub fn start() -> Mock {
        Mock::start_with(&["--max-lifetime", "300"])
    }

    pub fn start_with(extra: &[&str]) -> Mock {
        let dir = tempfile::tempdir().expect("temp dir");
        let port_file = dir.path().join("port");
        let log = File::create(dir.path().join("stderr.log")).expect("log file");
        let started = Instant::now();
        let mut child = Command::new(secctx())
            .args(["mock", "--listen", "127.0.0.1:0", "--port-file"])
            .arg(&port_file)
            .args(extra)
            .stdout(Stdio::null())
            .stderr(log)
            .spawn()
            .expect("spawn secctx mock");
        let addr = loop {
            if let Ok(text) = std::fs::read_to_string(&port_file) {
                break text;
            }
            if let Ok(Some(status)) = child.try_wait() {
                panic!("secctx mock exited early with {status}");
            }
            if started.elapsed() > Duration::from_secs(30) {
                let _ = child.kill();
                panic!("secctx mock wrote no port file within 30 s");
            }
            std::thread::sleep(Duration::from_millis(1));
        };
        let ready_after = started.elapsed();
        assert!(addr.ends_with('\n'), "port file {addr:?} ends with a newline");
        Mock { child, addr: addr.trim_end().to_string(), ready_after, dir }
    }

    pub fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.addr)
    }

    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// Everything the mock wrote to stderr so far.
    pub fn stderr(&self) -> String {
        std::fs::read_to_string(self.dir.path().join("stderr.log")).unwrap_or_default()
    }

    /// Waits up to `limit` for the process to exit by itself.
    pub fn wait_exit(&mut self, limit: Duration) -> Option<ExitStatus> {
        let start = Instant::now();
        while start.elapsed() < limit {
            if let Ok(Some(status)) = self.child.try_wait() {
                return Some(status);
            }
            std::thread::sleep(Duration::from_millis(10));
        }
        None
    }

    /// The recorded chat requests (GET /_secctx/requests).
    pub fn records(&self) -> Vec<serde_json::Value> {
        let mut resp = agent().get(&self.url("/_secctx/requests")).call().expect("GET records");
        assert_eq!(resp.status(), 200);
        let text = resp.body_mut().read_to_string().expect("records body");
        match serde_json::from_str(&text).expect("records are JSON") {
            serde_json::Value::Array(items) => items,
            other => panic!("records are not an array: {other}"),
        }
    }
}

impl Drop for Mock {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// An HTTP client that returns 4xx/5xx responses instead of errors.
pub fn agent() -> ureq::Agent {
    ureq::Agent::config_builder()
        .http_status_as_error(false)
        .timeout_global(Some(Duration::from_secs(30)))
        .build()
        .into()
}
