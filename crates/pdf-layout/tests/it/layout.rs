//! Exact output for each fixture, and the errors for the files that cannot be read.
//!
//! Expected lines are written as `"| text"` for body lines and `"# text"` for furniture
//! (running heads, footers, page numbers), so they can be checked by eye against the PDF.

use crate::pdfgen;

use pdf_layout::{Document, Limits, PdfError, read};

fn fixture(name: &str) -> Vec<u8> {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(name);
    std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn read_fixture(name: &str) -> Document {
    read(&fixture(name), Limits::default()).unwrap_or_else(|e| panic!("{name}: {e}"))
}

/// The page's lines as `"| text"` / `"# text"`, after checking they are numbered 1..n.
fn shown(doc: &Document, page: usize) -> Vec<String> {
    let lines = &doc.pages[page].lines;
    for (i, line) in lines.iter().enumerate() {
        assert_eq!(
            line.number as usize,
            i + 1,
            "line numbers run 1..n on page {}",
            page + 1
        );
    }
    lines
        .iter()
        .map(|l| format!("{} {}", if l.furniture { '#' } else { '|' }, l.text))
        .collect()
}

fn assert_lines(doc: &Document, page: usize, expected: &[&str]) {
    let got = shown(doc, page);
    if got != expected {
        let mut report = String::new();
        for i in 0..got.len().max(expected.len()) {
            let g = got.get(i).map_or("<none>", String::as_str);
            let e = expected.get(i).copied().unwrap_or("<none>");
            let mark = if g == e { ' ' } else { '!' };
            report.push_str(&format!("{mark} got      {g:?}\n{mark} expected {e:?}\n"));
        }
        panic!("page {} differs:\n{report}", page + 1);
    }
}

const BO_PAGE_1: &[&str] = &[
    "# Bulletin officiel Santé – Protection sociale – Solidarité n° 2023/3 du 15 février 2023, Page 45",
    "| Instruction n° DGCS/SD5C/2023/12 du 3 février 2023",
    "| NOR : SSAA2302345J",
    "| Le présent texte délègue aux agences régionales de santé (ARS) les crédits",
    "| du programme « ESMS numérique » : 75 millions d’euros en 2023, dont",
    "| 1 234 567 € pour la phase d’amorçage. La répartition figure en annexe.",
    "| Annexe – Répartition régionale des crédits",
    "|    Région                                                                     Montant",
    "|    Auvergne-Rhône-Alpes                                                     8 348 102",
    "|    Bourgogne-Franche-Comté                                                  3 412 580",
    "|    Bretagne                                                                 3 596 244",
    "|    Centre-Val de Loire                                                      2 701 935",
    "|    Corse                                                                      398 640",
    "|    Grand Est                                                                5 603 118",
    "|    Guadeloupe                                                                 612 447",
    "|    Guyane                                                                     410 925",
    "|    Hauts-de-France                                                          6 120 774",
    "|    Île-de-France                                                           11 472 306",
    "|    Martinique                                                                 455 210",
];

const BO_PAGE_2: &[&str] = &[
    "# Bulletin officiel Santé – Protection sociale – Solidarité n° 2023/3 du 15 février 2023, Page 46",
    "|    Région                                                                     Montant",
    "|    Mayotte                                                                    287 093",
    "|    Normandie                                                                3 388 761",
    "|    Nouvelle-Aquitaine                                                       6 845 390",
    "|    Occitanie                                                                6 512 007",
    "|    Pays de la Loire                                                         3 944 128",
    "|    Provence-Alpes-Côte d’Azur                                               5 733 569",
    "|    La Réunion                                                               1 160 331",
    "|    Total                                                                   71 003 560",
];

const THREE_COLUMNS: &[&str] = &[
    "| Annexe 2 – Crédits modifiés par région (en euros)",
    "| Région                                                  Montant initial          Montant modifié",
    "| Auvergne-Rhône-Alpes                                        8 348 102                 8 412 950",
    "| Bourgogne-Franche-Comté                                     3 412 580                 3 412 580",
    "| Bretagne                                                    3 596 244                 3 601 018",
    "| Centre-Val de Loire                                         2 701 935                 2 750 000",
    "| Corse                                                         398 640                   398 640",
    "| Grand Est                                                   5 603 118                 5 588 200",
    "| Guadeloupe                                                    612 447                   640 000",
    "| Guyane                                                        410 925                   410 925",
    "| Hauts-de-France                                             6 120 774                 6 120 774",
    "| Île-de-France                                              11 472 306                11 520 000",
    "| Martinique                                                    455 210                   455 210",
    "| Mayotte                                                       287 093                   300 000",
    "| Normandie                                                   3 388 761                 3 388 761",
    "| Nouvelle-Aquitaine                                          6 845 390                 6 845 390",
    "| Occitanie                                                   6 512 007                 6 498 115",
    "| Pays de la Loire                                            3 944 128                 3 944 128",
    "| Provence-Alpes-Côte d’Azur                                  5 733 569                 5 760 000",
    "| La Réunion                                                  1 160 331                 1 160 331",
    "| Total                                                      71 003 560                71 207 022",
    "#                                               - 12 -",
];

const WRAPPED: &[&str] = &[
    "| Liste des bénéficiaires retenus",
    "| Organisme gestionnaire                           FINESS                                 Montant",
    "| Association Les Papillons Blancs                 590000123                              125 000",
    "| Association départementale des amis et parents   800000456                            1 250 000",
    "| d’enfants inadaptés de la Somme",
    "| Fondation pour l’accompagnement des personnes",
    "|                                                  750000789                               98 500",
    "| âgées et handicapées",
    "| EHPAD Le Clos Fleuri                             130001234                               45 300",
    "#                                                                                            Page 3",
];

const JO_PAGE_1: &[&str] = &[
    "# 16 février 2023                JOURNAL OFFICIEL DE LA RÉPUBLIQUE FRANÇAISE                    Texte 12 sur 120",
    "|                Arrêté du 14 février 2023 fixant le montant des crédits ESMS numérique",
    "| Le ministre des solidarités, de l’autonomie et des",
    "| personnes handicapées, Vu le code de l’action sociale et",
    "| des familles, notamment ses articles L. 312-1 et L. 314-3 ;",
    "| Vu la loi n° 2022-1616 du 23 décembre 2022 de",
    "| financement de la sécurité sociale pour 2023 ; Vu l’avis du",
    "| conseil de la Caisse nationale de solidarité pour",
    "| l’autonomie en date du 9 février 2023, Arrête :",
    "| Art. 1er. – Le montant des crédits du programme ESMS",
    "| numérique délégués aux agences régionales de santé au",
    "| titre de l’année 2023 est fixé à 75 000 000 €. Art. 2. – La",
    "| répartition de ce montant entre les régions figure en",
    "| annexe du présent arrêté. Art. 3. – Le présent arrêté sera",
    "| publié au Journal officiel de la République française.",
];

const JO_PAGE_2: &[&str] = &[
    "# 16 février 2023                JOURNAL OFFICIEL DE LA RÉPUBLIQUE FRANÇAISE                    Texte 12 sur 120",
    "| Fait le 14 février 2023. Pour le ministre et par délégation :",
    "| le directeur général de la cohésion sociale, J.-B.",
    "| Champion",
    "| Nota. – L’annexe peut être consultée au Bulletin officiel",
    "| Santé – Protection sociale – Solidarité.",
];

const FPDF2_TABLE: &[&str] = &[
    "#                 Bulletin officiel Santé – Protection sociale – Solidarité n° 2023/3 du 15 février 2023, Page 47",
    "| Le présent texte délègue aux agences régionales de santé (ARS) les crédits du programme « ESMS",
    "| numérique » : 75 millions d’euros en 2023, dont 1 234 567 € pour la phase d’amorçage. La répartition",
    "| figure ci-dessous, en euros.",
    "| Région                                                    Montant initial            Montant modifié",
    "| Auvergne-Rhône-Alpes                                          8 348 102                    8 412 950",
    "| Bourgogne-Franche-Comté                                       3 412 580                    3 412 580",
    "| Bretagne                                                      3 596 244                    3 601 018",
    "| Centre-Val de Loire                                           2 701 935                    2 750 000",
    "| Corse                                                           398 640                      398 640",
    "| Grand Est                                                     5 603 118                    5 588 200",
    "| Guadeloupe                                                      612 447                      640 000",
    "| Guyane                                                          410 925                      410 925",
    "| Hauts-de-France                                               6 120 774                    6 120 774",
    "| Île-de-France                                                11 472 306                  11 520 000",
    "| Martinique                                                      455 210                      455 210",
    "| Mayotte                                                         287 093                      300 000",
    "| Normandie                                                     3 388 761                    3 388 761",
    "| Nouvelle-Aquitaine                                            6 845 390                    6 845 390",
    "| Occitanie                                                     6 512 007                    6 498 115",
    "| Pays de la Loire                                              3 944 128                    3 944 128",
    "| Provence-Alpes-Côte d’Azur                                    5 733 569                    5 760 000",
    "| La Réunion                                                    1 160 331                    1 160 331",
    "| Total                                                        71 003 560                  71 207 022",
];

#[test]
fn bo_annex_keeps_rows_columns_and_running_heads() {
    let doc = read_fixture("bo_annex_two_pages.pdf");
    assert_eq!(doc.pages.len(), 2);
    assert_eq!(doc.pages[0].index, 1);
    assert_eq!(doc.pages[0].printed.as_deref(), Some("45"));
    assert_lines(&doc, 0, BO_PAGE_1);
    assert_eq!(doc.pages[1].index, 2);
    assert_eq!(doc.pages[1].printed.as_deref(), Some("46"));
    assert_lines(&doc, 1, BO_PAGE_2);
}

#[test]
fn amounts_split_into_cells_on_two_spaces() {
    let doc = read_fixture("bo_annex_two_pages.pdf");
    let cells = |line: &str| -> Vec<String> {
        line.split("  ")
            .map(str::trim)
            .filter(|c| !c.is_empty())
            .map(String::from)
            .collect()
    };
    let rows: Vec<Vec<String>> = doc
        .pages
        .iter()
        .flat_map(|p| p.lines.iter())
        .filter(|l| !l.furniture)
        .map(|l| cells(&l.text))
        .filter(|c| c.len() == 2 && c[0] != "Région")
        .collect();
    let mut expected: Vec<Vec<String>> = pdfgen::REGIONS
        .iter()
        .map(|(r, a)| vec![r.to_string(), a.to_string()])
        .collect();
    expected.push(vec!["Total".into(), pdfgen::REGIONS_TOTAL.into()]);
    assert_eq!(rows, expected);
}

#[test]
fn three_columns_with_no_break_space_thousands() {
    let doc = read_fixture("three_columns_nbsp.pdf");
    assert_eq!(doc.pages.len(), 1);
    assert_eq!(doc.pages[0].printed.as_deref(), Some("12"));
    assert_lines(&doc, 0, THREE_COLUMNS);
}

#[test]
fn wrapped_beneficiary_names_stay_on_their_own_lines() {
    let doc = read_fixture("wrapped_names.pdf");
    assert_eq!(doc.pages[0].printed.as_deref(), Some("3"));
    assert_lines(&doc, 0, WRAPPED);
}

#[test]
fn two_column_page_reads_column_by_column() {
    let doc = read_fixture("jo_two_columns.pdf");
    assert_eq!(doc.pages.len(), 2);
    assert_eq!(doc.pages[0].printed, None);
    assert_lines(&doc, 0, JO_PAGE_1);
    assert_lines(&doc, 1, JO_PAGE_2);
}

/// Embedded TrueType subset (Type0, Identity-H, ToUnicode), compressed content, and a
/// producer that writes the no-break space as a plain space: the path real publications
/// take. Made by fpdf2, see `tests/fixtures/fpdf2_dejavu_table.py`.
#[test]
fn embedded_truetype_font_table() {
    let doc = read_fixture("fpdf2_dejavu_table.pdf");
    assert_eq!(doc.pages[0].printed.as_deref(), Some("47"));
    assert_lines(&doc, 0, FPDF2_TABLE);
}

#[test]
fn image_only_page_has_no_text_layer() {
    let err = read(&fixture("no_text_layer.pdf"), Limits::default()).expect_err("no text");
    assert_eq!(err, PdfError::NoTextLayer { pages: 1 });
    assert!(err.to_string().contains("no text layer"), "{err}");
}

#[test]
fn truncated_file_is_damaged() {
    let err = read(&fixture("truncated.pdf"), Limits::default()).expect_err("truncated");
    assert!(matches!(err, PdfError::Damaged(_)), "{err:?}");
    assert!(err.to_string().contains("download it again"), "{err}");
}

#[test]
fn password_protected_file_is_encrypted() {
    let err = read(&fixture("encrypted.pdf"), Limits::default()).expect_err("encrypted");
    assert_eq!(err, PdfError::Encrypted);
}

#[test]
fn not_a_pdf_is_damaged() {
    for bytes in [
        &b""[..],
        b"<html><body>404 Not Found</body></html>",
        b"%PDF-1.4\n",
        &[0xff; 64],
    ] {
        let err = read(bytes, Limits::default()).expect_err("not a PDF");
        assert!(matches!(err, PdfError::Damaged(_)), "{bytes:?}: {err:?}");
    }
}

#[test]
fn limits_are_enforced() {
    let bytes = fixture("bo_annex_two_pages.pdf");
    let err = read(
        &bytes,
        Limits {
            max_pages: 1,
            ..Limits::default()
        },
    )
    .expect_err("two pages");
    assert!(
        matches!(&err, PdfError::TooLarge(m) if m.contains("2 pages")),
        "{err:?}"
    );
    let err = read(
        &bytes,
        Limits {
            max_glyphs: 100,
            ..Limits::default()
        },
    )
    .expect_err("glyphs");
    assert!(
        matches!(&err, PdfError::TooLarge(m) if m.contains("glyphs")),
        "{err:?}"
    );
    assert!(
        read(
            &bytes,
            Limits {
                max_pages: 2,
                max_glyphs: 5_000
            }
        )
        .is_ok()
    );
}

#[test]
fn committed_fixtures_match_the_generator() {
    for f in pdfgen::all() {
        assert!(
            fixture(f.name) == f.bytes,
            "tests/fixtures/{} is stale: run `cargo run --example gen_fixtures`",
            f.name
        );
    }
}
