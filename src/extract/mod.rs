//! Stage 2: figures out of sources. Text extracts and spreadsheets each have their module;
//! both produce the same `Extraction` per envelope, with every figure located.

pub mod sheet;
pub mod text;

use crate::model::{Claim, Located, Note, RawItem, StatedAmount};
use serde::Serialize;

/// What one source says of one envelope, before normalisation.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Extraction {
    /// The components: one per bullet, list item, table row or prose figure.
    pub items: Vec<RawItem>,
    /// The description's `declared_total`, parsed and located in the source.
    pub declared_total: Option<StatedAmount>,
    /// A "Total" line or row of the source's table.
    pub total_row: Option<StatedAmount>,
    /// Where the source names an unstated remainder ("le reliquat"), if it does.
    pub remainder: Option<Located>,
    /// Counts and figures stated in prose about the envelope.
    pub claims: Vec<Claim>,
    pub notes: Vec<Note>,
}
