//! Writes the workbooks of the spreadsheet gallery into a folder (default
//! `tests/fixtures/sheets/`), one folder a case, each with the `envelope.toml` its test reads:
//!
//! ```text
//! cargo run --example gen_sheet_fixtures -- tests/fixtures/sheets/
//! ```
//!
//! - `reads/<case>/`: a layout that must read; the test snapshots what it gives;
//! - `refused/<case>/`: a layout that must be refused (exit 65) with a message naming the
//!   file, the sheet and the cell to fix; the test snapshots the message;
//! - `asserted/<case>/`: a layout whose test states what it must give in code.
//!
//! The files are committed and the tests (`tests/it/sheets.rs`) only read them. Running the
//! generator again gives the same bytes (creation date fixed, no clock in the archives), so
//! the diff shows only the cases that changed. A case removed here is not deleted from the
//! folder: delete its folder by hand. The workbooks are written by
//! `tests/it/support/workbook.rs` (xlsx through rust_xlsxwriter, ods by hand), like the
//! shipped annexes.

#[path = "../tests/it/support/workbook.rs"]
mod workbook;

use std::io::{Cursor, Read, Write};
use std::path::{Path, PathBuf};
use workbook::{BoxError, Cell, SheetSpec, e, f, merge, n, t};

/// One case of the gallery: a workbook and the envelope a user would describe for it.
struct Fixture {
    /// The case's folder below the output folder, e.g. `reads/subtotals`.
    case: &'static str,
    /// The workbook's name, as extraction notes and errors cite it.
    file: &'static str,
    bytes: Vec<u8>,
    breakdown: &'static str,
    /// More keys of the envelope (`anchor`, `unit`, `[columns]`…), as TOML lines.
    extra: &'static str,
}

fn fixture(
    case: &'static str,
    file: &'static str,
    bytes: Vec<u8>,
    breakdown: &'static str,
    extra: &'static str,
) -> Fixture {
    Fixture {
        case,
        file,
        bytes,
        breakdown,
        extra,
    }
}

impl Fixture {
    /// `envelope.toml`: the envelope description, with every key a description requires.
    fn envelope(&self) -> String {
        let mut text = format!(
            "id = \"gallery\"\nprogramme = \"ESMS numérique\"\nexercise = 2023\nphase = \"généralisation\"\nchannel = \"test\"\nbreakdown = \"{}\"\n",
            self.breakdown
        );
        if !self.extra.is_empty() {
            text.push_str(self.extra);
            text.push('\n');
        }
        text
    }
}

fn main() -> Result<(), BoxError> {
    let root = std::env::args_os()
        .nth(1)
        .map_or_else(|| PathBuf::from("tests/fixtures/sheets"), PathBuf::from);
    for fixture in fixtures()? {
        let dir = root.join(fixture.case);
        std::fs::create_dir_all(&dir)
            .map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
        write(&dir.join(fixture.file), fixture.bytes.as_slice())?;
        write(&dir.join("envelope.toml"), fixture.envelope().as_bytes())?;
    }
    Ok(())
}

fn write(path: &Path, bytes: &[u8]) -> Result<(), BoxError> {
    std::fs::write(path, bytes).map_err(|e| format!("cannot write {}: {e}", path.display()))?;
    eprintln!("wrote {} ({} bytes)", path.display(), bytes.len());
    Ok(())
}

fn xlsx(sheets: &[SheetSpec]) -> Result<Vec<u8>, BoxError> {
    workbook::xlsx(sheets)
}

fn ods(sheets: &[SheetSpec]) -> Result<Vec<u8>, BoxError> {
    workbook::ods(sheets)
}

fn sheet(name: &str, rows: Vec<Vec<Cell>>) -> SheetSpec {
    SheetSpec::new(name, rows)
}

fn fixtures() -> Result<Vec<Fixture>, BoxError> {
    let mut all = reads()?;
    all.extend(refused()?);
    all.extend(asserted()?);
    Ok(all)
}

