//! The published tables, one flat row type each. This is the contract with BI users:
//! column order and types are fixed here and in `publish`; changes are additive
//! (new nullable columns at the end) or bump `SCHEMA_VERSION`'s major.

use chrono::NaiveDate;
use rust_decimal::Decimal;
use serde::Serialize;

/// Version of the published tables' schema (Parquet key-value metadata and report.json).
pub const SCHEMA_VERSION: &str = "1.0.0";

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
    /// PDF sources: the 1-based PDF page of the figure (`source_line` is then the line on
    /// that page, `label_line` the label's line on its page).
    pub source_page: Option<u32>,
    /// PDF sources: the page number the publication prints on that page ("45" for the BO's
    /// "…, Page 45"), when its running head or footer gives one.
    pub source_printed_page: Option<String>,
    /// A collectivité d'outre-mer outside the 18 regions ("975" Saint-Pierre-et-Miquelon,
    /// "977", "978", "986", "987", "988"): its figure counts, `region_code` is null.
    pub territory_code: Option<String>,
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
    /// PDF sources: the 1-based PDF page of the declared total (or first figure).
    pub source_page: Option<u32>,
    /// PDF sources: the page number the publication prints on that page.
    pub source_printed_page: Option<String>,
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
    /// PDF sources: the 1-based PDF page of the first location (`source_line` is the line
    /// on that page).
    pub source_page: Option<u32>,
    /// PDF sources: the page number the publication prints on that page.
    pub source_printed_page: Option<String>,
}

/// One publication: publications.parquet.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PublicationRow {
    pub publication_id: String,
    pub title: String,
    pub issuer: String,
    pub kind: String,
    #[serde(serialize_with = "crate::model::description::iso_date")]
    pub published_on: NaiveDate,
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
