//! PDFs read through their text layer: every figure with its PDF page, its line on the page
//! and the page number the publication prints. Each folder of `tests/fixtures/pdf/` is one
//! publication (a PDF and its description) and its own snapshot
//! (`snapshots/pdf/facts@<folder>.snap`): the facts and findings, or the error that refuses
//! the file (a scan, a damaged file) with its exit code. The PDFs are written by
//! `cargo run -p pdf-layout --example gen_fixtures` (crates/pdf-layout/tests/it/pdfgen.rs);
//! `fixtures_are_the_generated_pdfs` checks the copies here have not drifted from them.

use esms_ledger::model::Location;
use esms_ledger::run::analyse;
use std::path::Path;

use crate::support::Failures;
use crate::support::describe::facts_and_findings;

/// The facts and findings of one case, or its error, as snapshot lines.
fn outcome(dir: &Path) -> Vec<String> {
    let (_, statements, validation, _) = match analyse(dir) {
        Ok(analysis) => analysis,
        Err(e) => {
            // The message names the file by its path: shown from the repository's root.
            let root = Path::new(env!("CARGO_MANIFEST_DIR"));
            let shown = e.to_string().replace(&format!("{}/", root.display()), "");
            return vec![format!("error (exit {}): {shown}", e.exit_code())];
        }
    };
    facts_and_findings(&statements, &validation)
}

#[test]
fn each_pdf_gives_its_figures_with_page_and_line() {
    let mut failures = Failures::default();
    let mut cases = 0;
    insta::with_settings!({
        snapshot_path => "../../snapshots/pdf",
        prepend_module_to_snapshot => false,
        omit_expression => true,
    }, {
        insta::glob!("../fixtures", "pdf/*", |dir| {
            if !dir.is_dir() {
                return;
            }
            cases += 1;
            let name = dir.file_name().unwrap().to_string_lossy().into_owned();
            let lines = outcome(dir);
            if lines.is_empty() {
                failures.add(format!("{name}: no figure and no error"));
            }
            insta::with_settings!({
                description => format!("facts and findings of tests/fixtures/pdf/{name}"),
            }, {
                insta::assert_yaml_snapshot!("facts", lines);
            });
        });
    });
    failures.assert_none();
    assert!(cases >= 6, "only {cases} PDF cases");
}

/// Every figure of a PDF is located on a page: a `Location::Page`, never a line of the
/// joined text, and its line is the one `pdf_layout` numbers on that page.
#[test]
fn figures_of_a_pdf_point_at_the_lines_that_hold_them() {
    let dir = crate::support::fixture("pdf/bo-annex-over-two-pages");
    let bytes = std::fs::read(dir.join("source.pdf")).expect("fixture");
    let document = pdf_layout::read(&bytes, pdf_layout::Limits::default()).expect("text PDF");
    let (_, statements, _, _) = analyse(&dir).expect("reads");
    let mut checked = 0;
    for fact in statements.iter().flat_map(|s| &s.facts) {
        let location = fact.location();
        let Location::Page {
            page, line, span, ..
        } = &location
        else {
            panic!("{location} is not on a page");
        };
        let text = &document.pages[*page as usize - 1].lines[*line as usize - 1].text;
        let shown: String = text
            .chars()
            .skip(span.0 as usize)
            .take((span.1 - span.0) as usize)
            .collect();
        assert_eq!(shown, fact.raw_amount(), "at {location}");
        checked += 1;
    }
    assert_eq!(checked, 18);
}

/// The PDFs of `tests/fixtures/pdf/` are the crate's generated fixtures, byte for byte.
#[test]
fn fixtures_are_the_generated_pdfs() {
    let generated = Path::new(env!("CARGO_MANIFEST_DIR")).join("crates/pdf-layout/tests/fixtures");
    for (case, file) in [
        ("bo-annex-over-two-pages", "bo_annex_two_pages.pdf"),
        ("revision-three-columns", "three_columns_nbsp.pdf"),
        ("wrapped-beneficiary-names", "wrapped_names.pdf"),
        ("two-column-page", "jo_two_columns.pdf"),
        ("no-text-layer", "no_text_layer.pdf"),
        ("encrypted", "encrypted.pdf"),
        ("damaged-file", "truncated.pdf"),
    ] {
        let copy = crate::support::fixture(&format!("pdf/{case}/source.pdf"));
        assert!(
            std::fs::read(&copy).expect("copy")
                == std::fs::read(generated.join(file)).expect("generated"),
            "{} differs from crates/pdf-layout/tests/fixtures/{file}",
            copy.display()
        );
    }
}

