//! A PDF's text layer as a text the text extractor reads, with where each of its lines
//! stands in the PDF.
//!
//! `pdf_layout` (crates/pdf-layout, pure Rust) rebuilds lines and table columns from the
//! glyph positions: cells apart by two spaces or more, thousands by one, two-column pages
//! column by column, running heads and footers flagged. The body lines of every page, in
//! order, make a text like one copied out of the PDF by hand, so anchors, tables, prose
//! and claims read as they do in a text; a table continued on the next page under its
//! repeated column header is one table, as in a text. Each line keeps its PDF page, its
//! line on that page and the page number the publication prints, and every figure read
//! from it is located there (`Location::Page`).

use crate::error::Error;
use crate::model::{Location, Publication};
use std::cell::Cell;
use std::sync::Once;

/// Bounds on reading one PDF: far above a Bulletin officiel issue (a few hundred pages of
/// at most ~5,000 glyphs each), low enough that a hostile file stops in seconds.
const LIMITS: pdf_layout::Limits = pdf_layout::Limits {
    max_pages: 2_000,
    max_glyphs: 20_000_000,
};

/// The body text of a PDF and, for each of its lines, where that line stands.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PdfText {
    /// Body lines of every page, in reading order, joined by `\n`.
    pub text: String,
    /// One entry per line of `text`, in the same order.
    pub lines: Vec<PageLine>,
}

/// Where one line of a PDF's body text stands.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PageLine {
    /// 1-based PDF page.
    pub page: u32,
    /// 1-based line on the page, furniture included.
    pub line: u32,
    /// The page number printed on the page, if its running head or footer gives one.
    pub printed_page: Option<String>,
}

impl PageLine {
    /// Characters `span` (0-based, end exclusive) of this line of `file`.
    pub fn location(&self, file: &str, span: (u32, u32)) -> Location {
        Location::Page {
            file: file.to_string(),
            page: self.page,
            line: self.line,
            span,
            printed_page: self.printed_page.clone(),
        }
    }
}

/// Reads the text layer of a publication's PDF. A scan, an encrypted or a damaged file is
/// an unreadable input, named with what to do.
pub fn read(p: &Publication) -> Result<PdfText, Error> {
    let document = read_quietly(&p.bytes).map_err(|e| {
        Error::input(
            &p.source_path,
            format!(
                "cannot read the PDF named by {} (publication.source): {e}",
                p.description_path.display()
            ),
        )
    })?;
    Ok(body_text(&document))
}

/// Reads the text layer of a PDF no description names yet (`scaffold`): its body text,
/// and the running heads and footers of its first page (the BO's "Bulletin officiel … du
/// 15 février 2023, Page 33"), which say where and when it was published.
pub fn read_file(path: &std::path::Path, bytes: &[u8]) -> Result<(PdfText, Vec<String>), Error> {
    let document = read_quietly(bytes)
        .map_err(|e| Error::input(path, format!("cannot read this PDF: {e}")))?;
    let furniture = document
        .pages
        .first()
        .map(|page| {
            page.lines
                .iter()
                .filter(|l| l.furniture)
                .map(|l| l.text.clone())
                .collect()
        })
        .unwrap_or_default();
    Ok((body_text(&document), furniture))
}

thread_local! {
    /// Set while this thread reads a PDF.
    static READING_PDF: Cell<bool> = const { Cell::new(false) };
}

/// `pdf_layout::read` catches the panics of the PDF parser on malformed files and returns
/// them as `Damaged`, but the panic hook has already printed them on stderr by then: a
/// damaged download would put a Rust panic message in a cron mail above the error that
/// says what to do. While a PDF is read, the hook stays quiet (the message goes to the
/// debug log); any other panic is shown by the hook that was installed before.
fn read_quietly(bytes: &[u8]) -> Result<pdf_layout::Document, pdf_layout::PdfError> {
    static QUIET_HOOK: Once = Once::new();
    QUIET_HOOK.call_once(|| {
        let previous = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            if READING_PDF.with(Cell::get) {
                tracing::debug!(panic = %info, "the PDF parser gave up; reported as a damaged file");
            } else {
                previous(info);
            }
        }));
    });
    /// Clears the flag however the read ends.
    struct Reading;
    impl Drop for Reading {
        fn drop(&mut self) {
            READING_PDF.with(|r| r.set(false));
        }
    }
    READING_PDF.with(|r| r.set(true));
    let _reading = Reading;
    pdf_layout::read(bytes, LIMITS)
}

/// The body lines of every page, in order, with their place; running heads, footers and
/// page numbers are left out.
pub fn body_text(document: &pdf_layout::Document) -> PdfText {
    let mut text = String::new();
    let mut lines = Vec::new();
    for page in &document.pages {
        for line in page.lines.iter().filter(|l| !l.furniture) {
            if !lines.is_empty() {
                text.push('\n');
            }
            text.push_str(&line.text);
            lines.push(PageLine {
                page: page.index,
                line: line.number,
                printed_page: page.printed.clone(),
            });
        }
    }
    PdfText { text, lines }
}

#[cfg(test)]
mod tests {
    use super::*;
    use pdf_layout::{Document, Line, Page};

    fn line(number: u32, text: &str, furniture: bool) -> Line {
        Line {
            number,
            text: text.to_string(),
            furniture,
        }
    }

    #[test]
    fn body_lines_keep_their_page_line_and_printed_page() {
        let document = Document {
            pages: vec![
                Page {
                    index: 1,
                    printed: Some("45".to_string()),
                    lines: vec![
                        line(1, "BO Santé … Page 45", true),
                        line(2, "Région    Montant", false),
                        line(3, "Bretagne  3 596 244", false),
                    ],
                },
                Page {
                    index: 2,
                    printed: None,
                    lines: vec![],
                },
                Page {
                    index: 3,
                    printed: None,
                    lines: vec![line(1, "Corse  398 640", false), line(2, "- 3 -", true)],
                },
            ],
        };
        let body = body_text(&document);
        assert_eq!(
            body.text,
            "Région    Montant\nBretagne  3 596 244\nCorse  398 640"
        );
        let places: Vec<(u32, u32, Option<&str>)> = body
            .lines
            .iter()
            .map(|l| (l.page, l.line, l.printed_page.as_deref()))
            .collect();
        assert_eq!(
            places,
            [(1, 2, Some("45")), (1, 3, Some("45")), (3, 1, None)]
        );
        assert_eq!(
            body.lines[1].location("bo.pdf", (10, 19)).to_string(),
            "bo.pdf p.1:3:11-19 [page 45]"
        );
    }
}
