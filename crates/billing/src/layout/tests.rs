use super::*;

fn error_of(layout: &str) -> String {
    match LayoutRenderer::new(layout, "edited.toml", Company::default()) {
        Ok(_) => panic!("the layout was accepted"),
        Err(e) => e.to_string(),
    }
}

#[test]
fn the_default_layout_renders_email_and_paper_bills() {
    let r = LayoutRenderer::default_layout(Company::default());
    let mut doc = crate::document::sample_documents(1).remove(0);
    let email = r.render(&[&doc]).unwrap();
    doc.paper = true;
    let paper = r.render(&[&doc]).unwrap();
    assert_eq!(
        (email.pages.clone(), paper.pages.clone()),
        (vec![1], vec![1])
    );
    assert!(email.pdf.starts_with(b"%PDF-"));
    // The paper bill carries the address window and the e-bill form on top.
    assert!(paper.pdf.len() > email.pdf.len());
    // The same bill gives the same file.
    assert_eq!(r.render(&[&doc]).unwrap().pdf, paper.pdf);
}

#[test]
fn an_unknown_field_is_named_with_its_section() {
    let e = error_of(
        "[page]\nwidth = 210\nheight = 297\ntop = 18\nbottom = 270\n\
         [[section]]\nheight = 10\ntext = [{ x = 1, y = 1, text = \"{customer.nome}\" }]\n",
    );
    assert!(e.contains("edited.toml: section 1"), "{e}");
    assert!(
        e.contains("{customer.nome}") && e.contains("customer.name"),
        "{e}"
    );
}

#[test]
fn a_syntax_error_gives_the_line_and_a_bad_colour_its_name() {
    let e = error_of("[page]\nwidth = 210\nheight = = 297\n");
    assert!(e.contains("edited.toml") && e.contains("line 3"), "{e}");
    let e = error_of(
        "[page]\nwidth = 210\nheight = 297\ntop = 18\nbottom = 270\n\
         [[section]]\nheight = 10\nrect = [{ x = 1, y = 1, w = 2, h = 2, fill = \"verde\" }]\n",
    );
    assert!(e.contains("\"verde\""), "{e}");
    let e = error_of(
        "[page]\nwidth = 210\nheight = 297\ntop = 18\nbottom = 270\n\
         [[section]]\nheight = 10\ncolour = \"#000000\"\n",
    );
    assert!(e.contains("colour"), "{e}");
}

#[test]
fn long_texts_wrap_at_spaces() {
    let face = &fonts().regular;
    let text = "Entro il 23/11/2011 con addebito diretto SEPA, con bonifico sull'IBAN";
    let lines = face.wrap(text, 9.0, 100.0);
    assert!(lines.len() > 1, "{lines:?}");
    assert_eq!(lines.join(" "), text);
    assert!(lines.iter().all(|l| face.width(l) * 9.0 <= 100.0));
    // A word longer than the line stands alone.
    assert_eq!(
        face.wrap("Supercalifragilistic", 9.0, 10.0),
        vec!["Supercalifragilistic"]
    );
}
