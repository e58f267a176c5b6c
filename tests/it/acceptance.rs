//! Acceptance of the shipped run as BI users read it: allocations.parquet read back with
//! an independent Parquet reader holds every euro exactly, with its line (and page, for a
//! PDF) or cell; findings
//! keep their fingerprints when unrelated publications arrive; a spreadsheet and a text
//! stating the same envelope are checked cell against line.

use parquet::file::reader::{FileReader, SerializedFileReader};
use parquet::record::Field;
use rust_decimal::Decimal;
use std::collections::BTreeMap;
use std::fs;
use std::path::Path;
use std::process::Command;

use crate::support::{fixture, inputs_copy, rule_id, shipped};

fn run(inputs: &Path, out: &Path) -> i32 {
    Command::new(env!("CARGO_BIN_EXE_esms-ledger"))
        .args(["-q", "run", "--inputs"])
        .arg(inputs)
        .arg("--out")
        .arg(out)
        .output()
        .expect("run")
        .status
        .code()
        .expect("exit code")
}

type Row = BTreeMap<String, Field>;

fn rows(path: &Path) -> Vec<Row> {
    let reader = SerializedFileReader::new(fs::File::open(path).expect("open")).expect("parquet");
    reader
        .get_row_iter(None)
        .expect("rows")
        .map(|r| {
            r.expect("row")
                .get_column_iter()
                .map(|(k, v)| (k.clone(), v.clone()))
                .collect()
        })
        .collect()
}

fn money(f: &Field) -> Decimal {
    match f {
        Field::Decimal(d) => {
            assert_eq!((d.precision(), d.scale()), (18, 2));
            let unscaled = i64::from_be_bytes(d.data().try_into().expect("INT64 decimal"));
            Decimal::from_i128_with_scale(i128::from(unscaled), 2)
        }
        other => panic!("not a decimal: {other:?}"),
    }
}

fn text(f: &Field) -> Option<&str> {
    match f {
        Field::Str(s) => Some(s),
        Field::Null => None,
        other => panic!("not a string: {other:?}"),
    }
}

#[test]
fn allocations_parquet_holds_every_euro_with_its_line_or_cell() {
    let out = tempfile::tempdir().unwrap();
    assert_eq!(run(&shipped(), out.path()), 0);
    let rows = rows(&out.path().join("allocations.parquet"));
    let counted: Decimal = rows
        .iter()
        .filter(|r| matches!(r["counted"], Field::Bool(true)))
        .map(|r| money(&r["amount_eur"]))
        .sum();
    assert_eq!(counted, Decimal::from(353_106_054));
    for r in &rows {
        let located_in_text =
            matches!(r["source_line"], Field::Int(l) if l > 0) && text(&r["source_span"]).is_some();
        let located_in_sheet =
            text(&r["source_sheet"]).is_some() && text(&r["source_cell"]).is_some();
        assert!(
            located_in_text || located_in_sheet,
            "row without provenance: {r:?}"
        );
    }
    // The temps 2 regional list, exactly as published, region by region.
    let temps2: BTreeMap<&str, Decimal> = rows
        .iter()
        .filter(|r| {
            text(&r["envelope_id"]) == Some("esms-2021-amorcage-temps2-ars")
                && text(&r["role"]) == Some("component")
        })
        .map(|r| {
            (
                text(&r["region_code"]).expect("region"),
                money(&r["amount_eur"]),
            )
        })
        .collect();
    assert_eq!(temps2.len(), 18);
    assert_eq!(temps2["28"], Decimal::from(430_000));
    assert_eq!(temps2["11"], Decimal::from(10_162_272));
    assert_eq!(
        temps2.values().copied().sum::<Decimal>(),
        Decimal::from(70_106_406)
    );
    // The 2023 split comes from the Bulletin officiel's PDF, page and line and printed page;
    // the annex re-typed as a spreadsheet (cells) and the press text (lines) restate it.
    let ara_2023: Vec<(&str, Option<String>)> = rows
        .iter()
        .filter(|r| {
            text(&r["envelope_id"]) == Some("esms-2023-ars")
                && text(&r["region_code"]) == Some("84")
        })
        .map(|r| {
            let place = match (
                &r["source_page"],
                &r["source_line"],
                text(&r["source_cell"]),
            ) {
                (Field::Int(page), Field::Int(line), _) => Some(format!(
                    "p.{page}:{line} [page {}]",
                    text(&r["source_printed_page"]).unwrap_or("-")
                )),
                (_, _, Some(cell)) => Some(cell.to_string()),
                _ => None,
            };
            (text(&r["role"]).unwrap(), place)
        })
        .collect();
    assert_eq!(
        ara_2023,
        [
            ("restatement", Some("B6".to_string())),
            ("component", Some("p.1:7 [page 33]".to_string())),
            ("restatement", None),
        ],
        "{ara_2023:?}"
    );
}

