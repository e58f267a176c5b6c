//! The morning of a new publication: `diff` against the last published dataset (and the
//! same diff in the reports and diff.parquet), `explain`, `scaffold`, and report.html.
//! Inputs under `tests/fixtures/daily/`.

use std::fs;
use std::path::Path;
use std::process::{Command, Output};

use crate::support::fixture;

fn bin() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_esms-ledger"));
    c.env_remove("RUST_LOG").env("NO_COLOR", "1");
    c
}

fn esms(args: &[&str], inputs: &Path, out: &Path) -> Output {
    bin()
        .args(args)
        .arg("--inputs")
        .arg(inputs)
        .arg("--out")
        .arg(out)
        .output()
        .expect("run esms-ledger")
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn assert_ok(o: &Output) {
    assert!(
        o.status.success(),
        "exit {:?}\n{}",
        o.status.code(),
        String::from_utf8_lossy(&o.stderr)
    );
}

/// A copy of `tests/fixtures/daily/inputs` that a test may change.
fn daily_inputs() -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("tempdir");
    for entry in fs::read_dir(fixture("daily/inputs")).expect("inputs") {
        let path = entry.expect("entry").path();
        fs::copy(&path, dir.path().join(path.file_name().unwrap())).expect("copy");
    }
    dir
}

/// Rows of diff.parquet as "kind change envelope key old new difference fingerprint".
fn diff_rows(out: &Path) -> Vec<String> {
    use parquet::file::reader::{FileReader, SerializedFileReader};
    let file = fs::File::open(out.join("diff.parquet")).expect("diff.parquet");
    let reader = SerializedFileReader::new(file).expect("parquet");
    let mut rows = Vec::new();
    for row in reader.get_row_iter(None).expect("rows") {
        let row = row.expect("row");
        let cells: Vec<String> = row
            .get_column_iter()
            .filter(|(name, _)| {
                [
                    "kind",
                    "change",
                    "envelope_id",
                    "beneficiary",
                    "old_amount_eur",
                    "new_amount_eur",
                    "difference_eur",
                    "rule",
                ]
                .contains(&name.as_str())
            })
            .map(|(_, v)| v.to_string())
            .collect();
        rows.push(cells.join(" "));
    }
    rows
}

#[test]
fn diff_without_a_previous_publication_says_everything_is_new() {
    let inputs = daily_inputs();
    let out = tempfile::tempdir().expect("tempdir");
    let o = esms(&["diff"], inputs.path(), out.path());
    assert_ok(&o);
    let text = stdout(&o);
    assert!(text.contains("Aucune publication précédente"), "{text}");
    assert!(text.contains("Publications : 1 ajoutée(s)"), "{text}");
}

