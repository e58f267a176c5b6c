//! Every validation rule, proven by a pair of inputs: `tests/fixtures/rules/<rule>/trigger`
//! raises it, `tests/fixtures/rules/<rule>/quiet*` does not. Each case's findings are
//! snapshotted, so the arithmetic of every rule is reviewed once and then guarded.

use esms_ledger::run::analyse;
use esms_ledger::validate::{Finding, RULES};
use serde::Serialize;
use std::path::{Path, PathBuf};

use crate::support::{Failures, fixture, rule_id};

#[derive(Serialize)]
struct Shown {
    rule: String,
    severity: &'static str,
    subject: String,
    message_fr: String,
    expected: Option<String>,
    actual: Option<String>,
    difference: Option<String>,
    tolerance: Option<String>,
    locations: Vec<String>,
    acknowledged: bool,
}

fn shown(f: &Finding) -> Shown {
    Shown {
        rule: rule_id(&f.rule),
        severity: f.severity.as_str(),
        subject: f.subject.clone(),
        message_fr: f.message_fr(),
        expected: f.expected.map(|d| d.to_string()),
        actual: f.actual.map(|d| d.to_string()),
        difference: f.difference.map(|d| d.to_string()),
        tolerance: f.tolerance.map(|d| d.to_string()),
        locations: f.locations.iter().map(ToString::to_string).collect(),
        acknowledged: f.acknowledged.is_some(),
    }
}

/// (rule, variant, folder) of every case of `tests/fixtures/rules/`.
fn cases() -> Vec<(String, String, PathBuf)> {
    let root = fixture("rules");
    let mut out = Vec::new();
    for rule in std::fs::read_dir(&root).expect("tests/fixtures/rules") {
        let rule = rule.expect("entry").path();
        for variant in std::fs::read_dir(&rule).expect("rule folder") {
            out.push(case(&variant.expect("entry").path()));
        }
    }
    out.sort();
    out
}

/// (rule, variant, folder) of the case in `dir`: `tests/fixtures/rules/<rule>/<variant>`.
fn case(dir: &Path) -> (String, String, PathBuf) {
    let name = |path: &Path| path.file_name().unwrap().to_string_lossy().into_owned();
    let rule = dir.parent().expect("a rule folder");
    (name(rule), name(dir), dir.to_path_buf())
}

/// Each case is its own snapshot (`snapshots/rules/findings@<rule>__<variant>.snap`), and a
/// case that fails does not stop the others.
#[test]
fn each_rule_fires_on_its_trigger_and_stays_quiet_otherwise() {
    let mut failures = Failures::default();
    insta::with_settings!({
           snapshot_path => "../../snapshots/rules",
           prepend_module_to_snapshot => false,
           omit_expression => true,
       }, {
           insta::glob!("../fixtures", "rules/*/*", |dir| {
               let (rule, variant, dir) = case(dir);
               // The inputs are read relative to the crate so that locations are stable.
               let validation = match analyse(&dir) {
                   Ok((_, _, validation, _)) => validation,
                   Err(e) => {
    failures.add(format!("{rule}/{variant}: {e}"));
    return;
    }
               };
               let fired = validation.findings.iter().any(|f| rule_id(&f.rule) == rule);
               if variant.starts_with("trigger") && !fired {
                   failures.add(format!(
                       "{rule}/{variant} should raise {rule}: {:#?}",
                       validation.findings
                   ));
               } else if !variant.starts_with("trigger") && fired {
                   failures.add(format!(
                       "{rule}/{variant} should not raise {rule}: {:#?}",
                       validation.findings
                   ));
               }
               let findings: Vec<Shown> = validation.findings.iter().map(shown).collect();
               insta::with_settings!({
                   description => format!("findings of tests/fixtures/rules/{rule}/{variant}"),
               }, {
                   insta::assert_yaml_snapshot!("findings", findings);
               });
           });
       });
    failures.assert_none();
}

/// Rules that only spreadsheets can raise are proven by the spreadsheet gallery
/// (`tests/it/sheets.rs`); `extraction.note` files notes no rule names.
const SHEET_RULES: [&str; 4] = [
    "sheet.float_noise",
    "sheet.region_carried",
    "identifier.checksum",
    "extraction.note",
];

#[test]
fn every_rule_of_the_catalogue_has_its_pair_of_cases() {
    let cases = cases();
    for rule in RULES.iter().filter(|r| !SHEET_RULES.contains(&r.rule.id())) {
        let variants: Vec<&str> = cases
            .iter()
            .filter(|(r, _, _)| r == rule.rule.id())
            .map(|(_, v, _)| v.as_str())
            .collect();
        assert!(
            variants.contains(&"trigger"),
            "no trigger case for {}",
            rule.rule.id()
        );
        assert!(
            variants.iter().any(|v| v.starts_with("quiet")),
            "no quiet case for {}",
            rule.rule.id()
        );
    }
}
