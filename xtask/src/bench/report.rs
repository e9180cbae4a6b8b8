//! The printed report of `cargo xtask bench`: the table of the scenarios' medians, each
//! gateway's ratio against its anchor with its target, peak RSS against its budget, and last
//! the machine-readable `RESULT key=value ...` line, whose field names are compared across
//! commits in dev-docs/performance.md (keep them).

use super::measure::field;

/// The scenarios in the order each round runs them: name and label.
pub const SCENARIOS: [(&str, &str); 8] = [
    ("ceiling", "ceiling: static axum, same bytes"),
    ("redis_anchor", "anchor: HMAC + one Redis GET"),
    ("redis_only", "gateway R, hits from Redis only"),
    ("cluster_only", "gateway K, hits from Redis Cluster"),
    ("tls_only", "gateway T, hits from TLS Redis"),
    ("hit", "gateway A, near-cache hits"),
    ("fanout_anchor", "anchor: HMAC + 3 tonic calls"),
    ("miss", "gateway B, cache off (3 services)"),
];

/// Peak RSS (VmHWM, KiB) of the gateways.
#[derive(Clone, Copy, Debug)]
pub struct Rss {
    pub a: u64,
    pub r: u64,
    pub k: u64,
    pub t: u64,
    pub b: u64,
}

/// Everything the report shows.
pub struct Report<'a> {
    pub nproc: usize,
    pub arch: &'a str,
    pub threads: u32,
    pub connections: u32,
    pub duration: &'a str,
    pub rounds: u32,
    pub log_level: &'a str,
    /// The scenarios run, in order: name and median result line.
    pub results: Vec<(&'static str, String)>,
    /// BENCH_ONLY: the table only.
    pub only: bool,
    pub rss: Rss,
    /// Keys Redis served during the cache-hit runs.
    pub redis_hits: i64,
    /// What render_cost printed.
    pub render: &'a str,
}

/// The scenario's label in the report.
pub(super) fn label(name: &str) -> &'static str {
    SCENARIOS.iter().find(|(n, _)| *n == name).map_or("", |(_, l)| l)
}

fn ms(us: &str) -> String {
    format!("{:.2}", us.parse::<f64>().unwrap_or(0.0) / 1000.0)
}

fn mib(kb: u64) -> String {
    format!("{:.1} MiB", kb as f64 / 1024.0)
}