#[test]
fn a_changed_amount_is_diffed_old_to_new_in_the_command_the_reports_and_diff_parquet() {
    let inputs = daily_inputs();
    let out = tempfile::tempdir().expect("tempdir");
    assert_ok(&esms(&["run"], inputs.path(), out.path()));
    assert_eq!(
        diff_rows(out.path()),
        [
            "\"publication\" \"added\" null null null null null null",
            "\"envelope\" \"added\" \"esms-2025-ars\" null null null null null",
            // Without a baseline every amount is new: allocations.parquet lists them, the
            // diff only counts them.
        ]
    );

    // The decision is corrected: 50 000 € move from one beneficiary to another; the total
    // no longer adds up to the declared total nor to the Total row: two new findings.
    let source = inputs.path().join("decision-2025-07.txt");
    let text = fs::read_to_string(&source).unwrap();
    fs::write(
        &source,
        text.replace(
            "Fondation du Bocage\tNormandie\t35\t500 000",
            "Fondation du Bocage\tNormandie\t35\t550 000",
        ),
    )
    .unwrap();
    let o = esms(&["diff"], inputs.path(), out.path());
    assert_ok(&o);
    let printed = stdout(&o);
    assert!(
        printed.contains("| `esms-2025-ars` | Fondation du Bocage (Normandie) | 500 000 € | 550 000 € | +50 000 € |"),
        "{printed}"
    );
    assert!(
        printed.contains("constats : 2 nouveau(x), 0 persistant(s), 0 résolu(s)"),
        "{printed}"
    );
    assert!(
        printed.contains("- constat nouveau `total.sum_mismatch`"),
        "{printed}"
    );

    // The run refuses the mismatch; its report carries the same diff.
    let o = esms(&["run"], inputs.path(), out.path());
    assert_eq!(o.status.code(), Some(65));
    let md = fs::read_to_string(out.path().join("rejected/report.md")).unwrap();
    assert!(md.contains("## Changements depuis la dernière publication"));
    assert!(md.contains("| 500 000 € | 550 000 € | +50 000 € |"), "{md}");
    let json: serde_json::Value =
        serde_json::from_str(&fs::read_to_string(out.path().join("rejected/report.json")).unwrap())
            .unwrap();
    assert_eq!(json["diff"]["amounts"][0]["old_eur"], "500000");
    assert_eq!(json["diff"]["amounts"][0]["new_eur"], "550000");

    // Moved, not added: the total holds again, the finding is gone, one amount each way.
    let text = fs::read_to_string(&source).unwrap();
    fs::write(
        &source,
        text.replace(
            "Mutualité des Causses\tOccitanie\t52\t700 000",
            "Mutualité des Causses\tOccitanie\t52\t650 000",
        ),
    )
    .unwrap();
    assert_ok(&esms(&["run"], inputs.path(), out.path()));
    assert_eq!(
        diff_rows(out.path()),
        [
            "\"amount\" \"changed\" \"esms-2025-ars\" \"Fondation du Bocage\" 500000.00 550000.00 50000.00 null",
            "\"amount\" \"changed\" \"esms-2025-ars\" \"Mutualité des Causses\" 700000.00 650000.00 -50000.00 null",
        ]
    );
}

fn explain(args: &[&str]) -> Output {
    bin()
        .arg("explain")
        .args(args)
        .output()
        .expect("run esms-ledger")
}

#[test]
fn explain_lists_every_figure_taken_and_every_number_left_with_its_reason() {
    let file = fixture("daily/inputs/decision-2025-07.txt");
    let o = explain(&[file.to_str().unwrap()]);
    assert_ok(&o);
    insta::with_settings!({
        snapshot_path => "../../snapshots/daily",
        prepend_module_to_snapshot => false,
    }, {
        insta::assert_snapshot!("explain_decision_text", stdout(&o));
    });
}

#[test]
fn explain_a_spreadsheet_names_cells_and_the_columns_left() {
    let file = crate::support::shipped().join("2023-annexe-repartition-regionale.xlsx");
    let o = explain(&[file.to_str().unwrap(), "--envelope", "esms-2023-ars"]);
    assert_ok(&o);
    let text = stdout(&o);
    assert!(text.contains("Figures taken (18):"), "{text}");
    assert!(
        text.contains("2023-annexe-repartition-regionale.xlsx[Annexe 2!B24]\t\"67000000\"\tthe table's Total row of esms-2023-ars"),
        "{text}"
    );
    assert!(
        text.contains("[Annexe 2!C6]\t\"0.1246\"\ta share or a percentage"),
        "{text}"
    );
}

#[test]
fn explain_an_envelope_the_description_does_not_have_lists_the_ones_it_has() {
    let file = fixture("daily/inputs/decision-2025-07.toml");
    let o = explain(&[file.to_str().unwrap(), "--envelope", "esms-2024-ars"]);
    assert_eq!(o.status.code(), Some(66));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.contains("no envelope `esms-2024-ars` in this description; it has: esms-2025-ars"),
        "{err}"
    );
}

