//! The dependency checks (`scripts/audit.sh`, README Security): a known advisory in a
//! dependency fails the run unless the reviewed allow-list explains it, and an advisory service
//! that cannot answer is reported as "skipped: no advisory service", never as passed.
//!
//! The real tools run on the repository's real lock files: `npm audit` (feature `node`)
//! against an advisory endpoint on 127.0.0.1 (npm asks `$npm_config_registry`), `pip-audit`
//! (feature `python`; audit.sh installs its pinned version into target/tools on first use)
//! against an OSV endpoint on 127.0.0.1 (`CARDMESH_AUDIT_OSV_URL`). The endpoint answers an
//! advisory for a dependency each lock really holds (`@grpc/grpc-js`, `grpcio`), nothing, or
//! an error. audit.sh reads the reports with Python, so every test here needs it.

use std::fs::File;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Duration;

use axum::http::StatusCode;
use axum::routing::{get, post};
use axum::{Json, Router};
use cardmesh_tests::Wait;
use serde_json::{json, Value};

/// First use installs pip-audit from PyPI into target/tools; every later run takes seconds.
const AUDIT_DEADLINE: Duration = Duration::from_secs(10 * 60);

/// What the advisory endpoint answers.
#[derive(Clone, Copy)]
enum Answer {
    /// One advisory, for a package the lock files hold.
    Advisory,
    /// No advisory for anything.
    Nothing,
    /// 503: the service cannot answer.
    Unavailable,
}

const NPM_ADVISORY: &str = "GHSA-2222-3333-4444";
const NPM_PACKAGE: &str = "@grpc/grpc-js";
const PYPI_ADVISORY: &str = "GHSA-5555-6666-7777";
const PYPI_PACKAGE: &str = "grpcio";

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).parent().expect("tests/ has a parent").to_path_buf()
}

/// npm's bulk advisory endpoint and OSV's query endpoint, answering `answer`; the address.
async fn advisory_service(answer: Answer) -> SocketAddr {
    let npm = move || async move {
        match answer {
            Answer::Advisory => (
                StatusCode::OK,
                Json(json!({ NPM_PACKAGE: [{
                    "id": 1_000_424_242,
                    "url": format!("https://github.com/advisories/{NPM_ADVISORY}"),
                    "title": "a test advisory",
                    "severity": "high",
                    "vulnerable_versions": "<99.0.0",
                    "cwe": ["CWE-400"],
                    "cvss": { "score": 7.5, "vectorString": null },
                }]})),
            ),
            Answer::Nothing => (StatusCode::OK, Json(json!({}))),
            Answer::Unavailable => (StatusCode::SERVICE_UNAVAILABLE, Json(json!({}))),
        }
    };
    // pip-audit posts its JSON query without a content type.
    let osv = move |body: String| async move {
        let query: Value = serde_json::from_str(&body).unwrap_or_default();
        let package = query["package"]["name"].as_str().unwrap_or_default().to_owned();
        match answer {
            Answer::Advisory if package == PYPI_PACKAGE => (
                StatusCode::OK,
                Json(json!({ "vulns": [{
                    "id": PYPI_ADVISORY,
                    "aliases": ["CVE-2099-0001"],
                    "summary": "a test advisory",
                    "affected": [{
                        "package": { "name": PYPI_PACKAGE, "ecosystem": "PyPI" },
                        "ranges": [{ "type": "ECOSYSTEM", "events": [{ "introduced": "0" }, { "fixed": "99.0.0" }] }],
                    }],
                }]})),
            ),
            Answer::Advisory | Answer::Nothing => (StatusCode::OK, Json(json!({}))),
            Answer::Unavailable => (StatusCode::SERVICE_UNAVAILABLE, Json(json!({}))),
        }
    };
    let app = Router::new()
        .route("/-/npm/v1/security/advisories/bulk", post(npm))
        .route("/v1/query", post(osv))
        // npm looks up the packuments of vulnerable packages to suggest fixes.
        .fallback(get(|| async { StatusCode::NOT_FOUND }));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let addr = listener.local_addr().expect("local addr");
    tokio::spawn(async move { axum::serve(listener, app).await });
    addr
}

