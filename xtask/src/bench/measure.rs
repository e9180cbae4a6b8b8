//! One wrk run against a port, with the CPU time the servers, wrk and anything else used
//! meanwhile (Linux `/proc`), and the median of a scenario's rounds.
//!
//! A result is a `BENCH key=value ...` line: wrk's (printed by the request script's `done`),
//! then `server_cpu_us`, `front_cpu_us`, `wrk_cpu_us` (per request) and `other_load_pct`.

use std::path::Path;
use std::process::Command;
use std::time::Duration;

/// The value of KEY in a `NAME key=value ...` result line.
pub fn field<'a>(line: &'a str, key: &str) -> Option<&'a str> {
    line.split_whitespace().find_map(|word| word.strip_prefix(key)?.strip_prefix('='))
}

/// A field as a number (0 when missing, as the script's arithmetic had it).
pub fn number(line: &str, key: &str) -> i64 {
    field(line, key).and_then(|v| v.parse::<f64>().ok()).map_or(0, |v| v as i64)
}

/// Checks wrk's output: its result line when every answer was 2xx and no error happened.
pub fn wrk_result(label: &str, out: &str) -> anyhow::Result<String> {
    let line = out
        .lines()
        .find(|l| l.starts_with("BENCH "))
        .ok_or_else(|| anyhow::anyhow!("{label}: no result line from wrk: {out}"))?;
    if out.contains("Non-2xx or 3xx responses") || field(line, "status") != Some("0") {
        anyhow::bail!("{label}: some answers were not 2xx: {out}");
    }
    for k in ["connect", "read", "write", "timeout"] {
        anyhow::ensure!(field(line, k) == Some("0"), "{label}: wrk reported {k} errors: {out}");
    }
    anyhow::ensure!(number(line, "requests") > 0, "{label}: no request completed");
    Ok(line.to_owned())
}

/// What a wrk run needs: the repository (wrk loads the HMAC script relative to it), the
/// request script, the scratch directory and the load.
pub struct Wrk<'a> {
    pub root: &'a Path,
    pub script: &'a Path,
    pub tmp: &'a Path,
    pub threads: u32,
    pub connections: u32,
}

impl Wrk<'_> {
    /// One wrk run of `duration` (`seconds` long) against 127.0.0.1:`port`; its result line.
    pub fn run(&self, label: &str, port: u16, duration: &str, seconds: u64) -> anyhow::Result<String> {
        let out_path = self.tmp.join(format!("wrk-{label}.out"));
        let out = std::fs::File::create(&out_path)?;
        let mut wrk = Command::new("timeout");
        wrk.arg((seconds + 30).to_string())
            .arg("wrk")
            .arg(format!("-t{}", self.threads))
            .arg(format!("-c{}", self.connections))
            .arg(format!("-d{duration}"))
            .args(["--timeout", "5s", "-s"])
            .arg(self.script)
            .arg(format!("http://127.0.0.1:{port}/"))
            .current_dir(self.root)
            .stdout(out.try_clone()?)
            .stderr(out);
        let mut child = wrk.spawn().map_err(|e| anyhow::anyhow!("{label}: cannot run wrk: {e}"))?;
        // Waited for in steps, so that Ctrl-C stops it at once.
        let status = loop {
            if let Some(status) = child.try_wait()? {
                break status;
            }
            if let Err(stop) = crate::stack::interrupted() {
                let _ = child.kill();
                let _ = child.wait();
                return Err(stop);
            }
            std::thread::sleep(Duration::from_millis(50));
        };
        // Ctrl-C reaches wrk too: a run it ended is reported as the interruption.
        crate::stack::interrupted()?;
        let text = std::fs::read_to_string(&out_path).unwrap_or_default();
        anyhow::ensure!(status.success(), "{label}: wrk failed ({}): {text}", status.code().unwrap_or(-1));
        wrk_result(label, &text)
    }
}

/// User + system CPU time of the processes, in clock ticks.
pub fn cpu_ticks(pids: &[u32]) -> anyhow::Result<u64> {
    let mut total = 0;
    for pid in pids {
        let stat = std::fs::read_to_string(format!("/proc/{pid}/stat"))?;
        // The fields after the command name; utime and stime are fields 14 and 15.
        let after = &stat[stat.rfind(')').map_or(0, |i| i + 2)..];
        let fields: Vec<&str> = after.split_whitespace().collect();
        total += fields.get(11).and_then(|f| f.parse::<u64>().ok()).unwrap_or(0)
            + fields.get(12).and_then(|f| f.parse::<u64>().ok()).unwrap_or(0);
    }
    Ok(total)
}

/// Microseconds per clock tick.
pub fn tick_us() -> u64 {
    // SAFETY: sysconf has no memory effects.
    let ticks = unsafe { libc::sysconf(libc::_SC_CLK_TCK) };
    1_000_000 / u64::try_from(ticks).unwrap_or(100).max(1)
}

/// (busy, total) CPU ticks of the whole machine since boot (`/proc/stat`'s first line).
pub fn machine_ticks() -> anyhow::Result<(u64, u64)> {
    let stat = std::fs::read_to_string("/proc/stat")?;
    let f: Vec<u64> =
        stat.lines().next().unwrap_or("").split_whitespace().skip(1).map(|v| v.parse().unwrap_or(0)).collect();
    let at = |i: usize| f.get(i).copied().unwrap_or(0);
    let (user, nice, system, idle, iowait, irq, softirq, steal) =
        (at(0), at(1), at(2), at(3), at(4), at(5), at(6), at(7));
    let busy = user + nice + system + irq + softirq + steal;
    Ok((busy, busy + idle + iowait))
}