// ---------------------------------------------------------------------------------------
// Layouts that read.
// ---------------------------------------------------------------------------------------

fn reads() -> Result<Vec<Fixture>, BoxError> {
    Ok(vec![
        // "Montant (en euros)" merged over the years 2023 and 2024 typed as numbers: the
        // envelope's exercise picks its column.
        fixture(
            "reads/merged-amount-over-years",
            "annexe-2023-2024.xlsx",
            xlsx(&[{
                let mut spec = sheet(
                    "Annexe 2",
                    vec![
                        vec![t("Répartition régionale des crédits 2023 et 2024")],
                        vec![],
                        vec![t("Région"), t("Montant (en euros)"), e()],
                        vec![e(), n(2023.0), n(2024.0)],
                        vec![t("Bretagne"), n(100_000.0), n(150_000.0)],
                        vec![t("Normandie"), n(200_000.0), n(250_000.0)],
                        vec![t("TOTAL"), n(300_000.0), n(400_000.0)],
                    ],
                );
                spec.merges.push(merge(2, 0, 3, 0));
                spec.merges.push(merge(2, 1, 2, 2));
                spec
            }])?,
            "region",
            "",
        ),
        // The same eight columns, the envelope's named by `columns`.
        fixture(
            "reads/wide-table-column-picked",
            "dotations.xlsx",
            wide_dotations()?,
            "region",
            "columns = { amount = \"Crédits ESMS numérique\" }",
        ),
        fixture(
            "reads/header-under-title-rows",
            "header-row-6.xlsx",
            xlsx(&[sheet(
                "Annexe 1",
                vec![
                    vec![t("Annexe 1 – Répartition des crédits")],
                    vec![t("Instruction n° DGCS/DNS/CNSA/2023/13 du 16 janvier 2023")],
                    vec![t("Enveloppe totale : 6\u{a0}000\u{a0}000 €")],
                    vec![t("Les montants sont exprimés en euros.")],
                    vec![],
                    vec![t("Région"), t("Montant (en €)")],
                    vec![t("Bretagne"), n(2_636_303.0)],
                    vec![t("Normandie"), n(3_363_697.0)],
                    vec![t("Total"), n(6_000_000.0)],
                    vec![],
                    vec![t("Source : DGCS, BO du 15 février 2023")],
                ],
            )])?,
            "region",
            "declared_total = \"6 000 000 €\"",
        ),
        fixture(
            "reads/merged-two-row-header",
            "merged-header.xlsx",
            xlsx(&[merged_header_sheet()])?,
            "region",
            "",
        ),
        fixture(
            "reads/subtotals",
            "subtotals.xlsx",
            xlsx(&[sheet(
                "Lauréats",
                vec![
                    vec![t("Région"), t("Porteur"), t("Montant")],
                    vec![t("Bretagne"), t("Association A"), n(100_000.0)],
                    vec![t("Bretagne"), t("Association B"), n(50_000.0)],
                    vec![t("Sous-total Bretagne"), e(), n(150_000.0)],
                    vec![],
                    vec![t("Île-de-France"), t("Fondation C"), n(200_000.0)],
                    vec![t("Île-de-France"), t("Fondation D"), n(25_000.0)],
                    vec![t("Total Île-de-France"), e(), n(235_000.0)],
                    vec![t("Total général"), e(), n(375_000.0)],
                ],
            )])?,
            "beneficiary",
            "",
        ),
        fixture(
            "reads/french-text-amounts",
            "french-text.xlsx",
            xlsx(&[sheet(
                "Annexe",
                vec![
                    vec![t("Région"), t("Montant")],
                    vec![t("Auvergne-Rhône-Alpes"), t("8 348 102")],
                    vec![t("Bourgogne-Franche-Comté"), t("3.608.190,00 €")],
                    vec![t("Bretagne"), t("2\u{a0}636\u{a0}303")],
                    vec![
                        t("Centre-Val de Loire"),
                        t("2\u{202f}645\u{202f}200\u{a0}€"),
                    ],
                    vec![t("Corse"), t("1 517 659 euros")],
                    vec![t("Grand Est"), t("4 837 618,125")],
                    vec![],
                    vec![t("* montants saisis à partir de l'annexe publiée")],
                ],
            )])?,
            "region",
            "",
        ),
        fixture(
            "reads/millions-by-header",
            "millions.xlsx",
            xlsx(&[sheet(
                "Annexe",
                vec![
                    vec![t("Région"), t("Crédits (en M€)")],
                    vec![t("Auvergne-Rhône-Alpes"), n(8.348102)],
                    vec![t("Bourgogne-Franche-Comté"), t("3,60819")],
                    vec![t("Total"), n(11.956292)],
                ],
            )])?,
            "region",
            "",
        ),
        fixture(
            "reads/thousands-by-description",
            "thousands.xlsx",
            xlsx(&[sheet(
                "Budget",
                vec![
                    vec![t("Libellé"), t("Montant")],
                    vec![t("Crédits délégués aux ARS"), n(71_500.0)],
                    vec![t("Pilotage national"), n(12_500.0)],
                    vec![t("Total"), n(84_000.0)],
                ],
            )])?,
            "budget-line",
            "unit = \"k€\"",
        ),
        fixture(
            "reads/identifiers",
            "identifiers.xlsx",
            xlsx(&[sheet(
                "Bénéficiaires",
                vec![
                    vec![
                        t("N° FINESS EJ"),
                        t("Raison sociale"),
                        t("Région"),
                        t("Montant (en €)"),
                    ],
                    // A number: Excel dropped the leading zero of 010002343.
                    vec![
                        n(10_002_343.0),
                        t("Association Alpha"),
                        t("Auvergne-Rhône-Alpes"),
                        n(120_000.0),
                    ],
                    vec![
                        t("750712341"),
                        t("Fondation Beta"),
                        t("Île-de-France"),
                        n(80_000.0),
                    ],
                    // Check digit wrong: 130012347 would be right.
                    vec![
                        t("130012340"),
                        t("Association Gamma"),
                        t("Provence-Alpes-Côte d'Azur"),
                        n(50_000.0),
                    ],
                    // Corsica: no check-digit rule known.
                    vec![
                        t("2A0001234"),
                        t("Association Delta"),
                        t("Corse"),
                        n(30_000.0),
                    ],
                    vec![
                        n(590_001_236.0),
                        t("Groupement Epsilon"),
                        t("Hauts-de-France"),
                        n(20_000.0),
                    ],
                    vec![t("Total"), e(), e(), n(300_000.0)],
                ],
            )])?,
            "beneficiary",
            "",
        ),
        fixture(
            "reads/hidden-skipped",
            "hidden.xlsx",
            xlsx(&hidden_draft_then_annex())?,
            "region",
            "",
        ),
        fixture(
            "reads/hidden-named",
            "hidden.xlsx",
            xlsx(&hidden_draft_then_annex())?,
            "region",
            "anchor = \"Brouillon\"",
        ),
        fixture(
            "reads/formulas-cached",
            "formulas.xlsx",
            xlsx(&[sheet(
                "Annexe",
                vec![
                    vec![t("Région"), t("Montant (en €)")],
                    vec![t("Bretagne"), f("1000000+1636303", Some(2_636_303.0))],
                    vec![t("Normandie"), n(3_682_476.0)],
                    vec![t("Total"), f("SUM(B2:B3)", Some(6_318_779.0))],
                ],
            )])?,
            "region",
            "",
        ),
        fixture(
            "reads/empty-sheet-skipped",
            "empty-first.xlsx",
            xlsx(&empty_sheet_then_annex())?,
            "region",
            "",
        ),
        fixture(
            "reads/two-tables-first",
            "two-tables.xlsx",
            xlsx(&two_tables())?,
            "region",
            "",
        ),
        fixture(
            "reads/two-tables-range",
            "two-tables.xlsx",
            xlsx(&two_tables())?,
            "region",
            "anchor = \"Tableaux!A7:B11\"",
        ),
        // An amendment table: "Montant (en €)" spanned over "avant | après", "Région"
        // spanned down, amounts as numbers and French text, the total a formula with its
        // value.
        fixture(
            "reads/ods-revision",
            "avenant.ods",
            ods(&[sheet(
                "Avenant",
                vec![
                    vec![t("Région"), t("Montant (en €)"), e()],
                    vec![e(), t("avant"), t("après")],
                    vec![t("Bretagne"), n(1_000_000.0), n(1_200_000.0)],
                    vec![t("Normandie"), t("800\u{a0}000"), n(750_000.0)],
                    vec![
                        t("Total"),
                        n(1_800_000.0),
                        f("SUM(C3:C4)", Some(1_950_000.0)),
                    ],
                ],
            )
            .merged(vec![merge(0, 0, 1, 0), merge(0, 1, 0, 2)])])?,
            "revision",
            "",
        ),
        fixture(
            "reads/float-noise",
            "float-noise.xlsx",
            xlsx(&[sheet(
                "Annexe",
                vec![
                    vec![t("Région"), t("Montant")],
                    // What Excel stores for a sum of cents: noise, no note.
                    vec![t("Bretagne"), n(8_348_102.000_000_001)],
                    // A third decimal really typed: rounded, with a note.
                    vec![t("Normandie"), n(1_234.567)],
                    vec![t("Corse"), n(0.1 + 0.2)],
                    vec![t("Total"), n(8_349_336.87)],
                ],
            )])?,
            "region",
            "",
        ),
        fixture(
            "reads/ignored-columns",
            "ignored-columns.xlsx",
            xlsx(&[sheet(
                "Annexe",
                vec![
                    vec![
                        t("Région"),
                        t("Montant (en €)"),
                        t("Part (%)"),
                        t("Taux de couverture"),
                        t("Commentaire"),
                    ],
                    vec![
                        t("Bretagne"),
                        n(600_000.0),
                        n(0.6),
                        n(0.95),
                        t("reliquat 2022 inclus"),
                    ],
                    vec![t("Normandie"), n(400_000.0), n(0.4), n(0.8)],
                    vec![e(), e(), e(), e(), t("voir la note 2")],
                    vec![],
                    vec![t("Source : ARS, remontées 2023")],
                ],
            )])?,
            "region",
            "",
        ),
        // ODS does not report merged cells: a region merged down over its beneficiaries
        // reads as one value then empty cells.
        fixture(
            "reads/ods-region-merged-down",
            "annexe.ods",
            ods(&[sheet(
                "Annexe",
                vec![
                    vec![
                        t("Région"),
                        t("Organisme gestionnaire"),
                        t("Montant (en €)"),
                    ],
                    vec![t("Île-de-France"), t("Fondation Alpha"), n(300_000.0)],
                    vec![e(), t("Association Beta"), n(200_000.0)],
                    vec![e(), t("Groupe Gamma"), n(100_000.0)],
                    vec![t("Bretagne"), t("Fondation Delta"), n(400_000.0)],
                ],
            )
            .merged(vec![merge(1, 0, 3, 0)])])?,
            "beneficiary",
            "",
        ),
    ])
}

