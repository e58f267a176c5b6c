//! The description of a publication, as its TOML says it and as the stages use it: the
//! publication's metadata, its envelopes (typed when read: a `declared_total` the tool cannot
//! read is an invalid description), where each key stands in the file, and the source's
//! bytes. Loading lives in `sources`; these are the types it hands on.

use crate::core::amount::{Amount, AmountError, find_amounts, parse_amount};
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// What kind of text a publication is; it decides which statement of an envelope is the
/// reference when two publications state the same one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum PublicationKind {
    BoDecision,
    BoInstruction,
    AnnexTable,
    PressExtract,
}

impl PublicationKind {
    pub fn as_str(self) -> &'static str {
        match self {
            PublicationKind::BoDecision => "bo-decision",
            PublicationKind::BoInstruction => "bo-instruction",
            PublicationKind::AnnexTable => "annex-table",
            PublicationKind::PressExtract => "press-extract",
        }
    }
    /// Lower is more authoritative: the official text first, its annex re-typed as a
    /// spreadsheet next, then a press summary.
    pub fn authority_rank(self) -> u8 {
        match self {
            PublicationKind::BoDecision => 0,
            PublicationKind::BoInstruction => 1,
            PublicationKind::AnnexTable => 2,
            PublicationKind::PressExtract => 3,
        }
    }
}

/// How an envelope's figures are broken down.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Breakdown {
    /// One figure per region (an ARS allocation table).
    Region,
    /// One figure per beneficiary (organisme gestionnaire, porteur).
    Beneficiary,
    /// Lines of a budget ("71,5 millions d'euros sont délégués aux ARS").
    BudgetLine,
    /// An amendment: per region, the old amount and the new one.
    Revision,
}

impl Breakdown {
    pub fn as_str(self) -> &'static str {
        match self {
            Breakdown::Region => "region",
            Breakdown::Beneficiary => "beneficiary",
            Breakdown::BudgetLine => "budget-line",
            Breakdown::Revision => "revision",
        }
    }
}

/// How the figures of a text section are laid out.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum ItemLayout {
    /// Inline list when the anchor's line goes on with figures, bullets otherwise.
    #[default]
    Auto,
    /// One item per bullet line ("•", "-", "*", "–", "1.", "a)").
    Bullets,
    /// Items separated by commas or semicolons on the anchor's paragraph.
    Inline,
    /// Prose: every figure of every sentence of the section is an item.
    Sentences,
    /// A table re-typed as text: a header row (columns separated by tabs, "|" or two
    /// spaces) names the label and amount columns, and may give the unit ("en k€").
    Table,
}

/// The scale of bare numbers in a spreadsheet column when its header does not say.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub enum Unit {
    #[default]
    #[serde(rename = "€", alias = "euros", alias = "EUR")]
    Euro,
    #[serde(
        rename = "k€",
        alias = "K€",
        alias = "milliers d'euros",
        alias = "kEUR"
    )]
    Thousand,
    #[serde(rename = "M€", alias = "millions d'euros", alias = "MEUR")]
    Million,
}

impl Unit {
    /// Euros per unit.
    pub fn scale(self) -> rust_decimal::Decimal {
        match self {
            Unit::Euro => rust_decimal::Decimal::ONE,
            Unit::Thousand => rust_decimal::Decimal::ONE_THOUSAND,
            Unit::Million => rust_decimal::Decimal::from(1_000_000),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PublicationMeta {
    /// Stable, kebab-case.
    pub id: String,
    pub title: String,
    pub issuer: String,
    pub kind: PublicationKind,
    #[serde(deserialize_with = "calendar_date", serialize_with = "iso_date")]
    pub published_on: NaiveDate,
    /// Relative to the description file.
    pub source: String,
    /// The official reference, e.g. "Décision n° 2021-37 du 10 décembre 2021".
    #[serde(default)]
    pub reference: Option<String>,
    #[serde(default)]
    pub url: Option<String>,
}

/// Spreadsheet column overrides, by letter ("B") or by header text.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Columns {
    #[serde(default)]
    pub label: Option<String>,
    #[serde(default)]
    pub amount: Option<String>,
    #[serde(default)]
    pub region: Option<String>,
    #[serde(default)]
    pub identifier: Option<String>,
    /// For revisions: the column of the amount replaced.
    #[serde(default)]
    pub previous: Option<String>,
}

/// A figure of the description, as written there and as parsed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WrittenAmount {
    pub written: String,
    pub amount: Amount,
}

impl WrittenAmount {
    fn parse(written: &str) -> Result<Self, AmountError> {
        Ok(WrittenAmount {
            written: written.to_string(),
            amount: parse_amount(written)?,
        })
    }
}

/// The `declared_total` of an envelope: the figure the source announces, typed when the
/// description is read so that a value the tool cannot read is an invalid description
/// (file, line, key), never an extraction error found later.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub enum DeclaredTotal {
    /// "75 millions d'euros", "12 199 648 €".
    Stated(WrittenAmount),
    /// "1 518 800": a number without its unit, as a table's total line writes it under
    /// "Montant (en euros)". `number` is the number as written (exact, unscaled); the unit
    /// is the one its table states, else the envelope's `unit` (`extract::bare_total`).
    Bare(WrittenAmount),
    /// "de 66 400 000 € à 66 500 000 €": a revision that changes the total as well.
    Changed {
        written: String,
        before: WrittenAmount,
        after: WrittenAmount,
    },
}

