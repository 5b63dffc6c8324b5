//! The privacy notice a customer confirms reading when registering: the utility's own text from
//! the file `web.privacy_notice` (`web.privacy_notice_en` for English pages), or a default text
//! in the page's language. The file is read at each request, so an edited notice shows at once.

use crate::AppState;
use crate::auth::Ctx;
use crate::error::WebError;
use crate::i18n::Lang;
use askama::Template;
use askama_web::WebTemplate;
use axum::extract::State;
use axum::response::{IntoResponse, Response};

/// One block of the notice: a heading or a paragraph.
pub struct Block {
    pub heading: bool,
    pub text: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "portal/privacy.html")]
pub(super) struct PrivacyPage {
    ctx: Ctx,
    blocks: Vec<Block>,
}

/// The notice's blocks: paragraphs separated by blank lines, a line starting `# ` a heading.
pub fn blocks(text: &str) -> Vec<Block> {
    let mut out = Vec::new();
    let mut paragraph: Vec<&str> = Vec::new();
    let flush = |paragraph: &mut Vec<&str>, out: &mut Vec<Block>| {
        if !paragraph.is_empty() {
            out.push(Block {
                heading: false,
                text: paragraph.join(" "),
            });
            paragraph.clear();
        }
    };
    for line in text.lines().map(str::trim) {
        if line.is_empty() {
            flush(&mut paragraph, &mut out);
        } else if let Some(heading) = line.strip_prefix("# ") {
            flush(&mut paragraph, &mut out);
            out.push(Block {
                heading: true,
                text: heading.trim().to_string(),
            });
        } else {
            paragraph.push(line);
        }
    }
    flush(&mut paragraph, &mut out);
    out
}

pub(super) async fn privacy_page(
    State(state): State<AppState>,
    ctx: Ctx,
) -> Result<Response, WebError> {
    let config = &state.config;
    let file = match ctx.lang {
        Lang::En => config
            .privacy_notice_en
            .as_ref()
            .or(config.privacy_notice.as_ref()),
        Lang::It => config.privacy_notice.as_ref(),
    };
    let text = match file {
        Some(path) => {
            let path = path.clone();
            tokio::task::spawn_blocking(move || crate::config::read_notice(&path))
                .await
                .map_err(|e| WebError::Internal(e.to_string()))?
                .map_err(WebError::Internal)?
        }
        None => ctx.t("privacy.default").to_string(),
    };
    Ok(PrivacyPage {
        blocks: blocks(&text),
        ctx,
    }
    .into_response())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn blank_lines_part_paragraphs_and_hashes_make_headings() {
        let b = blocks("# Chi tratta i dati\nLa società\nper i servizi.\n\n\nSecondo.\n# Diritti");
        let shown: Vec<(bool, &str)> = b.iter().map(|b| (b.heading, b.text.as_str())).collect();
        assert_eq!(
            shown,
            [
                (true, "Chi tratta i dati"),
                (false, "La società per i servizi."),
                (false, "Secondo."),
                (true, "Diritti"),
            ]
        );
        assert!(blocks("  \n\n").is_empty());
    }
}