/// "Région" merged down over two rows, "Crédits 2023" merged across "Montant (en €)" and
/// "Part (en %)": the share column is ignored, the title merged across the table is not a
/// header.
fn merged_header_sheet() -> SheetSpec {
    sheet(
        "Répartition",
        vec![
            vec![t("Répartition régionale des crédits 2023"), e(), e()],
            vec![],
            vec![t("Région"), t("Crédits 2023"), e()],
            vec![e(), t("Montant (en €)"), t("Part (en %)")],
            vec![t("Corse"), n(1_517_659.0), n(0.5059)],
            vec![t("Guyane"), n(749_500.0), n(0.2498)],
            vec![t("Mayotte"), n(732_841.0), n(0.2443)],
            vec![t("Total"), f("SUM(B5:B7)", Some(3_000_000.0)), n(1.0)],
        ],
    )
    .merged(vec![
        merge(0, 0, 0, 2),
        merge(2, 0, 3, 0),
        merge(2, 1, 2, 2),
    ])
}

fn hidden_draft_then_annex() -> Vec<SheetSpec> {
    vec![
        sheet(
            "Brouillon",
            vec![
                vec![t("Région"), t("Montant")],
                vec![t("Bretagne"), n(999_999.0)],
            ],
        )
        .hidden(),
        sheet(
            "Annexe",
            vec![
                vec![t("Région"), t("Montant")],
                vec![t("Bretagne"), n(1_000_000.0)],
            ],
        ),
    ]
}