impl DeclaredTotal {
    /// The value as the description writes it.
    pub fn written(&self) -> &str {
        match self {
            DeclaredTotal::Stated(w) | DeclaredTotal::Bare(w) => &w.written,
            DeclaredTotal::Changed { written, .. } => written,
        }
    }
    /// The total in force (after the change, for a revision that changes it); for a bare
    /// number, the number as written, before its unit is applied.
    pub fn current(&self) -> &WrittenAmount {
        match self {
            DeclaredTotal::Stated(w) | DeclaredTotal::Bare(w) => w,
            DeclaredTotal::Changed { after, .. } => after,
        }
    }
    /// The total a revision replaces, when it changes it.
    pub fn before(&self) -> Option<&WrittenAmount> {
        match self {
            DeclaredTotal::Stated(_) | DeclaredTotal::Bare(_) => None,
            DeclaredTotal::Changed { before, .. } => Some(before),
        }
    }
}

impl TryFrom<String> for DeclaredTotal {
    type Error = String;
    fn try_from(written: String) -> Result<Self, String> {
        let unreadable = |e: AmountError| {
            format!(
                "\"{written}\" cannot be read as a total: {e}; write it as the source does (\"75 millions d'euros\", \"12 199 648 €\", \"67 M€\") or, for a revision that changes the total, \"de 66 400 000 € à 66 500 000 €\""
            )
        };
        match parse_amount(&written) {
            Ok(amount) => Ok(DeclaredTotal::Stated(WrittenAmount { written, amount })),
            // A number alone ("1 518 800"): its unit is its table's, or the envelope's `unit`.
            // Words that are no amount stay refused.
            Err(AmountError::NoUnit(_)) if crate::core::amount::parse_number(&written).is_ok() => {
                let number = crate::core::amount::parse_number(&written).map_err(unreadable)?;
                Ok(DeclaredTotal::Bare(WrittenAmount {
                    amount: Amount::exact(number),
                    written,
                }))
            }
            Err(e) => match find_amounts(&written).as_slice() {
                [before, after] => Ok(DeclaredTotal::Changed {
                    before: WrittenAmount::parse(&before.raw).map_err(unreadable)?,
                    after: WrittenAmount::parse(&after.raw).map_err(unreadable)?,
                    written,
                }),
                _ => Err(unreadable(e)),
            },
        }
    }
}

impl From<DeclaredTotal> for String {
    fn from(d: DeclaredTotal) -> String {
        d.written().to_string()
    }
}

/// Where each key of a description stands (its 1-based line), read once from the TOML's
/// spans, so that every message about a key of an envelope points at the right line even
/// when two envelopes use the same words.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct KeyLines {
    publication: BTreeMap<String, u32>,
    envelopes: Vec<EnvelopeKeys>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
struct EnvelopeKeys {
    /// The `[[envelopes]]` header.
    header: u32,
    keys: BTreeMap<String, u32>,
}

