//! Writes the shipped annexes into a folder (default `inputs/`):
//!
//! ```text
//! cargo run --example gen_annexes -- inputs/
//! ```
//!
//! - `2023-annexe-repartition-regionale.xlsx`: annexe 2 of instruction n° DGCS/DNS/CNSA/
//!   2023/13, the regional split of the 67 M€;
//! - `2021-annexe-appel-national.ods`: the annex of décision n° 2021-37 of the CNSA, the
//!   ten projects of the 2021 national call;
//! - `2023-02-bo-instruction-2023-13-annexe-2.pdf`: the same annexe 2 of 2023 as the
//!   Bulletin officiel prints it, over two pages.
//!
//! Their descriptions (`*.toml` beside them) are written by hand, like every description.
//! The workbooks are built by `tests/it/support/workbook.rs` and the PDF by
//! `tests/it/support/bo_pdf.rs`, which the tests also use to check that the shipped files
//! hold exactly what they build.

#[path = "../tests/it/support/workbook.rs"]
mod workbook;

#[path = "../crates/pdf-layout/tests/it/pdfgen.rs"]
mod pdfgen;

#[path = "../tests/it/support/bo_pdf.rs"]
mod bo_pdf;

use std::path::PathBuf;

fn main() -> Result<(), workbook::BoxError> {
    let dir = std::env::args_os()
        .nth(1)
        .map_or_else(|| PathBuf::from("inputs"), PathBuf::from);
    std::fs::create_dir_all(&dir)?;
    let files = [
        (
            "2023-annexe-repartition-regionale.xlsx",
            workbook::annexe_2023_xlsx()?,
        ),
        (
            "2021-annexe-appel-national.ods",
            workbook::annexe_2021_ods()?,
        ),
        (bo_pdf::ANNEXE_2023_PDF, bo_pdf::annexe_2023_pdf()),
    ];
    for (name, bytes) in files {
        let path = dir.join(name);
        std::fs::write(&path, &bytes)
            .map_err(|e| format!("cannot write {}: {e}", path.display()))?;
        eprintln!("wrote {} ({} bytes)", path.display(), bytes.len());
    }
    Ok(())
}
