//! The `cardmesh-gateway sign` and `validate` commands of the book (every page of `docs/src/`)
//! and of the README, run as written. They are read from the Markdown, so a change to a
//! documented command is tested. The README's other commands are the first-run ones
//! (`first_run.rs` runs them; the book's copies must say the same) and `cargo xtask test`.
//!
//! Every ```` ```sh ```` block is split into commands (backslash continuations joined). A
//! command that runs the gateway's `sign` or `validate` through `cargo run` is executed with
//! bash (`-o pipefail`, so a failing `cargo run` in a pipe fails it) in the repository root,
//! after the variable assignments that precede it in its document, as in one terminal that
//! a reader pastes the document's commands into. Commands piped to `sh` send
//! their request: they run against a gateway this test starts in front of the example
//! services, with the documented secrets, at the documented URL's path (only the port
//! differs). `cargo run` uses this test's target directory; the first run in a target
//! directory compiles the gateway once more with its own feature set.

use std::fs::File;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use cardmesh_gateway::config::{Secret, DEVELOPMENT_SECRET};
use cardmesh_tests::{gateway_config, ExampleServices, RunningGateway, Wait};

/// The book's pages, relative to the repository root.
const BOOK: &str = "docs/src";
/// The book's Quickstart, which holds the example curl and the sign and validate commands.
const QUICKSTART: &str = "docs/src/guides/quickstart.md";
/// The page whose table says where each error code is answered.
const ERROR_TABLE: &str = "docs/src/concepts/request-path.md";

/// The documents whose commands are run: the README, then every page of the book.
fn documents(root: &Path) -> Vec<String> {
    let mut docs = vec!["README.md".to_owned()];
    let mut dirs = vec![root.join(BOOK)];
    let mut pages = Vec::new();
    while let Some(dir) = dirs.pop() {
        for entry in std::fs::read_dir(&dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display())) {
            let path = entry.expect("a directory entry").path();
            if path.is_dir() {
                dirs.push(path);
            } else if path.extension().is_some_and(|e| e == "md") {
                pages.push(path.strip_prefix(root).expect("under the root").to_string_lossy().into_owned());
            }
        }
    }
    pages.sort();
    docs.extend(pages);
    docs
}
/// The URL the documented curls send to (the port `cargo xtask dev` and the guide use).
const DOCUMENTED_URL: &str = "http://127.0.0.1:8080/";
/// The other secret the guide signs with.
const GUIDE_SECRET: &str = "dev-secret";
/// Deadline of one command; the first `cargo run` may compile the gateway.
const COMMAND_DEADLINE: Duration = Duration::from_secs(20 * 60);

/// One command of a document: where it is, what precedes it, what it says.
#[derive(Debug)]
struct DocCommand {
    place: String,
    assignments: Vec<String>,
    text: String,
}

#[test]
fn every_documented_sign_and_validate_command_works_as_written() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).parent().expect("tests/ has a parent").to_path_buf();
    let commands: Vec<DocCommand> = documents(&root).iter().flat_map(|doc| gateway_commands(&root, doc)).collect();
    let in_quickstart =
        |what: &str| commands.iter().filter(|c| c.place.starts_with(QUICKSTART) && c.text.contains(what)).count();
    assert!(in_quickstart("-- sign") >= 3, "the Quickstart documents sign (signature, curl, sent): {commands:#?}");
    assert!(in_quickstart("-- validate") >= 2, "the Quickstart documents validate: {commands:#?}");
    assert!(
        commands.iter().any(|c| c.place.starts_with("docs/src/guides/adding") && c.text.contains("| sh")),
        "{commands:#?}"
    );

    let runtime = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().expect("runtime");
    let services = runtime.block_on(ExampleServices::start());
    let mut config = gateway_config(&services.endpoints());
    config.listen = "127.0.0.1:0".parse().expect("loopback");
    config.signing_secrets = vec![Secret::new(DEVELOPMENT_SECRET), Secret::new(GUIDE_SECRET)].into();
    let gateway = runtime.block_on(RunningGateway::start_ready(config));
    let url = gateway.url("/");

    let target = Path::new(env!("CARGO_TARGET_TMPDIR")).parent().expect("target/tmp has a parent").to_path_buf();
    for command in &commands {
        let started = Instant::now();
        let out = run(&root, &target, command, &url);
        eprintln!("{}: {:.1?}", command.place, started.elapsed());
        check_output(command, &out);
    }
    runtime.block_on(gateway.stop());
}