impl KeyLines {
    /// Reads the spans of a description that has already parsed (an unparsable one never
    /// gets here: its error names its line).
    pub fn of(text: &str) -> Self {
        use toml::de::{DeTable, DeValue};
        let Ok(root) = DeTable::parse(text) else {
            return KeyLines::default();
        };
        let line = |offset: usize| line_of_offset(text, offset);
        let keys_of = |table: &DeTable<'_>| -> BTreeMap<String, u32> {
            let mut keys = BTreeMap::new();
            collect_keys(table, "", &line, &mut keys);
            keys
        };
        let mut lines = KeyLines::default();
        for (key, value) in root.get_ref().iter() {
            match (key.get_ref().as_ref(), value.get_ref()) {
                ("publication", DeValue::Table(t)) => lines.publication = keys_of(t),
                ("envelopes", DeValue::Array(items)) => {
                    for item in items.iter() {
                        if let DeValue::Table(t) = item.get_ref() {
                            // The item's header is the closest "[[envelopes]]" at or above
                            // the start of its span (which starts at the header or at its
                            // first key, depending on the parser).
                            let start = (item.span().start + 2).min(text.len());
                            let header = text
                                .get(..start)
                                .and_then(|before| before.rfind("[["))
                                .map_or_else(|| line(start), line);
                            lines.envelopes.push(EnvelopeKeys {
                                header,
                                keys: keys_of(t),
                            });
                        }
                    }
                }
                _ => {}
            }
        }
        lines
    }

    /// The line of `key` in the `index`-th envelope, else of its `[[envelopes]]` header.
    pub fn envelope(&self, index: usize, key: &str) -> Option<u32> {
        let envelope = self.envelopes.get(index)?;
        Some(envelope.keys.get(key).copied().unwrap_or(envelope.header))
    }

    /// The line of the `[[envelopes]]` header of the `index`-th envelope.
    pub fn envelope_header(&self, index: usize) -> Option<u32> {
        self.envelopes.get(index).map(|e| e.header)
    }

    /// The line of `key` in `[publication]`.
    pub fn publication(&self, key: &str) -> Option<u32> {
        self.publication.get(key).copied()
    }
}

/// Records `key` (and, inside inline tables and arrays, `key.sub` and `key[i]`) with its
/// line: `region_aliases."ARS Océan Indien"` or `claims[1]` point at their own line.
fn collect_keys(
    table: &toml::de::DeTable<'_>,
    prefix: &str,
    line: &dyn Fn(usize) -> u32,
    keys: &mut BTreeMap<String, u32>,
) {
    use toml::de::DeValue;
    for (key, value) in table.iter() {
        let name = format!("{prefix}{}", key.get_ref());
        keys.insert(name.clone(), line(key.span().start));
        match value.get_ref() {
            DeValue::Table(inner) => collect_keys(inner, &format!("{name}."), line, keys),
            DeValue::Array(items) => {
                for (i, item) in items.iter().enumerate() {
                    keys.insert(format!("{name}[{i}]"), line(item.span().start));
                }
            }
            _ => {}
        }
    }
}

/// One envelope as one publication states it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EnvelopeSpec {
    pub id: String,
    pub programme: String,
    pub exercise: i32,
    pub phase: String,
    pub channel: String,
    pub breakdown: Breakdown,
    /// As the source states it ("75 millions d'euros", or "de 66 400 000 € à 66 500 000 €"
    /// for a revision that changes the total); parsed when the description is read, located
    /// in the source for provenance.
    #[serde(default)]
    pub declared_total: Option<DeclaredTotal>,
    /// Text: a phrase after which the figures stand. Spreadsheet: a sheet name, or a range
    /// "Sheet!A4:C23". Absent: the envelope is only named (its declared total restated).
    #[serde(default)]
    pub anchor: Option<String>,
    /// Text: a phrase before which the figures end (default: the end of the list).
    #[serde(default)]
    pub until: Option<String>,
    #[serde(default)]
    pub items: ItemLayout,
    /// The envelope this one is a part of (150 M€ ⊃ 84 M€ ⊃ 67 M€).
    #[serde(default)]
    pub parent: Option<String>,
    /// A phrase naming a remainder the source does not state ("le reliquat").
    #[serde(default)]
    pub remainder: Option<String>,
    /// Phrases of the source, outside the section, that restate this envelope's figures
    /// or counts ("10 projets … 12,2 millions d'euros"); each sentence holding one is checked.
    #[serde(default)]
    pub claims: Vec<String>,
    /// Spreadsheet: scale of bare numbers when the header does not give one.
    #[serde(default)]
    pub unit: Option<Unit>,
    /// Spreadsheet: column overrides.
    #[serde(default)]
    pub columns: Option<Columns>,
    /// Region labels of this source that no rule maps, or maps ambiguously, mapped by the
    /// user to an INSEE code: `region_aliases = { "ARS Océan Indien" = "04" }`.
    #[serde(default)]
    pub region_aliases: std::collections::BTreeMap<String, String>,
    /// Region breakdowns: the regions the envelope is meant to cover (`"regions"`, the
    /// default; `"metropole"`; `"outre-mer"`; or a list of INSEE codes).
    #[serde(default)]
    pub coverage: Coverage,
}

