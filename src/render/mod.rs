//! The sentences of findings and notes, written from their `Detail` and nowhere else:
//! English in `en` (logs, `esms-ledger check`, findings.parquet's `message`), French in
//! `fr` (the reports, findings.parquet's `message_fr`), amounts the French way there.

mod en;
mod fr;

pub use en::en;
pub use fr::fr;

use crate::core::amount::format_eur;
use crate::core::region::RegionCode;
use crate::model::detail::MissingLine;

/// "Bretagne (53), Corse (94)".
fn regions_with_codes(regions: &[RegionCode]) -> String {
    regions
        .iter()
        .map(|r| format!("{} ({})", r.name(), r.code()))
        .collect::<Vec<_>>()
        .join(", ")
}

/// "Bretagne, Corse".
fn region_names(regions: &[RegionCode]) -> String {
    regions
        .iter()
        .map(|r| r.name())
        .collect::<Vec<_>>()
        .join(", ")
}

/// A line one publication lacks, named the French way with its amount in both languages:
/// the English message has always quoted it so.
fn missing_line(line: &MissingLine) -> String {
    match line {
        MissingLine::Line { label, amount } => format!("« {label} » ({})", format_eur(*amount)),
        MissingLine::Region { region } => region.name().to_string(),
    }
}

/// A region's name, "?" when there is none.
fn region_or_unknown(region: Option<RegionCode>) -> &'static str {
    region.map_or("?", |r| r.name())
}
