//! The spreadsheet gallery (issue 5): one workbook per real-world layout, built by the test
//! itself (xlsx through rust_xlsxwriter, ods by hand), written to a temporary folder, read
//! back and extracted. Each snapshot (`snapshots/sheet_*.snap`) lists what the extraction
//! says: every item's label, region hint, identifier and amount with their cells, the total
//! row, the declared total and the notes. The error cases assert that the message names the
//! file, the sheet and the cell a user has to fix.

#[path = "common/sheets.rs"]
mod sheets;

use calamine::{Data, Reader};
use esms_ledger::error::Error;
use esms_ledger::extract::Extraction;
use esms_ledger::extract::sheet::extract_sheet;
use esms_ledger::model::{Location, StatedAmount};
use esms_ledger::sources::{Description, EnvelopeSpec, SourceFormat};
use esms_ledger::validate::Rule;
use rust_decimal::Decimal;
use serde::Serialize;
use sheets::{Cell, SheetSpec, e, f, merge, n, t};
use std::io::{Cursor, Read, Write};
use std::path::Path;

// ---------------------------------------------------------------------------------------
// Harness.
// ---------------------------------------------------------------------------------------

/// An envelope description as a user would write it, plus `extra` keys.
fn spec(breakdown: &str, extra: &str) -> EnvelopeSpec {
    let text = format!(
        "id = \"gallery\"\nprogramme = \"ESMS numérique\"\nexercise = 2023\nphase = \"généralisation\"\nchannel = \"test\"\nbreakdown = \"{breakdown}\"\n{extra}\n"
    );
    toml::from_str(&text).expect("a valid envelope description")
}

fn fallback(file: &str) -> Location {
    Location::Line {
        file: file.replace(['.'], "-") + ".toml",
        line: 1,
        span: (0, 0),
    }
}

/// Writes the workbook where a user would drop it, reads it back, extracts.
fn extract(file: &str, bytes: &[u8], spec: &EnvelopeSpec) -> Result<Extraction, Error> {
    let dir = tempfile::tempdir().expect("a temporary folder");
    let path = dir.path().join(file);
    std::fs::write(&path, bytes).expect("workbook written");
    let read = std::fs::read(&path).expect("workbook read back");
    extract_sheet(file, &read, spec, &fallback(file))
}

fn xlsx(sheets: &[SheetSpec]) -> Vec<u8> {
    sheets::xlsx(sheets).expect("xlsx built")
}

fn ods(sheets: &[SheetSpec]) -> Vec<u8> {
    sheets::ods(sheets).expect("ods built")
}

fn sheet(name: &str, rows: Vec<Vec<Cell>>) -> SheetSpec {
    SheetSpec::new(name, rows)
}

/// What a snapshot shows: cells as "B7" when on the table's sheet of the file, in full
/// otherwise.
#[derive(Serialize)]
struct View {
    source: String,
    sheet: Option<String>,
    items: Vec<ItemView>,
    total_row: Option<String>,
    declared_total: Option<String>,
    notes: Vec<String>,
}

#[derive(Serialize)]
struct ItemView {
    label: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    region_hint: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    identifier: Option<String>,
    amount: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    previous: Option<String>,
}

fn view(source: &str, extraction: &Extraction) -> View {
    let sheet = extraction
        .items
        .first()
        .map(|i| &i.amount.location)
        .or(extraction.total_row.as_ref().map(|t| &t.location))
        .and_then(|l| l.sheet())
        .map(str::to_string);
    let at = |location: &Location| match location {
        Location::Cell {
            file,
            sheet: s,
            cell,
        } if file == source && Some(s) == sheet.as_ref() => cell.clone(),
        other => other.to_string(),
    };
    let amount = |a: &StatedAmount| {
        format!(
            "{} {} @ {} (raw {:?})",
            a.amount.value,
            a.amount.kind(),
            at(&a.location),
            a.raw
        )
    };
    View {
        source: source.to_string(),
        sheet: sheet.clone(),
        items: extraction
            .items
            .iter()
            .map(|item| ItemView {
                label: format!("{} @ {}", item.label.text, at(&item.label.location)),
                region_hint: item
                    .region_hint
                    .as_ref()
                    .map(|r| format!("{} @ {}", r.text, at(&r.location))),
                identifier: item
                    .identifier
                    .as_ref()
                    .map(|i| format!("{} @ {}", i.text, at(&i.location))),
                amount: amount(&item.amount),
                previous: item.previous.as_ref().map(amount),
            })
            .collect(),
        total_row: extraction.total_row.as_ref().map(amount),
        declared_total: extraction.declared_total.as_ref().map(amount),
        notes: extraction
            .notes
            .iter()
            .map(|n| {
                format!(
                    "{} {} @ {}: {}",
                    n.severity().as_str(),
                    n.rule,
                    at(&n.location),
                    n.message()
                )
            })
            .collect(),
    }
}

fn snapshot(name: &str, source: &str, extraction: &Extraction) {
    let view = view(source, extraction);
    insta::with_settings!({snapshot_path => "../snapshots", prepend_module_to_snapshot => false}, {
        insta::assert_yaml_snapshot!(name, view);
    });
}

/// Extracts and snapshots a layout that must read.
fn gallery(name: &str, file: &str, bytes: &[u8], spec: &EnvelopeSpec) -> Extraction {
    let extraction = extract(file, bytes, spec)
        .unwrap_or_else(|error| panic!("{name}: {file} should extract, got: {error}"));
    snapshot(name, file, &extraction);
    extraction
}

