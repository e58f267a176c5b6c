//! Stage 2: figures out of sources. Text extracts and spreadsheets each have their module;
//! both produce the same `Extraction` per envelope, with every figure located.

pub mod sheet;
pub mod text;

use crate::model::{Claim, Located, Location, Note, RawItem, StatedAmount};
use crate::validate::{Detail, Rule};
use serde::Serialize;

/// What one source says of one envelope, before normalisation.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Extraction {
    /// The components: one per bullet, list item, table row or prose figure.
    pub items: Vec<RawItem>,
    /// The description's `declared_total`, parsed and located in the source.
    pub declared_total: Option<StatedAmount>,
    /// For a revision that changes the total too ("porté de 66 400 000 € à 66 500 000 €"):
    /// the total before it.
    pub declared_before: Option<StatedAmount>,
    /// A "Total" line or row of the source's table.
    pub total_row: Option<StatedAmount>,
    /// Where the source names an unstated remainder ("le reliquat"), if it does.
    pub remainder: Option<Located>,
    /// Counts and figures stated in prose about the envelope.
    pub claims: Vec<Claim>,
    pub notes: Vec<Note>,
}

/// The Luhn check of a 9-digit FINESS or SIREN (french-reference-data.md §3.4).
pub(crate) fn luhn_valid(digits: &str) -> bool {
    let mut sum = 0u32;
    for (i, c) in digits.chars().rev().enumerate() {
        let Some(mut d) = c.to_digit(10) else {
            return false;
        };
        if i % 2 == 1 {
            d *= 2;
            if d > 9 {
                d -= 9;
            }
        }
        sum += d;
    }
    sum.is_multiple_of(10)
}

/// The FINESS check digit is not published; Luhn held on every real number sampled, so a
/// failure is a warning, never a rejection. Corsican numbers (2A, 2B) follow an unknown rule.
pub(crate) fn identifier_note(identifier: &str, location: &Location) -> Option<Note> {
    let corsican = identifier.starts_with("2A") || identifier.starts_with("2B");
    (!corsican && !luhn_valid(identifier)).then(|| {
        Note::new(
            Rule::IdentifierChecksum,
            Detail::IdentifierChecksum {
                identifier: identifier.to_string(),
            },
            location.clone(),
        )
    })
}
