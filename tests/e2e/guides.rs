//! The role guides in `docs/` run as written. Each guide's fenced `sh`
//! blocks, in order, make one bash script (`set -euo pipefail`) run against
//! a demo app with `BASE` set to its URL; the script must exit 0, and the
//! output of a block must contain every `# expect: TEXT` line of that block.
//! Each guide runs on its own fresh demo, and all four once more in the
//! documented order on one demo, as a reader pasting them into one server
//! would; the README's worked example (the `sh` block after a marker line)
//! runs the same way. The rules are in docs/README.md ("How the guides are
//! tested").

use std::path::{Path, PathBuf};
use std::process::Command;

use cairn_tests::TestApp;

/// In the order docs/README.md gives (the order of the shared-demo run).
const GUIDES: [&str; 4] = ["guide-learner.md", "guide-institution.md", "guide-employer.md", "guide-administrator.md"];

const EXPECT: &str = "# expect:";

/// A fenced `sh` block of a guide.
#[derive(Debug)]
struct Block {
    /// The line of its opening fence, for messages.
    line: usize,
    code: String,
    expects: Vec<String>,
}

fn docs_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../docs")
}

/// The `sh` blocks of a markdown text, in order. Other fences (`console`,
/// `json`, `text`) are not run.
fn sh_blocks(markdown: &str) -> Vec<Block> {
    let mut blocks = Vec::new();
    let mut current: Option<Block> = None;
    let mut in_other_fence = false;
    for (index, line) in markdown.lines().enumerate() {
        let trimmed = line.trim_end();
        match current.as_mut() {
            Some(_) if trimmed == "```" => blocks.extend(current.take()),
            Some(block) => {
                if let Some(text) = trimmed.trim_start().strip_prefix(EXPECT) {
                    block.expects.push(text.trim().to_owned());
                }
                block.code.push_str(line);
                block.code.push('\n');
            }
            None if in_other_fence => in_other_fence = trimmed != "```",
            None if trimmed == "```sh" => current = Some(Block { line: index + 1, code: String::new(), expects: Vec::new() }),
            None => in_other_fence = trimmed.starts_with("```"),
        }
    }
    assert!(current.is_none(), "an `sh` block is not closed");
    blocks
}

/// The block's commands as logical lines: comments dropped, backslash
/// continuations joined.
fn logical_lines(code: &str) -> Vec<String> {
    let mut lines = Vec::new();
    let mut pending = String::new();
    for line in code.lines() {
        if pending.is_empty() && line.trim_start().starts_with('#') {
            continue;
        }
        match line.strip_suffix('\\') {
            Some(head) => pending.push_str(head),
            None => {
                pending.push_str(line);
                lines.push(std::mem::take(&mut pending));
            }
        }
    }
    lines
}

/// Every problem with how a guide's blocks are written: a curl that would
/// not fail on an HTTP error, a printed status nobody checks, no check at all.
fn lint(guide: &str, blocks: &[Block]) -> Vec<String> {
    let mut problems = Vec::new();
    if blocks.is_empty() {
        problems.push(format!("{guide}: no `sh` blocks"));
    }
    if blocks.iter().all(|b| b.expects.is_empty()) {
        problems.push(format!("{guide}: no `{EXPECT}` line"));
    }
    for block in blocks {
        for line in logical_lines(&block.code) {
            // Each curl invocation runs to the next pipe.
            for invocation in line.split('|').filter(|part| part.split_whitespace().any(|word| word == "curl" || word.ends_with("(curl"))) {
                let fails = invocation.contains("--fail-with-body");
                let shows_status = invocation.contains("%{http_code}");
                if !fails && !shows_status {
                    problems.push(format!("{guide}:{}: curl without --fail-with-body: {}", block.line, invocation.trim()));
                }
                if shows_status && block.expects.is_empty() {
                    problems.push(format!("{guide}:{}: prints a status but expects nothing", block.line));
                }
            }
        }
    }
    problems
}

fn marker(index: usize) -> String {
    format!("@@guide-block {index}@@")
}