fn empty_sheet_then_annex() -> Vec<SheetSpec> {
    vec![
        sheet("Feuil1", vec![]),
        sheet(
            "Annexe",
            vec![
                vec![t("ARS"), t("Dotation")],
                vec![t("ARS Normandie"), n(3_682_476.0)],
            ],
        ),
    ]
}

fn two_tables() -> Vec<SheetSpec> {
    vec![sheet(
        "Tableaux",
        vec![
            vec![t("Tableau 1 – crédits 2022")],
            vec![t("Région"), t("Montant")],
            vec![t("Bretagne"), n(100.0)],
            vec![t("Normandie"), n(200.0)],
            vec![t("Total"), n(300.0)],
            vec![],
            vec![t("Tableau 2 – crédits 2023")],
            vec![t("Région"), t("Montant")],
            vec![t("Bretagne"), n(1_000.0)],
            vec![t("Normandie"), n(2_000.0)],
            vec![t("Total"), n(3_000.0)],
        ],
    )]
}

// ---------------------------------------------------------------------------------------
// Layouts that must be refused, with a message naming file, sheet and cell.
// ---------------------------------------------------------------------------------------

fn wide_dotations() -> Result<Vec<u8>, BoxError> {
    let row = |name: &'static str, v: [f64; 7]| {
        let mut cells = vec![t(name)];
        cells.extend(v.iter().map(|&x| n(x)));
        cells
    };
    xlsx(&[sheet(
        "Annexe 3",
        vec![
            vec![t(
                "Dotations régionales au titre du Ségur numérique médico-social (en euros)",
            )],
            vec![
                t("ARS"),
                t("Dotation FIR"),
                t("dont fongible"),
                t("dont prévention"),
                t("Niveau sanctuarisé"),
                t("Crédits ESMS numérique"),
                t("Ressources Ségur en région"),
                t("Total délégué"),
            ],
            row(
                "Bretagne",
                [
                    1_000_000.0,
                    200_000.0,
                    50_000.0,
                    300_000.0,
                    150_000.0,
                    80_000.0,
                    1_530_000.0,
                ],
            ),
            row(
                "Normandie",
                [
                    2_000_000.0,
                    400_000.0,
                    90_000.0,
                    600_000.0,
                    250_000.0,
                    70_000.0,
                    2_920_000.0,
                ],
            ),
            row(
                "Total",
                [
                    3_000_000.0,
                    600_000.0,
                    140_000.0,
                    900_000.0,
                    400_000.0,
                    150_000.0,
                    4_450_000.0,
                ],
            ),
        ],
    )])
}

