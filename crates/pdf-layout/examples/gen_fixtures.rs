//! Writes the test fixtures to `tests/fixtures/` from the hand-written PDF generator in
//! `tests/it/pdfgen.rs`: `cargo run --example gen_fixtures`.
//!
//! The files are committed so the tests need no generator run; `tests/fixtures.rs` checks
//! they still match what the generator writes.

#[path = "../tests/it/pdfgen.rs"]
mod pdfgen;

use std::path::Path;

fn main() -> std::io::Result<()> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests")
        .join("fixtures");
    std::fs::create_dir_all(&dir)?;
    for fixture in pdfgen::all() {
        let path = dir.join(fixture.name);
        std::fs::write(&path, &fixture.bytes)?;
        println!("{} ({} bytes)", path.display(), fixture.bytes.len());
    }
    Ok(())
}
