//! `esms-ledger explain FILE [--envelope ID] [--json]`: every figure the run takes from one
//! source (where it stands, its label, its region and the rule that found it, its envelope)
//! and every other number of the source with the reason it is left. FILE is the source or
//! its description; the description must stand beside it. Writes nothing.

use esms_ledger::error::Error;
use esms_ledger::explain::{explain, to_text};
use std::path::Path;

pub fn run(file: &Path, envelope: Option<&str>, json: bool) -> Result<(), Error> {
    let explanation = explain(file, envelope)?;
    if json {
        let text = serde_json::to_string_pretty(&explanation)
            .map_err(|e| Error::Internal(format!("explain: {e}")))?;
        println!("{text}");
    } else {
        print!("{}", to_text(&explanation));
    }
    Ok(())
}
