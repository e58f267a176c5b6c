//! Text of a PDF as laid-out lines, in pure Rust.
//!
//! `read` turns the bytes of a PDF into pages of lines, close to what poppler's
//! `pdftotext -layout` prints:
//!
//! - lines are built from glyph baselines, top to bottom;
//! - table columns stay apart: a horizontal gap wider than about one and a half space widths
//!   becomes two or more spaces, and a segment is placed near the character column its
//!   position implies, so amounts line up and a splitter on `\s{2,}` finds the cells;
//! - a thousands separator (a plain space or a no-break space, both one space wide) stays a
//!   single space, so `1 234 567` is one cell;
//! - two-column pages (a vertical gutter free of text over most of the page) are read column
//!   by column, with lines that cross the gutter (titles, running heads) kept in place;
//! - running heads, footers and page numbers are flagged as [`Line::furniture`], and the
//!   printed page number is taken from them ([`Page::printed`]).
//!
//! The content stream, fonts, encodings and glyph widths are interpreted by the
//! `pdf-extract` crate (which uses `lopdf`); the layout is this crate's own. `read` never
//! panics: malformed input gives [`PdfError::Damaged`], and work is bounded by [`Limits`].
//!
//! ```no_run
//! let bytes = std::fs::read("bo.pdf").expect("readable file");
//! let doc = pdf_layout::read(&bytes, pdf_layout::Limits::default()).expect("a text PDF");
//! for page in &doc.pages {
//!     for line in page.lines.iter().filter(|l| !l.furniture) {
//!         let cells: Vec<&str> = line.text.trim().split("  ").filter(|c| !c.is_empty()).collect();
//!         println!("p{} l{}: {:?}", page.index, line.number, cells);
//!     }
//! }
//! ```

mod collect;
mod furniture;
mod guard;
mod layout;

use std::cell::Cell;
use std::panic::{AssertUnwindSafe, catch_unwind};

/// A whole PDF as laid-out text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Document {
    /// One entry per PDF page, in file order (pages without text have no lines).
    pub pages: Vec<Page>,
}

/// One PDF page.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Page {
    /// 1-based page index in the PDF file.
    pub index: u32,
    /// The page number printed on the page, when a running head or footer gives it
    /// (`"… n° 2023/3 du 15 février 2023, Page 45"` gives `"45"`, `"- 46 -"` gives `"46"`).
    pub printed: Option<String>,
    /// Lines in reading order, furniture included.
    pub lines: Vec<Line>,
}

/// One line of text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Line {
    /// 1-based position of the line on its page, in reading order, counting every line
    /// including furniture (so numbers are stable whatever a consumer filters out).
    pub number: u32,
    /// The text. Leading spaces give the indentation relative to the text's left edge (of
    /// the column, on two-column pages); runs of two or more spaces separate table cells;
    /// no trailing spaces.
    pub text: String,
    /// A running head, running footer or page number rather than body text.
    pub furniture: bool,
}

/// Why a PDF could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PdfError {
    /// The pages have no text to extract: a scan or an image-only export.
    #[error(
        "the PDF has {pages} page(s) but no text layer (it is probably a scan or an image export); \
         find a text version of the publication, or run OCR on it first"
    )]
    NoTextLayer {
        /// Number of pages in the file.
        pages: u32,
    },
    /// The PDF needs a password to be opened.
    #[error(
        "the PDF is encrypted and needs a password to be opened; \
         get an unprotected copy of the publication"
    )]
    Encrypted,
    /// The file is not a PDF, is truncated or is corrupt.
    #[error(
        "the PDF could not be read ({0}); the file may be truncated or corrupt: \
         download it again and check that it opens in a PDF viewer"
    )]
    Damaged(String),
    /// The file is over the limits given to [`read`].
    #[error("the PDF is too large to process ({0}); raise the limit or split the file")]
    TooLarge(String),
}

/// Bounds on the work [`read`] does for one file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Most pages accepted.
    pub max_pages: u32,
    /// Most glyphs drawn, over all pages (every character shown by the content streams,
    /// spaces included).
    pub max_glyphs: u64,
}

impl Default for Limits {
    /// 2,000 pages and 20 million glyphs: far above a Bulletin officiel issue (a few hundred
    /// pages of at most ~5,000 glyphs), low enough to stop a hostile file in seconds.
    fn default() -> Self {
        Limits {
            max_pages: 2_000,
            max_glyphs: 20_000_000,
        }
    }
}