fn scaffold(file: &Path) -> Output {
    bin()
        .arg("scaffold")
        .arg(file)
        .output()
        .expect("run esms-ledger")
}

/// `file` (a path below tests/fixtures or the shipped inputs) alone in a new folder.
fn alone(file: &Path) -> (tempfile::TempDir, std::path::PathBuf) {
    let dir = tempfile::tempdir().expect("tempdir");
    let copy = dir.path().join(file.file_name().unwrap());
    fs::copy(file, &copy).expect("copy");
    (dir, copy)
}

#[test]
fn scaffold_drafts_a_description_of_a_new_text_that_runs_as_is() {
    let (dir, source) = alone(&fixture("daily/scaffold/instruction-2026-21.txt"));
    let o = scaffold(&source);
    assert_ok(&o);
    let draft = fs::read_to_string(dir.path().join("instruction-2026-21.toml")).unwrap();
    insta::with_settings!({
        snapshot_path => "../../snapshots/daily",
        prepend_module_to_snapshot => false,
    }, {
        insta::assert_snapshot!("scaffold_instruction_text", draft);
    });
    let out = dir.path().join("out");
    let o = esms(&["run"], dir.path(), &out);
    assert_ok(&o);
    assert!(
        stdout(&o).contains("published: 1 publications, 1 envelopes, 9600000 euros covered; findings: 0 errors, 0 warnings"),
        "{}",
        stdout(&o)
    );
}

#[test]
fn scaffold_drafts_one_envelope_per_amount_column_of_a_spreadsheet() {
    let (dir, source) =
        alone(&crate::support::shipped().join("2023-annexe-repartition-regionale.xlsx"));
    assert_ok(&scaffold(&source));
    let draft =
        fs::read_to_string(dir.path().join("2023-annexe-repartition-regionale.toml")).unwrap();
    assert!(draft.contains("kind = \"annex-table\""), "{draft}");
    assert!(draft.contains("breakdown = \"region\""), "{draft}");
    assert!(draft.contains("anchor = \"Annexe 2\""), "{draft}");
    let o = esms(&["run"], dir.path(), &dir.path().join("out"));
    assert_ok(&o);
    assert!(
        stdout(&o).contains("67000000 euros covered"),
        "{}",
        stdout(&o)
    );
}

#[test]
fn scaffold_never_writes_over_an_existing_description() {
    let (dir, source) = alone(&fixture("daily/scaffold/instruction-2026-21.txt"));
    let existing = dir.path().join("instruction-2026-21.toml");
    fs::write(&existing, "# mine\n").unwrap();
    let o = scaffold(&source);
    assert_eq!(o.status.code(), Some(73));
    assert!(String::from_utf8_lossy(&o.stderr).contains("not overwritten"));
    assert_eq!(fs::read_to_string(&existing).unwrap(), "# mine\n");
}

/// The page's `id`s and the targets of its `href="#…"` links.
fn ids_and_links(html: &str) -> (Vec<String>, Vec<String>) {
    let grab = |prefix: &str| -> Vec<String> {
        html.split(prefix)
            .skip(1)
            .filter_map(|rest| rest.split('"').next())
            .map(str::to_string)
            .collect()
    };
    (grab(" id=\""), grab("href=\"#"))
}

fn published_report(inputs: &Path) -> (tempfile::TempDir, String) {
    let out = tempfile::tempdir().expect("tempdir");
    assert_ok(&esms(&["run"], inputs, out.path()));
    let html = fs::read_to_string(out.path().join("report.html")).unwrap();
    (out, html)
}