/// Extracts a layout that must fail with an extraction error (exit 65) naming `fragments`.
fn refused(file: &str, bytes: &[u8], spec: &EnvelopeSpec, fragments: &[&str]) -> String {
    let error = match extract(file, bytes, spec) {
        Ok(extraction) => panic!(
            "{file} should be refused, got {} item(s)",
            extraction.items.len()
        ),
        Err(error) => error,
    };
    assert!(
        matches!(error, Error::Extraction { .. }),
        "{file}: not an extraction error: {error:?}"
    );
    assert_eq!(error.exit_code(), 65, "{error}");
    let message = error.to_string();
    for fragment in fragments {
        assert!(
            message.contains(fragment),
            "{file}: the message should contain {fragment:?}: {message}"
        );
    }
    message
}

fn eur(value: i64) -> Decimal {
    Decimal::from(value)
}

fn amounts(extraction: &Extraction) -> Vec<Decimal> {
    extraction
        .items
        .iter()
        .map(|i| i.amount.amount.value)
        .collect()
}

// ---------------------------------------------------------------------------------------
// Layouts that read.
// ---------------------------------------------------------------------------------------

#[test]
fn header_on_row_six_under_title_and_note_rows() {
    let bytes = xlsx(&[sheet(
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
    )]);
    let extraction = gallery(
        "sheet_header_under_title_rows",
        "header-row-6.xlsx",
        &bytes,
        &spec("region", "declared_total = \"6 000 000 €\""),
    );
    assert_eq!(amounts(&extraction), [eur(2_636_303), eur(3_363_697)]);
    assert_eq!(
        extraction.declared_total.map(|d| d.location.to_string()),
        Some("header-row-6.xlsx[Annexe 1!A3]".to_string())
    );
}