/// An allow-list file with these `[[ecosystem]]` entries (id, package).
fn allow_list(name: &str, entries: &[(&str, &str, &str)]) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("audit-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("scratch");
    let path = dir.join(format!("{name}.toml"));
    let text: String = entries
        .iter()
        .map(|(ecosystem, id, package)| {
            format!(
                "[[{ecosystem}]]\nid = \"{id}\"\npackage = \"{package}\"\n\
                 reason = \"a test: the advisory is made up\"\nreviewed = 2026-12-06\n"
            )
        })
        .collect();
    std::fs::write(&path, text).expect("allow-list");
    path
}

/// Runs `scripts/audit.sh --only ECOSYSTEM` with `env`; its exit code and standard output.
async fn audit(ecosystem: &'static str, env: Vec<(&'static str, String)>) -> (i32, String) {
    tokio::task::spawn_blocking(move || {
        let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("audit-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("scratch");
        let (out, err) = (dir.join(format!("{ecosystem}.out")), dir.join(format!("{ecosystem}.err")));
        let mut child = Command::new("bash")
            .arg(root().join("scripts/audit.sh"))
            .args(["--only", ecosystem])
            .envs(env)
            .stdin(Stdio::null())
            .stdout(File::create(&out).expect("stdout file"))
            .stderr(File::create(&err).expect("stderr file"))
            .spawn()
            .expect("run scripts/audit.sh");
        let status = Wait::new("scripts/audit.sh to finish", AUDIT_DEADLINE)
            .every(Duration::from_millis(100))
            .until_blocking(|| child.try_wait().expect("poll audit.sh"));
        let stdout = std::fs::read_to_string(&out).unwrap_or_default();
        let stderr = std::fs::read_to_string(&err).unwrap_or_default();
        (status.code().expect("an exit code"), format!("{stdout}\n--- stderr\n{stderr}"))
    })
    .await
    .expect("the audit thread")
}

/// The verdict line of `ecosystem` in audit.sh's summary.
fn verdict<'a>(output: &'a str, ecosystem: &str) -> &'a str {
    let summary = output.split("==== dependency checks").nth(1).unwrap_or_else(|| panic!("no summary:\n{output}"));
    summary
        .lines()
        .find(|line| line.trim_start().starts_with(ecosystem))
        .unwrap_or_else(|| panic!("no {ecosystem} verdict:\n{output}"))
        .trim()
}

/// The three outcomes of one ecosystem, each through the real tool and audit.sh.
async fn findings_fail_unless_allowed_and_no_service_is_skipped(
    ecosystem: &'static str,
    registry_env: &'static str,
    registry: fn(SocketAddr) -> String,
    (advisory, package): (&str, &str),
) {
    let empty = allow_list(&format!("{ecosystem}-empty"), &[]);
    // npm keeps what it worked out of an advisory in its cache: one of its own per run, so
    // that neither a user's cache nor an earlier run has a say.
    let scratch = Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("audit-{}", std::process::id()));
    let mut runs = 0;
    let mut env = |addr: SocketAddr, allow: &Path| {
        runs += 1;
        vec![
            (registry_env, registry(addr)),
            ("CARDMESH_AUDIT_ALLOW", allow.display().to_string()),
            ("npm_config_cache", scratch.join(format!("{ecosystem}-npm-cache-{runs}")).display().to_string()),
        ]
    };

    // A finding fails the run, naming the advisory and the package.
    let service = advisory_service(Answer::Advisory).await;
    let (code, output) = audit(ecosystem, env(service, &empty)).await;
    assert_eq!(code, 1, "{output}");
    let line = verdict(&output, ecosystem);
    assert!(line.contains("FAILED: 1 advisory not in the allow-list"), "{line}\n{output}");
    // pip-audit may name the advisory by an alias first (a CVE); the line lists them all.
    let finding = output.lines().find(|l| l.trim_start().starts_with("FINDING")).unwrap_or_else(|| panic!("{output}"));
    assert!(finding.contains(advisory) && finding.contains(&format!(" in {package} ")), "{finding}\n{output}");

    // The same finding, explained by a reviewed entry: the run passes and says so.
    let allow = allow_list(&format!("{ecosystem}-allowed"), &[(ecosystem, advisory, package)]);
    let (code, output) = audit(ecosystem, env(service, &allow)).await;
    assert_eq!(code, 0, "{output}");
    assert!(verdict(&output, ecosystem).contains("passed:"), "{output}");
    assert!(verdict(&output, ecosystem).contains("1 allowed"), "{output}");
    assert!(output.contains(&format!(" in {package}: a test: the advisory is made up")), "{output}");

    // No advisory at all: passed.
    let (code, output) = audit(ecosystem, env(advisory_service(Answer::Nothing).await, &empty)).await;
    assert_eq!(code, 0, "{output}");
    assert!(verdict(&output, ecosystem).contains("passed:"), "{output}");

    // The service cannot answer: skipped, never passed, and the run does not fail for it.
    let (code, output) = audit(ecosystem, env(advisory_service(Answer::Unavailable).await, &empty)).await;
    assert_eq!(code, 0, "{output}");
    let line = verdict(&output, ecosystem);
    assert!(line.contains("skipped: no advisory service") && !line.contains("passed"), "{line}\n{output}");
}

