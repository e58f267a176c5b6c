//! Text layouts official publications take beyond the seeds: tables re-typed with tabs or
//! pipes, bare numbers under a unit header, "Région : montant" lines, amounts before their
//! region, INSEE code prefixes and dotted leaders, rounded M€ lists, revision tables,
//! beneficiary tables, decisions in prose. Each folder of `tests/fixtures/layouts/` is one
//! publication, and its own snapshot (`snapshots/layouts/facts@<folder>.snap`); adding a case
//! is adding a folder. A folder named `refused-…` holds a layout the tool must refuse rather
//! than guess: its snapshot is the error.

use esms_ledger::run::analyse;

use crate::support::Failures;
use crate::support::describe::facts_and_findings;

#[test]
fn each_layout_extracts_every_line() {
    let mut failures = Failures::default();
    let mut cases = 0;
    insta::with_settings!({
        snapshot_path => "../../snapshots/layouts",
        prepend_module_to_snapshot => false,
        omit_expression => true,
    }, {
        insta::glob!("../fixtures", "layouts/*", |dir| {
            cases += 1;
            let name = dir.file_name().unwrap().to_string_lossy().into_owned();
            // A layout the tool must refuse (several amount columns and no `columns`,
            // say) is a case too: its snapshot is the error the user reads.
            let (_, statements, validation, _) = match analyse(dir) {
                Ok(analysis) => analysis,
                Err(e) if name.starts_with("refused-") => {
                    insta::with_settings!({
                        description => format!("error of tests/fixtures/layouts/{name}"),
                    }, {
                        insta::assert_yaml_snapshot!(
                            "facts",
                            vec![format!("refused (exit {}): {e}", e.exit_code())]
                        );
                    });
                    return;
                }
                Err(e) => {
                    failures.add(format!("{name}: {e}"));
                    return;
                }
            };
            if name.starts_with("refused-") {
                failures.add(format!("{name}: read, but the layout must be refused"));
                return;
            }
            let lines = facts_and_findings(&statements, &validation);
            insta::with_settings!({
                description => format!("facts and findings of tests/fixtures/layouts/{name}"),
            }, {
                insta::assert_yaml_snapshot!("facts", lines);
            });
        });
    });
    failures.assert_none();
    assert!(cases >= 9, "only {cases} layouts");
}