impl Report<'_> {
    fn result(&self, name: &str) -> &str {
        self.results.iter().find(|(n, _)| *n == name).map_or("", |(_, r)| r.as_str())
    }

    /// A's KEY over B's, two decimals.
    fn ratio(&self, a: &str, b: &str, key: &str) -> String {
        let value = |name| field(self.result(name), key).and_then(|v| v.parse::<f64>().ok()).unwrap_or(0.0);
        format!("{:.2}", value(a) / value(b))
    }

    /// The report, and the names of the targets missed.
    pub fn text(&self) -> (String, Vec<&'static str>) {
        let mut out = String::new();
        let mut line = |text: String| {
            out.push_str(&text);
            out.push('\n');
        };
        line(String::new());
        line(format!(
            "cardmesh benchmark: {} CPUs ({}), wrk -t{} -c{} -d{}, median of {} round(s), RUST_LOG={}",
            self.nproc, self.arch, self.threads, self.connections, self.duration, self.rounds, self.log_level
        ));
        line("one run on one machine: wrk, Redis, the services and the servers share its CPUs".into());
        line(String::new());
        let columns = |c: [&str; 8]| {
            format!("{:<36} {:>9} {:>8} {:>8} {:>10} {:>8} {:>8} {:>7}", c[0], c[1], c[2], c[3], c[4], c[5], c[6], c[7])
        };
        line(columns(["scenario", "req/s", "p50 ms", "p99 ms", "server", "of which", "wrk", "other"]));
        line(columns(["", "", "", "", "CPU us/req", "front", "us/req", "load"]));
        for (name, r) in &self.results {
            let f = |k| field(r, k).unwrap_or("");
            let rps = format!("{:.0}", f("rps").parse::<f64>().unwrap_or(0.0));
            let other = format!("{}%", f("other_load_pct"));
            line(columns([
                label(name),
                &rps,
                &ms(f("p50_us")),
                &ms(f("p99_us")),
                f("server_cpu_us"),
                f("front_cpu_us"),
                f("wrk_cpu_us"),
                &other,
            ]));
        }
        if self.only {
            return (out, Vec::new());
        }
        line(String::new());
        let mut below = Vec::new();
        let mut target =
            |name: &'static str, text: &str, value: f64, shown: String, op: &str, goal: f64, goal_shown: &str| {
                let pass = if op == ">=" { value >= goal } else { value <= goal };
                if !pass {
                    below.push(name);
                }
                let verdict = if pass { "PASS" } else { "BELOW" };
                format!("{text:<48} {shown:>9}  (target {op} {goal_shown}: {verdict})")
            };
        let r_redis = self.ratio("redis_only", "redis_anchor", "rps");
        let r_near = self.ratio("hit", "redis_anchor", "rps");
        let r_miss = self.ratio("miss", "fanout_anchor", "rps");
        let r_p99 = self.ratio("miss", "fanout_anchor", "p99_us");
        let r_ceiling = self.ratio("hit", "ceiling", "rps");
        let r_cluster = self.ratio("cluster_only", "redis_only", "rps");
        let r_tls = self.ratio("tls_only", "redis_only", "rps");
        let num = |r: &str| r.parse::<f64>().unwrap_or(f64::NAN);
        let mut lines = vec![
            target(
                "redis_only",
                "hits from Redis only / redis anchor, req/s",
                num(&r_redis),
                format!("{r_redis}x"),
                ">=",
                0.85,
                "0.85x",
            ),
            target(
                "near",
                "near-cache hits / redis anchor, req/s",
                num(&r_near),
                format!("{r_near}x"),
                ">=",
                0.90,
                "0.90x",
            ),
            target("miss", "misses / fan-out anchor, req/s", num(&r_miss), format!("{r_miss}x"), ">=", 0.85, "0.85x"),
            target("miss_p99", "misses / fan-out anchor, p99", num(&r_p99), format!("{r_p99}x"), "<=", 1.20, "1.20x"),
            target(
                "cluster",
                "Redis Cluster hits / plain Redis hits, req/s",
                num(&r_cluster),
                format!("{r_cluster}x"),
                ">=",
                0.90,
                "0.90x",
            ),
            target(
                "tls",
                "TLS Redis hits / plain Redis hits, req/s",
                num(&r_tls),
                format!("{r_tls}x"),
                ">=",
                0.80,
                "0.80x",
            ),
        ];
        lines.push(format!("{:<48} {:>9}", "near-cache hits / ceiling, req/s", format!("{r_ceiling}x")));
        let rss = self.rss;
        let rss_hit = rss.a.max(rss.r).max(rss.k).max(rss.t);
        lines.push(target(
            "rss_hit",
            "peak RSS, hit path (gateways A, R, K, T)",
            rss_hit as f64,
            mib(rss_hit),
            "<=",
            (32 * 1024) as f64,
            "32 MiB",
        ));
        lines.push(format!(
            "{:<48} A {}, R {}, K {}, T {}",
            "  of which, by gateway",
            mib(rss.a),
            mib(rss.r),
            mib(rss.k),
            mib(rss.t)
        ));
        lines.push(target(
            "rss_miss",
            "peak RSS, miss path (gateway B)",
            rss.b as f64,
            mib(rss.b),
            "<=",
            (48 * 1024) as f64,
            "48 MiB",
        ));
        for text in lines {
            line(text);
        }
        line("server CPU: per request in the measured run, of the server and what it calls (Redis, the".into());
        line("  card servers); of which front: the server alone (the gateway or the anchor's front).".into());
        line("  other load: share of the machine used by anything else meanwhile; above a few % the".into());
        line("  figures are disturbed.".into());
        line(format!(
            "cache-hit runs: Redis served {} keys; no card was drawn and no context asked twice",
            self.redis_hits
        ));
        if self
            .results
            .iter()
            .any(|(_, r)| field(r, "other_load_pct").and_then(|v| v.parse::<i64>().ok()).unwrap_or(0) > 10)
        {
            line("WARNING: something else used over 10 % of the machine during a run; rerun on a quiet machine".into());
        }
        line(String::new());
        for text in self.render.lines().filter(|l| !l.starts_with("RESULT")) {
            line(text.to_owned());
        }
        line(String::new());
        let mut figures = String::new();
        for (name, r) in &self.results {
            for k in ["rps", "p50_us", "p99_us", "server_cpu_us", "front_cpu_us", "wrk_cpu_us", "other_load_pct"] {
                figures.push_str(&format!(" {name}_{k}={}", field(r, k).unwrap_or("")));
            }
        }
        let render: Vec<&str> = self.render.lines().filter_map(|l| l.strip_prefix("RESULT ")).collect();
        line(format!(
            "RESULT nproc={} threads={} connections={} duration={} rounds={}{figures} redis_only_ratio={r_redis} \
             cluster_ratio={r_cluster} tls_ratio={r_tls} near_ratio={r_near} miss_ratio={r_miss} \
             miss_p99_ratio={r_p99} peak_rss_hit_kb={rss_hit} peak_rss_a_kb={} peak_rss_r_kb={} peak_rss_k_kb={} \
             peak_rss_t_kb={} peak_rss_miss_kb={} {} below={}",
            self.nproc,
            self.threads,
            self.connections,
            self.duration,
            self.rounds,
            rss.a,
            rss.r,
            rss.k,
            rss.t,
            rss.b,
            render.join("\n"),
            below.join(" ")
        ));
        (out, below)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn result(rps: f64, p99: u32, other: u32) -> String {
        format!(
            "BENCH requests=1000 duration_us=1000000 rps={rps:.1} p50_us=1500 p99_us={p99} max_us=9000 connect=0 read=0 \
             write=0 status=0 timeout=0 server_cpu_us=120 front_cpu_us=80 wrk_cpu_us=30 other_load_pct={other}"
        )
    }

    fn report(only: bool) -> (String, Vec<&'static str>) {
        let rps = [10000.0, 5000.0, 4500.0, 4200.0, 3500.0, 4800.0, 3000.0, 2400.0];
        let results = SCENARIOS.iter().zip(rps).map(|((name, _), rps)| (*name, result(rps, 4000, 1))).collect();
        Report {
            nproc: 2,
            arch: "x86_64",
            threads: 2,
            connections: 64,
            duration: "8s",
            rounds: 3,
            log_level: "info",
            results,
            only,
            rss: Rss { a: 20480, r: 18432, k: 19456, t: 21504, b: 51200 },
            redis_hits: 12345,
            render: "render_cost: 4 cards, 12.0 us each\nRESULT render_us=12",
        }
        .text()
    }

    #[test]
    fn the_table_has_a_row_per_scenario_in_the_scripts_columns() {
        let (text, _) = report(true);
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(
            lines[1],
            "cardmesh benchmark: 2 CPUs (x86_64), wrk -t2 -c64 -d8s, median of 3 round(s), RUST_LOG=info"
        );
        assert_eq!(
            lines[4],
            "scenario                                 req/s   p50 ms   p99 ms     server of which      wrk   other"
        );
        assert_eq!(
            lines[5],
            "                                                                 CPU us/req    front   us/req    load"
        );
        assert_eq!(
            lines[6],
            "ceiling: static axum, same bytes         10000     1.50     4.00        120       80       30      1%"
        );
        assert_eq!(lines.len(), 14, "no targets and no RESULT line with BENCH_ONLY: {text}");
    }

    #[test]
    fn targets_rss_and_the_result_line_keep_their_names() {
        let (text, below) = report(false);
        assert!(
            text.contains("\nhits from Redis only / redis anchor, req/s           0.90x  (target >= 0.85x: PASS)\n"),
            "{text}"
        );
        assert!(
            text.contains("\nnear-cache hits / redis anchor, req/s                0.96x  (target >= 0.90x: PASS)\n"),
            "{text}"
        );
        assert!(
            text.contains("\nmisses / fan-out anchor, req/s                       0.80x  (target >= 0.85x: BELOW)\n"),
            "{text}"
        );
        assert!(
            text.contains("\nTLS Redis hits / plain Redis hits, req/s             0.78x  (target >= 0.80x: BELOW)\n"),
            "{text}"
        );
        assert!(
            text.contains("\npeak RSS, miss path (gateway B)                   50.0 MiB  (target <= 48 MiB: BELOW)\n"),
            "{text}"
        );
        assert!(text.contains(
            "\n  of which, by gateway                           A 20.0 MiB, R 18.0 MiB, K 19.0 MiB, T 21.0 MiB\n"
        ));
        assert!(text.contains("\nrender_cost: 4 cards, 12.0 us each\n"));
        assert_eq!(below, ["miss", "tls", "rss_miss"]);
        let result = text.lines().last().unwrap();
        // `below` is last: its value lists the missed targets, space-separated (as the script wrote it).
        let (fields, below_value) = result.split_once(" below=").unwrap();
        assert_eq!(below_value, "miss tls rss_miss");
        let names: Vec<&str> = fields.split_whitespace().skip(1).map(|kv| kv.split('=').next().unwrap()).collect();
        let mut expected = vec!["nproc", "threads", "connections", "duration", "rounds"];
        let per_scenario: Vec<String> = SCENARIOS
            .iter()
            .flat_map(|(n, _)| {
                ["rps", "p50_us", "p99_us", "server_cpu_us", "front_cpu_us", "wrk_cpu_us", "other_load_pct"]
                    .map(|k| format!("{n}_{k}"))
            })
            .collect();
        expected.extend(per_scenario.iter().map(String::as_str));
        expected.extend([
            "redis_only_ratio",
            "cluster_ratio",
            "tls_ratio",
            "near_ratio",
            "miss_ratio",
            "miss_p99_ratio",
            "peak_rss_hit_kb",
            "peak_rss_a_kb",
            "peak_rss_r_kb",
            "peak_rss_k_kb",
            "peak_rss_t_kb",
            "peak_rss_miss_kb",
            "render_us",
        ]);
        assert_eq!(names, expected);
        assert!(result.starts_with("RESULT nproc=2 threads=2 connections=64 duration=8s rounds=3 ceiling_rps=10000.0 "));
        assert!(result.ends_with(" peak_rss_miss_kb=51200 render_us=12 below=miss tls rss_miss"), "{result}");
    }
}