/// A PDF cut short or with bytes overwritten goes through the whole pipeline to figures or
/// to an error a user can act on (an unreadable input, or an anchor not found), never to a
/// panic or a hang.
#[test]
fn damaged_pdfs_give_results_or_errors_never_panics() {
    use esms_ledger::error::exit;
    let case = crate::support::fixture("pdf/bo-annex-over-two-pages");
    let bytes = std::fs::read(case.join("source.pdf")).expect("fixture");
    let description = std::fs::read_to_string(case.join("source.toml")).expect("fixture");
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::write(dir.path().join("source.toml"), description).expect("write");
    let mut runs = 0;
    for k in (0..bytes.len()).step_by(97) {
        let truncated = bytes[..k.max(8)].to_vec();
        let mut overwritten = bytes.clone();
        for b in &mut overwritten[k..(k + 16).min(bytes.len())] {
            *b = b'0';
        }
        for variant in [truncated, overwritten] {
            std::fs::write(dir.path().join("source.pdf"), &variant).expect("write");
            if let Err(e) = analyse(dir.path()) {
                assert!([exit::NO_INPUT, exit::DATA].contains(&e.exit_code()), "{e}");
            }
            runs += 1;
        }
    }
    assert!(runs > 60, "only {runs} runs");
}

/// On the command line a damaged PDF is an unreadable input: exit 66, one message naming
/// the file and what to do, no panic message from the parser, nothing written.
#[test]
fn a_damaged_pdf_exits_66_naming_the_file_without_a_panic_message() {
    let out = tempfile::tempdir().expect("tempdir");
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_esms-ledger"))
        .env_remove("RUST_LOG")
        .env("NO_COLOR", "1")
        .arg("run")
        .arg("--inputs")
        .arg(crate::support::fixture("pdf/damaged-file"))
        .arg("--out")
        .arg(out.path())
        .output()
        .expect("run esms-ledger");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(66), "{stderr}");
    assert!(stderr.contains("damaged-file/source.pdf"), "{stderr}");
    assert!(stderr.contains("download it again"), "{stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
    assert!(!out.path().join("allocations.parquet").exists());
}