#[cfg(feature = "node")]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn npm_advisories_fail_the_audit_unless_allow_listed_and_no_service_is_skipped_not_passed() {
    cardmesh_tests::require::node();
    // audit.sh reads npm's reports with Python.
    cardmesh_tests::require::python();
    findings_fail_unless_allowed_and_no_service_is_skipped(
        "npm",
        "npm_config_registry",
        |addr| format!("http://{addr}/"),
        (NPM_ADVISORY, NPM_PACKAGE),
    )
    .await;
}

#[cfg(feature = "python")]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pypi_advisories_fail_the_audit_unless_allow_listed_and_no_service_is_skipped_not_passed() {
    cardmesh_tests::require::python();
    findings_fail_unless_allowed_and_no_service_is_skipped(
        "pypi",
        "CARDMESH_AUDIT_OSV_URL",
        |addr| format!("http://{addr}/v1/query"),
        (PYPI_ADVISORY, PYPI_PACKAGE),
    )
    .await;
}

#[cfg(feature = "python")]
#[test]
fn a_bad_allow_list_entry_is_refused_naming_what_it_lacks() {
    cardmesh_tests::require::python();
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("audit-allow-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("scratch");
    let check = |text: &str| {
        let path = dir.join("allow.toml");
        std::fs::write(&path, text).expect("allow-list");
        let out = Command::new("python3")
            .arg(root().join("scripts/lib/audit_report.py"))
            .arg("check-allow")
            .arg(&path)
            .output()
            .expect("python3 runs scripts/lib/audit_report.py");
        (out.status.code(), String::from_utf8_lossy(&out.stdout).into_owned())
    };
    // The repository's own allow-list is valid.
    let out = Command::new("python3")
        .arg(root().join("scripts/lib/audit_report.py"))
        .args(["check-allow", "audit-allow.toml"])
        .current_dir(root())
        .output()
        .expect("python3");
    assert!(out.status.success(), "audit-allow.toml: {}", String::from_utf8_lossy(&out.stdout));

    let (code, out) = check("[[npm]]\nid = \"GHSA-x\"\npackage = \"p\"\nreviewed = 2026-12-06\n");
    assert_eq!(code, Some(2), "{out}");
    assert!(out.contains("[[npm]] entry 1") && out.contains("'reason'"), "{out}");
    let (code, out) = check("[[pypi]]\nid = \"X\"\npackage = \"p\"\nreason = \" \"\nreviewed = 2026-12-06\n");
    assert_eq!(code, Some(2), "{out}");
    assert!(out.contains("`reason` must be a non-empty string"), "{out}");
    let (code, out) = check("[[npm]]\nid = \"X\"\npackage = \"p\"\nreason = \"r\"\nreviewed = \"soon\"\n");
    assert_eq!(code, Some(2), "{out}");
    assert!(out.contains("`reviewed` must be a date"), "{out}");
    let (code, out) = check("[[cargo]]\nid = \"X\"\n");
    assert_eq!(code, Some(2), "{out}");
    assert!(out.contains("unknown table(s) ['cargo']"), "{out}");
}