#[test]
fn envelopes_parquet_reports_the_temps2_difference() {
    let out = tempfile::tempdir().unwrap();
    assert_eq!(run(&shipped(), out.path()), 0);
    let rows = rows(&out.path().join("envelopes.parquet"));
    let temps2 = rows
        .iter()
        .find(|r| {
            text(&r["envelope_id"]) == Some("esms-2021-amorcage-temps2-ars")
                && text(&r["role"]) == Some("primary")
        })
        .expect("temps 2 envelope");
    assert_eq!(
        money(&temps2["declared_total_eur"]),
        Decimal::from(75_000_000)
    );
    assert_eq!(
        money(&temps2["computed_total_eur"]),
        Decimal::from(70_106_406)
    );
    assert_eq!(money(&temps2["difference_eur"]), Decimal::from(-4_893_594));
}

fn fingerprints(out: &Path) -> BTreeMap<String, String> {
    let report: serde_json::Value =
        serde_json::from_str(&fs::read_to_string(out.join("report.json")).unwrap()).unwrap();
    report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                f["fingerprint"].as_str().unwrap().to_string(),
                f["rule"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

#[test]
fn fingerprints_survive_an_unrelated_publication() {
    let before = tempfile::tempdir().unwrap();
    assert_eq!(run(&shipped(), before.path()), 0);
    let inputs = inputs_copy();
    fs::write(
        inputs.path().join("zz-autre.txt"),
        "Crédits d'ingénierie 2025 : une enveloppe de 2 M€ répartie ainsi :\n- 1,5 M€ pour les ARS ;\n- 0,5 M€ pour la CNSA.\n",
    )
    .unwrap();
    fs::write(
        inputs.path().join("zz-autre.toml"),
        "[publication]\nid = \"autre-2025\"\ntitle = \"Autre\"\nissuer = \"CNSA\"\nkind = \"press-extract\"\npublished_on = 2025-01-10\nsource = \"zz-autre.txt\"\n\n[[envelopes]]\nid = \"ingenierie-2025\"\nprogramme = \"Autre\"\nexercise = 2025\nphase = \"—\"\nchannel = \"—\"\nbreakdown = \"budget-line\"\ndeclared_total = \"2 M€\"\nanchor = \"répartie ainsi :\"\n",
    )
    .unwrap();
    let after = tempfile::tempdir().unwrap();
    assert_eq!(run(inputs.path(), after.path()), 0);
    let (a, b) = (fingerprints(before.path()), fingerprints(after.path()));
    assert!(!a.is_empty());
    for (fingerprint, rule) in &a {
        assert_eq!(
            b.get(fingerprint),
            Some(rule),
            "finding {rule} {fingerprint} changed"
        );
    }
}

#[test]
fn a_spreadsheet_cell_and_a_text_line_that_disagree_are_reported_with_both_locations() {
    let dir = tempfile::tempdir().unwrap();
    // The text: the 2023 split as the press gave it (shipped seed).
    for name in [
        "2023-02-instruction-150-millions-2023.txt",
        "2023-02-instruction-150-millions-2023.toml",
    ] {
        fs::copy(shipped().join(name), dir.path().join(name)).unwrap();
    }
    // The annex, re-typed with one region wrong by a digit.
    let mut workbook = rust_xlsxwriter::Workbook::new();
    let sheet = workbook.add_worksheet();
    sheet.set_name("Annexe 2").unwrap();
    sheet
        .write_string(
            0,
            0,
            "Répartition régionale des crédits ESMS numérique 2023",
        )
        .unwrap();
    sheet.write_string(2, 0, "Région").unwrap();
    sheet.write_string(2, 1, "Montant (en €)").unwrap();
    let figures = [
        ("Auvergne-Rhône-Alpes", 8_348_102.0),
        ("Bourgogne-Franche-Comté", 3_608_190.0),
        ("Bretagne", 2_636_303.0),
        ("Centre-Val de Loire", 2_645_200.0),
        ("Corse", 1_517_659.0),
        ("Grand Est", 4_837_618.0),
        ("Guadeloupe", 1_152_000.0),
        ("Guyane", 749_500.0),
        ("Hauts-de-France", 5_100_588.0),
        ("Île-de-France", 10_344_806.0),
        ("La Réunion", 689_000.0),
        ("Martinique", 328_500.0),
        ("Mayotte", 1_098_598.0),
        ("Normandie", 3_682_476.0),
        ("Nouvelle-Aquitaine", 5_601_011.0),
        ("Occitanie", 6_102_173.0),
        ("Pays de la Loire", 2_751_639.0),
        ("Provence-Alpes-Côte d'Azur", 5_806_673.0),
    ];
    for (i, (region, amount)) in figures.iter().enumerate() {
        let row = u32::try_from(i).unwrap() + 3;
        sheet.write_string(row, 0, *region).unwrap();
        sheet.write_number(row, 1, *amount).unwrap();
    }
    workbook.save(dir.path().join("annexe.xlsx")).unwrap();
    fs::write(
        dir.path().join("annexe.toml"),
        "[publication]\nid = \"annexe-2023\"\ntitle = \"Annexe\"\nissuer = \"DGCS/DNS/CNSA\"\nkind = \"annex-table\"\npublished_on = 2023-02-15\nsource = \"annexe.xlsx\"\n\n[[envelopes]]\nid = \"esms-2023-ars\"\nprogramme = \"ESMS numérique\"\nexercise = 2023\nphase = \"généralisation\"\nchannel = \"appels à projets régionaux (ARS)\"\nbreakdown = \"region\"\nanchor = \"Annexe 2\"\n",
    )
    .unwrap();
    let (_, _, validation, _) = esms_ledger::run::analyse(dir.path()).expect("analyse");
    let conflict = validation
        .findings
        .iter()
        .find(|f| rule_id(&f.rule) == "agreement.amount")
        .expect("the PACA line disagrees");
    assert_eq!(conflict.subject, "93");
    assert_eq!(conflict.expected, Some(Decimal::from(5_806_673)));
    assert_eq!(conflict.actual, Some(Decimal::from(5_806_637)));
    let places: Vec<String> = conflict.locations.iter().map(ToString::to_string).collect();
    assert_eq!(
        places,
        [
            "2023-02-instruction-150-millions-2023.txt:51:33-47",
            "annexe.xlsx[Annexe 2!B21]"
        ]
    );
}

/// The dataset and validation of a folder of `tests/fixtures/`.
fn dataset_of(
    folder: &str,
) -> (
    esms_ledger::publish::dataset::Dataset,
    esms_ledger::validate::Validation,
) {
    let dir = fixture(folder);
    let (publications, statements, validation, _) =
        esms_ledger::run::analyse(&dir).expect("analyse");
    let dataset = esms_ledger::publish::tables::build(&publications, &statements, &validation);
    (dataset, validation)
}

/// What a BI sum over `counted` rows gives.
fn counted_sum(dataset: &esms_ledger::publish::dataset::Dataset) -> Decimal {
    dataset
        .allocations
        .iter()
        .filter(|a| a.counted)
        .map(|a| a.amount_eur)
        .sum()
}

#[test]
fn a_later_decision_amends_the_lines_it_names_and_counts_once() {
    let (dataset, validation) = dataset_of("rules/revision.total/quiet-amending-new-total");
    let counted = counted_sum(&dataset);
    // 9 800 000 € decided, Bretagne +100 000 €, Corse −50 000 €: the new total.
    assert_eq!(counted, Decimal::from(9_850_000));
    let bretagne: Vec<(&str, &str, Decimal, bool)> = dataset
        .allocations
        .iter()
        .filter(|a| a.region_code.as_deref() == Some("53"))
        .map(|a| {
            (
                a.publication_id.as_str(),
                a.role.as_str(),
                a.amount_eur,
                a.counted,
            )
        })
        .collect();
    assert_eq!(
        bretagne,
        [
            ("decision", "amended", Decimal::from(500_000), false),
            ("modificative", "superseded", Decimal::from(500_000), false),
            ("modificative", "component", Decimal::from(600_000), true),
        ]
    );
    assert!(validation.findings.is_empty(), "{:#?}", validation.findings);
}

/// The old binary Excel format (BIFF8, .xls) goes through calamine like the others; the
/// fixture is written by `tests/fixtures/acceptance/gen_xls.py` (xlwt), since no Rust crate of the
/// project writes xls.
#[test]
fn an_xls_annex_is_read_and_agrees_with_its_text_twin() {
    let dir = tempfile::tempdir().unwrap();
    for name in [
        "2023-02-instruction-150-millions-2023.txt",
        "2023-02-instruction-150-millions-2023.toml",
    ] {
        fs::copy(shipped().join(name), dir.path().join(name)).unwrap();
    }
    fs::copy(
        fixture("acceptance/annexe-2023.xls"),
        dir.path().join("annexe.xls"),
    )
    .unwrap();
    fs::write(
        dir.path().join("annexe.toml"),
        "[publication]\nid = \"annexe-2023-xls\"\ntitle = \"Annexe\"\nissuer = \"DGCS/DNS/CNSA\"\nkind = \"annex-table\"\npublished_on = 2023-02-15\nsource = \"annexe.xls\"\n\n[[envelopes]]\nid = \"esms-2023-ars\"\nprogramme = \"ESMS numérique\"\nexercise = 2023\nphase = \"généralisation\"\nchannel = \"appels à projets régionaux (ARS)\"\nbreakdown = \"region\"\n",
    )
    .unwrap();
    let (_, statements, validation, _) = esms_ledger::run::analyse(dir.path()).expect("analyse");
    let annex = statements
        .iter()
        .find(|s| s.publication_id == "annexe-2023-xls")
        .expect("xls statement");
    assert!(annex.primary);
    assert_eq!(annex.current().count(), 18);
    assert_eq!(
        annex.current().map(|f| f.value()).sum::<Decimal>(),
        Decimal::from(67_000_000)
    );
    assert_eq!(
        annex
            .total_row
            .as_ref()
            .map(|t| t.location.to_string())
            .as_deref(),
        Some("annexe.xls[Annexe 2!B23]")
    );
    let on_annex: Vec<String> = validation
        .findings
        .iter()
        .filter(|f| f.envelope_id.as_deref() == Some("esms-2023-ars"))
        .map(|f| rule_id(&f.rule))
        .collect();
    assert!(on_annex.is_empty(), "{on_annex:?}");
}

#[test]
fn revisions_in_a_row_count_the_latest_amounts_once() {
    let (dataset, validation) = dataset_of("rules/revision.base_mismatch/quiet-chained-then-press");
    let counted = counted_sum(&dataset);
    // 9 800 000 €, Bretagne 500 000 → 550 000 → 600 000 €, Corse 100 000 → 50 000 €.
    assert_eq!(counted, Decimal::from(9_850_000));
    let bretagne: Vec<(&str, Decimal)> = dataset
        .allocations
        .iter()
        .filter(|a| a.region_code.as_deref() == Some("53") && a.counted)
        .map(|a| (a.publication_id.as_str(), a.amount_eur))
        .collect();
    assert_eq!(bretagne, [("modificative2", Decimal::from(600_000))]);
    assert!(validation.findings.is_empty(), "{:#?}", validation.findings);
}

/// A sub-total that its lines do not reach shows the arithmetic in findings.parquet, while
/// its fingerprint stays keyed by rule, envelope, place and publication, as before notes
/// had arithmetic: acknowledgements written for it still match.
#[test]
fn a_subtotal_mismatch_shows_its_arithmetic_and_keeps_its_fingerprint() {
    let (dataset, _) = dataset_of("rules/sheet.subtotal_mismatch/trigger");
    let [row] = dataset.findings.as_slice() else {
        panic!("one finding expected: {:#?}", dataset.findings);
    };
    assert_eq!(row.rule, "sheet.subtotal_mismatch");
    assert_eq!(
        (
            row.expected_eur,
            row.actual_eur,
            row.difference_eur,
            row.tolerance_eur
        ),
        (
            Some(Decimal::from(2_535_000)),
            Some(Decimal::from(2_535_700)),
            Some(Decimal::from(700)),
            Some(Decimal::ZERO)
        )
    );
    // sha256("sheet.subtotal_mismatch|env-laureats|decision.txt:6:18-26|decision|")
    assert_eq!(row.fingerprint, "c0b06eeb24e69d57");
    assert_eq!(
        row.message_fr,
        "Le sous-total « 2 535 000 » (2 535 000 €) ne correspond pas à ses lignes, qui totalisent 2 535 700 € : écart 700 €."
    );
}

/// A report grows with its findings, not with the rows: a statement lists its first
/// `MAX_REPORT_COMPONENTS` figures and says how many it has; the map adds up every one.
#[test]
fn a_long_list_is_bounded_in_the_report_and_whole_in_the_map() {
    use esms_ledger::publish::report::MAX_REPORT_COMPONENTS;
    let dir = tempfile::tempdir().expect("tempdir");
    let rows = MAX_REPORT_COMPONENTS + 200;
    let bullets: String = (1..=rows)
        .map(|i| format!("- Association numéro {i} (Bretagne) : 1 000 €\n"))
        .collect();
    fs::write(
        dir.path().join("liste.txt"),
        format!("Bénéficiaires retenus :\n{bullets}\nFin de la liste.\n"),
    )
    .expect("source");
    fs::write(
        dir.path().join("liste.toml"),
        "[publication]\nid = \"liste\"\ntitle = \"Liste\"\nissuer = \"CNSA\"\nkind = \"bo-decision\"\npublished_on = 2024-01-15\nsource = \"liste.txt\"\n\n[[envelopes]]\nid = \"env\"\nprogramme = \"ESMS numérique\"\nexercise = 2024\nphase = \"p\"\nchannel = \"c\"\nbreakdown = \"beneficiary\"\nanchor = \"Bénéficiaires retenus :\"\n",
    )
    .expect("description");
    let (publications, statements, validation, fingerprint) =
        esms_ledger::run::analyse(dir.path()).expect("analyse");
    let dataset = esms_ledger::publish::tables::build(&publications, &statements, &validation);
    assert_eq!(dataset.allocations.len(), rows);
    let report = esms_ledger::publish::report::build(
        &fingerprint,
        "published",
        &statements,
        &validation,
        &dataset,
        &esms_ledger::publish::tables::Allocations::new(&statements, &validation),
    );
    let statement = &report.envelopes[0].statements[0];
    assert_eq!(statement.components.len(), MAX_REPORT_COMPONENTS);
    assert_eq!(statement.components_total, rows);
    assert_eq!(
        report.counted_by_region[&2024]["53"],
        Decimal::from(1_000 * rows as i64)
    );
}

/// Publishes the acceptance case `name` (`tests/fixtures/acceptance/<name>`) and returns its
/// allocations, with the rule ids of its findings.
fn published_case(name: &str) -> (Vec<Row>, Vec<String>) {
    let inputs = fixture("acceptance").join(name);
    let out = tempfile::tempdir().unwrap();
    assert_eq!(run(&inputs, out.path()), 0, "{name} is published");
    let findings: Vec<String> = rows(&out.path().join("findings.parquet"))
        .iter()
        .map(|r| text(&r["rule"]).unwrap_or_default().to_string())
        .collect();
    (rows(&out.path().join("allocations.parquet")), findings)
}

fn counted(rows: &[Row]) -> Decimal {
    rows.iter()
        .filter(|r| matches!(r["counted"], Field::Bool(true)))
        .map(|r| money(&r["amount_eur"]))
        .sum()
}

#[test]
fn a_metropolitan_arrete_without_corse_declares_its_coverage_and_raises_nothing() {
    let (rows, findings) = published_case("metropole-12-regions");
    assert_eq!(findings, Vec::<String>::new());
    assert_eq!(rows.len(), 12);
    assert_eq!(counted(&rows), Decimal::from(8_200_000));
}

#[test]
fn a_2012_table_of_the_old_regions_maps_them_exactly_with_only_the_legacy_notes() {
    let (rows, findings) = published_case("legacy-2012");
    assert!(
        findings.iter().all(|r| r == "region.legacy"),
        "{findings:?}"
    );
    assert_eq!(findings.len(), 16);
    assert_eq!(rows.len(), 27);
    assert_eq!(counted(&rows), Decimal::from(2_605_000));
    // Alsace, Champagne-Ardenne and Lorraine keep their labels and sum to Grand Est.
    let grand_est: Vec<&Row> = rows
        .iter()
        .filter(|r| text(&r["region_code"]) == Some("44"))
        .collect();
    let labels: Vec<&str> = grand_est
        .iter()
        .filter_map(|r| text(&r["raw_label"]))
        .collect();
    assert_eq!(labels, vec!["Alsace", "Champagne-Ardenne", "Lorraine"]);
    let sum: Decimal = grand_est.iter().map(|r| money(&r["amount_eur"])).sum();
    assert_eq!(sum, Decimal::from(240_000));
    let centre = rows
        .iter()
        .find(|r| text(&r["raw_label"]) == Some("Centre"))
        .expect("Centre");
    assert_eq!(text(&centre["region_code"]), Some("24"));
}

#[test]
fn a_national_table_with_saint_pierre_et_miquelon_adds_up_with_its_territories() {
    let (rows, findings) = published_case("national-territories");
    assert_eq!(findings, vec!["region.territory", "region.territory"]);
    assert_eq!(counted(&rows), Decimal::from(10_420_000));
    let territories: Vec<(Option<&str>, Option<&str>, Decimal)> = rows
        .iter()
        .filter(|r| text(&r["territory_code"]).is_some())
        .map(|r| {
            (
                text(&r["territory_code"]),
                text(&r["region_code"]),
                money(&r["amount_eur"]),
            )
        })
        .collect();
    assert_eq!(
        territories,
        vec![
            (Some("977"), None, Decimal::ZERO),
            (Some("975"), None, Decimal::from(32_500)),
        ]
    );
}

#[test]
fn a_press_page_restating_an_arrete_under_its_own_id_counts_nothing() {
    let inputs = fixture("rules").join("envelope.restatement/trigger");
    let out = tempfile::tempdir().unwrap();
    assert_eq!(run(&inputs, out.path()), 0);
    let rows = rows(&out.path().join("allocations.parquet"));
    assert_eq!(counted(&rows), Decimal::from(9_800_000));
    let press: Vec<&Row> = rows
        .iter()
        .filter(|r| text(&r["publication_id"]) == Some("presse"))
        .collect();
    assert_eq!(press.len(), 18);
    assert!(
        press
            .iter()
            .all(|r| text(&r["role"]) == Some("restatement"))
    );
}

#[test]
fn a_line_detailed_by_its_sub_envelope_counts_once_and_keeps_its_dont_apart() {
    let inputs = fixture("rules").join("nested.child_mismatch/quiet-named-dont");
    let out = tempfile::tempdir().unwrap();
    assert_eq!(run(&inputs, out.path()), 0);
    let rows = rows(&out.path().join("allocations.parquet"));
    // The parent's 7 900 K€: its two other lines and the sub-envelope's three.
    assert_eq!(counted(&rows), Decimal::from(7_900_000));
    let detailed = rows
        .iter()
        .find(|r| text(&r["role"]) == Some("detailed"))
        .expect("the detailed line");
    assert_eq!(
        text(&detailed["raw_label"]),
        Some("autres mesures : 900 K€")
    );
    assert!(matches!(detailed["counted"], Field::Bool(false)));
}

/// A workbook whose "Exercice" column gives each row its year (as the bench's allocation
/// workbook does) publishes each row in its own exercise, not all in the envelope's.
#[test]
fn rows_of_an_exercise_column_keep_their_own_year() {
    use crate::support::workbook::{SheetSpec, n, t, xlsx};
    let dir = tempfile::tempdir().expect("tempdir");
    let sheet = SheetSpec::new(
        "Répartition",
        vec![
            vec![t("Exercice"), t("Région"), t("Montant (€)")],
            vec![n(2024.0), t("Bretagne"), n(1_000.0)],
            vec![n(2025.0), t("Bretagne"), n(2_000.0)],
            vec![n(2025.0), t("Normandie"), n(3_000.0)],
        ],
    );
    fs::write(
        dir.path().join("repartition.xlsx"),
        xlsx(&[sheet]).expect("xlsx"),
    )
    .expect("write");
    fs::write(
        dir.path().join("repartition.toml"),
        "[publication]\nid = \"repartition\"\ntitle = \"Répartition\"\nissuer = \"CNSA\"\nkind = \"annex-table\"\npublished_on = 2025-02-01\nsource = \"repartition.xlsx\"\n\n[[envelopes]]\nid = \"env\"\nprogramme = \"ESMS numérique\"\nexercise = 2025\nphase = \"p\"\nchannel = \"c\"\nbreakdown = \"region\"\n",
    )
    .expect("description");
    let (publications, statements, validation, _) =
        esms_ledger::run::analyse(dir.path()).expect("analyse");
    let dataset = esms_ledger::publish::tables::build(&publications, &statements, &validation);
    let years: Vec<(i32, Decimal)> = dataset
        .allocations
        .iter()
        .map(|a| (a.exercise, a.amount_eur))
        .collect();
    assert_eq!(
        years,
        [
            (2024, Decimal::from(1_000)),
            (2025, Decimal::from(2_000)),
            (2025, Decimal::from(3_000))
        ]
    );
}