/// What a command must print: the verdict of `validate`, the answer of a sent request, a
/// curl, or a signature.
fn check_output(command: &DocCommand, out: &str) {
    let text = command.text.trim_end();
    let place = &command.place;
    if text.ends_with("-- validate") {
        assert!(out.contains("ok: the response follows Plain's card rules"), "{place}: `{text}` printed:\n{out}");
    } else if text.ends_with("| sh") {
        let answer: serde_json::Value = serde_json::from_str(out)
            .unwrap_or_else(|e| panic!("{place}: `{text}` printed no JSON answer ({e}):\n{out}"));
        let cards = answer["cards"].as_array().unwrap_or_else(|| panic!("{place}: not a card answer: {out}"));
        assert!(!cards.is_empty(), "{place}: {out}");
    } else if text.contains("--curl") {
        assert!(out.starts_with("curl "), "{place}: `{text}` printed:\n{out}");
        let signature = out.split("Plain-Request-Signature: ").nth(1).map(|s| &s[..64.min(s.len())]).unwrap_or("");
        assert!(is_signature(signature), "{place}: no signature in the curl:\n{out}");
    } else {
        assert!(is_signature(out.trim()), "{place}: `{text}` printed no signature:\n{out}");
    }
}

#[test]
fn the_quickstarts_example_curl_carries_the_signature_of_its_body() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).parent().expect("tests/ has a parent").to_path_buf();
    let page = std::fs::read_to_string(root.join(QUICKSTART)).expect(QUICKSTART);
    let quickstart = &page[page.find("# Quickstart").expect("a Quickstart")..];
    let curl = quickstart.split("```").find(|b| b.contains("Plain-Request-Signature: ")).expect("an example curl");
    let signature = &curl.split("Plain-Request-Signature: ").nth(1).expect("signature")[..64];
    let body = curl.split("--data-raw '").nth(1).and_then(|b| b.split('\'').next()).expect("--data-raw body");
    assert_eq!(cardmesh_gateway::verify::sign(DEVELOPMENT_SECRET, body.as_bytes()), signature);
    assert!(quickstart.contains(&format!("SECRET={DEVELOPMENT_SECRET}")), "the Quickstart defines $SECRET");
    assert!(quickstart.contains(&format!("BODY='{body}'")), "the Quickstart defines $BODY as the example's body");
}

fn is_signature(s: &str) -> bool {
    s.len() == 64 && s.bytes().all(|b| b.is_ascii_hexdigit() && !b.is_ascii_uppercase())
}

/// The sign/validate commands of `doc`, each with the assignments before it in `doc`.
fn gateway_commands(root: &Path, doc: &str) -> Vec<DocCommand> {
    let text = std::fs::read_to_string(root.join(doc)).unwrap_or_else(|e| panic!("{doc}: {e}"));
    let mut commands = Vec::new();
    let mut in_block = false;
    let mut assignments: Vec<String> = Vec::new();
    let mut pending = String::new();
    for (number, line) in text.lines().enumerate() {
        let trimmed = line.trim();
        match in_block {
            false if trimmed == "```sh" => in_block = true,
            false => {}
            true if trimmed == "```" => in_block = false,
            true => {
                pending.push_str(trimmed.trim_end_matches('\\'));
                if trimmed.ends_with('\\') {
                    pending.push(' ');
                    continue;
                }
                let command = std::mem::take(&mut pending);
                if is_assignment(&command) {
                    assignments.push(command);
                } else if command.contains("cargo run") && command.contains("-p cardmesh-gateway --") {
                    commands.push(DocCommand {
                        place: format!("{doc}:{}", number + 1),
                        assignments: assignments.clone(),
                        text: command,
                    });
                }
            }
        }
    }
    commands
}

/// `NAME=value` with nothing after it (no command the variable is passed to).
fn is_assignment(command: &str) -> bool {
    let Some((name, value)) = command.split_once('=') else { return false };
    !name.is_empty()
        && name.bytes().all(|b| b.is_ascii_uppercase() || b.is_ascii_digit() || b == b'_')
        && (value.starts_with('\'') && value.ends_with('\'') || !value.contains(' '))
}