#[test]
fn report_html_has_charts_a_map_and_links_that_open_the_source_line() {
    let (_out, html) = published_report(&fixture("daily/inputs"));
    // Self-contained: no network, no external script, style or font.
    for outside in ["http://", "https://", "<link", "src=\"", "@import", "url("] {
        let allowed = outside == "http://"
            && html.matches(outside).count() == html.matches("http://www.w3.org/2000/svg").count();
        assert!(
            allowed || !html.contains(outside),
            "{outside} in report.html"
        );
    }
    // A bar chart for the envelope, with the declared total against the sum.
    assert_eq!(
        html.matches("<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"chart\"")
            .count(),
        1
    );
    assert!(html.contains("<g class=\"bar-sum\">"));
    assert!(html.contains("<g class=\"bar-declared\">"));
    // The map: 18 regions, the three of the decision coloured, the others not.
    assert_eq!(
        html.matches("class=\"map-region\" data-region=").count(),
        18
    );
    assert!(html.contains("data-region=\"53\" fill=\"#"));
    assert!(html.contains("<title>Bretagne (53) : 600 000 €</title>"));
    assert!(html.contains("<title>Corse (94) : 0 €</title>"));
    // Every link lands on an element of the page.
    let (ids, links) = ids_and_links(&html);
    assert!(links.len() >= 4, "{links:?}");
    for target in &links {
        assert!(ids.contains(target), "link #{target} has no target");
    }
    // The first figure links to its line, where it is marked.
    assert!(html.contains("<a class=\"src\" href=\"#s0-l12\">decision-2025-07.txt:12</a>"));
    let line = html
        .split("<tr id=\"s0-l12\">")
        .nth(1)
        .and_then(|rest| rest.split("</tr>").next())
        .expect("line 12 embedded");
    assert!(
        line.contains("<mark class=\"fig\">600 000</mark>"),
        "{line}"
    );
    // Source text is text: the script of the source is shown, never run.
    assert!(html.contains("&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &amp; « fin »"));
    assert_eq!(
        html.matches("<script>").count(),
        1,
        "only the page's own script"
    );
}

#[test]
fn report_html_links_a_spreadsheet_figure_to_its_cell_among_its_neighbours() {
    let dir = tempfile::tempdir().unwrap();
    for name in [
        "2023-annexe-repartition-regionale.xlsx",
        "2023-annexe-repartition-regionale.toml",
    ] {
        fs::copy(crate::support::shipped().join(name), dir.path().join(name)).unwrap();
    }
    let (_out, html) = published_report(dir.path());
    assert!(html.contains("<a class=\"src\" href=\"#s0-t0-B6\">2023-annexe-repartition-regionale.xlsx [Annexe 2!B6]</a>"));
    let row = html
        .split("<td id=\"s0-t0-B6\">")
        .nth(1)
        .and_then(|rest| rest.split("</tr>").next())
        .expect("cell B6 embedded");
    // The cell, then its neighbour on the right (the share of the total).
    assert!(row.starts_with("8348102</td><td id=\"s0-t0-C6\">"), "{row}");
    let (ids, links) = ids_and_links(&html);
    for target in &links {
        assert!(ids.contains(target), "link #{target} has no target");
    }
}

/// Opens report.html in headless Chromium at a source link and checks what a reader sees:
/// the charts, the map, and the line the link points at marked. Skipped without Chromium
/// (Debian: `apt-get install chromium`).
#[test]
fn report_html_in_headless_chromium() {
    let Some(chromium) = ["chromium", "chromium-browser", "google-chrome"]
        .iter()
        .find(|b| {
            Command::new(b)
                .arg("--version")
                .output()
                .is_ok_and(|o| o.status.success())
        })
    else {
        println!("skipped: no chromium binary (apt-get install chromium)");
        return;
    };
    let (out, _) = published_report(&fixture("daily/inputs"));
    let page = out.path().join("report.html");
    let profile = tempfile::tempdir().unwrap();
    let o = Command::new(chromium)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--virtual-time-budget=3000",
        ])
        .arg(format!("--user-data-dir={}", profile.path().display()))
        .arg("--dump-dom")
        .arg(format!("file://{}#s0-l12", page.display()))
        .output()
        .expect("chromium");
    let dom = String::from_utf8_lossy(&o.stdout);
    assert!(
        dom.contains("class=\"chart\""),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    assert_eq!(dom.matches("class=\"map-region\"").count(), 18);
    // The page's script marked the line the link opens, and unfolded its source.
    assert!(
        dom.contains("<tr id=\"s0-l12\" class=\"current\">"),
        "line 12 not opened"
    );
    assert!(
        dom.contains("<details id=\"s0\" open=\"\">"),
        "source not unfolded"
    );
}

