//! `esms-ledger diff [--inputs DIR] [--out DIR]`: what a run of the inputs would change in
//! the published dataset — publications and envelopes added or removed, amounts changed per
//! region or beneficiary (old → new), findings new, persisting and resolved by fingerprint.
//! Prints the section the reports carry; writes nothing.

use esms_ledger::error::Error;
use esms_ledger::publish::diff::write_markdown;
use std::path::Path;

pub fn run(inputs: &Path, out: &Path) -> Result<(), Error> {
    let diff = esms_ledger::run::diff(inputs, out)?;
    let mut text = String::new();
    write_markdown(&mut text, &diff);
    print!("{text}");
    Ok(())
}
