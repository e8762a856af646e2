//! What the load tool measures besides the traffic: another process's resident memory, its own
//! CPU time, and latency percentiles.

use std::time::Duration;

/// Resident memory of process `pid` in MiB (`VmRSS` from `/proc/<pid>/status`).
pub fn rss_mib(pid: u32) -> Option<f64> {
    status_kib(pid, "VmRSS:").map(|kib| kib as f64 / 1024.0)
}

/// Peak resident memory of process `pid` in MiB (`VmHWM`).
pub fn peak_rss_mib(pid: u32) -> Option<f64> {
    status_kib(pid, "VmHWM:").map(|kib| kib as f64 / 1024.0)
}

fn status_kib(pid: u32, field: &str) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    status
        .lines()
        .find_map(|l| l.strip_prefix(field))?
        .split_whitespace()
        .next()?
        .parse()
        .ok()
}

/// User plus system CPU time process `pid` has used so far, from `/proc/<pid>/stat` (clock
/// ticks, 10 ms each on Linux).
pub fn process_cpu(pid: u32) -> Option<Duration> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // The command name may hold spaces; the fields after it are fixed.
    let fields: Vec<&str> = stat.rsplit_once(')')?.1.split_whitespace().collect();
    let ticks = fields.get(11)?.parse::<u64>().ok()? + fields.get(12)?.parse::<u64>().ok()?;
    Some(Duration::from_millis(ticks * 10))
}

/// CPU time every process on the machine has used so far (busy time in `/proc/stat`: all but
/// idle and iowait), to tell how much of a run's CPU went to neither the server nor the tool.
pub fn machine_busy() -> Option<Duration> {
    let stat = std::fs::read_to_string("/proc/stat").ok()?;
    let line = stat.lines().next()?.strip_prefix("cpu ")?;
    let ticks: Vec<u64> = line
        .split_whitespace()
        .filter_map(|t| t.parse().ok())
        .collect();
    // user nice system idle iowait irq softirq steal
    let busy = ticks.iter().take(8).sum::<u64>() - ticks.get(3)? - ticks.get(4)?;
    Some(Duration::from_millis(busy * 10))
}

/// User plus system CPU time this process has used so far (`getrusage(RUSAGE_SELF)`).
#[cfg(all(target_os = "linux", target_pointer_width = "64"))]
pub fn own_cpu() -> Duration {
    // `struct rusage` on 64-bit Linux: two `struct timeval` (i64 seconds, i64 microseconds),
    // then fourteen `long` counters.
    #[repr(C)]
    struct Timeval {
        sec: i64,
        usec: i64,
    }
    #[repr(C)]
    struct Rusage {
        utime: Timeval,
        stime: Timeval,
        rest: [i64; 14],
    }
    unsafe extern "C" {
        fn getrusage(who: i32, usage: *mut Rusage) -> i32;
    }
    const RUSAGE_SELF: i32 = 0;
    let mut usage = Rusage {
        utime: Timeval { sec: 0, usec: 0 },
        stime: Timeval { sec: 0, usec: 0 },
        rest: [0; 14],
    };
    // SAFETY: `usage` is a valid, writable `struct rusage` for the duration of the call.
    let rc = unsafe { getrusage(RUSAGE_SELF, &mut usage) };
    if rc != 0 {
        return Duration::ZERO;
    }
    let micros = |t: &Timeval| t.sec as u64 * 1_000_000 + t.usec as u64;
    Duration::from_micros(micros(&usage.utime) + micros(&usage.stime))
}

/// Elsewhere: not measured.
#[cfg(not(all(target_os = "linux", target_pointer_width = "64")))]
pub fn own_cpu() -> Duration {
    Duration::ZERO
}

/// p50, p99 and max of latencies given in microseconds, in milliseconds. Sorts in place.
pub fn percentiles_ms(micros: &mut [u32]) -> (f64, f64, f64) {
    if micros.is_empty() {
        return (0.0, 0.0, 0.0);
    }
    micros.sort_unstable();
    let at = |q: f64| {
        let rank = ((q * micros.len() as f64).ceil() as usize).clamp(1, micros.len());
        micros[rank - 1] as f64 / 1000.0
    };
    (at(0.50), at(0.99), micros[micros.len() - 1] as f64 / 1000.0)
}

/// Rounds to three decimals for the report.
pub fn round3(x: f64) -> f64 {
    (x * 1000.0).round() / 1000.0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percentiles_use_nearest_rank() {
        let mut v: Vec<u32> = (1..=100).map(|ms| ms * 1000).collect();
        assert_eq!(percentiles_ms(&mut v), (50.0, 99.0, 100.0));
    }

    #[test]
    fn reads_own_memory_and_cpu() {
        assert!(rss_mib(std::process::id()).unwrap_or(0.0) > 0.0);
        let spin = std::time::Instant::now();
        while spin.elapsed() < Duration::from_millis(20) {}
        assert!(own_cpu() > Duration::ZERO);
        assert!(process_cpu(std::process::id()).is_some());
        assert!(machine_busy().is_some());
    }
}
