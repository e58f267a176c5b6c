//! The crate's integration tests, one binary: exact lines for each fixture, hostile and
//! mutated files, and the comparison with `pdftotext -layout` where it is installed.

mod hostile;
mod layout;
mod mutations;
mod pdfgen;
mod pdftotext;