fn refused() -> Result<Vec<Fixture>, BoxError> {
    Ok(vec![
        // Eight amount columns and nothing naming the envelope's: never a silent pick.
        fixture(
            "refused/wide-table-no-column",
            "dotations.xlsx",
            wide_dotations()?,
            "region",
            "",
        ),
        fixture(
            "refused/unreadable",
            "notes.xlsx",
            b"Ceci n'est pas un classeur".to_vec(),
            "region",
            "",
        ),
        fixture(
            "refused/ambiguous-amounts",
            "ambiguous.xlsx",
            xlsx(&[sheet(
                "Annexe",
                vec![
                    vec![t("Annexe – crédits")],
                    vec![t("Région"), t("Montant"), t("Montant")],
                    vec![t("Bretagne"), n(1.0), n(2.0)],
                ],
            )])?,
            "region",
            "",
        ),
        fixture(
            "refused/unknown-anchor",
            "annexes.xlsx",
            xlsx(&[
                sheet(
                    "Annexe 1",
                    vec![vec![t("Région"), t("Montant")], vec![t("Bretagne"), n(1.0)]],
                ),
                sheet("Annexe 2", vec![vec![t("x")]]).hidden(),
            ])?,
            "region",
            "anchor = \"Annexe 3\"",
        ),
        fixture(
            "refused/unparseable-amount",
            "text.xlsx",
            xlsx(&[sheet(
                "Annexe",
                vec![
                    vec![t("Région"), t("Montant")],
                    vec![t("Bretagne"), n(1_000.0)],
                    vec![t("Normandie"), t("huit millions")],
                ],
            )])?,
            "region",
            "",
        ),
        // rust_xlsxwriter stores 0 as a formula's value unless told otherwise; the builder
        // sets an empty default, so the cell is written `<v></v>`, what a file saved
        // without computing holds.
        fixture(
            "refused/formula-without-value",
            "uncomputed.xlsx",
            xlsx(&uncomputed_total())?,
            "region",
            "",
        ),
        fixture(
            "refused/empty-anchor",
            "empty-first.xlsx",
            xlsx(&empty_sheet_then_annex())?,
            "region",
            "anchor = \"Feuil1\"",
        ),
        fixture(
            "refused/scientific-identifier",
            "siren.xlsx",
            xlsx(&[sheet(
                "Annexe",
                vec![
                    vec![t("SIREN"), t("Bénéficiaire"), t("Montant")],
                    vec![t("2,601E+13"), t("Association Alpha"), n(1_000.0)],
                ],
            )])?,
            "beneficiary",
            "",
        ),
        fixture(
            "refused/empty-amount",
            "hole.xlsx",
            xlsx(&[sheet(
                "Annexe",
                vec![
                    vec![t("Région"), t("Montant")],
                    vec![t("Bretagne"), n(1_000.0)],
                    vec![t("Normandie")],
                    vec![t("Corse"), n(3_000.0)],
                ],
            )])?,
            "region",
            "",
        ),
        fixture(
            "refused/no-table",
            "no-table.xlsx",
            xlsx(&[
                sheet("Notes", vec![vec![t("Aucun tableau ici")]]),
                sheet("Masquée", vec![vec![t("Région"), t("Montant")]]).hidden(),
            ])?,
            "region",
            "",
        ),
    ])
}

