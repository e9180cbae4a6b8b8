//! The step runner of `cargo xtask test`: steps in order, each with its timing; background
//! steps beside them, their output printed whole when awaited; the first failure stops the
//! run and is named; a summary at the end.
//!
//! The lines it prints are the run's interface (CI logs are read for them):
//! `==== [HH:MM:SS] NAME: WHAT`, `==== NAME: done in Ns (total Ns; free: …)`, the summary
//! `==== steps:`, and last `==== TESTS PASSED in Ns` or `==== TESTS FAILED (exit N) in step
//! NAME, after Ns (free: …)`.

use std::collections::BTreeMap;
use std::fs::File;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

/// Where a step's commands write: the terminal (a step) or a log file (a background step).
#[derive(Clone)]
pub enum Output {
    Inherit,
    Log(Arc<File>),
}

/// What a step's action gets: the repository's root, the extra environment of its commands
/// and where they write. Commands made through [`Ctx::command`] have all three.
#[derive(Clone)]
pub struct Ctx {
    pub root: PathBuf,
    pub env: BTreeMap<String, String>,
    pub output: Output,
    children: Arc<Mutex<Vec<u32>>>,
}

/// A step's failure: the exit code the run ends with.
#[derive(Debug)]
pub struct Failed(pub i32);

pub type StepResult = Result<(), Failed>;

impl Ctx {
    /// A command in the repository's root with the run's environment and the step's output.
    pub fn command(&self, program: &str) -> Command {
        // A path like `scripts/x.sh` is the repository's, wherever the run was started.
        let mut command =
            if program.contains('/') { Command::new(self.root.join(program)) } else { Command::new(program) };
        command.current_dir(&self.root).envs(&self.env).stdin(Stdio::null());
        if let Output::Log(file) = &self.output {
            let out = file.try_clone().expect("the step's log");
            let err = file.try_clone().expect("the step's log");
            command.stdout(out).stderr(err);
        }
        command
    }

    /// Prints a line where the step's commands write.
    pub fn say(&self, line: &str) {
        match &self.output {
            Output::Inherit => println!("{line}"),
            Output::Log(file) => {
                use std::io::Write;
                let _ = writeln!(&**file, "{line}");
            }
        }
    }

    /// Runs `command`; its exit code is the step's failure.
    pub fn run(&self, command: &mut Command) -> StepResult {
        let child = match command.spawn() {
            Ok(child) => child,
            Err(error) => {
                self.say(&format!("cannot run {}: {error}", crate::process::shown(command)));
                return Err(Failed(127));
            }
        };
        self.wait(child)
    }

    fn wait(&self, mut child: Child) -> StepResult {
        let pid = child.id();
        self.children.lock().expect("children").push(pid);
        let status = child.wait();
        self.children.lock().expect("children").retain(|p| *p != pid);
        match status {
            Ok(status) if status.success() => Ok(()),
            Ok(status) => Err(Failed(status.code().unwrap_or(1))),
            Err(_) => Err(Failed(1)),
        }
    }
}

/// A step's action.
pub type Action = Box<dyn FnOnce(&Ctx) -> StepResult + Send>;

struct Background {
    started: Instant,
    log: PathBuf,
    handle: JoinHandle<(StepResult, Instant)>,
}

/// The run: which steps are picked, their timings, the summary.
pub struct Runner {
    pub ctx: Ctx,
    pub list: bool,
    only: Option<Vec<String>>,
    skip: Vec<String>,
    start: Instant,
    summary: Vec<String>,
    logs: PathBuf,
    background: BTreeMap<String, Background>,
}

impl Runner {
    pub fn new(root: PathBuf, list: bool, only: Option<Vec<String>>, skip: Vec<String>) -> anyhow::Result<Self> {
        // One folder per run, also when one process makes several (the tests).
        static RUNS: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
        let run = RUNS.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let logs = std::env::temp_dir().join(format!("cardmesh-test.{}.{run}", std::process::id()));
        std::fs::create_dir_all(&logs)?;
        let ctx = Ctx { root, env: BTreeMap::new(), output: Output::Inherit, children: Arc::default() };
        Ok(Runner {
            ctx,
            list,
            only,
            skip,
            start: Instant::now(),
            summary: Vec::new(),
            logs,
            background: BTreeMap::new(),
        })
    }

