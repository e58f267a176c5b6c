//! The pure domain the stages share, with no I/O: amounts as French texts write them,
//! the 18 regions and their spellings, names of organisations, and the vocabulary of French
//! financial tables.

pub mod amount;
pub mod intern;
pub mod memory;
pub mod names;
pub mod region;
pub mod vocab;

/// The SHA-256 of some bytes, in lower-case hex: fingerprints of inputs, outputs and
/// findings.
pub fn sha256_hex(bytes: &[u8]) -> String {
    use sha2::{Digest, Sha256};
    hex(&Sha256::digest(bytes))
}

/// Bytes in lower-case hex, as `sha256sum` prints a digest.
pub fn hex(bytes: &[u8]) -> String {
    use std::fmt::Write as _;
    let mut out = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        let _ = write!(out, "{b:02x}");
    }
    out
}
