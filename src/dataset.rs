//! The published tables, one flat row type each. This is the contract with BI users:
//! column order and types are fixed here and in `publish`; changes are additive
//! (new nullable columns at the end) or bump `SCHEMA_VERSION`'s major.

use chrono_free_date::Date;
use rust_decimal::Decimal;
use serde::Serialize;

/// Version of the published tables' schema (Parquet key-value metadata and report.json).
pub const SCHEMA_VERSION: &str = "1.0.0";

/// A calendar date without a time zone, as written in the descriptions.
pub mod chrono_free_date {
    use serde::Serialize;

    #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
    pub struct Date {
        pub year: i32,
        pub month: u8,
        pub day: u8,
    }

    impl Date {
        /// Days since 1970-01-01 (Parquet DATE), proleptic Gregorian.
        pub fn days_since_epoch(self) -> i32 {
            // Howard Hinnant's days_from_civil: exact for every Gregorian date.
            let y = if self.month <= 2 {
                self.year - 1
            } else {
                self.year
            };
            let era = if y >= 0 { y } else { y - 399 } / 400;
            let yoe = y - era * 400;
            let m = i32::from(self.month);
            let mp = if m > 2 { m - 3 } else { m + 9 };
            let doy = (153 * mp + 2) / 5 + i32::from(self.day) - 1;
            let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
            era * 146_097 + doe - 719_468
        }
    }

    impl std::fmt::Display for Date {
        fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            write!(f, "{:04}-{:02}-{:02}", self.year, self.month, self.day)
        }
    }
}

/// One figure: allocations.parquet.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AllocationRow {
    pub publication_id: String,
    pub envelope_id: String,
    pub programme: String,
    pub exercise: i32,
    pub phase: String,
    pub channel: String,
    pub region_code: Option<String>,
    pub region_name: Option<String>,
    pub beneficiary: Option<String>,
    pub amount_eur: Decimal,
    /// exact | rounded | lower_bound | upper_bound | approximate | derived
    pub amount_kind: String,
    /// Replaced by a later revision: kept for audit, never summed.
    pub superseded: bool,
    pub raw_label: String,
    pub raw_amount: String,
    pub source_file: String,
    pub source_line: Option<u32>,
    /// Characters of the figure within its line, 1-based inclusive: "35-52".
    pub source_span: Option<String>,
    // --- additive columns beyond the first contract ---
    /// component | superseded | amended | remainder | restatement | detailed (a line whose
    /// sub-envelope's lines are counted instead)
    pub role: String,
    /// Whether the figure counts in the dataset's totals (false for superseded amounts and
    /// for restatements of another publication's figures): BI sums filter on it.
    pub counted: bool,
    pub identifier: Option<String>,
    pub source_sheet: Option<String>,
    pub source_cell: Option<String>,
    pub label_line: Option<u32>,
    pub label_span: Option<String>,
}

/// One envelope as one publication states it: envelopes.parquet.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct EnvelopeRow {
    pub envelope_id: String,
    pub publication_id: String,
    pub exercise: i32,
    pub phase: String,
    pub channel: String,
    pub breakdown: String,
    pub declared_total_eur: Option<Decimal>,
    pub declared_as: Option<String>,
    pub computed_total_eur: Decimal,
    pub components: u32,
    pub difference_eur: Option<Decimal>,
    // --- additive columns ---
    pub programme: String,
    pub parent_envelope_id: Option<String>,
    /// primary | revision (amends the primary; its new amounts count) | restatement
    pub role: String,
    /// exact | rounded | lower_bound | upper_bound | approximate (of the declared total)
    pub declared_kind: Option<String>,
    pub tolerance_eur: Option<Decimal>,
    pub source_file: String,
    pub source_line: Option<u32>,
    pub source_sheet: Option<String>,
    pub source_cell: Option<String>,
}

/// One finding of the validation: findings.parquet.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FindingRow {
    pub rule: String,
    pub severity: String,
    pub envelope_id: Option<String>,
    /// English one-liner (the French sentence is `message_fr`).
    pub message: String,
    pub expected_eur: Option<Decimal>,
    pub actual_eur: Option<Decimal>,
    pub difference_eur: Option<Decimal>,
    /// First location of the finding.
    pub source_file: Option<String>,
    pub source_line: Option<u32>,
    // --- additive columns ---
    pub fingerprint: String,
    pub acknowledged: bool,
    pub tolerance_eur: Option<Decimal>,
    pub subject: String,
    pub source_sheet: Option<String>,
    pub source_cell: Option<String>,
    /// The French sentence of the reports, with its arithmetic.
    pub message_fr: String,
}

/// One publication: publications.parquet.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PublicationRow {
    pub publication_id: String,
    pub title: String,
    pub issuer: String,
    pub kind: String,
    pub published_on: Date,
    pub source_file: String,
    pub source_sha256: String,
    // --- additive columns ---
    pub reference: Option<String>,
    pub url: Option<String>,
}

/// The reference table of regions actually used: regions.parquet.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RegionRow {
    pub region_code: String,
    pub region_name: String,
}

/// Everything one run publishes as tables.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Dataset {
    pub allocations: Vec<AllocationRow>,
    pub envelopes: Vec<EnvelopeRow>,
    pub findings: Vec<FindingRow>,
    pub publications: Vec<PublicationRow>,
    pub regions: Vec<RegionRow>,
}

#[cfg(test)]
mod tests {
    use super::chrono_free_date::Date;

    #[test]
    fn days_since_epoch_matches_known_dates() {
        let d = |year, month, day| Date { year, month, day }.days_since_epoch();
        assert_eq!(d(1970, 1, 1), 0);
        assert_eq!(d(2000, 3, 1), 11_017);
        assert_eq!(d(2022, 1, 4), 18_996);
        assert_eq!(d(2023, 2, 15), 19_403);
        assert_eq!(d(1969, 12, 31), -1);
    }
}
