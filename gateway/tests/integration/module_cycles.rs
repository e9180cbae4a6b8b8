//! The gateway's top-level modules (those `lib.rs` declares, public or through
//! `internal_modules!`) form no import cycle, and the
//! stages of one request (`request/`) import only the stages before them, so that
//! `dev-docs/architecture.md` walks them in order without a step back.
//!
//! Scans every `.rs` file under `gateway/src` (but `main.rs` and `bin/`, which are crates of
//! their own), takes each path that leaves its module (`crate::x…`, `crate::{x, y::…}`, and
//! `super::…` climbing out of a top-level module) as an edge from the file's top-level
//! module to `x`, ignores comments, and fails with the cycle when the edges form one.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

type Graph = BTreeMap<String, BTreeMap<String, BTreeSet<String>>>;

#[test]
fn no_import_cycle_between_top_level_modules() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let graph = module_graph(&src);
    assert!(graph.len() > 10, "expected the gateway's modules, found {:?}", graph.keys());
    if let Some(cycle) = find_cycle(&graph) {
        let mut lines = Vec::new();
        for pair in cycle.windows(2) {
            let files = &graph[&pair[0]][&pair[1]];
            lines.push(format!(
                "  {} -> {} (in {})",
                pair[0],
                pair[1],
                files.iter().cloned().collect::<Vec<_>>().join(", ")
            ));
        }
        panic!("import cycle between the gateway's top-level modules:\n{}", lines.join("\n"));
    }
}

/// The submodules of `request/`, in the order a request passes through them; the shared
/// types (`failure`, `single_flight`) come first because every later stage may use them.
const REQUEST_STAGES: [&str; 6] = ["failure", "single_flight", "plan", "fetch", "assemble", "answer"];

#[test]
fn the_request_stages_import_only_earlier_stages() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let dir = src.join("request");
    let stages: BTreeSet<String> = REQUEST_STAGES.map(String::from).into();
    let order = |name: &str| REQUEST_STAGES.iter().position(|s| *s == name);
    let mut checked = BTreeSet::new();
    let mut backwards = Vec::new();
    for file in rust_files(&dir) {
        let relative = file.strip_prefix(&dir).unwrap();
        let path = module_path(relative);
        let Some(from) = path.first().and_then(|m| order(m)) else { continue };
        checked.insert(path[0].clone());
        // Inside `request/`, `crate::request::x` is what `crate::x` is at the top level.
        let text = std::fs::read_to_string(&file).expect("read source file").replace("crate::request::", "crate::");
        for to in edges_in(&text, &path, &stages) {
            if order(&to).is_some_and(|to| to > from) {
                backwards.push(format!("  request/{} uses the later stage {to}", relative.display()));
            }
        }
    }
    assert_eq!(checked, stages, "every stage of REQUEST_STAGES is a module of request/");
    assert!(backwards.is_empty(), "a request stage imports a later one:\n{}", backwards.join("\n"));
}

#[test]
fn the_scanner_sees_edges_and_cycles() {
    let text = "use crate::{a::X, b};\n// use crate::c;\nfn f() { crate::d::g(); super::e::h(); }";
    let modules: BTreeSet<String> = ["a", "b", "c", "d", "e"].map(String::from).into();
    assert_eq!(edges_in(text, &["m".into()], &modules), ["a", "b", "d", "e"].map(String::from).into());
    assert_eq!(edges_in("use super::x::Y;", &["m".into(), "n".into()], &modules), BTreeSet::new());

    let mut graph = Graph::new();
    for (from, to) in [("a", "b"), ("b", "c"), ("c", "a"), ("c", "d")] {
        graph.entry(from.into()).or_default().entry(to.into()).or_default().insert("f.rs".into());
    }
    let cycle = find_cycle(&graph).expect("a -> b -> c -> a");
    assert_eq!(cycle.first(), cycle.last());
    assert_eq!(cycle.len(), 4);
    graph.get_mut("c").unwrap().remove("a");
    assert_eq!(find_cycle(&graph), None);
}

