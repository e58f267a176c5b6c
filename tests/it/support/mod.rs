//! What the areas share: where the shipped inputs are, a readable rendering of extracted
//! facts, the workbook builder.

pub mod describe;
pub mod workbook;

use std::fmt::Display;
use std::fs;
use std::path::{Path, PathBuf};

/// The shipped inputs (`inputs/`).
pub fn shipped() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("inputs")
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