/// The script a guide runs as: its blocks in order, each announced by a
/// marker line so that its output can be told apart.
fn script(blocks: &[Block]) -> String {
    let mut script = String::from("set -euo pipefail\n");
    for (index, block) in blocks.iter().enumerate() {
        script.push_str(&format!("printf '\\n%s\\n' '{}'\n", marker(index)));
        script.push_str(&block.code);
    }
    script
}

/// The output of each block, by the markers.
fn outputs(stdout: &str, blocks: usize) -> Vec<Option<String>> {
    (0..blocks)
        .map(|index| {
            let start = format!("\n{}\n", marker(index));
            let (_, after) = stdout.split_once(&start)?;
            let end = format!("\n{}\n", marker(index + 1));
            Some(after.split_once(&end).map_or(after, |(own, _)| own).to_owned())
        })
        .collect()
}

/// Fails the test at once when a tool the guides use is missing: a guide
/// that cannot run must not pass.
fn require_tools() {
    let tools: [(&str, &[&str]); 3] = [("bash", &["-c", "exit 0"]), ("python3", &["-c", "import json"]), ("curl", &["--version"])];
    for (tool, args) in tools {
        let found = Command::new(tool).args(args).output();
        assert!(
            found.as_ref().is_ok_and(|o| o.status.success()),
            "the guides need `{tool}` on PATH (docs/README.md); running `{tool} {}` failed: {found:?}",
            args.join(" ")
        );
    }
    // --json needs curl 7.82 (--fail-with-body 7.76).
    let version = Command::new("curl").arg("--version").output().unwrap();
    let text = String::from_utf8_lossy(&version.stdout);
    let number: Vec<u32> = text.split_whitespace().nth(1).unwrap_or_default().split('.').filter_map(|n| n.parse().ok()).collect();
    assert!(number.as_slice() >= [7, 82].as_slice(), "the guides need curl 7.82 or later (for --json); found: {text}");
}

/// The line before the README's worked example, which runs like a guide.
const README_MARK: &str = "<!-- run by tests/e2e/guides.rs -->";

/// Runs one guide against `app`.
fn run_guide(app: &TestApp, guide: &str) {
    let markdown = std::fs::read_to_string(docs_dir().join(guide)).unwrap_or_else(|e| panic!("docs/{guide}: {e}"));
    run_blocks(app, &format!("docs/{guide}"), &sh_blocks(&markdown));
}

/// Runs `blocks` in a fresh working directory and checks the exit status
/// and the expectations.
fn run_blocks(app: &TestApp, guide: &str, blocks: &[Block]) {
    let problems = lint(guide, blocks);
    assert!(problems.is_empty(), "{guide} is not written to be tested:\n{}", problems.join("\n"));

    let workdir = tempfile::tempdir().unwrap();
    let script_path = workdir.path().join("guide.sh");
    std::fs::write(&script_path, script(blocks)).unwrap();
    let run = Command::new("bash").arg(&script_path).current_dir(workdir.path()).env("BASE", &app.base).output().unwrap();
    let stdout = String::from_utf8_lossy(&run.stdout);
    let stderr = String::from_utf8_lossy(&run.stderr);
    let outputs = outputs(&stdout, blocks.len());

    if !run.status.success() {
        // The block that was running: the last one whose marker was printed.
        let failed = outputs.iter().rposition(Option::is_some).map(|i| &blocks[i]);
        panic!(
            "{guide} failed ({}) in the block at line {}:\n{}\n--- its output:\n{}\n--- stderr:\n{stderr}",
            run.status,
            failed.map_or(0, |b| b.line),
            failed.map_or("", |b| b.code.as_str()),
            outputs.iter().rev().flatten().next().map_or("", String::as_str),
        );
    }
    for (block, output) in blocks.iter().zip(&outputs) {
        let output = output.as_deref().unwrap_or_else(|| panic!("{guide}: no output marker for the block at line {}", block.line));
        for expect in &block.expects {
            assert!(
                output.contains(expect.as_str()),
                "{guide}, block at line {}: the output does not contain `{expect}`:\n{}\n--- output:\n{output}",
                block.line,
                block.code
            );
        }
    }
}