impl EnvelopeSpec {
    /// The region the description's `region_aliases` map `label` to (as the source writes
    /// it, surrounding blanks aside).
    pub fn alias(&self, label: &str) -> Option<crate::core::region::RegionCode> {
        let wanted = label.trim();
        self.region_aliases
            .iter()
            .find(|(alias, _)| alias.trim() == wanted)
            .and_then(|(_, code)| crate::core::region::RegionCode::from_code(code))
    }
}

/// The regions a regional envelope is meant to cover: the 18 by default, or part of France
/// by design (an arrêté for the 13 metropolitan regions, one for the 5 overseas ones, one
/// naming the regions it funds). Completeness, duplicates and shares are checked against
/// it, and a breakdown naming a region outside it is a finding.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "WrittenCoverage", into = "WrittenCoverage")]
pub enum Coverage {
    /// `"regions"`: the 18 INSEE regions.
    #[default]
    Regions,
    /// `"metropole"`: the 13 metropolitan regions, Corse included.
    Metropole,
    /// `"outre-mer"`: the 5 overseas regions (01 02 03 04 06).
    OutreMer,
    /// A list of INSEE region codes (`["11", "24", "27"]`), in code order, each once.
    Codes(Vec<crate::core::region::RegionCode>),
}

/// `coverage` as the TOML writes it: a word or a list of codes.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(untagged)]
pub enum WrittenCoverage {
    Word(String),
    Codes(Vec<String>),
}

impl Coverage {
    /// The regions covered, in code order.
    pub fn regions(&self) -> Vec<crate::core::region::RegionCode> {
        use crate::core::region::RegionCode;
        match self {
            Coverage::Regions => RegionCode::ALL.to_vec(),
            Coverage::Metropole => RegionCode::ALL
                .into_iter()
                .filter(|r| !r.is_overseas())
                .collect(),
            Coverage::OutreMer => RegionCode::ALL
                .into_iter()
                .filter(|r| r.is_overseas())
                .collect(),
            Coverage::Codes(codes) => codes.clone(),
        }
    }

    pub fn contains(&self, region: crate::core::region::RegionCode) -> bool {
        self.regions().contains(&region)
    }

    /// As the description writes it, for messages: "metropole", "11, 24, 27".
    pub fn written(&self) -> String {
        match self {
            Coverage::Regions => "regions".to_string(),
            Coverage::Metropole => "metropole".to_string(),
            Coverage::OutreMer => "outre-mer".to_string(),
            Coverage::Codes(codes) => codes
                .iter()
                .map(|c| c.code())
                .collect::<Vec<_>>()
                .join(", "),
        }
    }
}

impl TryFrom<WrittenCoverage> for Coverage {
    type Error = String;
    fn try_from(written: WrittenCoverage) -> Result<Self, String> {
        use crate::core::region::RegionCode;
        match written {
            WrittenCoverage::Word(word) => match word.trim() {
                "regions" => Ok(Coverage::Regions),
                "metropole" => Ok(Coverage::Metropole),
                "outre-mer" => Ok(Coverage::OutreMer),
                other => Err(format!(
                    "\"{other}\" is no coverage: write \"regions\" (the 18, the default), \"metropole\" (the 13 metropolitan regions), \"outre-mer\" (the 5 overseas regions) or a list of INSEE region codes ([\"11\", \"24\"])"
                )),
            },
            WrittenCoverage::Codes(codes) => {
                let mut regions = Vec::new();
                for code in &codes {
                    let Some(region) = RegionCode::from_code(code.trim()) else {
                        return Err(format!(
                            "\"{code}\" is not the INSEE code of a region (01 02 03 04 06 11 24 27 28 32 44 52 53 75 76 84 93 94)"
                        ));
                    };
                    if regions.contains(&region) {
                        return Err(format!("\"{code}\" is listed twice"));
                    }
                    regions.push(region);
                }
                if regions.is_empty() {
                    return Err("an empty list covers no region: list the INSEE codes of the regions the envelope covers".to_string());
                }
                regions.sort();
                Ok(Coverage::Codes(regions))
            }
        }
    }
}