    fn selected(&self, name: &str) -> bool {
        self.only.as_ref().is_none_or(|only| only.iter().any(|n| n == name)) && !self.skip.iter().any(|n| n == name)
    }

    fn total(&self) -> u64 {
        self.start.elapsed().as_secs()
    }

    /// Runs `action` now (unless filtered out), with its timing.
    pub fn step(&mut self, name: &str, what: &str, action: impl FnOnce(&Ctx) -> StepResult) -> Result<(), Stopped> {
        if self.list {
            println!("{name:<14} {what}");
            return Ok(());
        }
        if !self.selected(name) {
            self.summary.push(format!("{name:<14} skipped"));
            return Ok(());
        }
        let t0 = Instant::now();
        println!("\n==== [{}] {name}: {what}", clock());
        action(&self.ctx).map_err(|Failed(code)| self.stopped(name, code))?;
        let took = t0.elapsed().as_secs();
        println!("==== {name}: done in {took}s (total {}s; {})", self.total(), disk_free(&self.ctx.root));
        self.summary.push(format!("{name:<14} {took:>5}s"));
        Ok(())
    }

    /// Starts `action` now (unless filtered out), its output into a log; [`Runner::await_step`]
    /// waits for it, prints the log and fails the run if it failed.
    pub fn background(&mut self, name: &str, what: &str, action: Action) {
        if self.list {
            println!("{name:<14} {what} (background)");
            return;
        }
        if !self.selected(name) {
            self.summary.push(format!("{name:<14} skipped"));
            return;
        }
        println!("\n==== [{}] {name}: {what} (background; output when awaited)", clock());
        let log = self.logs.join(format!("{name}.log"));
        let file = File::create(&log).expect("a log file in the temporary folder");
        let ctx = Ctx { output: Output::Log(Arc::new(file)), ..self.ctx.clone() };
        let started = Instant::now();
        // The step's own end, for its time: it may finish long before it is awaited.
        let handle = std::thread::spawn(move || (action(&ctx), Instant::now()));
        self.background.insert(name.to_owned(), Background { started, log, handle });
    }

    /// Waits for the background step `name` (nothing when it was not started).
    pub fn await_step(&mut self, name: &str) -> Result<(), Stopped> {
        let Some(step) = self.background.remove(name) else { return Ok(()) };
        let (result, ended) = step.handle.join().unwrap_or((Err(Failed(101)), Instant::now()));
        println!("\n==== {name}: output");
        print!("{}", std::fs::read_to_string(&step.log).unwrap_or_default());
        result.map_err(|Failed(code)| self.stopped(name, code))?;
        let took = ended.duration_since(step.started).as_secs();
        println!(
            "==== {name}: done in {took}s, beside the steps above (total {}s; {})",
            self.total(),
            disk_free(&self.ctx.root)
        );
        self.summary.push(format!("{name:<14} {took:>5}s (background)"));
        Ok(())
    }

    fn print_summary(&self) {
        if !self.summary.is_empty() {
            println!("\n==== steps:");
            for line in &self.summary {
                println!("  {line}");
            }
        }
    }

    /// The run stops at step `name`, which failed with `code`: the summary, then the line
    /// naming the step; the background steps' processes are stopped.
    fn stopped(&self, name: &str, code: i32) -> Stopped {
        self.print_summary();
        eprintln!(
            "\n==== TESTS FAILED (exit {code}) in step {name}, after {}s ({})",
            self.total(),
            disk_free(&self.ctx.root)
        );
        Stopped(code)
    }

    /// The end of a run that passed: the summary and `==== TESTS PASSED in Ns`.
    pub fn passed(&self) {
        if self.list {
            return;
        }
        self.print_summary();
        let skipped = self.summary.iter().filter(|line| line.ends_with(" skipped")).count();
        let note = if skipped == 0 { String::new() } else { format!(" ({skipped} steps skipped)") };
        println!("\n==== TESTS PASSED in {}s{note}", self.total());
    }
}

impl Drop for Runner {
    fn drop(&mut self) {
        for pid in self.ctx.children.lock().map(|c| c.clone()).unwrap_or_default() {
            let _ = Command::new("kill").arg(pid.to_string()).stderr(Stdio::null()).status();
        }
        let _ = std::fs::remove_dir_all(&self.logs);
    }
}

