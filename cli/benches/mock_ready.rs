//! How long `secctx mock` takes from spawn to ready (the port file written), over many starts.
//!
//! `cargo bench -p secctx-cli --bench mock_ready` (release build). The issue asks for readiness
//! within 200 ms; this prints the distribution. There is no peer mock to compare with.

use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

const STARTS: usize = 50;

fn main() {
    let bin = Path::new(env!("CARGO_BIN_EXE_secctx"));
    let dir = std::env::temp_dir().join(format!("secctx-mock-ready-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let mut times = Vec::with_capacity(STARTS);
    for i in 0..STARTS {
        let port_file = dir.join(format!("port-{i}"));
        let started = Instant::now();
        let mut child = Command::new(bin)
            .args(["mock", "--listen", "127.0.0.1:0", "--max-lifetime", "30", "--port-file"])
            .arg(&port_file)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("spawn");
        while !port_file.exists() {
            if started.elapsed() > Duration::from_secs(10) {
                let _ = child.kill();
                panic!("not ready within 10 s");
            }
            std::thread::sleep(Duration::from_micros(100));
        }
        times.push(started.elapsed());
        let _ = child.kill();
        let _ = child.wait();
    }
    let _ = std::fs::remove_dir_all(&dir);
    times.sort();
    let ms = |d: Duration| d.as_secs_f64() * 1000.0;
    println!(
        "secctx mock readiness over {STARTS} starts (spawn -> port file): min {:.2} ms, median {:.2} ms, p95 {:.2} ms, max {:.2} ms; budget 200 ms ({:.0}x headroom at the median)",
        ms(times[0]),
        ms(times[STARTS / 2]),
        ms(times[STARTS * 95 / 100]),
        ms(times[STARTS - 1]),
        200.0 / ms(times[STARTS / 2]),
    );
}
