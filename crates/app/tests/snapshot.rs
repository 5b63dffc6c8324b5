//! The binary's outside stays put while its inside changes: the help of every command and the
//! JSON of every command that prints JSON are compared with the files in `tests/snapshots/`.
//! A change meant to alter them is made by running the tests with `UPDATE_SNAPSHOTS=1` and
//! committing the new files with the reason; any other difference fails here.

use canali_store::testing::fresh_sqlite;
use std::path::PathBuf;
use std::process::Command;

mod common;

fn snapshot_path(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/snapshots")
        .join(name)
}

/// Compares `actual` with the snapshot `name`, or rewrites it under `UPDATE_SNAPSHOTS=1`.
fn check_snapshot(name: &str, actual: &str) {
    canali_testkit::check_snapshot(&snapshot_path(name), actual);
}

/// The help of `canali PATH... --help`.
fn help(path: &[String]) -> String {
    let out = Command::new(env!("CARGO_BIN_EXE_canali"))
        .args(path)
        .arg("--help")
        .env("COLUMNS", "100")
        .output()
        .expect("canali runs");
    assert!(
        out.status.success(),
        "canali {} --help failed",
        path.join(" ")
    );
    String::from_utf8(out.stdout).expect("help is UTF-8")
}

/// The subcommands a help text lists under "Commands:" (without `help`).
fn subcommands(help: &str) -> Vec<String> {
    help.lines()
        .skip_while(|l| l.trim_end() != "Commands:")
        .skip(1)
        .take_while(|l| !l.trim().is_empty())
        .filter(|l| l.starts_with("  ") && !l.starts_with("    "))
        .filter_map(|l| l.split_whitespace().next().map(str::to_string))
        .filter(|name| name != "help")
        .collect()
}

#[test]
fn the_help_of_every_command_is_unchanged() {
    let mut all = String::new();
    let mut pending: Vec<Vec<String>> = vec![Vec::new()];
    let mut seen = 0;
    while let Some(path) = pending.pop() {
        let text = help(&path);
        seen += 1;
        all.push_str(&format!("==== canali {} --help\n", path.join(" ")));
        all.push_str(&text);
        for sub in subcommands(&text).into_iter().rev() {
            let mut child = path.clone();
            child.push(sub);
            pending.push(child);
        }
    }
    assert!(
        seen > 30,
        "only {seen} commands found: is the walk reading the help?"
    );
    check_snapshot("help.txt", &all);
}

/// Every command that prints JSON, on a small simulated utility (the seed fixes it).
#[tokio::test]
async fn the_json_of_every_command_is_unchanged() {
    let db = fresh_sqlite().await.expect("a SQLite store");
    let run = |args: &[&str]| {
        let out = common::run(common::canali(), &db.url, args);
        String::from_utf8(out.stdout).expect("JSON is UTF-8")
    };
    common::simulate_small(&db.url);
    let commands: &[(&str, &[&str])] = &[
        (
            "report-2011.json",
            &["report", "--year", "2011", "--format", "json"],
        ),
        (
            "branches-list.json",
            &["branches", "list", "--at", "2011-06-30", "--format", "json"],
        ),
        (
            "kpi-branches.json",
            &["kpi", "branches", "--month", "2011-03", "--format", "json"],
        ),
        (
            "kpi-call-center.json",
            &[
                "kpi",
                "call-center",
                "--month",
                "2011-03",
                "--format",
                "json",
            ],
        ),
        (
            "kpi-requests-2011.json",
            &[
                "kpi",
                "requests",
                "--year",
                "2011",
                "--today",
                "2012-06-30",
                "--format",
                "json",
            ],
        ),
        (
            "staff-plan.json",
            &[
                "staff",
                "plan",
                "--line",
                "residential",
                "--week",
                "2011-03-07",
                "--format",
                "json",
            ],
        ),
    ];
    for (name, args) in commands {
        let text = run(args);
        serde_json::from_str::<serde_json::Value>(&text)
            .unwrap_or_else(|e| panic!("canali {args:?} printed no JSON: {e}"));
        check_snapshot(name, &text);
    }
}

#[test]
fn the_walk_reads_commands_from_help() {
    let text = "Usage: canali\n\nCommands:\n  demo   The demo\n          more\n  serve  Serve\n  help   Print\n\nOptions:\n  --db\n";
    assert_eq!(subcommands(text), vec!["demo", "serve"]);
}