/// A run that stopped at a failed step: the exit code it ends with.
#[derive(Debug)]
pub struct Stopped(pub i32);

/// The time of day, UTC, as `HH:MM:SS`.
fn clock() -> String {
    let secs = SystemTime::now().duration_since(UNIX_EPOCH).unwrap_or(Duration::ZERO).as_secs() % 86_400;
    format!("{:02}:{:02}:{:02}", secs / 3600, secs / 60 % 60, secs % 60)
}

/// The space left where cargo and Docker write, for the step lines (a full disk is the
/// likeliest cause of a build failing for no reason of its own).
fn disk_free(root: &Path) -> String {
    let avail = |path: &Path| {
        Command::new("df")
            .args(["-h", "--output=avail"])
            .arg(path)
            .stderr(Stdio::null())
            .output()
            .ok()
            .and_then(|out| String::from_utf8(out.stdout).ok())
            .and_then(|text| text.lines().last().map(|line| line.trim().to_owned()))
            .unwrap_or_else(|| "?".to_owned())
    };
    let mut line = format!("free: {} here", avail(root));
    let docker_root = Command::new("docker")
        .args(["info", "-f", "{{.DockerRootDir}}"])
        .stderr(Stdio::null())
        .output()
        .ok()
        .filter(|out| out.status.success())
        .and_then(|out| String::from_utf8(out.stdout).ok())
        .map(|text| text.trim().to_owned())
        .unwrap_or_default();
    if !docker_root.is_empty() && Path::new(&docker_root).is_dir() {
        line.push_str(&format!(", {} in {docker_root}", avail(Path::new(&docker_root))));
    }
    line
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_clock_reads_hours_minutes_seconds() {
        let clock = clock();
        assert_eq!(clock.len(), 8, "{clock}");
        assert_eq!(clock.as_bytes()[2], b':');
        assert_eq!(clock.as_bytes()[5], b':');
    }

    #[test]
    fn a_failed_step_stops_the_run_with_its_exit_code_and_later_steps_do_not_run() {
        let mut runner = Runner::new(crate::repo_root(), false, None, Vec::new()).unwrap();
        runner.step("passes", "exits 0", |ctx| ctx.run(ctx.command("sh").args(["-c", "exit 0"]))).unwrap();
        let stopped = runner.step("fails", "exits 3", |ctx| ctx.run(ctx.command("sh").args(["-c", "exit 3"])));
        assert_eq!(stopped.unwrap_err().0, 3);
        assert_eq!(runner.summary.len(), 1, "only the step that passed is in the summary: {:?}", runner.summary);
        assert!(runner.summary[0].starts_with("passes "), "{:?}", runner.summary);
    }

    #[test]
    fn a_background_step_writes_into_its_log_and_is_timed_when_awaited() {
        let mut runner = Runner::new(crate::repo_root(), false, None, Vec::new()).unwrap();
        runner.background(
            "beside",
            "echoes",
            Box::new(|ctx: &Ctx| {
                ctx.say("said by the step");
                ctx.run(ctx.command("sh").args(["-c", "echo printed by its command"]))
            }),
        );
        let log = runner.background["beside"].log.clone();
        runner.await_step("beside").unwrap();
        let text = std::fs::read_to_string(log).unwrap();
        assert_eq!(text, "said by the step\nprinted by its command\n");
        assert!(runner.summary.iter().any(|line| line.starts_with("beside ") && line.ends_with("(background)")));
        runner.background("fails", "exits 4", Box::new(|ctx: &Ctx| ctx.run(ctx.command("sh").args(["-c", "exit 4"]))));
        assert_eq!(runner.await_step("fails").unwrap_err().0, 4);
        assert!(runner.await_step("never-started").is_ok(), "a step that was not started is not awaited");
    }

    #[test]
    fn only_and_skip_pick_the_steps() {
        let root = crate::repo_root();
        let runner = Runner::new(root.clone(), false, Some(vec!["a".into(), "b".into()]), vec!["b".into()]).unwrap();
        assert!(runner.selected("a"));
        assert!(!runner.selected("b"), "skip wins");
        assert!(!runner.selected("c"));
        let runner = Runner::new(root, false, None, vec!["fuzz".into()]).unwrap();
        assert!(runner.selected("build"));
        assert!(!runner.selected("fuzz"));
    }
}
