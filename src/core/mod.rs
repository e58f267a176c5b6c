//! The pure domain the stages share, with no I/O: amounts as French texts write them,
//! the 18 regions and their spellings, names of organisations, and the vocabulary of French
//! financial tables.

pub mod amount;
pub mod intern;
pub mod names;
pub mod region;
pub mod vocab;

/// The SHA-256 of some bytes, in lower-case hex: fingerprints of inputs, outputs and
/// findings.
pub fn sha256_hex(bytes: &[u8]) -> String {
    use sha2::{Digest, Sha256};
    let digest = Sha256::digest(bytes);
    digest.iter().map(|b| format!("{b:02x}")).collect()
}
