//! What makes a publication safe to run unattended: the output folder's lock, the
//! manifest that records each published set (and lets an unchanged run write nothing), and
//! the clock, read here only (the data and the reports hold no time).

use super::PublishedFile;
use crate::core::sha256_hex;
use crate::error::Error;
use serde::{Deserialize, Serialize};
use std::fs::File;
use std::io::Write as _;
use std::path::Path;

/// The manifest of a published set, written last: BI tools treat it as the commit marker.
pub const MANIFEST: &str = "_manifest.json";
const LOCK_FILE: &str = ".esms-ledger.lock";

#[derive(Debug, Serialize, Deserialize)]
pub struct Manifest {
    pub manifest_version: String,
    pub tool_version: String,
    pub schema_version: String,
    pub input_fingerprint: String,
    pub status: String,
    pub started_at: String,
    pub finished_at: String,
    pub inputs: Vec<ManifestInput>,
    pub outputs: Vec<PublishedFile>,
    pub errors: usize,
    pub warnings: usize,
    pub acknowledged: usize,
}

#[derive(Debug, Serialize, Deserialize)]
pub struct ManifestInput {
    pub path: String,
    pub sha256: String,
    pub bytes: u64,
}

/// The advisory lock of the output folder, released when dropped (or when the process
/// dies: no stale lock to clean up).
pub struct Lock {
    _file: File,
}

pub fn lock(out: &Path) -> Result<Lock, Error> {
    std::fs::create_dir_all(out).map_err(|e| Error::output(out, e))?;
    let path = out.join(LOCK_FILE);
    let mut file = std::fs::OpenOptions::new()
        .create(true)
        .truncate(false)
        .read(true)
        .write(true)
        .open(&path)
        .map_err(|e| Error::output(&path, e))?;
    match file.try_lock() {
        Ok(()) => {}
        Err(std::fs::TryLockError::WouldBlock) => {
            let holder = std::fs::read_to_string(&path).unwrap_or_default();
            let holder = match holder.trim() {
                "" => "holder unknown".to_string(),
                written => written.to_string(),
            };
            return Err(Error::Locked {
                file: path.display().to_string(),
                holder,
            });
        }
        Err(std::fs::TryLockError::Error(e)) => return Err(Error::output(&path, e)),
    }
    // For humans looking at a held lock: who holds it.
    let _ = file.set_len(0);
    let _ = writeln!(file, "pid {} since {}", std::process::id(), now_utc());
    Ok(Lock { _file: file })
}

/// RFC 3339 UTC time, for the manifest only (never in the data or the report).
pub fn now_utc() -> String {
    chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
}

/// Whether `out` holds a complete publication of the inputs whose fingerprint is given:
/// then a run has nothing to write.
pub fn unchanged(out: &Path, fingerprint: &str) -> bool {
    let Ok(text) = std::fs::read_to_string(out.join(MANIFEST)) else {
        return false;
    };
    let Ok(manifest) = serde_json::from_str::<Manifest>(&text) else {
        return false;
    };
    manifest.input_fingerprint == fingerprint
        && manifest.outputs.iter().all(|o| {
            std::fs::read(out.join(&o.name)).is_ok_and(|bytes| sha256_hex(&bytes) == o.sha256)
        })
}
