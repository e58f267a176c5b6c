//! `esms-ledger scaffold FILE`: drafts the description of a new source beside it (same
//! stem, `.toml`), never over an existing one. The draft runs as is; its comments say what
//! the user must decide (phase, channel, parent, and anything the source left unclear).

use esms_ledger::error::Error;
use std::path::Path;

pub fn run(file: &Path) -> Result<(), Error> {
    let draft = esms_ledger::scaffold::scaffold(file)?;
    println!(
        "drafted {}: {} envelope(s){}; check it, then `esms-ledger explain {}`",
        draft.path.display(),
        draft.envelopes,
        if draft.commented_out > 0 {
            format!(
                ", {} more left commented out (they do not extract as drafted)",
                draft.commented_out
            )
        } else {
            String::new()
        },
        file.display()
    );
    Ok(())
}
