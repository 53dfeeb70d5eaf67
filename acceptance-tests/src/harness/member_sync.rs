//! `alb-member-sync` as a real process for tests: started with the given flags and a free port
//! for its probes, read through `/metrics`, `/healthz` and `/readyz`, signalled, killed on drop.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::time::{Duration, Instant};

use nix::sys::signal::{kill, Signal};
use nix::unistd::Pid;

/// A running agent; killed (SIGKILL) when dropped.
#[derive(Debug)]
pub struct MemberSync {
    child: Child,
    addr: String,
    log: PathBuf,
}

impl MemberSync {
    /// Starts `binary` with `args` plus `--listen` on a free port, its logs (stderr) in `log`.
    pub fn spawn(binary: &Path, args: &[String], log: PathBuf) -> Self {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .expect("free port")
            .port();
        let addr = format!("127.0.0.1:{port}");
        let child = Command::new(binary)
            .args(args)
            .arg(format!("--listen={addr}"))
            .env_remove("KUBECONFIG")
            .env("RUST_LOG", "info,kube=warn")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(std::fs::File::create(&log).expect("agent log file"))
            .spawn()
            .unwrap_or_else(|e| panic!("start {}: {e}", binary.display()));
        Self { child, addr, log }
    }

    /// Status and body of `GET path` (status 0 while the agent does not answer).
    pub fn get(&self, path: &str) -> (u16, String) {
        let Ok(mut stream) = TcpStream::connect(&self.addr) else {
            return (0, String::new());
        };
        let _ = stream.set_read_timeout(Some(Duration::from_secs(5)));
        let request = format!("GET {path} HTTP/1.0\r\nHost: {}\r\n\r\n", self.addr);
        let mut response = String::new();
        if stream.write_all(request.as_bytes()).is_err()
            || stream.read_to_string(&mut response).is_err()
        {
            return (0, String::new());
        }
        let status = response
            .split_whitespace()
            .nth(1)
            .and_then(|s| s.parse().ok())
            .unwrap_or(0);
        let body = response
            .split_once("\r\n\r\n")
            .map_or(String::new(), |(_, b)| b.to_owned());
        (status, body)
    }

    /// The metrics text (empty while the agent does not answer).
    pub fn metrics(&self) -> String {
        self.get("/metrics").1
    }

    /// The value of the metric series `series` (exact name and labels; 0 when absent).
    pub fn metric(&self, series: &str) -> f64 {
        metric_value(&self.metrics(), series)
    }

    /// Sends `signal` to the process.
    pub fn signal(&self, signal: Signal) {
        let pid = i32::try_from(self.child.id()).expect("pid");
        kill(Pid::from_raw(pid), signal).expect("signal alb-member-sync");
    }

    /// Waits for the process to exit (panics after `limit`); its status and how long it took.
    pub fn exited(&mut self, limit: Duration) -> (ExitStatus, Duration) {
        let started = Instant::now();
        loop {
            if let Some(status) = self.child.try_wait().expect("wait alb-member-sync") {
                return (status, started.elapsed());
            }
            assert!(
                started.elapsed() < limit,
                "alb-member-sync still running after {limit:?}; log:\n{}",
                self.log_text()
            );
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// The agent's log so far.
    pub fn log_text(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }
}

impl Drop for MemberSync {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The value of the line of `text` that starts with `series` and a space (0 when absent).
pub fn metric_value(text: &str, series: &str) -> f64 {
    text.lines()
        .find_map(|l| {
            l.strip_prefix(series)?
                .strip_prefix(' ')?
                .trim()
                .parse()
                .ok()
        })
        .unwrap_or(0.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn metric_values_by_exact_series() {
        let text = "# TYPE x counter\nx_total{code=\"A\"} 3\nx_total 7\nx_total_other 1\n";
        assert_eq!(metric_value(text, "x_total{code=\"A\"}"), 3.0);
        assert_eq!(metric_value(text, "x_total"), 7.0);
        assert_eq!(metric_value(text, "y_total"), 0.0);
    }
}
