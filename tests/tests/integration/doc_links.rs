//! Every relative link of the book (`docs/src/`), the README and the contributor notes
//! resolves: the file exists, and a `#fragment` names a heading of that page (with mdBook's
//! ids: lower case, spaces to `-`, punctuation dropped). mdBook itself only checks the
//! pages `SUMMARY.md` names; this covers the links inside pages, without a network.

use std::path::{Path, PathBuf};

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).parent().expect("tests/ has a parent").to_path_buf()
}

/// The Markdown files checked: the book's pages, the README, CONTRIBUTING.md, dev-docs/.
fn documents() -> Vec<PathBuf> {
    let mut files = vec![root().join("README.md"), root().join("CONTRIBUTING.md")];
    let mut dirs = vec![root().join("docs/src"), root().join("dev-docs")];
    while let Some(dir) = dirs.pop() {
        for entry in std::fs::read_dir(&dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display())) {
            let path = entry.expect("a directory entry").path();
            if path.is_dir() {
                dirs.push(path);
            } else if path.extension().is_some_and(|e| e == "md") {
                files.push(path);
            }
        }
    }
    files.sort();
    files
}

/// mdBook's id of a heading (`normalize_id`): alphanumerics, `_` and `-` kept in lower case,
/// whitespace to `-`, the rest dropped.
fn heading_id(heading: &str) -> String {
    heading
        .chars()
        .filter_map(|c| match c {
            c if c.is_alphanumeric() || c == '_' || c == '-' => Some(c.to_ascii_lowercase()),
            c if c.is_whitespace() => Some('-'),
            _ => None,
        })
        .collect()
}

/// The text of a document outside code: fenced blocks and inline code spans blanked.
fn prose_lines(text: &str) -> Vec<String> {
    let mut fenced = false;
    text.lines()
        .map(|line| {
            if line.trim_start().starts_with("```") {
                fenced = !fenced;
                return String::new();
            }
            if fenced {
                return String::new();
            }
            line.split('`').step_by(2).collect::<Vec<_>>().join(" ")
        })
        .collect()
}

/// The ids of a page's headings.
fn heading_ids(text: &str) -> Vec<String> {
    prose_lines(text)
        .iter()
        .zip(text.lines())
        .filter(|(prose, _)| prose.starts_with('#'))
        .map(|(_, line)| {
            let title = line.trim_start_matches('#').trim();
            // A link in a heading counts by its text.
            let title: String = title.replace(['[', ']'], "").split("](").next().unwrap_or("").to_owned();
            heading_id(&title.replace('`', ""))
        })
        .collect()
}

/// The targets of a line's inline links `[text](target)` (images too).
fn link_targets(line: &str) -> Vec<String> {
    let mut targets = Vec::new();
    let mut rest = line;
    while let Some(i) = rest.find("](") {
        let after = &rest[i + 2..];
        let Some(end) = after.find(')') else { break };
        targets.push(after[..end].to_owned());
        rest = &after[end..];
    }
    targets
}

#[test]
fn every_relative_link_of_the_docs_resolves() {
    let mut broken = Vec::new();
    let documents = documents();
    assert!(documents.len() > 20, "the book's pages are found: {documents:?}");
    for doc in &documents {
        let text = std::fs::read_to_string(doc).expect("a document");
        for (number, line) in prose_lines(&text).iter().enumerate() {
            for target in link_targets(line) {
                if target.contains("://") || target.starts_with("mailto:") {
                    continue;
                }
                let place = format!("{}:{}", doc.strip_prefix(root()).unwrap_or(doc).display(), number + 1);
                let (path, fragment) = target.split_once('#').unwrap_or((&target, ""));
                let file = if path.is_empty() { doc.clone() } else { doc.parent().expect("a directory").join(path) };
                if !file.exists() {
                    broken.push(format!("{place}: {target} (no such file)"));
                    continue;
                }
                if !fragment.is_empty() && file.extension().is_some_and(|e| e == "md") {
                    let page = std::fs::read_to_string(&file).expect("a page");
                    if !heading_ids(&page).iter().any(|id| id == fragment) {
                        broken.push(format!("{place}: {target} (no heading #{fragment})"));
                    }
                }
            }
        }
    }
    assert!(broken.is_empty(), "broken links:\n  {}", broken.join("\n  "));
}

#[test]
fn heading_ids_follow_mdbook() {
    assert_eq!(
        heading_id("TLS and mutual TLS (Plain's client certificate)"),
        "tls-and-mutual-tls-plains-client-certificate"
    );
    assert_eq!(heading_ids("# A\n```\n# not a heading\n```\n## `[cache]`\n"), ["a", "cache"]);
}