/// Edges between top-level modules, with the files each edge comes from.
fn module_graph(src: &Path) -> Graph {
    let lib = std::fs::read_to_string(src.join("lib.rs")).expect("read lib.rs");
    let mut modules: BTreeSet<String> = lib
        .lines()
        .map(str::trim)
        .filter_map(|l| l.strip_prefix("pub mod ").or_else(|| l.strip_prefix("mod ")))
        .filter_map(|l| l.strip_suffix(';'))
        .map(str::to_owned)
        .collect();
    // The internal modules are declared by name in `internal_modules!(a, b, …);`.
    let invocation = "internal_modules!(";
    let internal =
        lib.rfind(invocation).and_then(|at| lib[at + invocation.len()..].split(')').next()).unwrap_or_default();
    modules.extend(internal.split(',').map(str::trim).filter(|m| !m.is_empty()).map(str::to_owned));
    let mut graph: Graph = modules.iter().map(|m| (m.clone(), BTreeMap::new())).collect();
    for file in rust_files(src) {
        let relative = file.strip_prefix(src).unwrap();
        let path = module_path(relative);
        let Some(top) = path.first().filter(|top| modules.contains(*top)) else { continue };
        let text = std::fs::read_to_string(&file).expect("read source file");
        for to in edges_in(&text, &path, &modules) {
            if &to != top {
                graph.get_mut(top).unwrap().entry(to).or_default().insert(relative.display().to_string());
            }
        }
    }
    graph
}

fn rust_files(dir: &Path) -> Vec<PathBuf> {
    let mut files = Vec::new();
    for entry in std::fs::read_dir(dir).expect("read directory") {
        let path = entry.expect("directory entry").path();
        if path.is_dir() {
            files.extend(rust_files(&path));
        } else if path.extension().is_some_and(|e| e == "rs") {
            files.push(path);
        }
    }
    files
}

/// `cache/key.rs` -> `[cache, key]`; `cache/mod.rs` and `cache.rs` -> `[cache]`.
fn module_path(relative: &Path) -> Vec<String> {
    let mut parts: Vec<String> = relative.iter().map(|p| p.to_string_lossy().into_owned()).collect();
    let last = parts.pop().unwrap_or_default();
    let stem = last.trim_end_matches(".rs");
    if stem != "mod" {
        parts.push(stem.to_owned());
    }
    parts
}

/// The top-level modules that the code of a file at `path` refers to.
fn edges_in(text: &str, path: &[String], modules: &BTreeSet<String>) -> BTreeSet<String> {
    let code: String = text.lines().map(|l| l.split("//").next().unwrap_or_default()).collect::<Vec<_>>().join("\n");
    let mut found = BTreeSet::new();
    for (at, _) in code.match_indices("crate::") {
        if code[..at].ends_with(|c: char| c.is_alphanumeric() || c == '_' || c == '$') {
            continue;
        }
        for name in first_segments(&code[at + "crate::".len()..]) {
            if modules.contains(&name) {
                found.insert(name);
            }
        }
    }
    for (at, _) in code.match_indices("super::") {
        if code[..at].ends_with(|c: char| c.is_alphanumeric() || c == '_' || c.eq(&':')) {
            continue;
        }
        let mut rest = &code[at..];
        let mut depth = path.len();
        while let Some(next) = rest.strip_prefix("super::") {
            rest = next;
            depth = depth.saturating_sub(1);
        }
        if depth == 0 {
            found.extend(first_segments(rest).into_iter().filter(|n| modules.contains(n)));
        }
    }
    found
}

/// The first path segment after `crate::`: one name, or each name of a `{…}` group.
fn first_segments(rest: &str) -> Vec<String> {
    let ident = |s: &str| s.trim().chars().take_while(|c| c.is_alphanumeric() || *c == '_').collect::<String>();
    let Some(group) = rest.strip_prefix('{') else { return vec![ident(rest)] };
    let mut names = Vec::new();
    let (mut depth, mut start) = (0usize, 0usize);
    for (i, c) in group.char_indices() {
        match c {
            '{' => depth += 1,
            '}' if depth == 0 => {
                names.push(ident(&group[start..i]));
                break;
            }
            '}' => depth -= 1,
            ',' if depth == 0 => {
                names.push(ident(&group[start..i]));
                start = i + 1;
            }
            _ => {}
        }
    }
    names
}

/// A cycle as `[a, b, …, a]`, when the graph has one.
fn find_cycle(graph: &Graph) -> Option<Vec<String>> {
    fn visit(node: &str, graph: &Graph, stack: &mut Vec<String>, done: &mut BTreeSet<String>) -> Option<Vec<String>> {
        if let Some(i) = stack.iter().position(|n| n == node) {
            let mut cycle = stack[i..].to_vec();
            cycle.push(node.to_owned());
            return Some(cycle);
        }
        if done.contains(node) {
            return None;
        }
        stack.push(node.to_owned());
        for next in graph.get(node).into_iter().flat_map(BTreeMap::keys) {
            if let Some(cycle) = visit(next, graph, stack, done) {
                return Some(cycle);
            }
        }
        stack.pop();
        done.insert(node.to_owned());
        None
    }
    let mut done = BTreeSet::new();
    graph.keys().find_map(|node| visit(node, graph, &mut Vec::new(), &mut done))
}
