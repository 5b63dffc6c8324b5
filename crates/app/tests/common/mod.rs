//! What the app's process-level tests share: the `canali` binary run as a user runs it.
#![allow(dead_code)]

use serde_json::Value;
use std::path::Path;
use std::process::{Command, Output};

/// The binary, quiet, with none of the caller's settings leaking in from the environment.
pub fn canali() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_canali"));
    c.arg("--quiet")
        .env_remove("CANALI_DATABASE_URL")
        .env_remove("CANALI_CONFIG")
        .env_remove("CANALI_LOG")
        .env_remove("RUST_LOG");
    c
}

/// [`canali`] in `dir` (where it reads `canali.toml` and writes relative paths).
pub fn canali_in(dir: &Path) -> Command {
    let mut c = canali();
    c.current_dir(dir);
    c
}

/// Runs `canali --db DB ARGS...` and checks that it succeeded.
pub fn run(mut command: Command, db: &str, args: &[&str]) -> Output {
    let out = command
        .args(["--db", db])
        .args(args)
        .output()
        .expect("the canali binary runs");
    assert!(
        out.status.success(),
        "canali {args:?} failed: {}\n{}",
        String::from_utf8_lossy(&out.stderr),
        String::from_utf8_lossy(&out.stdout)
    );
    out
}

/// Simulates the small utility the tests read (scale 0.01, seed 42, 2010-2011) into DB.
pub fn simulate_small(db: &str) {
    run(
        canali(),
        db,
        &[
            "simulate",
            "--from",
            "2010-01-01",
            "--to",
            "2011-12-31",
            "--scale",
            "0.01",
            "--seed",
            "42",
        ],
    );
}

/// The 2011 report of DB as JSON.
pub fn report_json(command: Command, db: &str) -> Value {
    let out = run(
        command,
        db,
        &["report", "--year", "2011", "--format", "json"],
    );
    serde_json::from_slice(&out.stdout).expect("the report is JSON")
}
