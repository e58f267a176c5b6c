//! A source as a reader sees it: its lines (a text, a PDF's text layer) or its sheets'
//! cells, embedded in report.html so that every location opens on the source itself.

use serde::Serialize;

/// One line of a text or of a PDF's text layer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SourceLine {
    /// The PDF page (1-based); `None` for a text.
    pub page: Option<u32>,
    /// 1-based; for a PDF, the line on its page.
    pub line: u32,
    /// The page number the publication prints, for a PDF page that gives one.
    pub printed_page: Option<String>,
    pub text: String,
}

/// One sheet's used cells, as displayed text, from its first used cell.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SheetGrid {
    pub name: String,
    /// 0-based row and column of `rows[0][0]`.
    pub origin: (u32, u32),
    pub rows: Vec<Vec<String>>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum SourceView {
    Lines {
        file: String,
        lines: Vec<SourceLine>,
    },
    Sheets {
        file: String,
        sheets: Vec<SheetGrid>,
    },
}

impl SourceView {
    pub fn file(&self) -> &str {
        match self {
            SourceView::Lines { file, .. } | SourceView::Sheets { file, .. } => file,
        }
    }
}
