//! The command as cron and analysts meet it: exit codes, the publish gate, atomic outputs,
//! the lock, and the reports of the shipped inputs.

use std::fs;
use std::path::Path;
use std::process::{Command, Output};

use crate::support::{fixture, inputs_copy, shipped};

fn bin() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_esms-ledger"));
    c.env_remove("RUST_LOG").env("NO_COLOR", "1");
    c
}

fn run(inputs: &Path, out: &Path, extra: &[&str]) -> Output {
    bin()
        .arg("run")
        .arg("--inputs")
        .arg(inputs)
        .arg("--out")
        .arg(out)
        .args(extra)
        .output()
        .expect("run esms-ledger")
}

fn code(o: &Output) -> i32 {
    o.status.code().expect("exit code")
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

const TABLES: [&str; 5] = [
    "allocations.parquet",
    "envelopes.parquet",
    "findings.parquet",
    "publications.parquet",
    "regions.parquet",
];

#[test]
fn shipped_inputs_publish_every_table_and_both_reports() {
    let out = tempfile::tempdir().expect("tempdir");
    let o = run(&shipped(), out.path(), &[]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    for name in TABLES
        .iter()
        .chain(&["report.json", "report.md", "report.html", "_manifest.json"])
    {
        assert!(out.path().join(name).is_file(), "{name} missing");
    }
    assert!(!out.path().join("rejected").exists());
    // No staging directory left behind.
    let leftovers: Vec<_> = fs::read_dir(out.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with(".staging"))
        .collect();
    assert!(leftovers.is_empty(), "{leftovers:?}");
}

#[test]
fn report_of_the_shipped_inputs() {
    let out = tempfile::tempdir().expect("tempdir");
    let o = run(&shipped(), out.path(), &[]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let report: serde_json::Value =
        serde_json::from_str(&fs::read_to_string(out.path().join("report.json")).unwrap()).unwrap();
    let fingerprint = report["input_fingerprint"].as_str().unwrap().to_string();
    // Every euro once: nested envelopes and restatements are not added twice.
    assert_eq!(report["summary"]["euros_covered"], "353106054");
    assert_eq!(report["summary"]["errors"], 0);
    assert_eq!(report["summary"]["acknowledged"], 5);
    let markdown = fs::read_to_string(out.path().join("report.md"))
        .unwrap()
        .replace(&fingerprint, "[fingerprint]")
        .replace(env!("CARGO_PKG_VERSION"), "[version]");
    insta::with_settings!({
        snapshot_path => "../../snapshots/cli",
        prepend_module_to_snapshot => false,
        omit_expression => true,
        description => "report.md of the shipped inputs",
    }, {
        insta::assert_snapshot!("report_md_shipped_inputs", markdown);
    });
}

#[test]
fn same_inputs_give_the_same_bytes() {
    let a = tempfile::tempdir().unwrap();
    let b = tempfile::tempdir().unwrap();
    assert_eq!(code(&run(&shipped(), a.path(), &[])), 0);
    assert_eq!(code(&run(&shipped(), b.path(), &[])), 0);
    for name in TABLES
        .iter()
        .chain(&["report.json", "report.md", "report.html"])
    {
        assert_eq!(
            fs::read(a.path().join(name)).unwrap(),
            fs::read(b.path().join(name)).unwrap(),
            "{name} differs between two runs"
        );
    }
}

#[test]
fn unchanged_inputs_are_not_republished_unless_forced() {
    let out = tempfile::tempdir().unwrap();
    assert_eq!(code(&run(&shipped(), out.path(), &[])), 0);
    let manifest = fs::read_to_string(out.path().join("_manifest.json")).unwrap();
    let again = run(&shipped(), out.path(), &[]);
    assert_eq!(code(&again), 0);
    assert!(String::from_utf8_lossy(&again.stdout).starts_with("unchanged"));
    assert_eq!(
        fs::read_to_string(out.path().join("_manifest.json")).unwrap(),
        manifest
    );
    let forced = run(&shipped(), out.path(), &["--force"]);
    assert_eq!(code(&forced), 0);
    assert!(String::from_utf8_lossy(&forced.stdout).starts_with("published"));
}

#[test]
fn removing_an_acknowledgement_fails_the_run_and_keeps_the_last_good_outputs() {
    let out = tempfile::tempdir().unwrap();
    assert_eq!(code(&run(&shipped(), out.path(), &[])), 0);
    let before = fs::read(out.path().join("allocations.parquet")).unwrap();
    let manifest = fs::read(out.path().join("_manifest.json")).unwrap();

    let inputs = inputs_copy();
    let acks = fs::read_to_string(inputs.path().join("acknowledged.toml")).unwrap();
    // Drop the first entry: the temps 2 shortfall.
    let rest = acks.splitn(3, "[[acknowledged]]").collect::<Vec<_>>();
    assert_eq!(rest.len(), 3);
    fs::write(
        inputs.path().join("acknowledged.toml"),
        format!("{}[[acknowledged]]{}", rest[0], rest[2]),
    )
    .unwrap();

    let o = run(inputs.path(), out.path(), &[]);
    assert_eq!(code(&o), 65, "{}", stderr(&o));
    assert!(
        stderr(&o).contains("1 unacknowledged error"),
        "{}",
        stderr(&o)
    );
    assert_eq!(
        fs::read(out.path().join("allocations.parquet")).unwrap(),
        before
    );
    assert_eq!(
        fs::read(out.path().join("_manifest.json")).unwrap(),
        manifest
    );
    let rejected = fs::read_to_string(out.path().join("rejected/report.md")).unwrap();
    assert!(rejected.contains("rejeté"));
    assert!(rejected.contains("il manque 4 893 594 €"), "{rejected}");
}

#[test]
fn strict_fails_on_an_unacknowledged_warning() {
    let inputs = inputs_copy();
    let acks = fs::read_to_string(inputs.path().join("acknowledged.toml")).unwrap();
    // Drop the last entry: the Normandie plausibility warning.
    let cut = acks.rfind("[[acknowledged]]").unwrap();
    fs::write(inputs.path().join("acknowledged.toml"), &acks[..cut]).unwrap();
    let out = tempfile::tempdir().unwrap();
    assert_eq!(code(&run(inputs.path(), out.path(), &[])), 0);
    let strict = tempfile::tempdir().unwrap();
    let o = run(inputs.path(), strict.path(), &["--strict"]);
    assert_eq!(code(&o), 65, "{}", stderr(&o));
    assert!(!strict.path().join("allocations.parquet").exists());
}

#[test]
fn missing_inputs_exit_66() {
    let out = tempfile::tempdir().unwrap();
    let o = run(Path::new("/nonexistent/esms-inputs"), out.path(), &[]);
    assert_eq!(code(&o), 66, "{}", stderr(&o));
    assert!(stderr(&o).contains("/nonexistent/esms-inputs"));
}

#[test]
fn a_missing_source_exits_66_naming_it() {
    let inputs = inputs_copy();
    fs::remove_file(inputs.path().join("2021-08-nexem-repartition-temps1.txt")).unwrap();
    let out = tempfile::tempdir().unwrap();
    let o = run(inputs.path(), out.path(), &[]);
    assert_eq!(code(&o), 66);
    assert!(
        stderr(&o).contains("2021-08-nexem-repartition-temps1.txt"),
        "{}",
        stderr(&o)
    );
}

#[test]
fn an_invalid_description_exits_78_naming_file_line_and_key() {
    let inputs = inputs_copy();
    let path = inputs.path().join("2022-01-dsih-credits-esms-2021.toml");
    let text = fs::read_to_string(&path)
        .unwrap()
        .replace("breakdown = \"region\"", "breakdown = \"regions\"");
    fs::write(&path, text).unwrap();
    let out = tempfile::tempdir().unwrap();
    let o = run(inputs.path(), out.path(), &[]);
    assert_eq!(code(&o), 78, "{}", stderr(&o));
    let err = stderr(&o);
    assert!(
        err.contains("2022-01-dsih-credits-esms-2021.toml:30"),
        "{err}"
    );
    assert!(err.contains("breakdown"), "{err}");
}

#[test]
fn a_declared_total_that_is_no_amount_exits_78_naming_file_line_and_key() {
    let inputs = inputs_copy();
    let path = inputs.path().join("2022-01-dsih-credits-esms-2021.toml");
    let text = fs::read_to_string(&path).unwrap();
    let line = text
        .lines()
        .position(|l| l.starts_with("declared_total"))
        .expect("a declared_total")
        + 1;
    let text = text.replacen(
        "declared_total = \"",
        "declared_total = \"environ beaucoup ",
        1,
    );
    fs::write(&path, text).unwrap();
    let out = tempfile::tempdir().unwrap();
    let o = run(inputs.path(), out.path(), &[]);
    assert_eq!(code(&o), 78, "{}", stderr(&o));
    let err = stderr(&o);
    assert!(
        err.contains(&format!("2022-01-dsih-credits-esms-2021.toml:{line}")),
        "{err}"
    );
    assert!(err.contains("key `declared_total`"), "{err}");
    assert!(
        fs::read_dir(out.path()).unwrap().all(|e| e
            .unwrap()
            .file_name()
            .to_string_lossy()
            .starts_with('.')),
        "nothing published"
    );
}

#[test]
fn a_coverage_that_is_no_coverage_exits_78_naming_file_line_and_key() {
    for (written, said) in [
        ("\"metropolitaine\"", "is no coverage"),
        (
            "[\"11\", \"42\"]",
            "\"42\" is not the INSEE code of a region",
        ),
    ] {
        let inputs = inputs_copy();
        let path = inputs.path().join("2022-01-dsih-credits-esms-2021.toml");
        let text = fs::read_to_string(&path).unwrap();
        let line = text
            .lines()
            .position(|l| l.starts_with("declared_total"))
            .expect("a declared_total")
            + 1;
        let text = text.replacen(
            "declared_total = ",
            &format!("coverage = {written}\ndeclared_total = "),
            1,
        );
        fs::write(&path, text).unwrap();
        let out = tempfile::tempdir().unwrap();
        let o = run(inputs.path(), out.path(), &[]);
        assert_eq!(code(&o), 78, "{}", stderr(&o));
        let err = stderr(&o);
        assert!(
            err.contains(&format!("2022-01-dsih-credits-esms-2021.toml:{line}")),
            "{err}"
        );
        assert!(err.contains("key `coverage`"), "{err}");
        assert!(err.contains(said), "{err}");
    }
}

#[test]
fn a_bare_declared_total_whose_unit_nothing_states_exits_78_naming_the_unit_key() {
    let inputs = tempfile::tempdir().unwrap();
    fs::write(
        inputs.path().join("note.toml"),
        "[publication]\nid = \"note\"\ntitle = \"t\"\nissuer = \"CNSA\"\nkind = \"bo-decision\"\npublished_on = 2025-04-15\nsource = \"note.txt\"\n\n[[envelopes]]\nid = \"env\"\nprogramme = \"p\"\nexercise = 2025\nphase = \"p\"\nchannel = \"c\"\nbreakdown = \"budget-line\"\ndeclared_total = \"7,15\"\nanchor = \"Répartition :\"\n",
    )
    .unwrap();
    fs::write(
        inputs.path().join("note.txt"),
        "Répartition :\n• Mesure A : 5,4 M€\n• Mesure B : 1,75 M€\n",
    )
    .unwrap();
    let out = tempfile::tempdir().unwrap();
    let o = run(inputs.path(), out.path(), &[]);
    assert_eq!(code(&o), 78, "{}", stderr(&o));
    let err = stderr(&o);
    // No `unit` key: the envelope's header line.
    assert!(err.contains("note.toml:9"), "{err}");
    assert!(err.contains("key `unit`"), "{err}");
    assert!(err.contains("\"7,15\""), "{err}");
}

#[test]
fn an_invalid_acknowledgement_file_exits_78() {
    let inputs = inputs_copy();
    fs::write(
        inputs.path().join("acknowledged.toml"),
        "[[acknowledged]]\nfingerprint = \"x\"\n",
    )
    .unwrap();
    let out = tempfile::tempdir().unwrap();
    let o = run(inputs.path(), out.path(), &[]);
    assert_eq!(code(&o), 78, "{}", stderr(&o));
    assert!(stderr(&o).contains("acknowledged.toml"));
}

#[test]
fn an_anchor_not_found_exits_65_naming_the_description_line() {
    let inputs = inputs_copy();
    let path = inputs.path().join("2021-08-nexem-repartition-temps1.toml");
    let text = fs::read_to_string(&path)
        .unwrap()
        .replace("Pour en savoir plus", "Pour en savoir davantage");
    fs::write(&path, text).unwrap();
    let out = tempfile::tempdir().unwrap();
    let o = run(inputs.path(), out.path(), &[]);
    assert_eq!(code(&o), 65, "{}", stderr(&o));
    assert!(
        stderr(&o).contains("2021-08-nexem-repartition-temps1.toml:23"),
        "{}",
        stderr(&o)
    );
    assert!(!out.path().join("allocations.parquet").exists());
}

#[test]
fn a_figure_that_does_not_parse_exits_65_naming_the_line() {
    let inputs = inputs_copy();
    let path = inputs
        .path()
        .join("2023-02-instruction-150-millions-2023.txt");
    let text = fs::read_to_string(&path)
        .unwrap()
        .replace("Bretagne: 2.636.303 euros", "Bretagne: 2.636.30 euros");
    fs::write(&path, text).unwrap();
    let out = tempfile::tempdir().unwrap();
    let o = run(inputs.path(), out.path(), &[]);
    assert_eq!(code(&o), 65, "{}", stderr(&o));
    assert!(
        stderr(&o).contains("2023-02-instruction-150-millions-2023.txt:36"),
        "{}",
        stderr(&o)
    );
}

#[test]
fn a_held_lock_exits_75() {
    let out = tempfile::tempdir().unwrap();
    let lock = fs::OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(out.path().join(".esms-ledger.lock"))
        .unwrap();
    lock.try_lock().expect("take the lock");
    let o = run(&shipped(), out.path(), &[]);
    assert_eq!(code(&o), 75, "{}", stderr(&o));
    drop(lock);
    let o = run(&shipped(), out.path(), &[]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
}

#[test]
fn usage_errors_exit_2_and_help_lists_exit_codes() {
    let o = bin().arg("run").arg("--no-such-flag").output().unwrap();
    assert_eq!(code(&o), 2);
    let help = bin().arg("run").arg("--help").output().unwrap();
    assert_eq!(code(&help), 0);
    let text = String::from_utf8_lossy(&help.stdout);
    for code in ["65", "66", "75", "78"] {
        assert!(
            text.contains(code),
            "--help does not document exit code {code}"
        );
    }
}

#[test]
fn region_command_prints_code_name_and_rule() {
    let o = bin().args(["region", "Paca"]).output().unwrap();
    assert_eq!(code(&o), 0);
    let text = String::from_utf8_lossy(&o.stdout);
    assert!(
        text.starts_with("93\tProvence-Alpes-Côte d'Azur\tAlias"),
        "{text}"
    );
    let unknown = bin()
        .args(["region", "Nouvele-Aquitaine"])
        .output()
        .unwrap();
    assert_ne!(code(&unknown), 0);
    assert!(stderr(&unknown).contains("Nouvelle-Aquitaine"));
}

#[test]
fn readme_lists_every_rule() {
    let readme =
        fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("README.md")).unwrap();
    for rule in esms_ledger::validate::RULES {
        assert!(
            readme.contains(&format!("| `{}` |", rule.rule.id())),
            "README does not list {}",
            rule.rule.id()
        );
    }
}

#[test]
fn a_staging_folder_left_by_a_killed_run_is_removed() {
    let out = tempfile::tempdir().unwrap();
    let stale = out.path().join(".staging-killed");
    fs::create_dir_all(&stale).unwrap();
    fs::write(stale.join("0000.staged"), b"half a file").unwrap();
    assert_eq!(code(&run(&shipped(), out.path(), &[])), 0);
    assert!(!stale.exists());
}

#[test]
fn check_prints_findings_and_writes_nothing() {
    let o = bin()
        .arg("check")
        .arg("--inputs")
        .arg(shipped())
        .output()
        .unwrap();
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let text = String::from_utf8_lossy(&o.stdout);
    assert!(
        text.contains("error\ttotal.sum_mismatch\tb36ebdc939d83ce0"),
        "{text}"
    );
    assert!(text.contains("(acknowledged)"));
    assert!(
        text.lines()
            .last()
            .unwrap()
            .starts_with("checked: 8 publications")
    );

    let inputs = inputs_copy();
    fs::remove_file(inputs.path().join("acknowledged.toml")).unwrap();
    let o = bin()
        .arg("check")
        .arg("--inputs")
        .arg(inputs.path())
        .output()
        .unwrap();
    assert_eq!(code(&o), 65);
    assert!(fs::read_dir(inputs.path()).unwrap().all(|e| {
        e.unwrap()
            .path()
            .extension()
            .is_some_and(|x| x != "parquet")
    }));
}

/// report.json and report.html are guarded on a small case whose every line can be read.
#[test]
fn report_json_and_html_of_a_rejected_run() {
    let case = fixture("rules/revision.unnamed_changed/trigger");
    let out = tempfile::tempdir().unwrap();
    let o = run(&case, out.path(), &[]);
    assert_eq!(code(&o), 65, "{}", stderr(&o));
    let dir = out.path().join("rejected");
    let json = fs::read_to_string(dir.join("report.json")).unwrap();
    let report: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert_eq!(report["report_version"], "1.1.0");
    assert_eq!(report["status"], "rejected");
    let fingerprint = report["input_fingerprint"].as_str().unwrap().to_string();
    let redact = |s: String| {
        s.replace(&fingerprint, "[fingerprint]")
            .replace(env!("CARGO_PKG_VERSION"), "[version]")
    };
    let mut shown: serde_json::Value = serde_json::from_str(&redact(json)).unwrap();
    // The rule catalogue is guarded by the README test and report.md's snapshot.
    shown.as_object_mut().unwrap().remove("rules");
    insta::with_settings!({
        snapshot_path => "../../snapshots/cli",
        prepend_module_to_snapshot => false,
        omit_expression => true,
        description => "report.json of tests/fixtures/rules/revision.unnamed_changed/trigger (rules omitted)",
    }, {
        insta::assert_json_snapshot!("report_json_rejected_revision", shown);
        insta::assert_snapshot!("report_html_rejected_revision", redact(fs::read_to_string(dir.join("report.html")).unwrap()));
    });
}

#[test]
fn an_anchor_with_a_typo_names_the_closest_passage() {
    let inputs = inputs_copy();
    let path = inputs.path().join("2022-01-dsih-credits-esms-2021.toml");
    let text = fs::read_to_string(&path).unwrap().replace(
        "anchor = \"entre les régions :\"",
        "anchor = \"entre les region :\"",
    );
    fs::write(&path, text).unwrap();
    let out = tempfile::tempdir().unwrap();
    let o = run(inputs.path(), out.path(), &[]);
    assert_eq!(code(&o), 65, "{}", stderr(&o));
    assert!(
        stderr(&o).contains("closest: \"entre les régions"),
        "{}",
        stderr(&o)
    );
    assert!(stderr(&o).contains("(line 28)"), "{}", stderr(&o));
}
