//! Annexe 2 of instruction n° DGCS/DNS/CNSA/2023/13 du 16 janvier 2023 as a Bulletin
//! officiel PDF: the figures of `workbook::REPARTITION_2023` (those of the re-typed
//! spreadsheet and of the press text), laid out as the BO prints an annex: running head
//! with the printed page number, title, a table whose column header is repeated at the top
//! of the next page, a Total row, a source note. Written to `inputs/` by
//! `cargo run --example gen_annexes -- inputs/`, with the crate's PDF generator
//! (`crates/pdf-layout/tests/it/pdfgen.rs`: base-14 Helvetica, thousands separated by
//! no-break spaces).

use super::pdfgen::{Content, text_pages};
use super::workbook::{REPARTITION_2023, TOTAL_2023};

/// The shipped file's name in `inputs/`.
pub const ANNEXE_2023_PDF: &str = "2023-02-bo-instruction-2023-13-annexe-2.pdf";

/// "8 348 102" with no-break spaces, as the BO typesets amounts.
fn euros(amount: i64) -> String {
    let digits = amount.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push('\u{a0}');
        }
        out.push(c);
    }
    out
}

/// "12,46" (a share to two decimals, French comma), computed in integers.
fn share(amount: i64) -> String {
    let basis_points = (amount * 10_000 + TOTAL_2023 / 2) / TOTAL_2023;
    format!("{},{:02}", basis_points / 100, basis_points % 100)
}

fn running_head(c: &mut Content, printed_page: u32) {
    c.text(
        56.0,
        806.0,
        8.0,
        &format!(
            "Bulletin officiel Santé – Protection sociale – Solidarité n° 2023/3 du 15 février 2023, Page {printed_page}"
        ),
    );
}

/// Columns of the table: region name at `NAME_X`, amounts and shares right-aligned.
const NAME_X: f64 = 62.0;
const AMOUNT_RIGHT: f64 = 400.0;
const SHARE_RIGHT: f64 = 520.0;
const SIZE: f64 = 10.0;

fn header(c: &mut Content, y: f64) {
    c.text(NAME_X, y, SIZE, "Région");
    c.text_right(AMOUNT_RIGHT, y, SIZE, "Crédits 2023 (en euros)");
    c.text_right(SHARE_RIGHT, y, SIZE, "Part (en %)");
    c.hline(NAME_X - 6.0, SHARE_RIGHT + 6.0, y - 6.0);
}

fn row(c: &mut Content, y: f64, label: &str, amount: i64) {
    c.text(NAME_X, y, SIZE, label);
    c.text_right(AMOUNT_RIGHT, y, SIZE, &euros(amount));
    c.text_right(SHARE_RIGHT, y, SIZE, &share(amount));
    c.hline(NAME_X - 6.0, SHARE_RIGHT + 6.0, y - 8.0);
}

/// The two pages of the annex (BO pages 33 and 34): twelve regions on the first, six and
/// the Total on the second under the repeated column header.
pub fn annexe_2023_pdf() -> Vec<u8> {
    let mut first = Content::default();
    running_head(&mut first, 33);
    first.text(56.0, 760.0, 12.0, "ANNEXE 2");
    first.text(
        56.0,
        738.0,
        11.0,
        "Répartition régionale des crédits ESMS numérique 2023",
    );
    for (i, line) in [
        "Crédits délégués aux agences régionales de santé au titre de la phase de généralisation",
        "du programme ESMS numérique (instruction n° DGCS/DNS/CNSA/2023/13 du 16 janvier 2023).",
    ]
    .iter()
    .enumerate()
    {
        first.text(56.0, 712.0 - 14.0 * i as f64, SIZE, line);
    }
    header(&mut first, 664.0);
    let (on_first, on_second) = REPARTITION_2023.split_at(12);
    for (i, (label, amount)) in on_first.iter().enumerate() {
        row(&mut first, 642.0 - 24.0 * i as f64, label, *amount);
    }

    let mut second = Content::default();
    running_head(&mut second, 34);
    header(&mut second, 770.0);
    let mut y = 748.0;
    for (label, amount) in on_second {
        row(&mut second, y, label, *amount);
        y -= 24.0;
    }
    second.text(NAME_X, y, SIZE, "Total");
    second.text_right(AMOUNT_RIGHT, y, SIZE, &euros(TOTAL_2023));
    second.text_right(SHARE_RIGHT, y, SIZE, "100,00");
    second.text(
        56.0,
        y - 40.0,
        8.0,
        "Source : instruction n° DGCS/DNS/CNSA/2023/13 du 16 janvier 2023, annexe 2.",
    );
    text_pages(vec![first, second])
}