/// Runs the command in bash; returns its stdout, failing the test with both streams when it
/// fails or outlives its deadline.
fn run(root: &Path, target: &PathBuf, command: &DocCommand, gateway_url: &str) -> String {
    let mut script = command.assignments.join("\n");
    script.push('\n');
    script.push_str(&command.text.replace(DOCUMENTED_URL, gateway_url));
    // Files, not pipes: nothing reads a pipe while the command runs.
    let logs = Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("doc-commands-{}", std::process::id()));
    std::fs::create_dir_all(&logs).expect("log directory");
    let (stdout_path, stderr_path) = (logs.join("stdout"), logs.join("stderr"));
    let mut child = Command::new("bash")
        .args(["-o", "pipefail", "-c", &script])
        .current_dir(root)
        .env("CARGO_TARGET_DIR", target)
        .env_remove("CARDMESH_SIGNING_SECRETS")
        .stdin(Stdio::null())
        .stdout(File::create(&stdout_path).expect("stdout file"))
        .stderr(File::create(&stderr_path).expect("stderr file"))
        .spawn()
        .expect("run bash");
    let status = Wait::new(&command.place, COMMAND_DEADLINE)
        .every(Duration::from_millis(50))
        .try_until_blocking(|| child.try_wait().expect("wait for the command"))
        .unwrap_or_else(|timeout| {
            let _ = child.kill();
            let _ = child.wait();
            panic!("{}: `{}` took longer than {COMMAND_DEADLINE:?} ({timeout})", command.place, command.text)
        });
    let stdout = std::fs::read_to_string(&stdout_path).unwrap_or_default();
    let stderr = std::fs::read_to_string(&stderr_path).unwrap_or_default();
    let _ = std::fs::remove_dir_all(&logs);
    assert!(
        status.success(),
        "{}: `{}` failed ({status}):\n--- stdout\n{stdout}\n--- stderr\n{stderr}",
        command.place,
        command.text
    );
    stdout
}

#[test]
fn copying_env_example_keeps_the_development_secret_the_docs_sign_with() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).parent().expect("tests/ has a parent").to_path_buf();
    let read = |file: &str| std::fs::read_to_string(root.join(file)).unwrap_or_else(|e| panic!("{file}: {e}"));
    let example = read(".env.example");
    let active: Vec<&str> =
        example.lines().filter(|l| l.trim_start().starts_with("CARDMESH_SIGNING_SECRETS=")).collect();
    assert!(active.is_empty(), "`cp .env.example .env` would replace the secret the README signs with: {active:?}");
    // Compose and `cargo xtask dev` default to the same development secret the README and the
    // gateway's exposure check name.
    assert!(read("docker-compose.yml").contains(&format!("CARDMESH_SIGNING_SECRETS:-{DEVELOPMENT_SECRET}}}")));
    assert_eq!(xtask::dev::DEVELOPMENT_SECRET, DEVELOPMENT_SECRET);
    let compose = read("docker-compose.yml");
    assert!(
        compose.contains("\"${CARDMESH_PUBLISH_ADDR:-127.0.0.1}:${CARDMESH_PORT:-8080}:8080\""),
        "published on loopback by default"
    );
    assert!(
        compose.contains("CARDMESH_PUBLISH_ADDR: ${CARDMESH_PUBLISH_ADDR:-127.0.0.1}"),
        "the gateway is told where it is published"
    );
}

/// The error codes the gateway can answer with, read from the places that define them: the
/// gateway's one error enum (every route of both listeners answers with it) and the admin
/// listener's routes.
const ERROR_CODE_SOURCES: [&str; 5] = [
    "gateway/src/error/mod.rs",
    "gateway/src/actions/error.rs",
    "gateway/src/http/admin/mod.rs",
    "gateway/src/http/admin/invalidate.rs",
    "gateway/src/plain_client/invalidation.rs",
];

#[test]
fn the_book_lists_every_error_code_the_gateway_answers_with() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).parent().expect("tests/ has a parent").to_path_buf();
    let table = std::fs::read_to_string(root.join(ERROR_TABLE)).expect(ERROR_TABLE);
    let reference = std::fs::read_to_string(root.join("docs/src/reference/error-codes.md")).expect("error-codes.md");
    let mut codes: Vec<String> = Vec::new();
    for file in ERROR_CODE_SOURCES {
        let source = std::fs::read_to_string(root.join(file)).unwrap_or_else(|e| panic!("{file}: {e}"));
        // Every string literal in snake case (`"invalid_body"`): the codes; the JSON keys of
        // the envelope ("code", "message", "field", "header") have no underscore.
        // All segments between quotes, not only every other one: escaped quotes shift pairs.
        for literal in source.split('"') {
            let snake = literal.contains('_')
                && literal.split('_').all(|w| !w.is_empty() && w.bytes().all(|b| b.is_ascii_lowercase()));
            if snake && !codes.iter().any(|c| c == literal) {
                codes.push(literal.to_owned());
            }
        }
    }
    assert!(codes.len() >= 15, "found the codes: {codes:?}");
    for (page, text) in [(ERROR_TABLE, &table), ("the error-code reference", &reference)] {
        let missing: Vec<_> = codes.iter().filter(|code| !text.contains(&format!("| `{code}` |"))).collect();
        assert!(missing.is_empty(), "error codes missing from {page}: {missing:?}");
    }
}

