//! The API's contract stays put while the inside changes: the OpenAPI document is compared with
//! `tests/web/snapshots/openapi.json`. A change meant to alter it is made by running the tests
//! with `UPDATE_SNAPSHOTS=1` and committing the new file with the reason.

use canali_web::api::ApiDoc;
use utoipa::OpenApi;

#[test]
fn the_openapi_document_is_unchanged() {
    let actual = ApiDoc::openapi()
        .to_pretty_json()
        .expect("the document is JSON")
        + "\n";
    let path =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/web/snapshots/openapi.json");
    if std::env::var_os("UPDATE_SNAPSHOTS").is_some() {
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, &actual).unwrap();
        return;
    }
    let expected = std::fs::read_to_string(&path).unwrap_or_else(|e| {
        panic!(
            "{} cannot be read ({e}); run with UPDATE_SNAPSHOTS=1",
            path.display()
        )
    });
    if expected != actual {
        let line = expected
            .lines()
            .zip(actual.lines())
            .position(|(e, a)| e != a)
            .unwrap_or_else(|| expected.lines().count().min(actual.lines().count()));
        panic!(
            "the OpenAPI document changed at line {}:\n  was: {:?}\n  now: {:?}\n(run with UPDATE_SNAPSHOTS=1 if the change is meant)",
            line + 1,
            expected.lines().nth(line).unwrap_or("<end>"),
            actual.lines().nth(line).unwrap_or("<end>"),
        );
    }
}
