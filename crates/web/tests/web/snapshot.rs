//! The API's contract stays put while the inside changes: the OpenAPI document is compared with
//! `tests/web/snapshots/openapi.json`. A change meant to alter it is made by running the tests
//! with `UPDATE_SNAPSHOTS=1` and committing the new file with the reason.

#[test]
fn the_openapi_document_is_unchanged() {
    let actual = serde_json::to_string_pretty(&canali_web::api::document())
        .expect("the document is JSON")
        + "\n";
    let path =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/web/snapshots/openapi.json");
    canali_testkit::check_snapshot(&path, &actual);
}