fn run_alone(guide: &str) {
    require_tools();
    let app = TestApp::demo();
    run_guide(&app, guide);
}

#[test]
fn the_learner_guide_runs_against_the_demo() {
    run_alone("guide-learner.md");
}

#[test]
fn the_institution_guide_runs_against_the_demo() {
    run_alone("guide-institution.md");
}

#[test]
fn the_employer_guide_runs_against_the_demo() {
    run_alone("guide-employer.md");
}

#[test]
fn the_administrator_guide_runs_against_the_demo() {
    run_alone("guide-administrator.md");
}

#[test]
fn the_readme_example_runs_against_the_demo() {
    require_tools();
    let readme = std::fs::read_to_string(docs_dir().join("../README.md")).unwrap();
    let (before, marked) = readme.split_once(README_MARK).unwrap_or_else(|| panic!("README.md has no `{README_MARK}` line"));
    let mut block = sh_blocks(marked).into_iter().next().unwrap_or_else(|| panic!("no `sh` block after `{README_MARK}`"));
    // Lines count from the top of the README.
    block.line += before.lines().count();
    let app = TestApp::demo();
    run_blocks(&app, "README.md", &[block]);
}

#[test]
fn the_guides_run_one_after_another_on_one_demo() {
    require_tools();
    let app = TestApp::demo();
    for guide in GUIDES {
        run_guide(&app, guide);
    }
}

#[test]
fn every_guide_is_tested_and_linked() {
    let mut on_disk: Vec<String> = std::fs::read_dir(docs_dir())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|name| name.starts_with("guide-") && name.ends_with(".md"))
        .collect();
    on_disk.sort();
    let mut tested: Vec<String> = GUIDES.iter().map(|g| (*g).to_owned()).collect();
    tested.sort();
    assert_eq!(on_disk, tested, "every docs/guide-*.md is run by this file, and only those");
    let index = std::fs::read_to_string(docs_dir().join("README.md")).unwrap();
    for guide in GUIDES {
        assert!(index.contains(&format!("({guide})")), "docs/README.md links {guide}");
    }
}

#[test]
fn the_guide_checks_catch_what_they_should() {
    // The checks themselves: a curl without --fail-with-body, an unchecked
    // status, and a missing expectation are caught; blocks split correctly.
    let markdown = "text\n```console\nnot run\n```\n```sh\ncurl -s \"$BASE/x\" \\\n  -H a\n# expect: ok\n```\n```json\n{}\n```\n```sh\ncurl -sS -w '%{http_code}' \"$BASE/y\"\n```\n";
    let blocks = sh_blocks(markdown);
    assert_eq!(blocks.len(), 2, "{blocks:?}");
    assert_eq!((blocks[0].line, blocks[0].expects.as_slice()), (5, ["ok".to_owned()].as_slice()));
    let problems = lint("t.md", &blocks);
    assert!(problems.iter().any(|p| p.contains("t.md:5: curl without --fail-with-body")), "{problems:?}");
    assert!(problems.iter().any(|p| p.contains("t.md:13: prints a status but expects nothing")), "{problems:?}");
    assert!(lint("e.md", &[]).iter().any(|p| p.contains("no `sh` blocks")));
    let good = sh_blocks("```sh\necho hi | pick x\ncurl -sS --fail-with-body \"$BASE\" | pick y\n# expect: hi\n```\n");
    assert_eq!(lint("g.md", &good), Vec::<String>::new());
    // Outputs are told apart by block, also when a block prints no newline.
    let stdout = format!("\n{}\nfirst\n{}\nsecond", marker(0), marker(1));
    assert_eq!(outputs(&stdout, 2), [Some("first".to_owned()), Some("second".to_owned())]);
    assert_eq!(outputs(&format!("\n{}\nonly", marker(0)), 2), [Some("only".to_owned()), None]);
}
