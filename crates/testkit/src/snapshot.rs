//! Snapshot files: what a command or a document printed, compared with the committed copy.
//! A change meant to alter it is recorded by running the tests with `UPDATE_SNAPSHOTS=1` and
//! committing the new file with the reason; any other difference fails, naming the first line.

use std::path::Path;

/// Compares `actual` with the file at `path`, or rewrites the file under `UPDATE_SNAPSHOTS=1`.
pub fn check_snapshot(path: &Path, actual: &str) {
    if std::env::var_os("UPDATE_SNAPSHOTS").is_some() {
        std::fs::create_dir_all(path.parent().expect("a snapshot in a folder")).unwrap();
        std::fs::write(path, actual).unwrap();
        return;
    }
    let expected = std::fs::read_to_string(path).unwrap_or_else(|e| {
        panic!(
            "snapshot {} cannot be read ({e}); run with UPDATE_SNAPSHOTS=1",
            path.display()
        )
    });
    if expected != actual {
        let first = expected
            .lines()
            .zip(actual.lines())
            .position(|(e, a)| e != a)
            .unwrap_or_else(|| expected.lines().count().min(actual.lines().count()));
        panic!(
            "{} changed at line {}:\n  was: {:?}\n  now: {:?}\n(run with UPDATE_SNAPSHOTS=1 if the change is meant)",
            path.display(),
            first + 1,
            expected.lines().nth(first).unwrap_or("<end>"),
            actual.lines().nth(first).unwrap_or("<end>"),
        );
    }
}