/// The CPU time (user + system, microseconds) of this process's finished children.
pub fn children_us() -> u64 {
    // SAFETY: getrusage writes into the struct it is given.
    let usage = unsafe {
        let mut usage: libc::rusage = std::mem::zeroed();
        libc::getrusage(libc::RUSAGE_CHILDREN, &mut usage);
        usage
    };
    let us = |t: libc::timeval| t.tv_sec as u64 * 1_000_000 + t.tv_usec as u64;
    us(usage.ru_utime) + us(usage.ru_stime)
}

/// The CPU samples around a measured run.
#[derive(Clone, Copy, Debug)]
pub struct Sample {
    pub server: u64,
    pub front: u64,
    pub wrk_us: u64,
    pub busy: u64,
    pub total: u64,
}

/// The result line of a measured run: wrk's line with the CPU time per request of the server
/// side, of its front alone and of wrk, and the share of the machine anything else used.
pub fn with_cpu(run_line: &str, before: Sample, after: Sample, tick_us: u64) -> String {
    let requests = number(run_line, "requests").max(1) as u64;
    let server_us = (after.server - before.server) * tick_us;
    let front_us = (after.front - before.front) * tick_us;
    let wrk_us = after.wrk_us - before.wrk_us;
    let other_us = ((after.busy - before.busy) * tick_us).saturating_sub(server_us + wrk_us);
    let total_us = ((after.total - before.total) * tick_us).max(1);
    format!(
        "{run_line} server_cpu_us={} front_cpu_us={} wrk_cpu_us={} other_load_pct={}",
        server_us / requests,
        front_us / requests,
        wrk_us / requests,
        100 * other_us / total_us
    )
}

/// The line with the median requests/s (the lower middle of an even count).
pub fn median(lines: &[String]) -> String {
    let mut sorted: Vec<&String> = lines.iter().collect();
    sorted.sort_by(|a, b| {
        let rps = |l: &str| field(l, "rps").and_then(|v| v.parse::<f64>().ok()).unwrap_or(0.0);
        rps(a).total_cmp(&rps(b))
    });
    sorted.get(lines.len().saturating_sub(1) / 2).map(|l| l.to_string()).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    const LINE: &str = "BENCH requests=1000 duration_us=1000000 rps=1000.0 p50_us=900 p99_us=4000 max_us=9000 \
                        connect=0 read=0 write=0 status=0 timeout=0";

    #[test]
    fn fields_are_read_by_exact_name() {
        assert_eq!(field(LINE, "rps"), Some("1000.0"));
        assert_eq!(field(LINE, "p99_us"), Some("4000"));
        assert_eq!(field(LINE, "p9"), None);
        assert_eq!(number(LINE, "rps"), 1000);
    }

    #[test]
    fn a_run_with_errors_or_non_2xx_answers_fails_naming_them() {
        assert_eq!(wrk_result("hit", LINE).unwrap(), LINE);
        let non_2xx = format!("  Non-2xx or 3xx responses: 3\n{LINE}");
        assert!(wrk_result("hit", &non_2xx).unwrap_err().to_string().starts_with("hit: some answers were not 2xx"));
        let read = LINE.replace("read=0", "read=2");
        assert!(wrk_result("miss", &read).unwrap_err().to_string().starts_with("miss: wrk reported read errors"));
        assert!(wrk_result("x", "nothing").unwrap_err().to_string().starts_with("x: no result line from wrk"));
        let none = LINE.replace("requests=1000", "requests=0");
        assert_eq!(wrk_result("x", &none).unwrap_err().to_string(), "x: no request completed");
    }

    #[test]
    fn cpu_is_per_request_and_other_load_a_share_of_the_machine() {
        let before = Sample { server: 100, front: 50, wrk_us: 1_000, busy: 1_000, total: 5_000 };
        let after = Sample { server: 150, front: 70, wrk_us: 201_000, busy: 1_100, total: 5_200 };
        // tick 10 ms: server 500 ms, front 200 ms, wrk 200 ms, busy 1 s of 2 s: other 300 ms = 15 %.
        let line = with_cpu(LINE, before, after, 10_000);
        assert!(line.starts_with(LINE));
        assert!(line.ends_with(" server_cpu_us=500 front_cpu_us=200 wrk_cpu_us=200 other_load_pct=15"), "{line}");
    }

    #[test]
    fn the_median_is_the_lower_middle_by_requests_per_second() {
        let line = |rps: &str| format!("BENCH rps={rps} id={rps}");
        assert_eq!(median(&[line("3.0"), line("1.0"), line("2.0")]), line("2.0"));
        assert_eq!(median(&[line("4.0"), line("1.0"), line("3.0"), line("2.0")]), line("2.0"));
        assert_eq!(median(&[line("7.5")]), line("7.5"));
    }

    #[test]
    fn this_process_has_cpu_ticks_and_the_machine_is_busy_some_of_the_time() {
        assert!(cpu_ticks(&[std::process::id()]).is_ok());
        let (busy, total) = machine_ticks().unwrap();
        assert!(busy <= total && total > 0);
        assert!(tick_us() > 0);
    }
}
