//! The README's commands exist: every `canali ...` line of README.md names a command path that
//! answers `--help`, so a renamed or removed command cannot leave the README behind.

use std::process::Command;

/// The subcommand path of a README line: the words after `canali` up to the first option or
/// argument (options, values with capitals, dots, slashes, colons or quotes end it).
fn command_path(line: &str) -> Option<Vec<String>> {
    let rest = line.trim().strip_prefix("canali ")?;
    let words: Vec<String> = rest
        .split_whitespace()
        .take_while(|w| {
            w.chars().next().is_some_and(|c| c.is_ascii_lowercase())
                && w.chars().all(|c| c.is_ascii_lowercase() || c == '-')
        })
        .map(str::to_string)
        .collect();
    Some(words)
}

#[test]
fn every_command_the_readme_names_answers_help() {
    let readme = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../../README.md"))
        .expect("README.md at the workspace root");
    let mut in_code = false;
    let mut paths: Vec<Vec<String>> = Vec::new();
    for line in readme.lines() {
        if line.trim_start().starts_with("```") {
            in_code = !in_code;
            continue;
        }
        if !in_code {
            continue;
        }
        if let Some(path) = command_path(line)
            && !paths.contains(&path)
        {
            paths.push(path);
        }
    }
    assert!(
        paths.len() >= 20,
        "the README names only {} commands: is the parser still reading its code blocks?",
        paths.len()
    );
    let mut failures = Vec::new();
    for path in &paths {
        let out = Command::new(env!("CARGO_BIN_EXE_canali"))
            .args(path)
            .arg("--help")
            .output()
            .expect("canali runs");
        let text = String::from_utf8_lossy(&out.stdout);
        if !out.status.success() || !text.contains("Usage:") {
            failures.push(format!(
                "`canali {} --help` failed: {}",
                path.join(" "),
                String::from_utf8_lossy(&out.stderr).trim()
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn the_parser_stops_at_arguments() {
    let path = |l: &str| command_path(l).unwrap().join(" ");
    assert_eq!(
        path("canali branches ticket take SP-BO-01 A   # the queue"),
        "branches ticket take"
    );
    assert_eq!(
        path("canali import contacts contacts.csv"),
        "import contacts"
    );
    assert_eq!(path("canali --help"), "");
    assert_eq!(
        path("canali import queue-log /var/log/asterisk/queue_log --follow"),
        "import queue-log"
    );
    assert!(command_path("cargo run --release -- demo").is_none());
}
