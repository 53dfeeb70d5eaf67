//! Peak resident memory of the provider processes Terraform launches.
//!
//! Terraform starts the provider itself (several times per command), so its memory is read from
//! `/proc`: a sampler thread looks every [`SAMPLE_EVERY`] for processes whose executable is the
//! provider binary and keeps the largest `VmHWM` (the kernel's own high-water mark of the
//! process's resident set). `VmHWM` only grows, so a sample misses nothing but growth in a
//! process's last interval before it exits.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::Duration;

/// How often `/proc` is sampled.
pub const SAMPLE_EVERY: Duration = Duration::from_millis(20);

/// What the sampler saw.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct PeakRss {
    /// Largest `VmHWM` of one provider process, in KiB.
    pub kib: u64,
    /// Provider processes seen.
    pub processes: usize,
}

impl PeakRss {
    /// The peak in MiB.
    pub fn mib(&self) -> f64 {
        self.kib as f64 / 1024.0
    }
}

/// A running sampler; [`RssSampler::finish`] stops it.
pub struct RssSampler {
    stop: Arc<AtomicBool>,
    thread: JoinHandle<PeakRss>,
}

impl RssSampler {
    /// Starts sampling the processes running `binary`.
    pub fn start(binary: &Path) -> Self {
        let binary = binary
            .canonicalize()
            .unwrap_or_else(|_| binary.to_path_buf());
        let stop = Arc::new(AtomicBool::new(false));
        let flag = stop.clone();
        let thread = std::thread::spawn(move || {
            let mut seen = BTreeSet::new();
            let mut peak = 0;
            loop {
                let last = flag.load(Ordering::Relaxed);
                for (pid, kib) in high_water_marks(&binary) {
                    seen.insert(pid);
                    peak = peak.max(kib);
                }
                if last {
                    break;
                }
                std::thread::sleep(SAMPLE_EVERY);
            }
            PeakRss {
                kib: peak,
                processes: seen.len(),
            }
        });
        Self { stop, thread }
    }

    /// Stops sampling and returns the peak.
    pub fn finish(self) -> PeakRss {
        self.stop.store(true, Ordering::Relaxed);
        self.thread.join().unwrap_or_default()
    }
}

/// `(pid, VmHWM in KiB)` of every live process whose executable is `binary`.
pub fn high_water_marks(binary: &Path) -> Vec<(u32, u64)> {
    let Ok(entries) = std::fs::read_dir("/proc") else {
        return Vec::new();
    };
    entries
        .flatten()
        .filter_map(|entry| {
            let pid: u32 = entry.file_name().to_str()?.parse().ok()?;
            let exe: PathBuf = std::fs::read_link(entry.path().join("exe")).ok()?;
            if exe != binary {
                return None;
            }
            let status = std::fs::read_to_string(entry.path().join("status")).ok()?;
            Some((pid, vm_hwm_kib(&status)?))
        })
        .collect()
}

/// The `VmHWM:` line of a `/proc/<pid>/status` text, in KiB.
fn vm_hwm_kib(status: &str) -> Option<u64> {
    status
        .lines()
        .find_map(|line| line.strip_prefix("VmHWM:"))?
        .split_whitespace()
        .next()?
        .parse()
        .ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_high_water_mark_line() {
        let status = "Name:\tx\nVmPeak:\t  9000 kB\nVmHWM:\t    2048 kB\nVmRSS:\t 1000 kB\n";
        assert_eq!(vm_hwm_kib(status), Some(2048));
        assert_eq!(vm_hwm_kib("Name:\tx\n"), None);
    }

    #[test]
    fn finds_this_very_process() {
        let me = std::env::current_exe().unwrap().canonicalize().unwrap();
        let marks = high_water_marks(&me);
        let mine = marks
            .iter()
            .find(|(pid, _)| *pid == std::process::id())
            .expect("this process is listed");
        assert!(mine.1 > 0);
        let sampler = RssSampler::start(&me);
        let peak = sampler.finish();
        assert!(peak.kib >= 1 && peak.processes >= 1, "{peak:?}");
    }
}
