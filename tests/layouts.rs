//! Text layouts official publications take beyond the seeds: tables re-typed with tabs or
//! pipes, bare numbers under a unit header, "Région : montant" lines, amounts before their
//! region, INSEE code prefixes and dotted leaders, rounded M€ lists, revision tables,
//! beneficiary tables, decisions in prose. Each folder of `tests/layouts/` is one
//! publication; adding a case is adding a folder.

use esms_ledger::run::analyse;
use std::path::Path;

#[path = "support/describe.rs"]
mod describe;
use describe::describe;

#[test]
fn each_layout_extracts_every_line() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/layouts");
    let mut dirs: Vec<_> = std::fs::read_dir(&root)
        .expect("tests/layouts")
        .map(|e| e.expect("entry").path())
        .collect();
    dirs.sort();
    assert!(dirs.len() >= 9);
    for dir in dirs {
        let name = dir.file_name().unwrap().to_string_lossy().into_owned();
        let (_, statements, validation, _) =
            analyse(&dir).unwrap_or_else(|e| panic!("{name}: {e}"));
        let mut lines: Vec<String> = statements.iter().flat_map(describe).collect();
        if let Some(row) = statements.iter().find_map(|s| s.total_row.as_ref()) {
            lines.push(format!(
                "total row {} = {} @ {}",
                row.raw, row.amount.value, row.location
            ));
        }
        for f in &validation.findings {
            lines.push(format!(
                "finding {} {}: {}",
                f.severity.as_str(),
                f.rule,
                f.message()
            ));
        }
        insta::with_settings!({
            snapshot_path => "../snapshots",
            prepend_module_to_snapshot => false,
            omit_expression => true,
            description => format!("facts and findings of tests/layouts/{name}"),
        }, {
            insta::assert_yaml_snapshot!(format!("layout__{name}"), lines);
        });
    }
}