#[test]
fn scaffold_reads_a_bo_pdf_and_keeps_a_table_cut_by_a_page_break_whole() {
    let (dir, source) =
        alone(&crate::support::shipped().join("2023-02-bo-instruction-2023-13-annexe-2.pdf"));
    assert_ok(&scaffold(&source));
    let draft = fs::read_to_string(
        dir.path()
            .join("2023-02-bo-instruction-2023-13-annexe-2.toml"),
    )
    .unwrap();
    // The BO's running head gives the date; the table over two pages is one envelope.
    assert!(draft.contains("published_on = 2023-02-15"), "{draft}");
    assert!(draft.contains("# Figures at p.1:7 to p.2:9."), "{draft}");
    assert_eq!(draft.matches("[[envelopes]]").count(), 1, "{draft}");
    assert!(
        draft.contains("columns = { amount = \"Crédits 2023 (en euros)\" }"),
        "{draft}"
    );
    let o = esms(&["run"], dir.path(), &dir.path().join("out"));
    assert_ok(&o);
    assert!(
        stdout(&o).contains("67000000 euros covered; findings: 0 errors, 0 warnings"),
        "{}",
        stdout(&o)
    );
}

#[test]
fn scaffold_reads_a_table_copied_one_cell_per_line_and_picks_the_exercise_column() {
    let (dir, source) = alone(&fixture("daily/scaffold/arrete-2026-cellule-par-ligne.txt"));
    assert_ok(&scaffold(&source));
    let draft = fs::read_to_string(dir.path().join("arrete-2026-cellule-par-ligne.toml")).unwrap();
    // Both columns add up to a figure of the text; the one of the exercise is read.
    assert!(draft.contains("exercise = 2026"), "{draft}");
    assert!(
        draft.contains("declared_total = \"7 695 000 euros\""),
        "{draft}"
    );
    assert!(
        draft.contains("columns = { amount = \"MONTANT 2026 (en euros)\" }"),
        "{draft}"
    );
    assert!(draft.contains("breakdown = \"region\""), "{draft}");
    let o = esms(&["run"], dir.path(), &dir.path().join("out"));
    assert_ok(&o);
    assert!(
        stdout(&o).contains("7695000 euros covered; findings: 0 errors, 0 warnings"),
        "{}",
        stdout(&o)
    );
}

#[test]
fn scaffold_nests_a_table_that_details_a_line_of_a_list() {
    let (dir, source) = alone(&fixture("daily/scaffold/instruction-2026-fir.txt"));
    assert_ok(&scaffold(&source));
    let draft = fs::read_to_string(dir.path().join("instruction-2026-fir.toml")).unwrap();
    // The sentence introducing the list gives its total and its anchor, not a line.
    assert!(
        draft.contains("declared_total = \"10 000 000 €\""),
        "{draft}"
    );
    assert!(
        draft.contains("anchor = \"répartis comme suit\""),
        "{draft}"
    );
    // The detail of "autres mesures : 2 000 000 €" is drafted as its part.
    assert!(draft.contains("parent = \"esms-2026-lignes\""), "{draft}");
    let o = esms(&["run"], dir.path(), &dir.path().join("out"));
    assert_ok(&o);
    // 8 000 000 + the two measures: the line they detail is not counted again.
    assert!(
        stdout(&o).contains("10000000 euros covered; findings: 0 errors, 0 warnings"),
        "{}",
        stdout(&o)
    );
}
