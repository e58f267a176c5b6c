//! What the areas share: where the inputs are, a readable rendering of extracted facts, the
//! workbook builder, the failures of a `glob!`.

pub mod bo_pdf;
pub mod describe;
#[path = "../../../crates/pdf-layout/tests/it/pdfgen.rs"]
pub mod pdfgen;
pub mod workbook;

use std::fmt::Display;
use std::fs;
use std::path::{Path, PathBuf};

/// The shipped inputs (`inputs/`).
pub fn shipped() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("inputs")
}

/// A path below `tests/fixtures/`, e.g. `fixture("rules/claim.count/trigger")`.
pub fn fixture(path: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(path)
}

/// A copy of the shipped inputs that a test may change.
pub fn inputs_copy() -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("tempdir");
    for entry in fs::read_dir(shipped()).expect("inputs") {
        let path = entry.expect("entry").path();
        fs::copy(&path, dir.path().join(path.file_name().unwrap())).expect("copy");
    }
    dir
}

/// A rule id as text ("total.sum_mismatch"), whether the rule is held as a string or as an
/// enum that displays as its id.
pub fn rule_id(rule: &impl Display) -> String {
    rule.to_string()
}

/// The failures of the cases of an `insta::glob!` other than a snapshot that differs (insta
/// collects those itself): each is printed when it happens, and together they fail the test
/// once every case has run, so that one failing case does not hide the others.
#[derive(Default)]
pub struct Failures(Vec<String>);

impl Failures {
    pub fn add(&mut self, failure: String) {
        eprintln!("{failure}");
        self.0.push(failure);
    }

    pub fn assert_none(self) {
        assert!(
            self.0.is_empty(),
            "{} case(s) failed:\n{}",
            self.0.len(),
            self.0.join("\n")
        );
    }
}
