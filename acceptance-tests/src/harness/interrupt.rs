//! Crash tests: `terraform apply` killed (SIGKILL) together with the provider it launched.
//!
//! Terraform runs in a process group of its own, which the provider process inherits; the
//! harness signals exactly that group with `killpg`, never a pid parsed by an external `kill`.

use std::os::unix::process::{CommandExt, ExitStatusExt};
use std::process::Stdio;
use std::time::{Duration, Instant};

use super::Workdir;

/// How often the kill condition is checked.
const POLL: Duration = Duration::from_millis(20);

/// How an interrupted apply ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Interrupted {
    /// The condition held: Terraform and the provider were killed.
    Killed,
    /// The apply ended by itself first, with this exit code.
    Finished(i32),
}

impl Workdir {
    /// Runs `terraform apply -auto-approve` and SIGKILLs Terraform's process group (Terraform
    /// and the provider) as soon as `kill_now()` returns true; panics when neither happens within
    /// `limit`.
    pub fn apply_killed_when(
        &self,
        mut kill_now: impl FnMut() -> bool,
        limit: Duration,
    ) -> Interrupted {
        let mut command = self.command(&["apply", "-no-color", "-input=false", "-auto-approve"]);
        command
            .process_group(0)
            .stdout(Stdio::null())
            .stderr(Stdio::null());
        let mut child = command.spawn().expect("spawn terraform apply");
        let deadline = Instant::now() + limit;
        loop {
            if kill_now() {
                break;
            }
            if let Some(status) = child.try_wait().expect("wait for terraform") {
                return Interrupted::Finished(status.code().unwrap_or(-1));
            }
            if Instant::now() > deadline {
                let _ = child.kill();
                panic!("apply neither finished nor reached the kill point within {limit:?}");
            }
            std::thread::sleep(POLL);
        }
        let pgid = i32::try_from(child.id()).expect("pid fits in i32");
        assert!(pgid > 1, "terraform's process group {pgid}");
        let group = processes_in_group(pgid);
        assert!(
            group.len() >= 2,
            "terraform and its provider share group {pgid}: {group:?}"
        );
        nix::sys::signal::killpg(
            nix::unistd::Pid::from_raw(pgid),
            nix::sys::signal::Signal::SIGKILL,
        )
        .expect("kill terraform's process group");
        let status = child.wait().expect("wait for the killed apply");
        assert_eq!(
            status.signal(),
            Some(9),
            "apply was killed, not finished: {status}"
        );
        Interrupted::Killed
    }
}

/// Pids of the live processes whose process group is `pgid` (from /proc/<pid>/stat).
fn processes_in_group(pgid: i32) -> Vec<i32> {
    let mut pids = Vec::new();
    for entry in std::fs::read_dir("/proc").expect("read /proc").flatten() {
        let Ok(pid) = entry.file_name().to_string_lossy().parse::<i32>() else {
            continue;
        };
        let Ok(stat) = std::fs::read_to_string(entry.path().join("stat")) else {
            continue;
        };
        // Fields after the parenthesised command name: state, ppid, pgrp, ...
        let after_name = &stat[stat.rfind(')').map_or(0, |i| i + 1)..];
        let fields: Vec<&str> = after_name.split_whitespace().collect();
        if fields.get(2).and_then(|f| f.parse::<i32>().ok()) == Some(pgid) && fields[0] != "Z" {
            pids.push(pid);
        }
    }
    pids
}