/// A PDF's figures and findings carry their page into the tables and the reports:
/// `source_page` and `source_printed_page` in allocations.parquet and findings.parquet, a
/// location of kind "page" in report.json, the page and printed page in report.md.
#[test]
fn tables_and_reports_carry_the_page_and_the_printed_page() {
    use esms_ledger::publish::{report, tables};
    let analysed = |case: &str| analyse(&crate::support::fixture(case)).expect("reads");

    let (publications, statements, validation, fingerprint) =
        analysed("pdf/bo-annex-over-two-pages");
    let dataset = tables::build(&publications, &statements, &validation);
    let mayotte = dataset
        .allocations
        .iter()
        .find(|a| a.raw_label == "Mayotte")
        .expect("Mayotte's row");
    assert_eq!(
        (
            mayotte.source_page,
            mayotte.source_line,
            mayotte.source_span.as_deref(),
            mayotte.source_printed_page.as_deref()
        ),
        (Some(2), Some(3), Some("79-85"), Some("46"))
    );
    // Rows follow the document: page 1's eleven regions, then page 2's seven.
    let pages: Vec<Option<u32>> = dataset
        .allocations
        .iter()
        .filter(|a| a.envelope_id == "esms-2023-repartition-ars")
        .map(|a| a.source_page)
        .collect();
    assert_eq!(pages, [[Some(1); 11].as_slice(), &[Some(2); 7]].concat());
    let markdown = report::to_markdown(&report::build(
        &fingerprint,
        "published",
        &statements,
        &validation,
        &dataset,
        &esms_ledger::publish::tables::Allocations::new(&statements, &validation),
    ));
    assert!(
        markdown.contains("`source.pdf p.2:3 (car. 79-85, page imprimée 46)`"),
        "{markdown}"
    );

    let (publications, statements, validation, fingerprint) =
        analysed("pdf/wrapped-beneficiary-names");
    let dataset = tables::build(&publications, &statements, &validation);
    let checksum = dataset
        .findings
        .iter()
        .find(|f| f.rule == "identifier.checksum")
        .expect("a checksum finding");
    assert_eq!(
        (
            checksum.source_page,
            checksum.source_line,
            checksum.source_printed_page.as_deref()
        ),
        (Some(1), Some(3), Some("3"))
    );
    let json: serde_json::Value = serde_json::from_str(
        &report::to_json(&report::build(
            &fingerprint,
            "published",
            &statements,
            &validation,
            &dataset,
            &esms_ledger::publish::tables::Allocations::new(&statements, &validation),
        ))
        .expect("report.json"),
    )
    .expect("JSON");
    let finding = json["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .find(|f| f["rule"] == "identifier.checksum")
        .expect("the checksum finding");
    assert_eq!(
        finding["locations"][0],
        serde_json::json!({
            "kind": "page",
            "file": "source.pdf",
            "page": 1,
            "line": 3,
            "span": [49, 58],
            "printed_page": "3"
        })
    );
}

/// The shipped BO annex PDF is exactly what its generator builds from the figures of the
/// spreadsheet (`cargo run --example gen_annexes -- inputs/` rewrites it).
#[test]
fn the_shipped_bo_annex_is_the_generated_one() {
    use crate::support::bo_pdf::{ANNEXE_2023_PDF, annexe_2023_pdf};
    let shipped = std::fs::read(crate::support::shipped().join(ANNEXE_2023_PDF)).expect("shipped");
    assert!(
        shipped == annexe_2023_pdf(),
        "inputs/{ANNEXE_2023_PDF} differs from what tests/it/support/bo_pdf.rs builds: run `cargo run --example gen_annexes -- inputs/`"
    );
}

/// The shipped PDF and its text twin (the press article) state the same 18 regional amounts
/// of `esms-2023-ars`: the PDF, the official text, is the reference and counts; the text is
/// checked against it, line by line, with no finding.
#[test]
fn the_shipped_pdf_agrees_with_its_text_twin() {
    use esms_ledger::core::region::RegionCode;
    use esms_ledger::model::FactRole;
    use rust_decimal::Decimal;
    use std::collections::BTreeMap;
    let (_, statements, validation, _) = analyse(&crate::support::shipped()).expect("shipped");
    let split = |publication: &str| -> (bool, BTreeMap<RegionCode, Decimal>) {
        let s = statements
            .iter()
            .find(|s| s.spec.id == "esms-2023-ars" && s.publication_id == publication)
            .expect("a statement of esms-2023-ars");
        let amounts = s
            .facts
            .iter()
            .filter(|f| matches!(f.role(), FactRole::Component | FactRole::Restatement))
            .map(|f| (f.region().expect("a region"), f.value()))
            .collect();
        (s.primary, amounts)
    };
    let (pdf_is_reference, pdf) = split("bo-instruction-2023-13-annexe-2");
    let (text_is_reference, text) = split("ticsante-2023-02-23");
    assert!(pdf_is_reference && !text_is_reference);
    assert_eq!(pdf.len(), 18);
    assert_eq!(pdf, text);
    assert_eq!(pdf.values().sum::<Decimal>(), Decimal::from(67_000_000));
    let about_2023_split: Vec<String> = validation
        .findings
        .iter()
        .filter(|f| f.envelope_id.as_deref() == Some("esms-2023-ars"))
        .map(|f| f.message())
        .collect();
    assert!(about_2023_split.is_empty(), "{about_2023_split:?}");
}