impl From<Coverage> for WrittenCoverage {
    fn from(c: Coverage) -> Self {
        match c {
            Coverage::Codes(codes) => {
                WrittenCoverage::Codes(codes.iter().map(|c| c.code().to_string()).collect())
            }
            other => WrittenCoverage::Word(other.written()),
        }
    }
}

/// A publication's TOML description, as written.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Description {
    pub publication: PublicationMeta,
    #[serde(default)]
    pub envelopes: Vec<EnvelopeSpec>,
}

/// What a source file holds, decided from its content.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum SourceFormat {
    Text,
    Spreadsheet,
    /// A PDF, read through its text layer (`extract::pdf`).
    Pdf,
}

/// A loaded publication: its description and its source's bytes.
#[derive(Debug, Clone)]
pub struct Publication {
    pub meta: PublicationMeta,
    pub envelopes: Vec<EnvelopeSpec>,
    /// The description file, as given on the command line's inputs folder.
    pub description_path: PathBuf,
    /// The description as written (fingerprinted with the inputs).
    pub description_text: String,
    /// Where each key of the description stands, for messages that point at one.
    pub keys: KeyLines,
    pub source_path: PathBuf,
    /// The source's file name as published in outputs (relative to the inputs folder).
    pub source_name: String,
    pub source_sha256: String,
    /// The source's size in bytes.
    pub source_len: u64,
    pub format: SourceFormat,
    /// A text or PDF source's bytes (hashed, and what the PDF reader gets). A spreadsheet
    /// is only hashed when loaded, and read from `source_path` when its sheets are.
    pub bytes: Vec<u8>,
    /// A text source decoded (UTF-8, or UTF-16 with its byte-order mark), line ends made
    /// `\n`: what text extraction reads. `None` for a spreadsheet or a PDF.
    pub text: Option<String>,
}

impl Publication {
    /// The description of its `index`-th envelope, for messages about its keys.
    pub fn description_of(&self, index: usize) -> DescriptionRef<'_> {
        DescriptionRef {
            path: &self.description_path,
            keys: &self.keys,
            envelope: index,
        }
    }
}

/// One envelope's place in its description: what an error or a note about one of its keys
/// points at.
#[derive(Debug, Clone, Copy)]
pub struct DescriptionRef<'a> {
    pub path: &'a Path,
    pub keys: &'a KeyLines,
    pub envelope: usize,
}

impl DescriptionRef<'_> {
    /// "inputs/x.toml:12", the line of the envelope's `key` (or of its header when the key
    /// is not written), for error messages.
    pub fn at(&self, key: &str) -> String {
        match self.keys.envelope(self.envelope, key) {
            Some(line) => format!("{}:{line}", self.path.display()),
            None => self.path.display().to_string(),
        }
    }

    /// The same place as a whole-line location of the description file (by its name, as
    /// sources are named in the outputs), for notes and findings.
    /// "inputs/annexe.toml:7": the line of the publication's `key`, to name in an error
    /// about what it names.
    pub fn named_by(&self, key: &str) -> String {
        match self.keys.publication(key) {
            Some(line) => format!("{}:{line}", self.path.display()),
            None => self.path.display().to_string(),
        }
    }

    pub fn location(&self, key: &str) -> crate::model::Location {
        crate::model::Location::Line {
            file: self
                .path
                .file_name()
                .map_or_else(String::new, |n| n.to_string_lossy().into_owned()),
            line: self.keys.envelope(self.envelope, key).unwrap_or(0),
            span: (0, 0),
        }
    }
}

/// A TOML date (`published_on = 2022-01-04`) as a calendar date; "2023-02-30" is refused.
pub fn calendar_date<'de, D: serde::Deserializer<'de>>(d: D) -> Result<NaiveDate, D::Error> {
    let date = toml::value::Date::deserialize(d)?;
    NaiveDate::from_ymd_opt(
        i32::from(date.year),
        u32::from(date.month),
        u32::from(date.day),
    )
    .ok_or_else(|| serde::de::Error::custom(format!("{date} is not a calendar date")))
}

/// Dates are written "2022-01-04" wherever they are shown.
pub fn iso_date<S: serde::Serializer>(date: &NaiveDate, s: S) -> Result<S::Ok, S::Error> {
    s.collect_str(date)
}

/// The 1-based line of a byte offset.
pub(crate) fn line_of_offset(text: &str, offset: usize) -> u32 {
    let offset = offset.min(text.len());
    u32::try_from(text[..offset].matches('\n').count() + 1).unwrap_or(u32::MAX)
}
