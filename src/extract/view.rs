//! Sources as readers see them, for report.html: the lines of a text or of a PDF's text
//! layer (as the extraction numbers them), or the cells of a spreadsheet's sheets.

use crate::extract::Source;
use crate::model::source_view::{SourceLine, SourceView};

/// A sheet larger than this is shown in part: report.html stays small enough to open.
const MAX_ROWS: usize = 400;
const MAX_COLUMNS: usize = 40;

pub fn view(file: &str, source: &Source<'_>) -> SourceView {
    match source {
        Source::Text(text) => SourceView::Lines {
            file: file.to_string(),
            lines: text
                .lines()
                .enumerate()
                .map(|(i, line)| SourceLine {
                    page: None,
                    line: u32::try_from(i + 1).unwrap_or(u32::MAX),
                    printed_page: None,
                    text: line.to_string(),
                })
                .collect(),
        },
        Source::Pdf(layer) => SourceView::Lines {
            file: file.to_string(),
            lines: layer
                .lines
                .iter()
                .zip(layer.text.lines())
                .map(|(at, text)| SourceLine {
                    page: Some(at.page),
                    line: at.line,
                    printed_page: at.printed_page.clone(),
                    text: text.to_string(),
                })
                .collect(),
        },
        Source::Spreadsheet(path) => SourceView::Sheets {
            file: file.to_string(),
            sheets: crate::extract::sheet::preview(file, path, MAX_ROWS, MAX_COLUMNS),
        },
    }
}
