//! Peak resident memory and CPU time of the provider processes Terraform launches.
//!
//! Terraform starts the provider itself (several times per command), so its memory is read from
//! `/proc`: a sampler thread looks every [`SAMPLE_EVERY`] for processes whose executable is the
//! provider binary and keeps the largest `VmHWM` (the kernel's own high-water mark of the
//! process's resident set). `VmHWM` only grows, so a sample misses nothing but growth in a
//! process's last interval before it exits. The CPU time of each process is its last sampled
//! user + system time, so the CPU of a process's last interval is missed the same way.

use std::collections::BTreeMap;
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
    /// User + system CPU time of the provider processes seen, summed.
    pub cpu: Duration,
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
            let mut cpu_by_pid = BTreeMap::new();
            let mut peak = 0;
            loop {
                let last = flag.load(Ordering::Relaxed);
                for sample in samples(&binary) {
                    cpu_by_pid.insert(sample.pid, sample.cpu);
                    peak = peak.max(sample.hwm_kib);
                }
                if last {
                    break;
                }
                std::thread::sleep(SAMPLE_EVERY);
            }
            PeakRss {
                kib: peak,
                processes: cpu_by_pid.len(),
                cpu: cpu_by_pid.values().sum(),
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

/// One look at a process.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Sample {
    /// Process id.
    pub pid: u32,
    /// `VmHWM` in KiB.
    pub hwm_kib: u64,
    /// User + system CPU time so far.
    pub cpu: Duration,
}

/// A sample of every live process whose executable is `binary`.
pub fn samples(binary: &Path) -> Vec<Sample> {
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
            let stat = std::fs::read_to_string(entry.path().join("stat")).ok()?;
            Some(Sample {
                pid,
                hwm_kib: vm_hwm_kib(&status)?,
                cpu: stat_cpu(&stat, StatCpu::Own),
            })
        })
        .collect()
}

/// Whose CPU time a `/proc/<pid>/stat` line is read for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StatCpu {
    /// The process's own (`utime` + `stime`).
    Own,
    /// Its children's that it waited for (`cutime` + `cstime`).
    WaitedChildren,
}

/// CPU time from a `/proc/<pid>/stat` text (clock ticks of 10 ms).
pub fn stat_cpu(stat: &str, whose: StatCpu) -> Duration {
    let after_name = &stat[stat.rfind(')').map_or(0, |i| i + 1)..];
    let fields: Vec<&str> = after_name.split_whitespace().collect();
    // Fields 14–17 of stat (utime, stime, cutime, cstime) are the 12th–15th after the name.
    let at = match whose {
        StatCpu::Own => [11, 12],
        StatCpu::WaitedChildren => [13, 14],
    };
    let ticks: u64 = at
        .iter()
        .filter_map(|i| fields.get(*i)?.parse::<u64>().ok())
        .sum();
    Duration::from_millis(ticks * 10)
}

/// CPU time of this process so far: its own or its waited-for children's.
pub fn self_cpu(whose: StatCpu) -> Duration {
    stat_cpu(
        &std::fs::read_to_string("/proc/self/stat").unwrap_or_default(),
        whose,
    )
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
    fn reads_own_and_children_cpu_ticks() {
        let stat = "42 (a b) S 1 2 3 4 5 6 7 8 9 10 150 50 300 100 20 0";
        assert_eq!(stat_cpu(stat, StatCpu::Own), Duration::from_millis(2000));
        assert_eq!(
            stat_cpu(stat, StatCpu::WaitedChildren),
            Duration::from_millis(4000)
        );
    }

    #[test]
    fn cpu_time_grows_with_work() {
        let before = self_cpu(StatCpu::Own);
        let started = std::time::Instant::now();
        let mut x = 0u64;
        while started.elapsed() < Duration::from_millis(300) {
            x = x.wrapping_mul(31).wrapping_add(7);
        }
        assert!(x != 1);
        assert!(self_cpu(StatCpu::Own) > before, "{before:?}");
    }

    #[test]
    fn finds_this_very_process() {
        let me = std::env::current_exe().unwrap().canonicalize().unwrap();
        let mine = samples(&me)
            .into_iter()
            .find(|s| s.pid == std::process::id())
            .expect("this process is listed");
        assert!(mine.hwm_kib > 0);
        let sampler = RssSampler::start(&me);
        let peak = sampler.finish();
        assert!(peak.kib >= 1 && peak.processes >= 1, "{peak:?}");
    }
}