fn uncomputed_total() -> Vec<SheetSpec> {
    vec![sheet(
        "Annexe",
        vec![
            vec![t("Région"), t("Montant")],
            vec![t("Bretagne"), n(1_000.0)],
            vec![t("Normandie"), n(2_000.0)],
            vec![t("Total"), f("SUM(B2:B3)", None)],
        ],
    )]
}

// ---------------------------------------------------------------------------------------
// Layouts whose test states its expectation in code.
// ---------------------------------------------------------------------------------------

fn asserted() -> Result<Vec<Fixture>, BoxError> {
    let two_tables = xlsx(&two_tables())?;
    let uncomputed = xlsx(&uncomputed_total())?;
    Ok(vec![
        fixture(
            "asserted/declared-total-not-in-the-sheet",
            "sans-total.xlsx",
            xlsx(&[sheet(
                "Annexe",
                vec![
                    vec![t("Région"), t("Montant")],
                    vec![t("Bretagne"), n(1_000.0)],
                ],
            )])?,
            "region",
            "declared_total = \"1 000 euros\"",
        ),
        // ods bytes under an ".xlsx" name: the format is told from the content, not the
        // extension.
        fixture(
            "asserted/merged-two-row-header-ods",
            "merged-header.xlsx",
            ods(&[merged_header_sheet()])?,
            "region",
            "",
        ),
        fixture(
            "asserted/hidden-skipped-ods",
            "hidden.xlsx",
            ods(&hidden_draft_then_annex())?,
            "region",
            "",
        ),
        fixture(
            "asserted/whole-sheet-range",
            "two-tables.xlsx",
            two_tables.clone(),
            "region",
            "anchor = \"Tableaux!A1:XFD1048576\"",
        ),
        // A download interrupted: the first half of a workbook.
        fixture(
            "asserted/cut-short",
            "cut.xlsx",
            two_tables[..two_tables.len() / 2].to_vec(),
            "region",
            "",
        ),
        // No recognisable header: the first rows hold "ARS" and "€", header words, but as
        // data.
        fixture(
            "asserted/no-header",
            "no-header.xlsx",
            xlsx(&[sheet(
                "Annexe",
                vec![
                    vec![t("Territoires"), t("Notifié")],
                    vec![t("ARS Bretagne"), t("2 636 303 €")],
                    vec![t("ARS Corse"), t("1 517 659 €")],
                ],
            )])?,
            "region",
            "",
        ),
        // A dot that is not a thousands separator.
        fixture(
            "asserted/dot-not-a-separator",
            "dot.xlsx",
            xlsx(&[sheet(
                "Annexe",
                vec![
                    vec![t("Région"), t("Montant")],
                    vec![t("Bretagne"), t("8348102.5")],
                ],
            )])?,
            "region",
            "",
        ),
        // A writer that leaves the value out altogether (`<c r="B4"><f>…</f></c>`).
        fixture(
            "asserted/formula-without-value-element",
            "uncomputed.xlsx",
            without_cached_values(&uncomputed)?,
            "region",
            "",
        ),
        // The same in ods: `table:formula` without `office:value`.
        fixture(
            "asserted/formula-without-value-ods",
            "uncomputed.ods",
            ods(&uncomputed_total())?,
            "region",
            "",
        ),
        // Some codes typed as numbers that lost their leading zero.
        fixture(
            "asserted/region-codes",
            "codes.xlsx",
            xlsx(&[sheet(
                "Annexe",
                vec![
                    vec![t("Code région"), t("Montant (€)")],
                    vec![n(1.0), n(100_000.0)],
                    vec![t("84"), n(200_000.0)],
                    vec![n(6.0), n(300_000.0)],
                ],
            )])?,
            "region",
            "",
        ),
        fixture(
            "asserted/total-above-the-header",
            "summary.xlsx",
            xlsx(&[sheet(
                "Annexe",
                vec![
                    vec![t("Total"), n(600_000.0)],
                    vec![e(), e()],
                    vec![t("Région"), t("Montant (€)")],
                    vec![t("Bretagne"), n(400_000.0)],
                    vec![t("Corse"), n(100_000.0)],
                ],
            )])?,
            "region",
            "",
        ),
        fixture(
            "asserted/zone-subtotals",
            "zones.xlsx",
            xlsx(&[sheet(
                "Annexe",
                vec![
                    vec![t("Région"), t("Montant (€)")],
                    vec![t("Bretagne"), n(400_000.0)],
                    vec![t("Corse"), n(100_000.0)],
                    vec![t("Sous-total Métropole"), n(500_000.0)],
                    vec![t("Guadeloupe"), n(300_000.0)],
                    vec![t("dont Saint-Martin et Saint-Barthélemy"), n(50_000.0)],
                    vec![t("Sous-total DROM"), n(300_000.0)],
                    vec![t("Total France entière"), n(800_000.0)],
                ],
            )])?,
            "region",
            "",
        ),
        fixture(
            "asserted/merged-title",
            "titled.xlsx",
            xlsx(&[sheet(
                "Annexe",
                vec![
                    vec![
                        t("Répartition des crédits ESMS numérique 2024 entre les ARS"),
                        e(),
                        e(),
                    ],
                    vec![e(), e(), e()],
                    vec![t("Région"), t("Montant (€)"), t("Part (%)")],
                    vec![t("Bretagne"), n(400_000.0), n(80.0)],
                    vec![t("Corse"), n(100_000.0), n(20.0)],
                ],
            )
            .merged(vec![merge(0, 0, 0, 2)])])?,
            "region",
            "",
        ),
        fixture(
            "asserted/amount-column-by-letter",
            "ambiguous.xlsx",
            xlsx(&[sheet(
                "Annexe",
                vec![
                    vec![t("Région"), t("Montant"), t("Montant")],
                    vec![t("Bretagne"), n(1.0), n(2.0)],
                ],
            )])?,
            "region",
            "[columns]\namount = \"C\"",
        ),
        fixture(
            "asserted/amount-column-by-header",
            "two-years.xlsx",
            xlsx(&[sheet(
                "Annexe",
                vec![
                    vec![t("Région"), t("Montant 2022"), t("Montant 2023")],
                    vec![t("Bretagne"), n(1.0), n(2.0)],
                ],
            )])?,
            "region",
            "[columns]\namount = \"montant 2022\"",
        ),
        fixture(
            "asserted/region-merged-over-beneficiaries",
            "merged-regions.xlsx",
            xlsx(&[sheet(
                "Lauréats",
                vec![
                    vec![t("Région"), t("Organisme gestionnaire"), t("Montant")],
                    vec![
                        t("Île-de-France"),
                        t("Fondation Partage et Vie"),
                        n(790_000.0),
                    ],
                    vec![e(), t("APF France Handicap"), n(2_763_000.0)],
                    vec![t("Normandie"), t("Bien à la Maison"), n(495_000.0)],
                ],
            )
            .merged(vec![merge(1, 0, 2, 0)])])?,
            "beneficiary",
            "",
        ),
    ])
}