#[test]
fn declared_total_not_in_the_sheet_is_located_at_the_description() {
    let bytes = xlsx(&[sheet(
        "Annexe",
        vec![
            vec![t("Région"), t("Montant")],
            vec![t("Bretagne"), n(1_000.0)],
        ],
    )]);
    let extraction = extract(
        "sans-total.xlsx",
        &bytes,
        &spec("region", "declared_total = \"1 000 euros\""),
    )
    .expect("extracts");
    let declared = extraction.declared_total.expect("a declared total");
    assert_eq!(declared.location, fallback("sans-total.xlsx"));
    assert_eq!(declared.amount.value, eur(1_000));
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

#[test]
fn merged_two_row_header_xlsx() {
    let extraction = gallery(
        "sheet_merged_two_row_header",
        "merged-header.xlsx",
        &xlsx(&[merged_header_sheet()]),
        &spec("region", ""),
    );
    assert_eq!(
        amounts(&extraction),
        [eur(1_517_659), eur(749_500), eur(732_841)]
    );
    assert_eq!(
        extraction.total_row.map(|t| t.amount.value),
        Some(eur(3_000_000))
    );
}

/// ods readers do not report merged regions: the spans must be understood from the empty
/// covered cells. Same table, same figures, same cells. The ods bytes go by a ".xlsx" name:
/// the format is told from the content, not the extension.
#[test]
fn merged_two_row_header_ods_reads_like_xlsx() {
    let from_xlsx = extract(
        "merged-header.xlsx",
        &xlsx(&[merged_header_sheet()]),
        &spec("region", ""),
    )
    .expect("xlsx extracts");
    let from_ods = extract(
        "merged-header.xlsx",
        &ods(&[merged_header_sheet()]),
        &spec("region", ""),
    )
    .expect("ods extracts");
    assert_eq!(from_ods, from_xlsx);
}

#[test]
fn subtotal_rows_checked_and_skipped() {
    let bytes = xlsx(&[sheet(
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
    )]);
    let extraction = gallery(
        "sheet_subtotals",
        "subtotals.xlsx",
        &bytes,
        &spec("beneficiary", ""),
    );
    assert_eq!(extraction.items.len(), 4);
    let mismatches: Vec<&str> = extraction
        .notes
        .iter()
        .filter(|n| n.rule == Rule::SheetSubtotalMismatch)
        .filter_map(|n| n.location.cell())
        .collect();
    assert_eq!(mismatches, ["C8"]);
    // The sub-total row states 235 000 €, its two rows sum to 225 000 €, checked to the cent.
    let note = extraction
        .notes
        .iter()
        .find(|n| n.rule == Rule::SheetSubtotalMismatch)
        .unwrap();
    assert_eq!(
        (
            note.expected,
            note.actual,
            note.difference(),
            note.tolerance
        ),
        (
            Some(eur(235_000)),
            Some(eur(225_000)),
            Some(eur(-10_000)),
            Some(Decimal::ZERO)
        )
    );
}

#[test]
fn amounts_typed_as_french_text() {
    let bytes = xlsx(&[sheet(
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
    )]);
    let extraction = gallery(
        "sheet_french_text_amounts",
        "french-text.xlsx",
        &bytes,
        &spec("region", ""),
    );
    assert_eq!(
        amounts(&extraction),
        [
            eur(8_348_102),
            eur(3_608_190),
            eur(2_636_303),
            eur(2_645_200),
            eur(1_517_659),
            Decimal::new(483_761_813, 2),
        ]
    );
}

#[test]
fn amounts_in_millions_by_header() {
    let bytes = xlsx(&[sheet(
        "Annexe",
        vec![
            vec![t("Région"), t("Crédits (en M€)")],
            vec![t("Auvergne-Rhône-Alpes"), n(8.348102)],
            vec![t("Bourgogne-Franche-Comté"), t("3,60819")],
            vec![t("Total"), n(11.956292)],
        ],
    )]);
    let extraction = gallery(
        "sheet_millions_by_header",
        "millions.xlsx",
        &bytes,
        &spec("region", ""),
    );
    assert_eq!(amounts(&extraction), [eur(8_348_102), eur(3_608_190)]);
    assert_eq!(
        extraction.total_row.map(|t| t.amount.value),
        Some(eur(11_956_292))
    );
}

#[test]
fn thousands_from_the_description_when_the_header_is_silent() {
    let bytes = xlsx(&[sheet(
        "Budget",
        vec![
            vec![t("Libellé"), t("Montant")],
            vec![t("Crédits délégués aux ARS"), n(71_500.0)],
            vec![t("Pilotage national"), n(12_500.0)],
            vec![t("Total"), n(84_000.0)],
        ],
    )]);
    let extraction = gallery(
        "sheet_thousands_by_description",
        "thousands.xlsx",
        &bytes,
        &spec("budget-line", "unit = \"k€\""),
    );
    assert_eq!(amounts(&extraction), [eur(71_500_000), eur(12_500_000)]);
}

#[test]
fn identifiers_padded_and_check_digit_warned() {
    let bytes = xlsx(&[sheet(
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
    )]);
    let extraction = gallery(
        "sheet_identifiers",
        "identifiers.xlsx",
        &bytes,
        &spec("beneficiary", ""),
    );
    let identifiers: Vec<&str> = extraction
        .items
        .iter()
        .filter_map(|i| i.identifier.as_ref().map(|l| l.text.as_str()))
        .collect();
    assert_eq!(
        identifiers,
        [
            "010002343",
            "750712341",
            "130012340",
            "2A0001234",
            "590001236"
        ]
    );
    let warned: Vec<&str> = extraction
        .notes
        .iter()
        .filter(|n| n.rule == Rule::IdentifierChecksum)
        .filter_map(|n| n.location.cell())
        .collect();
    assert_eq!(warned, ["A4"]);
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

#[test]
fn hidden_sheet_skipped_by_discovery() {
    let extraction = gallery(
        "sheet_hidden_skipped",
        "hidden.xlsx",
        &xlsx(&hidden_draft_then_annex()),
        &spec("region", ""),
    );
    assert_eq!(amounts(&extraction), [eur(1_000_000)]);
    // The same in an ods file.
    let from_ods = extract(
        "hidden.xlsx",
        &ods(&hidden_draft_then_annex()),
        &spec("region", ""),
    )
    .expect("ods extracts");
    assert_eq!(from_ods, extraction);
}

#[test]
fn hidden_sheet_used_when_named() {
    let extraction = gallery(
        "sheet_hidden_named",
        "hidden.xlsx",
        &xlsx(&hidden_draft_then_annex()),
        &spec("region", "anchor = \"Brouillon\""),
    );
    assert_eq!(amounts(&extraction), [eur(999_999)]);
}

#[test]
fn formulas_read_from_their_cached_values() {
    let bytes = xlsx(&[sheet(
        "Annexe",
        vec![
            vec![t("Région"), t("Montant (en €)")],
            vec![t("Bretagne"), f("1000000+1636303", Some(2_636_303.0))],
            vec![t("Normandie"), n(3_682_476.0)],
            vec![t("Total"), f("SUM(B2:B3)", Some(6_318_779.0))],
        ],
    )]);
    let extraction = gallery(
        "sheet_formulas_cached",
        "formulas.xlsx",
        &bytes,
        &spec("region", ""),
    );
    assert_eq!(amounts(&extraction), [eur(2_636_303), eur(3_682_476)]);
    assert_eq!(
        extraction.total_row.map(|t| t.amount.value),
        Some(eur(6_318_779))
    );
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

#[test]
fn empty_sheet_skipped_by_discovery() {
    let extraction = gallery(
        "sheet_empty_sheet_skipped",
        "empty-first.xlsx",
        &xlsx(&empty_sheet_then_annex()),
        &spec("region", ""),
    );
    assert_eq!(amounts(&extraction), [eur(3_682_476)]);
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

#[test]
fn two_tables_without_range_reads_the_first() {
    let extraction = gallery(
        "sheet_two_tables_first",
        "two-tables.xlsx",
        &xlsx(&two_tables()),
        &spec("region", ""),
    );
    assert_eq!(amounts(&extraction), [eur(100), eur(200)]);
}

#[test]
fn two_tables_range_anchor_picks_the_second() {
    let extraction = gallery(
        "sheet_two_tables_range",
        "two-tables.xlsx",
        &xlsx(&two_tables()),
        &spec("region", "anchor = \"Tableaux!A7:B11\""),
    );
    assert_eq!(amounts(&extraction), [eur(1_000), eur(2_000)]);
    assert_eq!(
        extraction.total_row.map(|t| t.location.to_string()),
        Some("two-tables.xlsx[Tableaux!B11]".to_string())
    );
}

/// An amendment table in ods: "Montant (en €)" spanned over "avant | après", "Région"
/// spanned down, amounts as numbers and French text, the total a formula with its value.
#[test]
fn ods_revision_with_spanned_header() {
    let bytes = ods(&[sheet(
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
    .merged(vec![merge(0, 0, 1, 0), merge(0, 1, 0, 2)])]);
    let extraction = gallery(
        "sheet_ods_revision",
        "avenant.ods",
        &bytes,
        &spec("revision", ""),
    );
    assert_eq!(amounts(&extraction), [eur(1_200_000), eur(750_000)]);
    let previous: Vec<Option<Decimal>> = extraction
        .items
        .iter()
        .map(|i| i.previous.as_ref().map(|p| p.amount.value))
        .collect();
    assert_eq!(previous, [Some(eur(1_000_000)), Some(eur(800_000))]);
}

#[test]
fn float_noise_dropped_sub_cent_noted() {
    let bytes = xlsx(&[sheet(
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
    )]);
    let extraction = gallery(
        "sheet_float_noise",
        "float-noise.xlsx",
        &bytes,
        &spec("region", ""),
    );
    assert_eq!(
        amounts(&extraction),
        [eur(8_348_102), Decimal::new(123_457, 2), Decimal::new(3, 1)]
    );
    let noted: Vec<&str> = extraction
        .notes
        .iter()
        .filter(|n| n.rule == Rule::SheetFloatNoise)
        .filter_map(|n| n.location.cell())
        .collect();
    assert_eq!(noted, ["B3"]);
}

#[test]
fn percentage_and_comment_columns_ignored() {
    let bytes = xlsx(&[sheet(
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
    )]);
    let extraction = gallery(
        "sheet_ignored_columns",
        "ignored-columns.xlsx",
        &bytes,
        &spec("region", ""),
    );
    assert_eq!(amounts(&extraction), [eur(600_000), eur(400_000)]);
}

#[test]
fn amount_column_named_by_the_description() {
    let bytes = xlsx(&[sheet(
        "Annexe",
        vec![
            vec![t("Région"), t("Montant"), t("Montant")],
            vec![t("Bretagne"), n(1.0), n(2.0)],
        ],
    )]);
    let by_letter = extract(
        "ambiguous.xlsx",
        &bytes,
        &spec("region", "[columns]\namount = \"C\""),
    )
    .expect("extracts");
    assert_eq!(amounts(&by_letter), [eur(2)]);
    assert_eq!(by_letter.items[0].amount.location.cell(), Some("C2"));

    // By header text, when the headers differ.
    let bytes = xlsx(&[sheet(
        "Annexe",
        vec![
            vec![t("Région"), t("Montant 2022"), t("Montant 2023")],
            vec![t("Bretagne"), n(1.0), n(2.0)],
        ],
    )]);
    let by_header = extract(
        "two-years.xlsx",
        &bytes,
        &spec("region", "[columns]\namount = \"montant 2022\""),
    )
    .expect("extracts");
    assert_eq!(by_header.items[0].amount.location.cell(), Some("B2"));
}

#[test]
fn region_merged_over_its_beneficiaries_labels_each_of_them() {
    let bytes = xlsx(&[sheet(
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
    .merged(vec![merge(1, 0, 2, 0)])]);
    let extraction =
        extract("merged-regions.xlsx", &bytes, &spec("beneficiary", "")).expect("extracts");
    let hints: Vec<String> = extraction
        .items
        .iter()
        .filter_map(|i| i.region_hint.as_ref())
        .map(|r| format!("{} @ {}", r.text, r.location.cell().unwrap_or("?")))
        .collect();
    // The text stands in A2: both rows point there.
    assert_eq!(
        hints,
        ["Île-de-France @ A2", "Île-de-France @ A2", "Normandie @ A4"]
    );
}

// ---------------------------------------------------------------------------------------
// Layouts that must be refused, with a message naming file, sheet and cell.
// ---------------------------------------------------------------------------------------

fn snapshot_refusal(name: &str, message: &str) {
    insta::with_settings!({snapshot_path => "../snapshots", prepend_module_to_snapshot => false}, {
        insta::assert_snapshot!(name, message);
    });
}

#[test]
fn unreadable_bytes_name_the_file() {
    let message = refused(
        "notes.xlsx",
        b"Ceci n'est pas un classeur",
        &spec("region", ""),
        &["notes.xlsx", "cannot be read as a spreadsheet"],
    );
    snapshot_refusal("sheet_error_unreadable", &message);
    // A zip cut short (a download interrupted).
    let full = xlsx(&two_tables());
    refused(
        "cut.xlsx",
        &full[..full.len() / 2],
        &spec("region", ""),
        &["cut.xlsx", "cannot be read as a spreadsheet"],
    );
}

#[test]
fn ambiguous_amount_columns_name_the_header_cells() {
    let bytes = xlsx(&[sheet(
        "Annexe",
        vec![
            vec![t("Annexe – crédits")],
            vec![t("Région"), t("Montant"), t("Montant")],
            vec![t("Bretagne"), n(1.0), n(2.0)],
        ],
    )]);
    let message = refused(
        "ambiguous.xlsx",
        &bytes,
        &spec("region", ""),
        &[
            "ambiguous.xlsx[Annexe!B2]",
            "B2 'Montant'",
            "C2 'Montant'",
            "columns.amount",
        ],
    );
    snapshot_refusal("sheet_error_ambiguous_amounts", &message);
}

#[test]
fn unknown_anchor_sheet_lists_the_sheets() {
    let sheets = vec![
        sheet(
            "Annexe 1",
            vec![vec![t("Région"), t("Montant")], vec![t("Bretagne"), n(1.0)]],
        ),
        sheet("Annexe 2", vec![vec![t("x")]]).hidden(),
    ];
    let message = refused(
        "annexes.xlsx",
        &xlsx(&sheets),
        &spec("region", "anchor = \"Annexe 3\""),
        &[
            "annexes.xlsx",
            "Annexe 3",
            "'Annexe 1'",
            "'Annexe 2' (hidden)",
        ],
    );
    snapshot_refusal("sheet_error_unknown_anchor", &message);
}

#[test]
fn unparseable_text_amount_names_the_cell() {
    let bytes = xlsx(&[sheet(
        "Annexe",
        vec![
            vec![t("Région"), t("Montant")],
            vec![t("Bretagne"), n(1_000.0)],
            vec![t("Normandie"), t("huit millions")],
        ],
    )]);
    let message = refused(
        "text.xlsx",
        &bytes,
        &spec("region", ""),
        &["text.xlsx[Annexe!B3]", "huit millions"],
    );
    snapshot_refusal("sheet_error_unparseable_amount", &message);
    // A dot that is not a thousands separator is not guessed either.
    let bytes = xlsx(&[sheet(
        "Annexe",
        vec![
            vec![t("Région"), t("Montant")],
            vec![t("Bretagne"), t("8348102.5")],
        ],
    )]);
    refused(
        "dot.xlsx",
        &bytes,
        &spec("region", ""),
        &["dot.xlsx[Annexe!B2]", "8348102.5"],
    );
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

/// Replaces one file of a zip archive, keeping the others.
fn rewrite_zip(bytes: &[u8], name: &str, edit: impl Fn(String) -> String) -> Vec<u8> {
    let mut archive = zip::ZipArchive::new(Cursor::new(bytes)).expect("a zip");
    let mut out = zip::ZipWriter::new(Cursor::new(Vec::new()));
    for i in 0..archive.len() {
        let mut file = archive.by_index(i).expect("an entry");
        let entry = file.name().expect("an entry name").to_string();
        let mut content = Vec::new();
        file.read_to_end(&mut content).expect("entry read");
        if entry == name {
            content = edit(String::from_utf8(content).expect("xml")).into_bytes();
        }
        out.start_file(entry, zip::write::SimpleFileOptions::default())
            .expect("entry started");
        out.write_all(&content).expect("entry written");
    }
    out.finish().expect("zip finished").into_inner()
}

#[test]
fn formula_without_cached_value_names_the_cell() {
    // rust_xlsxwriter stores 0 as a formula's value unless told otherwise; the builder sets
    // an empty default, so the cell is written `<v></v>`, what a file saved without
    // computing holds.
    let bytes = xlsx(&uncomputed_total());
    let mut workbook =
        calamine::open_workbook_auto_from_rs(Cursor::new(&bytes[..])).expect("opens");
    let values = workbook.worksheet_range("Annexe").expect("values");
    let formulas = workbook.worksheet_formula("Annexe").expect("formulas");
    assert!(
        matches!(values.get_value((3, 1)), None | Some(Data::Empty))
            || values.get_value((3, 1)) == Some(&Data::String(String::new())),
        "calamine should see no value in B4: {:?}",
        values.get_value((3, 1))
    );
    assert_eq!(
        formulas.get_value((3, 1)).map(String::as_str),
        Some("SUM(B2:B3)")
    );
    let message = refused(
        "uncomputed.xlsx",
        &bytes,
        &spec("region", ""),
        &[
            "uncomputed.xlsx[Annexe!B4]",
            "formula without a cached value",
        ],
    );
    snapshot_refusal("sheet_error_formula_without_value", &message);

    // A writer that leaves the value out altogether (`<c r="B4"><f>…</f></c>`).
    let crafted = rewrite_zip(&bytes, "xl/worksheets/sheet1.xml", |xml| {
        let edited = xml.replace("<v></v>", "").replace(" t=\"str\"", "");
        assert_ne!(edited, xml, "the cached value was there to remove");
        edited
    });
    let mut workbook =
        calamine::open_workbook_auto_from_rs(Cursor::new(&crafted[..])).expect("opens");
    let values = workbook.worksheet_range("Annexe").expect("values");
    assert!(matches!(values.get_value((3, 1)), None | Some(Data::Empty)));
    refused(
        "uncomputed.xlsx",
        &crafted,
        &spec("region", ""),
        &[
            "uncomputed.xlsx[Annexe!B4]",
            "formula without a cached value",
        ],
    );

    // The same in ods: `table:formula` without `office:value`.
    refused(
        "uncomputed.ods",
        &ods(&uncomputed_total()),
        &spec("region", ""),
        &[
            "uncomputed.ods[Annexe!B4]",
            "formula without a cached value",
        ],
    );
}

#[test]
fn empty_sheet_as_anchor_is_an_error() {
    let message = refused(
        "empty-first.xlsx",
        &xlsx(&empty_sheet_then_annex()),
        &spec("region", "anchor = \"Feuil1\""),
        &["empty-first.xlsx[Feuil1]", "empty"],
    );
    snapshot_refusal("sheet_error_empty_anchor", &message);
}

#[test]
fn scientific_notation_identifier_names_the_cell() {
    let bytes = xlsx(&[sheet(
        "Annexe",
        vec![
            vec![t("SIREN"), t("Bénéficiaire"), t("Montant")],
            vec![t("2,601E+13"), t("Association Alpha"), n(1_000.0)],
        ],
    )]);
    let message = refused(
        "siren.xlsx",
        &bytes,
        &spec("beneficiary", ""),
        &["siren.xlsx[Annexe!A2]", "scientific notation"],
    );
    snapshot_refusal("sheet_error_scientific_identifier", &message);
}

#[test]
fn empty_amount_beside_a_label_names_the_cell() {
    let bytes = xlsx(&[sheet(
        "Annexe",
        vec![
            vec![t("Région"), t("Montant")],
            vec![t("Bretagne"), n(1_000.0)],
            vec![t("Normandie")],
            vec![t("Corse"), n(3_000.0)],
        ],
    )]);
    let message = refused(
        "hole.xlsx",
        &bytes,
        &spec("region", ""),
        &["hole.xlsx[Annexe!B3]", "Normandie"],
    );
    snapshot_refusal("sheet_error_empty_amount", &message);
}

#[test]
fn no_table_says_what_was_looked_for() {
    let bytes = xlsx(&[
        sheet("Notes", vec![vec![t("Aucun tableau ici")]]),
        sheet("Masquée", vec![vec![t("Région"), t("Montant")]]).hidden(),
    ]);
    let message = refused(
        "no-table.xlsx",
        &bytes,
        &spec("region", ""),
        &["no-table.xlsx", "'Notes'", "Région", "Montant", "'Masquée'"],
    );
    snapshot_refusal("sheet_error_no_table", &message);
}

// ---------------------------------------------------------------------------------------
// The shipped annexes.
// ---------------------------------------------------------------------------------------

fn inputs() -> &'static Path {
    Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/inputs"))
}

fn shipped(stem: &str) -> (Description, Vec<u8>) {
    let description: Description = toml::from_str(
        &std::fs::read_to_string(inputs().join(format!("{stem}.toml"))).expect("description"),
    )
    .expect("a valid description");
    let bytes = std::fs::read(inputs().join(&description.publication.source)).expect("source");
    (description, bytes)
}

#[test]
fn shipped_2023_annex_states_the_67_millions() {
    let (description, bytes) = shipped("2023-annexe-repartition-regionale");
    let envelope = &description.envelopes[0];
    let source = &description.publication.source;
    let extraction = extract_sheet(source, &bytes, envelope, &fallback(source)).expect("extracts");
    let read: Vec<(String, Decimal)> = extraction
        .items
        .iter()
        .map(|i| (i.label.text.clone(), i.amount.amount.value))
        .collect();
    let expected: Vec<(String, Decimal)> = sheets::REPARTITION_2023
        .iter()
        .map(|(label, amount)| (label.to_string(), eur(*amount)))
        .collect();
    assert_eq!(read, expected);
    let sum: Decimal = extraction.items.iter().map(|i| i.amount.amount.value).sum();
    assert_eq!(sum, eur(67_000_000));
    let total = extraction.total_row.expect("a Total row");
    assert_eq!(total.amount.value, eur(67_000_000));
    assert_eq!(
        total.location.to_string(),
        format!("{source}[Annexe 2!B24]")
    );
    assert_eq!(
        extraction.items[0].amount.location.to_string(),
        format!("{source}[Annexe 2!B6]")
    );
    assert!(extraction.notes.is_empty(), "{:?}", extraction.notes);
}

#[test]
fn shipped_2021_annex_states_the_ten_laureates() {
    let (description, bytes) = shipped("2021-annexe-appel-national");
    let envelope = &description.envelopes[0];
    assert!(envelope.declared_total.is_none());
    let source = &description.publication.source;
    let extraction = extract_sheet(source, &bytes, envelope, &fallback(source)).expect("extracts");
    // Found without the anchor too.
    let mut discovered_spec = envelope.clone();
    discovered_spec.anchor = None;
    let discovered =
        extract_sheet(source, &bytes, &discovered_spec, &fallback(source)).expect("discovered");
    assert_eq!(discovered, extraction);

    let read: Vec<(String, String, Decimal)> = extraction
        .items
        .iter()
        .map(|i| {
            (
                i.region_hint
                    .as_ref()
                    .map(|r| r.text.clone())
                    .unwrap_or_default(),
                i.label.text.clone(),
                i.amount.amount.value,
            )
        })
        .collect();
    let expected: Vec<(String, String, Decimal)> = sheets::LAUREATS_2021
        .iter()
        .map(|(region, beneficiary, amount)| {
            (region.to_string(), beneficiary.to_string(), eur(*amount))
        })
        .collect();
    assert_eq!(read, expected);
    let sum: Decimal = extraction.items.iter().map(|i| i.amount.amount.value).sum();
    assert_eq!(sum, eur(12_199_648));
    let total = extraction.total_row.expect("a Total row");
    assert_eq!(total.amount.value, eur(12_199_648));
    assert_eq!(total.location.to_string(), format!("{source}[Annexe!C14]"));
    // The amounts typed as text keep their text.
    let raws: Vec<&str> = extraction
        .items
        .iter()
        .filter(|i| i.amount.raw.contains('€') || i.amount.raw.contains('\u{a0}'))
        .map(|i| i.amount.raw.as_str())
        .collect();
    assert_eq!(
        raws,
        [
            "406\u{a0}472",
            "1\u{202f}053\u{202f}254 €",
            "2\u{a0}763\u{a0}000,00\u{a0}€"
        ]
    );
}

/// Every sheet's values and formulas, for comparing two builds of a workbook.
fn cells_of(bytes: &[u8]) -> Vec<(String, Vec<String>)> {
    let mut workbook = calamine::open_workbook_auto_from_rs(Cursor::new(bytes)).expect("opens");
    let names = workbook.sheet_names();
    names
        .into_iter()
        .map(|name| {
            let values = workbook.worksheet_range(&name).expect("values");
            let formulas = workbook.worksheet_formula(&name).unwrap_or_default();
            let mut cells: Vec<String> = values
                .cells()
                .filter(|(_, _, v)| **v != Data::Empty)
                .map(|(r, c, v)| format!("{r},{c}={v:?}"))
                .collect();
            cells.extend(
                formulas
                    .cells()
                    .filter(|(_, _, f)| !f.is_empty())
                    .map(|(r, c, f)| format!("{r},{c}:={f}")),
            );
            (name, cells)
        })
        .collect()
}

#[test]
fn shipped_annexes_are_what_the_generator_builds() {
    let (_, xlsx_bytes) = shipped("2023-annexe-repartition-regionale");
    let built = sheets::annexe_2023_xlsx().expect("builds");
    assert_eq!(cells_of(&xlsx_bytes), cells_of(&built));
    let (_, ods_bytes) = shipped("2021-annexe-appel-national");
    let built = sheets::annexe_2021_ods().expect("builds");
    assert_eq!(cells_of(&ods_bytes), cells_of(&built));
    // Two builds in a row give the same bytes: the generator can be rerun without noise in
    // the diff.
    assert_eq!(
        sheets::annexe_2023_xlsx().expect("builds"),
        sheets::annexe_2023_xlsx().expect("builds")
    );
    assert_eq!(
        sheets::annexe_2021_ods().expect("builds"),
        sheets::annexe_2021_ods().expect("builds")
    );
}

#[test]
fn shipped_descriptions_load_as_spreadsheets() {
    let dir = tempfile::tempdir().expect("a temporary folder");
    for stem in [
        "2023-annexe-repartition-regionale",
        "2021-annexe-appel-national",
    ] {
        let (description, bytes) = shipped(stem);
        std::fs::copy(
            inputs().join(format!("{stem}.toml")),
            dir.path().join(format!("{stem}.toml")),
        )
        .expect("description copied");
        std::fs::write(dir.path().join(&description.publication.source), bytes)
            .expect("source copied");
    }
    let publications = esms_ledger::sources::load_publications(dir.path()).expect("loads");
    assert_eq!(publications.len(), 2);
    assert!(
        publications
            .iter()
            .all(|p| p.format == SourceFormat::Spreadsheet)
    );
}

// ---------------------------------------------------------------------------------------
// No input makes extraction panic.
// ---------------------------------------------------------------------------------------

/// A small deterministic generator (xorshift64), so that a failure replays.
struct Dice(u64);

impl Dice {
    fn roll(&mut self, sides: usize) -> usize {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        usize::try_from(self.0 % sides as u64).expect("small")
    }
}

#[test]
fn random_layouts_never_panic() {
    let headers: [&[&str]; 5] = [
        &["Région", "Montant (en €)"],
        &["ARS", "Bénéficiaire", "Crédits (en k€)", "Part (%)"],
        &["N° FINESS", "Raison sociale", "Région", "Montant (en M€)"],
        &["Région", "Montant avant", "Montant après"],
        &["Libellé", "Dotation", "Commentaire"],
    ];
    let labels = [
        "Bretagne",
        "ARS Normandie",
        "Fondation OVE",
        "Total",
        "TOTAL GÉNÉRAL",
        "Sous-total",
        "Total Bretagne",
        "Source : DGCS",
        "* arrondis",
        "(1) hors Mayotte",
        "",
    ];
    let figures = [
        "8 348 102",
        "8.348.102,00 €",
        "1.5",
        "2,601E+13",
        "010002343",
        "2A0001234",
        "huit",
        "",
        "€",
        "-1 000",
    ];
    let breakdowns = ["region", "beneficiary", "budget-line", "revision"];
    let mut dice = Dice(0x5eed_cafe_f00d_d00d);
    let mut read = 0;
    for round in 0..300 {
        let mut rows: Vec<Vec<Cell>> = Vec::new();
        for _ in 0..dice.roll(3) {
            rows.push(vec![t("Annexe – répartition des crédits")]);
        }
        if dice.roll(5) > 0 {
            rows.push(
                headers[dice.roll(headers.len())]
                    .iter()
                    .map(|h| t(h))
                    .collect(),
            );
        }
        for _ in 0..dice.roll(10) {
            let mut row = vec![t(labels[dice.roll(labels.len())])];
            for _ in 0..dice.roll(4) {
                row.push(match dice.roll(6) {
                    0 => e(),
                    1 | 2 => n(dice.roll(100_000_000) as f64 / 100.0),
                    3 => f("SUM(B2:B3)", (dice.roll(2) == 0).then_some(42.0)),
                    _ => t(figures[dice.roll(figures.len())]),
                });
            }
            rows.push(row);
        }
        let mut layout = sheet("Feuille", rows);
        if dice.roll(3) == 0 {
            layout = layout.merged(vec![merge(0, 0, 1, 1)]);
        }
        let bytes = if round % 2 == 0 {
            xlsx(&[layout])
        } else {
            ods(&[layout])
        };
        let anchor = match dice.roll(3) {
            0 => "",
            1 => "anchor = \"Feuille\"",
            _ => "anchor = \"Feuille!A2:F9\"",
        };
        let envelope = spec(breakdowns[dice.roll(breakdowns.len())], anchor);
        // Either result is fine; a panic fails the test.
        if extract_sheet("random.xlsx", &bytes, &envelope, &fallback("random.xlsx")).is_ok() {
            read += 1;
        }
    }
    // The layouts are close enough to tables that a good share reads: the rows are walked,
    // not only the headers.
    assert!(read >= 20, "only {read} of 300 random layouts read");
}

#[test]
fn damaged_files_never_panic() {
    let originals = [
        sheets::annexe_2023_xlsx().expect("builds"),
        sheets::annexe_2021_ods().expect("builds"),
    ];
    let mut dice = Dice(0xdead_beef_1234_5678);
    for original in &originals {
        for _ in 0..100 {
            let mut bytes = original.clone();
            for _ in 0..1 + dice.roll(8) {
                let at = dice.roll(bytes.len());
                bytes[at] = u8::try_from(dice.roll(256)).expect("a byte");
            }
            if dice.roll(4) == 0 {
                bytes.truncate(dice.roll(bytes.len()));
            }
            let _ = extract_sheet(
                "damaged.xlsx",
                &bytes,
                &spec("region", ""),
                &fallback("damaged.xlsx"),
            );
        }
    }
}

#[test]
fn whole_sheet_range_is_clipped_to_the_cells_in_use() {
    let extraction = extract(
        "two-tables.xlsx",
        &xlsx(&two_tables()),
        &spec("region", "anchor = \"Tableaux!A1:XFD1048576\""),
    )
    .expect("extracts");
    assert_eq!(amounts(&extraction), [eur(100), eur(200)]);
}

#[test]
fn a_row_of_data_is_never_taken_for_a_header() {
    // No recognisable header: the first rows hold "ARS" and "€", header words, but as data.
    let bytes = xlsx(&[sheet(
        "Annexe",
        vec![
            vec![t("Territoires"), t("Notifié")],
            vec![t("ARS Bretagne"), t("2 636 303 €")],
            vec![t("ARS Corse"), t("1 517 659 €")],
        ],
    )]);
    refused(
        "no-header.xlsx",
        &bytes,
        &spec("region", ""),
        &["no-header.xlsx", "no table found"],
    );
}

/// ODS does not report merged cells: a region merged down over its beneficiaries reads as
/// one value then empty cells, and is carried down with a note per row.
#[test]
fn ods_region_merged_down_is_carried_to_the_rows_below() {
    let bytes = ods(&[sheet(
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
    .merged(vec![merge(1, 0, 3, 0)])]);
    let extraction = gallery(
        "sheet_ods_region_merged_down",
        "annexe.ods",
        &bytes,
        &spec("beneficiary", ""),
    );
    let regions: Vec<Option<&str>> = extraction
        .items
        .iter()
        .map(|i| i.region_hint.as_ref().map(|r| r.text.as_str()))
        .collect();
    assert_eq!(
        regions,
        [
            Some("Île-de-France"),
            Some("Île-de-France"),
            Some("Île-de-France"),
            Some("Bretagne")
        ]
    );
    let carried: Vec<&str> = extraction
        .notes
        .iter()
        .filter(|n| n.rule == Rule::SheetRegionCarried)
        .map(|n| n.rule.id())
        .collect();
    assert_eq!(carried.len(), 2);
}

/// A table whose only region column holds INSEE codes, some typed as numbers that lost
/// their leading zero: the codes are the labels (normalisation restores the zero).
#[test]
fn region_codes_alone_label_a_regional_table() {
    let bytes = xlsx(&[sheet(
        "Annexe",
        vec![
            vec![t("Code région"), t("Montant (€)")],
            vec![n(1.0), n(100_000.0)],
            vec![t("84"), n(200_000.0)],
            vec![n(6.0), n(300_000.0)],
        ],
    )]);
    let extraction = extract("codes.xlsx", &bytes, &spec("region", "")).expect("a table of codes");
    let labels: Vec<&str> = extraction
        .items
        .iter()
        .map(|i| i.label.text.as_str())
        .collect();
    assert_eq!(labels, ["1", "84", "6"]);
}

/// A summary first: the "Total" row stands above the header; it is still the table's total.
#[test]
fn a_total_row_above_the_header_is_the_total_row() {
    let bytes = xlsx(&[sheet(
        "Annexe",
        vec![
            vec![t("Total"), n(600_000.0)],
            vec![e(), e()],
            vec![t("Région"), t("Montant (€)")],
            vec![t("Bretagne"), n(400_000.0)],
            vec![t("Corse"), n(100_000.0)],
        ],
    )]);
    let extraction = extract("summary.xlsx", &bytes, &spec("region", "")).expect("a table");
    assert_eq!(extraction.items.len(), 2);
    let total = extraction.total_row.expect("the total above the header");
    assert_eq!(total.amount.value, eur(600_000));
    assert_eq!(total.location.cell(), Some("B1"));
}

/// Sub-totals by zone then "Total France entière"; a "dont" row details the row above it.
#[test]
fn zone_subtotals_then_grand_total_and_dont_rows() {
    let bytes = xlsx(&[sheet(
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
    )]);
    let extraction = extract("zones.xlsx", &bytes, &spec("region", "")).expect("a table");
    assert_eq!(
        amounts(&extraction),
        [eur(400_000), eur(100_000), eur(300_000)]
    );
    assert_eq!(
        extraction.total_row.map(|t| t.amount.value),
        Some(eur(800_000))
    );
    let rules: Vec<&str> = extraction.notes.iter().map(|n| n.rule.id()).collect();
    assert_eq!(rules, ["extraction.detail"]);
}

/// A title merged over the table's columns, naming its subject with header words, is not
/// the header: the real header below it is found.
#[test]
fn a_merged_title_with_header_words_is_not_the_header() {
    let bytes = xlsx(&[sheet(
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
    .merged(vec![merge(0, 0, 0, 2)])]);
    let extraction =
        extract("titled.xlsx", &bytes, &spec("region", "")).expect("a table under its title");
    assert_eq!(amounts(&extraction), [eur(400_000), eur(100_000)]);
}