/// The README is a landing page of at most 150 lines, and its commands are the first-run
/// blocks, whose copies in the book must say the same, and the test command, which must know
/// its steps.
#[test]
fn the_readmes_commands_are_the_tested_ones() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).parent().expect("tests/ has a parent").to_path_buf();
    let read = |file: &str| std::fs::read_to_string(root.join(file)).unwrap_or_else(|e| panic!("{file}: {e}"));
    let readme = read("README.md");
    // The landing page stays a landing page: details go into the book.
    let lines = readme.lines().count();
    assert!(lines <= 150, "README.md has {lines} lines; keep it at most 150 and move details into docs/src");
    let block_after = |text: &str, marker: &str| -> Option<String> {
        let after = text.split_once(marker)?.1.trim_start().strip_prefix("```sh\n")?;
        Some(after[..after.find("\n```").expect("the block ends")].to_owned())
    };
    let book = [read("docs/src/guides/quickstart.md"), read("docs/src/guides/compose.md")].join("\n");
    let mut first_run = Vec::new();
    for name in ["run", "compose", "compose-request", "compose-down"] {
        let marker = format!("<!-- first-run: {name} -->");
        let readme_block = block_after(&readme, &marker).unwrap_or_else(|| panic!("the README has no {marker} block"));
        let book_block = block_after(&book, &marker).unwrap_or_else(|| panic!("the book has no {marker} block"));
        assert_eq!(readme_block, book_block, "the README's and the book's {marker} blocks differ");
        first_run.push(readme_block);
    }
    // Every other command of the README's sh blocks: the test command.
    let mut others = Vec::new();
    for (i, block) in readme.split("```sh\n").enumerate().skip(1) {
        let block = &block[..block.find("\n```").expect("the block ends")];
        if !first_run.iter().any(|f| f == block) {
            others.push((i, block.trim().to_owned()));
        }
    }
    assert_eq!(others.iter().map(|(_, b)| b.as_str()).collect::<Vec<_>>(), ["cargo xtask test"], "{others:?}");
    let out = Command::new(std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into()))
        .args(["xtask", "test", "--list"])
        .current_dir(&root)
        .output()
        .expect("run cargo xtask test --list");
    let steps = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "cargo xtask test --list failed: {}", String::from_utf8_lossy(&out.stderr));
    for step in ["build", "codegen", "cargo-test", "docs"] {
        assert!(steps.lines().any(|l| l.starts_with(step)), "cargo xtask test --list lacks {step}:\n{steps}");
    }
}

#[test]
fn the_readmes_path_table_and_contributing_name_every_xtask_command() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).parent().expect("tests/ has a parent").to_path_buf();
    let read = |file: &str| std::fs::read_to_string(root.join(file)).unwrap_or_else(|e| panic!("{file}: {e}"));
    let out = Command::new(std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into()))
        .args(["xtask", "--help"])
        .current_dir(&root)
        .output()
        .expect("run cargo xtask --help");
    let help = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "cargo xtask --help failed: {}", String::from_utf8_lossy(&out.stderr));
    let section = help.split_once("Commands:\n").expect("a Commands section").1;
    let commands: Vec<&str> = section
        .lines()
        .take_while(|l| l.starts_with("  "))
        .filter_map(|l| l.split_whitespace().next())
        .filter(|c| *c != "help")
        .collect();
    assert!(commands.contains(&"dev") && commands.contains(&"bench"), "{help}");
    // The README's row for xtask/ lists the commands as `cargo xtask a\|b\|c`.
    let readme = read("README.md");
    let row = readme.lines().find(|l| l.starts_with("| `xtask/` |")).expect("the README's row for xtask/");
    let listed = row.split("`cargo xtask ").nth(1).and_then(|s| s.split('`').next()).expect("the commands in the row");
    let mut listed: Vec<&str> = listed.split("\\|").collect();
    listed.sort_unstable();
    let mut expected = commands.clone();
    expected.sort_unstable();
    assert_eq!(listed, expected, "the README's path table and `cargo xtask --help` differ");
    let contributing = read("CONTRIBUTING.md");
    for command in &commands {
        assert!(
            contributing.contains(&format!("| `cargo xtask {command}")),
            "CONTRIBUTING.md's commands table has no row for `cargo xtask {command}`"
        );
    }
}
