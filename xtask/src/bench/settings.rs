//! The environment of `cargo xtask bench` (all optional):
//!
//! | variable | what | default |
//! | --- | --- | --- |
//! | `BENCH_DURATION` | wrk duration of each measured run (s or m suffix) | 8s |
//! | `BENCH_WARMUP` | wrk warm-up run before each first-round run | 2s |
//! | `BENCH_CONNECTIONS` | wrk connections | 64 |
//! | `BENCH_THREADS` | wrk threads | 2 |
//! | `BENCH_ROUNDS` | rounds of every scenario; the median is kept | 3 |
//! | `BENCH_RUST_LOG` | `RUST_LOG` of the gateways and the services | info, as in production |
//! | `BENCH_STRICT=1` | exit 3 when a target is missed | off |
//! | `BENCH_ONLY` | comma-separated scenarios to run; the report then shows only those, and no ratios | all |
//! | `BENCH_NO_BUILD=1` | use the existing release binaries | off |
//! | `KEEP_TMP=1` | keep the temporary directory (logs, wrk script, answer file) | off |

/// The settings of a run.
#[derive(Debug)]
pub struct Settings {
    /// As given (wrk reads it), and in seconds.
    pub duration: String,
    pub duration_s: u64,
    pub warmup: String,
    pub warmup_s: u64,
    pub rounds: u32,
    pub connections: u32,
    pub threads: u32,
    pub log_level: String,
    pub strict: bool,
    pub only: Option<String>,
    pub no_build: bool,
    pub keep_tmp: bool,
}

/// "10s", "2m" or "15" -> whole seconds.
pub fn seconds_of(text: &str) -> anyhow::Result<u64> {
    let bad = || anyhow::anyhow!("bad duration '{text}' (use e.g. 10s or 1m)");
    if text.is_empty() || !text.chars().all(|c| c.is_ascii_digit() || "smSM".contains(c)) {
        return Err(bad());
    }
    let (digits, factor) = match text.chars().last() {
        Some('m' | 'M') => (&text[..text.len() - 1], 60),
        Some('s' | 'S') => (&text[..text.len() - 1], 1),
        _ => (text, 1),
    };
    digits.parse::<u64>().map(|n| n * factor).map_err(|_| bad())
}

impl Settings {
    /// From the environment `var` gives; errors say what each variable takes.
    pub fn from(var: impl Fn(&str) -> Option<String>) -> anyhow::Result<Settings> {
        let or = |name: &str, default: &str| var(name).filter(|v| !v.is_empty()).unwrap_or_else(|| default.to_owned());
        let duration = or("BENCH_DURATION", "8s");
        let warmup = or("BENCH_WARMUP", "2s");
        let duration_s = seconds_of(&duration)?;
        let warmup_s = seconds_of(&warmup)?;
        anyhow::ensure!((1..=600).contains(&duration_s), "BENCH_DURATION must be between 1s and 10m");
        anyhow::ensure!((1..=60).contains(&warmup_s), "BENCH_WARMUP must be between 1s and 1m");
        let number = |name: &str, default: &str| {
            or(name, default)
                .parse::<u32>()
                .map_err(|_| anyhow::anyhow!("BENCH_CONNECTIONS, BENCH_THREADS and BENCH_ROUNDS must be numbers"))
        };
        let (connections, threads, rounds) =
            (number("BENCH_CONNECTIONS", "64")?, number("BENCH_THREADS", "2")?, number("BENCH_ROUNDS", "3")?);
        anyhow::ensure!((1..=10).contains(&rounds), "BENCH_ROUNDS must be between 1 and 10");
        anyhow::ensure!(
            threads >= 1 && connections >= threads,
            "need BENCH_THREADS >= 1 and BENCH_CONNECTIONS >= BENCH_THREADS"
        );
        Ok(Settings {
            duration,
            duration_s,
            warmup,
            warmup_s,
            rounds,
            connections,
            threads,
            log_level: or("BENCH_RUST_LOG", "info"),
            strict: var("BENCH_STRICT").as_deref() == Some("1"),
            only: var("BENCH_ONLY").filter(|v| !v.is_empty()),
            no_build: var("BENCH_NO_BUILD").as_deref() == Some("1"),
            keep_tmp: var("KEEP_TMP").as_deref() == Some("1"),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn settings(vars: &[(&str, &str)]) -> anyhow::Result<Settings> {
        let vars: HashMap<String, String> = vars.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
        Settings::from(|name| vars.get(name).cloned())
    }

    #[test]
    fn durations_take_seconds_or_minutes() {
        assert_eq!(seconds_of("10s").unwrap(), 10);
        assert_eq!(seconds_of("2m").unwrap(), 120);
        assert_eq!(seconds_of("15").unwrap(), 15);
        assert_eq!(seconds_of("1h").unwrap_err().to_string(), "bad duration '1h' (use e.g. 10s or 1m)");
        assert!(seconds_of("").is_err() && seconds_of("s").is_err());
    }

    #[test]
    fn the_defaults_and_the_limits_are_the_scripts() {
        let s = settings(&[]).unwrap();
        assert_eq!(
            (s.duration.as_str(), s.warmup.as_str(), s.rounds, s.connections, s.threads),
            ("8s", "2s", 3, 64, 2)
        );
        assert_eq!(s.log_level, "info");
        assert!(!s.strict && !s.no_build && !s.keep_tmp && s.only.is_none());
        let error = |vars: &[(&str, &str)]| settings(vars).unwrap_err().to_string();
        assert_eq!(error(&[("BENCH_DURATION", "11m")]), "BENCH_DURATION must be between 1s and 10m");
        assert_eq!(error(&[("BENCH_WARMUP", "0s")]), "BENCH_WARMUP must be between 1s and 1m");
        assert_eq!(error(&[("BENCH_ROUNDS", "11")]), "BENCH_ROUNDS must be between 1 and 10");
        assert_eq!(
            error(&[("BENCH_THREADS", "x")]),
            "BENCH_CONNECTIONS, BENCH_THREADS and BENCH_ROUNDS must be numbers"
        );
        assert_eq!(
            error(&[("BENCH_THREADS", "4"), ("BENCH_CONNECTIONS", "2")]),
            "need BENCH_THREADS >= 1 and BENCH_CONNECTIONS >= BENCH_THREADS"
        );
        let short = settings(&[("BENCH_DURATION", "1s"), ("BENCH_WARMUP", "1s"), ("BENCH_ROUNDS", "1")]).unwrap();
        assert_eq!((short.duration_s, short.rounds), (1, 1));
    }
}