/// Reads a PDF from memory and lays out its text.
///
/// Errors: [`PdfError::Encrypted`] when a password is needed, [`PdfError::NoTextLayer`]
/// when the pages draw no glyph, [`PdfError::TooLarge`] when over `limits`, and
/// [`PdfError::Damaged`] for anything that is not a readable PDF (including content the
/// underlying parser gives up on).
pub fn read(bytes: &[u8], limits: Limits) -> Result<Document, PdfError> {
    // The page being interpreted, for the message if the parser panics.
    let current_page = Cell::new(0u32);
    // The parsing crates are not panic-free on malformed input; a panic is a damaged file
    // for our callers, never a crash of the batch.
    match catch_unwind(AssertUnwindSafe(|| {
        read_unguarded(bytes, limits, &current_page)
    })) {
        Ok(result) => result,
        Err(payload) => {
            let reason = payload
                .downcast_ref::<&str>()
                .map(|s| (*s).to_string())
                .or_else(|| payload.downcast_ref::<String>().cloned())
                .unwrap_or_else(|| "unknown reason".to_string());
            let place = match current_page.get() {
                0 => "while reading the document structure".to_string(),
                n => format!("on page {n}"),
            };
            Err(PdfError::Damaged(format!(
                "the PDF parser failed {place}: {}",
                shorten(&reason)
            )))
        }
    }
}

fn read_unguarded(
    bytes: &[u8],
    limits: Limits,
    current_page: &Cell<u32>,
) -> Result<Document, PdfError> {
    // lopdf accepts a header anywhere in the buffer; a missing one is the commonest "PDF"
    // that is really an HTML error page, so say so plainly.
    if !bytes.windows(5).take(1024).any(|w| w == b"%PDF-") {
        return Err(PdfError::Damaged(
            "no %PDF- header: this is not a PDF file".to_string(),
        ));
    }
    let mut doc = pdf_extract::Document::load_mem(bytes).map_err(load_error)?;
    // lopdf decrypts on load when the empty user password opens the file (owner-password
    // only protection); an /Encrypt entry still present means a password is required.
    if doc.trailer.get(b"Encrypt").is_ok() {
        return Err(PdfError::Encrypted);
    }
    let page_ids = doc.get_pages();
    let page_count = u32::try_from(page_ids.len()).unwrap_or(u32::MAX);
    if page_count == 0 {
        return Err(PdfError::Damaged("the page tree lists no page".to_string()));
    }
    if page_count > limits.max_pages {
        return Err(PdfError::TooLarge(format!(
            "{page_count} pages, the limit is {}",
            limits.max_pages
        )));
    }
    // Images go first so their pixels are neither inflated nor parsed; then nothing is
    // decompressed before its size is known to be sane.
    guard::neutralize_images(&mut doc);
    guard::check_inflated_sizes(&doc)?;
    guard::check(&doc, &page_ids)?;
    guard::normalize_page_boxes(&mut doc, &page_ids);

    let mut collector = collect::Collector::new(limits.max_glyphs, current_page);
    let outcome = pdf_extract::output_doc(&doc, &mut collector);
    if collector.over_limit() {
        return Err(PdfError::TooLarge(format!(
            "more than {} glyphs, the limit",
            limits.max_glyphs
        )));
    }
    if let Err(e) = outcome {
        let place = match current_page.get() {
            0 => String::new(),
            n => format!("page {n}: "),
        };
        return Err(PdfError::Damaged(format!(
            "{place}{}",
            shorten(&format!("{e:?}"))
        )));
    }
    let laid = collector.into_pages();
    if laid.iter().all(|p| p.lines.is_empty()) {
        if let Some(page) = guard::page_with_text_operators(&doc, &page_ids) {
            return Err(PdfError::Damaged(format!(
                "page {page}: the content shows text but could not be parsed"
            )));
        }
        return Err(PdfError::NoTextLayer { pages: page_count });
    }

    let marks = furniture::mark(&laid);
    let mut pages: Vec<Page> = page_ids
        .keys()
        .map(|&index| Page {
            index,
            printed: None,
            lines: Vec::new(),
        })
        .collect();
    for (page, mark) in laid.into_iter().zip(marks) {
        // Page numbers come from lopdf's page tree, so they always match an entry.
        if let Some(target) = pages.iter_mut().find(|p| p.index == page.index) {
            target.printed = mark.printed;
            target.lines = page
                .lines
                .into_iter()
                .zip(mark.furniture)
                .enumerate()
                .map(|(i, (line, furniture))| Line {
                    number: u32::try_from(i + 1).unwrap_or(u32::MAX),
                    text: line.text,
                    furniture,
                })
                .collect();
        }
    }
    Ok(Document { pages })
}

/// Maps a load failure to the error a user can act on.
fn load_error(e: pdf_extract::Error) -> PdfError {
    use pdf_extract::Error as E;
    match e {
        E::Decryption(_) | E::InvalidPassword | E::AlreadyEncrypted => PdfError::Encrypted,
        other => PdfError::Damaged(shorten(&other.to_string())),
    }
}

/// Keeps parser messages to one readable line.
fn shorten(s: &str) -> String {
    let one_line = s.split_whitespace().collect::<Vec<_>>().join(" ");
    if one_line.chars().count() > 200 {
        let cut: String = one_line.chars().take(200).collect();
        format!("{cut}…")
    } else {
        one_line
    }
}