/// The xlsx with its formulas' `<v></v>` taken out, and the `t="str"` that announced them.
fn without_cached_values(bytes: &[u8]) -> Result<Vec<u8>, BoxError> {
    rewrite_zip(bytes, "xl/worksheets/sheet1.xml", |xml| {
        let edited = xml.replace("<v></v>", "").replace(" t=\"str\"", "");
        if edited == xml {
            return Err("no cached value to remove in sheet1.xml".into());
        }
        Ok(edited)
    })
}

/// Replaces one file of a zip archive, keeping the others. Entries are dated 1980-01-01 (the
/// zip epoch) so that the output does not depend on the clock.
fn rewrite_zip(
    bytes: &[u8],
    name: &str,
    edit: impl Fn(String) -> Result<String, BoxError>,
) -> Result<Vec<u8>, BoxError> {
    let mut archive = zip::ZipArchive::new(Cursor::new(bytes))?;
    let mut out = zip::ZipWriter::new(Cursor::new(Vec::new()));
    let options =
        zip::write::SimpleFileOptions::default().last_modified_time(zip::DateTime::default());
    for i in 0..archive.len() {
        let mut file = archive.by_index(i)?;
        let entry = file.name()?.to_string();
        let mut content = Vec::new();
        file.read_to_end(&mut content)?;
        if entry == name {
            content = edit(String::from_utf8(content)?)?.into_bytes();
        }
        out.start_file(entry, options)?;
        out.write_all(&content)?;
    }
    Ok(out.finish()?.into_inner())
}
