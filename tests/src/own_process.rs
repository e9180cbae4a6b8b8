//! Tests that install process-wide state (a global tracing subscriber, the gateway's
//! telemetry: tracer and tracing switch) run in a process of their own. The integration
//! tests are one binary whose tests run in parallel threads of one process, where a global
//! subscriber would also collect every other test's logs and spans, and only the first test
//! to install one would succeed.

use std::process::Command;

/// The variable that tells a child process which test it is there for.
const CHILD: &str = "CARDMESH_TEST_OWN_PROCESS";

/// Makes the calling test run in a process of its own; call it first thing in the test.
///
/// In the test binary's process it runs the binary again for exactly this test, shows that
/// run's output, fails if the test failed there, and returns `false`: the caller returns.
/// In the child process it returns `true`: the caller goes on with the test.
///
/// `module` is the caller's `module_path!()`, `test` its function name.
pub fn in_own_process(module: &str, test: &str) -> bool {
    // libtest names tests by their path below the crate root.
    let name = match module.split_once("::") {
        Some((_crate, path)) => format!("{path}::{test}"),
        None => test.to_owned(),
    };
    if std::env::var(CHILD).is_ok_and(|child| child == name) {
        return true;
    }
    let binary = std::env::current_exe().expect("the test binary's path");
    let out = Command::new(&binary)
        .args([name.as_str(), "--exact", "--nocapture", "--test-threads=1"])
        .env(CHILD, &name)
        .output()
        .unwrap_or_else(|e| panic!("cannot run {} for {name}: {e}", binary.display()));
    let (stdout, stderr) = (String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    eprintln!("----- {name}, in a process of its own -----\n{stdout}{stderr}");
    assert!(out.status.success(), "{name} failed in its own process ({})", out.status);
    // A name that matches no test runs nothing, successfully: make sure it ran.
    assert!(stdout.contains("test result: ok. 1 passed"), "{name} did not run in its own process");
    false
}
