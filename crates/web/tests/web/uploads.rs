//! Files on the forms (issue 17, #5): a file's type is told by its content and only PDF, JPEG
//! and PNG are taken; the stored type is the one sent back; a file over the per-file limit and
//! a form over the site's limit show the form again naming the limit.

use crate::common;

use common::*;
use reqwest::multipart::{Form, Part};

fn complaint(token: &str, file: Vec<u8>, name: &str, declared: &str) -> Form {
    Form::new()
        .text("csrf", token.to_string())
        .text("kind", "complaint")
        .text("point", "11")
        .text("subject", "Bolletta troppo alta")
        .text("body", "Il consumo fatturato non corrisponde alla lettura.")
        .part(
            "files",
            Part::bytes(file)
                .file_name(name.to_string())
                .mime_str(declared)
                .unwrap(),
        )
}

#[tokio::test]
async fn only_pdf_and_images_are_taken_and_sent_with_their_type() {
    for app in spawn_apps().await {
        let c = registered_customer(&app).await;
        let url = format!("{}/requests/new", app.base);
        // An HTML page declared as a PDF, and one declared as HTML: both refused, nothing stored.
        for (name, declared) in [("nota.pdf", "application/pdf"), ("nota.html", "text/html")] {
            let token = csrf(&c, &url).await;
            let html = b"<html><script>alert(1)</script></html>".to_vec();
            let r = c
                .post(&url)
                .multipart(complaint(&token, html, name, declared))
                .send()
                .await
                .unwrap();
            assert_eq!(r.status(), 400, "{name} on {}", app.backend);
            let page = r.text().await.unwrap();
            assert!(page.contains(name) && page.contains("PDF"), "{page}");
            assert!(
                page.contains("Bolletta troppo alta"),
                "the form keeps what was typed"
            );
        }
        assert!(app.store.requests().of(1).await.unwrap().is_empty());

        // A PNG declared as HTML is taken, stored and sent back as a PNG.
        let token = csrf(&c, &url).await;
        let png = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR".to_vec();
        let r = c
            .post(&url)
            .multipart(complaint(&token, png.clone(), "foto.png", "text/html"))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 303, "{}", r.text().await.unwrap());
        let request = app.store.requests().of(1).await.unwrap()[0].id;
        let file = app.store.requests().attachments_of(request).await.unwrap()[0].id;
        let r = c
            .get(format!("{}/requests/{request}/files/{file}", app.base))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 200);
        assert_eq!(r.headers()["content-type"], "image/png");
        assert!(
            r.headers()["content-disposition"]
                .to_str()
                .unwrap()
                .starts_with("attachment")
        );
        assert_eq!(r.bytes().await.unwrap().as_ref(), png.as_slice());
    }
}

#[tokio::test]
async fn files_over_the_limits_show_the_form_naming_the_limit() {
    for app in spawn_apps().await {
        let c = registered_customer(&app).await;
        let url = format!("{}/requests/new", app.base);
        // A 3 MB PDF is under the 5 MB limit: taken (axum's 2 MB default does not apply).
        let mut pdf = b"%PDF-1.4\n".to_vec();
        pdf.resize(3 * 1024 * 1024, b' ');
        let token = csrf(&c, &url).await;
        let r = c
            .post(&url)
            .multipart(complaint(
                &token,
                pdf.clone(),
                "scan.pdf",
                "application/pdf",
            ))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 303, "{}", r.text().await.unwrap());

        // 6 MB: over the per-file limit.
        pdf.resize(6 * 1024 * 1024, b' ');
        let token = csrf(&c, &url).await;
        let r = c
            .post(&url)
            .multipart(complaint(
                &token,
                pdf.clone(),
                "grande.pdf",
                "application/pdf",
            ))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 400);
        let page = r.text().await.unwrap();
        assert!(
            page.contains("grande.pdf") && page.contains("5 MB"),
            "{page}"
        );
        assert!(page.contains("<form"), "the form again");

        // 25 MB: over the site's 20 MiB limit for a whole form.
        pdf.resize(25 * 1024 * 1024, b' ');
        let token = csrf(&c, &url).await;
        let r = c
            .post(&url)
            .multipart(complaint(&token, pdf, "enorme.pdf", "application/pdf"))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 413);
        assert!(
            r.headers()["content-type"]
                .to_str()
                .unwrap()
                .starts_with("text/html")
        );
        let page = r.text().await.unwrap();
        assert!(page.contains("20 MB") && page.contains("<form"), "{page}");
        assert_eq!(app.store.requests().of(1).await.unwrap().len(), 1);

        // An API body over the limit is a problem, not plain text.
        let big = vec![b' '; 21 * 1024 * 1024];
        let r = app
            .api_request(reqwest::Method::POST, "/api/v1/contacts/batch")
            .await
            .body(big)
            .send()
            .await
            .unwrap();
        problem(r, 413).await;
    }
}
