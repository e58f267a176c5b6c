//! Stage 1: the publications described in `inputs/`.
//!
//! Each source (a text extract or a spreadsheet) has a TOML description beside it, with the
//! same stem. The description is the contract a user writes when a new BO publication comes
//! out: it names the publication and the envelopes (budget pots) whose figures the source
//! states, and tells extraction where those figures stand. Nothing here reads the sources'
//! figures; this stage only loads, checks and fingerprints the descriptions.

use crate::amount::{Amount, AmountError, find_amounts, parse_amount};
use crate::error::{Error, config_error_at};
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::collections::BTreeMap;
use std::path::{Component, Path, PathBuf};

pub mod text;

/// The file of acknowledged findings, which lives beside the descriptions but is not one.
pub const ACKNOWLEDGED_FILE: &str = "acknowledged.toml";

/// The most a source may weigh. The largest BO annex seen is under a megabyte; a file a
/// hundred times larger is not a publication, and reading it whole would cost memory
/// unattended runs do not have to spare.
pub const MAX_SOURCE_BYTES: u64 = 64 * 1024 * 1024;

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
            DeclaredTotal::Stated(w) => &w.written,
            DeclaredTotal::Changed { written, .. } => written,
        }
    }
    /// The total in force (after the change, for a revision that changes it).
    pub fn current(&self) -> &WrittenAmount {
        match self {
            DeclaredTotal::Stated(w) => w,
            DeclaredTotal::Changed { after, .. } => after,
        }
    }
    /// The total a revision replaces, when it changes it.
    pub fn before(&self) -> Option<&WrittenAmount> {
        match self {
            DeclaredTotal::Stated(_) => None,
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
}

impl EnvelopeSpec {
    /// The region the description's `region_aliases` map `label` to (as the source writes
    /// it, surrounding blanks aside).
    pub fn alias(&self, label: &str) -> Option<crate::region::RegionCode> {
        let wanted = label.trim();
        self.region_aliases
            .iter()
            .find(|(alias, _)| alias.trim() == wanted)
            .and_then(|(_, code)| crate::region::RegionCode::from_code(code))
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
    pub format: SourceFormat,
    /// The source as read (hashed, and what a spreadsheet reader gets).
    pub bytes: Vec<u8>,
    /// A text source decoded (UTF-8, or UTF-16 with its byte-order mark), line ends made
    /// `\n`: what text extraction reads. `None` for a spreadsheet.
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

/// Parses a TOML file into `T`, mapping any error to a configuration error naming the
/// file, the line and the key.
pub fn parse_toml<T: serde::de::DeserializeOwned>(path: &Path, text: &str) -> Result<T, Error> {
    toml::from_str(text).map_err(|e| {
        let line = e.span().map(|s| line_of_offset(text, s.start));
        let key = e
            .span()
            .map(|s| key_at(text, s.start))
            .filter(|k| !k.is_empty());
        config_error_at(path, line, key, with_closest(e.message()))
    })
}

/// serde's "unknown field `anchr`, expected one of `id`, …, `anchor`, …" (or "unknown
/// variant"), with the closest expected word: a typo is named, not only listed.
fn with_closest(message: &str) -> String {
    let unknown = ["unknown field `", "unknown variant `"]
        .iter()
        .find_map(|prefix| message.strip_prefix(prefix))
        .and_then(|rest| rest.split_once('`'));
    let Some((unknown, expected)) = unknown else {
        return message.to_string();
    };
    let folded = unknown.to_lowercase();
    let closest = expected
        .split('`')
        .skip(1)
        .step_by(2)
        .map(|candidate| {
            (
                strsim::damerau_levenshtein(&folded, &candidate.to_lowercase()),
                candidate,
            )
        })
        .min();
    match closest {
        Some((distance, candidate)) if distance <= 2.max(unknown.chars().count() / 3) => {
            format!("{message}; did you mean `{candidate}`?")
        }
        _ => message.to_string(),
    }
}

fn line_of_offset(text: &str, offset: usize) -> u32 {
    let offset = offset.min(text.len());
    u32::try_from(text[..offset].matches('\n').count() + 1).unwrap_or(u32::MAX)
}

/// The key of the `key = value` line holding `offset`, for error messages.
fn key_at(text: &str, offset: usize) -> String {
    let offset = offset.min(text.len());
    let start = text[..offset].rfind('\n').map_or(0, |i| i + 1);
    let end = text[offset..].find('\n').map_or(text.len(), |i| offset + i);
    let line = &text[start..end];
    match line.split_once('=') {
        Some((key, _)) => key.trim().to_string(),
        None => line.trim().trim_matches(['[', ']']).to_string(),
    }
}

pub fn sha256_hex(bytes: &[u8]) -> String {
    let digest = Sha256::digest(bytes);
    digest.iter().map(|b| format!("{b:02x}")).collect()
}

/// Content sniffing: spreadsheets are zip containers (xlsx, xlsb, ods) or OLE compound
/// files (xls); anything else must be text: UTF-8, or UTF-16 with a byte-order mark.
pub fn sniff_format(bytes: &[u8]) -> Option<SourceFormat> {
    const ZIP: &[u8] = b"PK\x03\x04";
    const OLE: &[u8] = &[0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1];
    if bytes.starts_with(ZIP) || bytes.starts_with(OLE) {
        Some(SourceFormat::Spreadsheet)
    } else if text::is_text(bytes) {
        Some(SourceFormat::Text)
    } else {
        None
    }
}

fn is_kebab_id(id: &str) -> bool {
    !id.is_empty()
        && !id.starts_with('-')
        && !id.ends_with('-')
        && id
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
}

/// Loads every description of `dir` (every `*.toml` but the acknowledgements), sorted by
/// file name so that runs are deterministic.
pub fn load_publications(dir: &Path) -> Result<Vec<Publication>, Error> {
    let entries = std::fs::read_dir(dir).map_err(|e| Error::input(dir, e.to_string()))?;
    // Where every description and source must stay, links resolved.
    let root = dir
        .canonicalize()
        .map_err(|e| Error::input(dir, e.to_string()))?;
    let mut paths: Vec<PathBuf> = Vec::new();
    for entry in entries {
        let entry = entry.map_err(|e| Error::input(dir, e.to_string()))?;
        let path = entry.path();
        let is_description = path.extension().is_some_and(|e| e == "toml")
            && path.file_name().is_some_and(|n| n != ACKNOWLEDGED_FILE);
        if is_description {
            paths.push(path);
        }
    }
    paths.sort();
    if paths.is_empty() {
        return Err(Error::input(
            dir,
            "no publication description (*.toml) in the inputs folder".to_string(),
        ));
    }
    let mut publications = Vec::with_capacity(paths.len());
    for path in paths {
        publications.push(load_publication(dir, &root, &path)?);
    }
    check_unique_ids(&publications)?;
    Ok(publications)
}

fn load_publication(inputs: &Path, root: &Path, path: &Path) -> Result<Publication, Error> {
    let description_file = inside_inputs(root, path, None)?;
    let text = read_description(&description_file, path)?;
    let description: Description = parse_toml(path, &text)?;
    let keys = KeyLines::of(&text);
    check_description(path, &keys, &description)?;
    let source_path = source_path(inputs, path, &keys, &description.publication.source)?;
    let named_by = format!(
        "the source named by {}{} (publication.source)",
        path.display(),
        keys.publication("source")
            .map(|line| format!(":{line}"))
            .unwrap_or_default()
    );
    let source_file = inside_inputs(root, &source_path, Some(&named_by))?;
    let bytes = std::fs::read(&source_file)
        .map_err(|e| Error::input(&source_path, format!("cannot read {named_by}: {e}")))?;
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return Err(Error::input(&source_path, format!("{named_by} is empty")));
    }
    let format = if sniff_format(&bytes) == Some(SourceFormat::Spreadsheet) {
        SourceFormat::Spreadsheet
    } else {
        SourceFormat::Text
    };
    let source_text = match format {
        SourceFormat::Spreadsheet => None,
        SourceFormat::Text => {
            let (text, encoding) = text::decode(&source_path, &bytes)?;
            if encoding != text::Encoding::Utf8 {
                tracing::info!(source = %source_path.display(), encoding = encoding.as_str(), "decoded");
            }
            if text.trim().is_empty() {
                return Err(Error::input(&source_path, format!("{named_by} is empty")));
            }
            Some(text)
        }
    };
    // A spreadsheet's table is found without an anchor; a text needs one to say where its
    // figures stand, unless it only restates a total.
    if format == SourceFormat::Text
        && let Some((index, envelope)) =
            description.envelopes.iter().enumerate().find(|(_, e)| {
                e.anchor.is_none() && e.declared_total.is_none() && e.claims.is_empty()
            })
    {
        return Err(config_error_at(
            path,
            keys.envelope(index, "id"),
            Some("envelopes.anchor".to_string()),
            format!(
                "envelope '{}' of a text source has no anchor, declared_total or claims: it states nothing",
                envelope.id
            ),
        ));
    }
    let source_name = source_path
        .strip_prefix(inputs)
        .unwrap_or(&source_path)
        .to_string_lossy()
        .replace('\\', "/");
    Ok(Publication {
        source_sha256: sha256_hex(&bytes),
        meta: description.publication,
        envelopes: description.envelopes,
        description_path: path.to_path_buf(),
        keys,
        description_text: text,
        source_path,
        source_name,
        format,
        bytes,
        text: source_text,
    })
}

/// A description as text: UTF-8, its byte-order mark dropped (TOML allows no other
/// encoding).
fn read_description(file: &Path, path: &Path) -> Result<String, Error> {
    let bytes = std::fs::read(file).map_err(|e| Error::input(path, e.to_string()))?;
    let body = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(&bytes);
    match std::str::from_utf8(body) {
        Ok(text) => Ok(text.to_string()),
        // The same diagnosis as a source's (line, encoding it looks like).
        Err(_) => Err(text::decode(path, body)
            .err()
            .unwrap_or_else(|| Error::input(path, "not UTF-8".to_string()))),
    }
}

/// The source a description names: a path relative to the description, that stays in the
/// inputs folder. An absolute path or a `..` would let a description read any file the
/// cron user can (and publish its hash and figures).
fn source_path(
    inputs: &Path,
    description: &Path,
    keys: &KeyLines,
    source: &str,
) -> Result<PathBuf, Error> {
    let refuse = |message: String| {
        config_error_at(
            description,
            keys.publication("source"),
            Some("publication.source".to_string()),
            message,
        )
    };
    let written = Path::new(source);
    if source.trim().is_empty() {
        return Err(refuse(
            "`source` is empty: name the file beside this description".to_string(),
        ));
    }
    if written.is_absolute()
        || written
            .components()
            .any(|c| matches!(c, Component::RootDir | Component::Prefix(_)))
    {
        return Err(refuse(format!(
            "\"{source}\" is an absolute path: sources are read from the inputs folder only; copy the file beside this description and name it relative to it"
        )));
    }
    if written.components().any(|c| c == Component::ParentDir) {
        return Err(refuse(format!(
            "\"{source}\" goes up a folder (\"..\"): sources are read from the inputs folder only; copy the file beside this description"
        )));
    }
    Ok(description.parent().unwrap_or(inputs).join(written))
}

/// `path` with its links resolved, refused unless it is a regular file inside the inputs
/// folder (`root`, resolved too): a symbolic link may not lead a run outside it, and a FIFO
/// or a device would hang or flood an unattended run.
fn inside_inputs(root: &Path, path: &Path, named_by: Option<&str>) -> Result<PathBuf, Error> {
    let what = named_by.map_or_else(String::new, |n| format!("{n}: "));
    let resolved = path
        .canonicalize()
        .map_err(|e| Error::input(path, format!("cannot read {what}{e}")))?;
    if !resolved.starts_with(root) {
        return Err(Error::input(
            path,
            format!(
                "{what}a symbolic link leading outside the inputs folder (to {}): inputs are read from {} only; copy the file there instead of linking it",
                resolved.display(),
                root.display()
            ),
        ));
    }
    let metadata = std::fs::metadata(&resolved)
        .map_err(|e| Error::input(path, format!("cannot read {what}{e}")))?;
    if !metadata.is_file() {
        return Err(Error::input(path, format!("{what}not a regular file")));
    }
    if metadata.len() > MAX_SOURCE_BYTES {
        return Err(Error::input(
            path,
            format!(
                "{what}{} bytes, more than the {MAX_SOURCE_BYTES} a source may weigh: not a publication",
                metadata.len()
            ),
        ));
    }
    Ok(resolved)
}

/// Checks the description beyond its syntax: ids, and keys whose meaning depends on others.
fn check_description(path: &Path, keys: &KeyLines, d: &Description) -> Result<(), Error> {
    let publication_err = |key: &str, message: String| {
        config_error_at(
            path,
            keys.publication(key),
            Some(format!("publication.{key}")),
            message,
        )
    };
    let envelope_err = |index: usize, key: &str, message: String| {
        config_error_at(
            path,
            keys.envelope(index, key),
            Some(format!("envelopes.{key}")),
            message,
        )
    };
    if !is_kebab_id(&d.publication.id) {
        return Err(publication_err(
            "id",
            format!(
                "'{}' is not a kebab-case id (lower-case letters, digits, '-')",
                d.publication.id
            ),
        ));
    }
    let mut seen = std::collections::BTreeSet::new();
    for (index, envelope) in d.envelopes.iter().enumerate() {
        let err = |key: &str, message: String| envelope_err(index, key, message);
        if !is_kebab_id(&envelope.id) {
            return Err(err(
                "id",
                format!("'{}' is not a kebab-case id", envelope.id),
            ));
        }
        if !seen.insert(envelope.id.as_str()) {
            return Err(err(
                "id",
                format!("envelope '{}' is described twice", envelope.id),
            ));
        }
        if envelope.parent.as_deref() == Some(envelope.id.as_str()) {
            return Err(err(
                "parent",
                format!("envelope '{}' cannot be its own parent", envelope.id),
            ));
        }
        for (label, code) in &envelope.region_aliases {
            if crate::region::RegionCode::from_code(code).is_none() {
                return Err(config_error_at(
                    path,
                    keys.envelope(index, &format!("region_aliases.{label}")),
                    Some("envelopes.region_aliases".to_string()),
                    format!(
                        "'{code}' (for \"{label}\") is not one of the 18 INSEE region codes (01, 02, 03, 04, 06, 11, 24, 27, 28, 32, 44, 52, 53, 75, 76, 84, 93, 94)"
                    ),
                ));
            }
        }
        if !(2000..=2100).contains(&envelope.exercise) {
            return Err(err(
                "exercise",
                format!("exercise {} is not a plausible year", envelope.exercise),
            ));
        }
    }
    Ok(())
}

fn check_unique_ids(publications: &[Publication]) -> Result<(), Error> {
    let mut seen: std::collections::BTreeMap<&str, &Path> = std::collections::BTreeMap::new();
    for p in publications {
        if let Some(first) = seen.insert(&p.meta.id, &p.description_path) {
            return Err(config_error_at(
                &p.description_path,
                p.keys.publication("id"),
                Some("publication.id".to_string()),
                format!(
                    "publication id '{}' is already used by {}",
                    p.meta.id,
                    first.display()
                ),
            ));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use rust_decimal::Decimal;

    #[test]
    fn unknown_key_names_file_line_and_key() {
        let text = "[publication]\nid = \"x\"\ntitle = \"t\"\nissuer = \"CNSA\"\nkind = \"bo-decision\"\npublished_on = 2022-01-04\nsource = \"a.txt\"\nsourse = \"b\"\n";
        let err = parse_toml::<Description>(Path::new("inputs/x.toml"), text).unwrap_err();
        let shown = err.to_string();
        assert!(shown.contains("inputs/x.toml:8"), "{shown}");
        assert!(shown.contains("sourse"), "{shown}");
    }

    const HEADER: &str = "[publication]\nid = \"x\"\ntitle = \"t\"\nissuer = \"CNSA\"\nkind = \"bo-decision\"\npublished_on = 2022-01-04\nsource = \"a.txt\"\n";

    fn envelope(declared: &str) -> String {
        format!(
            "{HEADER}\n[[envelopes]]\nid = \"e\"\nprogramme = \"p\"\nexercise = 2022\nphase = \"p\"\nchannel = \"c\"\nbreakdown = \"region\"\ndeclared_total = \"{declared}\"\nanchor = \"a\"\n"
        )
    }

    #[test]
    fn a_declared_total_that_is_no_amount_is_an_invalid_description_at_its_line() {
        let text = envelope("soixante-quinze");
        let err = parse_toml::<Description>(Path::new("inputs/x.toml"), &text).unwrap_err();
        assert_eq!(err.exit_code(), crate::error::exit::CONFIG);
        let shown = err.to_string();
        assert!(shown.starts_with("inputs/x.toml:16: "), "{shown}");
        assert!(shown.contains("key `declared_total`"), "{shown}");
        assert!(
            shown.contains("\"soixante-quinze\" cannot be read"),
            "{shown}"
        );
    }

    #[test]
    fn a_declared_total_is_typed_when_read() {
        let parsed = |declared: &str| {
            parse_toml::<Description>(Path::new("x.toml"), &envelope(declared))
                .unwrap()
                .envelopes
                .remove(0)
                .declared_total
                .unwrap()
        };
        let stated = parsed("75 millions d'euros");
        assert_eq!(stated.current().amount.value, Decimal::from(75_000_000));
        assert_eq!(stated.before(), None);
        let changed = parsed("de 66 400 000 € à 66 500 000 €");
        assert_eq!(changed.written(), "de 66 400 000 € à 66 500 000 €");
        assert_eq!(
            changed.before().unwrap().amount.value,
            Decimal::from(66_400_000)
        );
        assert_eq!(changed.current().amount.value, Decimal::from(66_500_000));
        assert_eq!(changed.current().written, "66 500 000 €");
    }

    #[test]
    fn key_lines_point_at_each_envelopes_own_keys() {
        let text = format!(
            "{}\n[[envelopes]]\nid = \"second\"\nregion_aliases = {{ \"ARS OI\" = \"04\" }}\nclaims = [\n  \"a\",\n  \"b\",\n]\n",
            envelope("1 €")
        );
        let keys = KeyLines::of(&text);
        assert_eq!(keys.publication("source"), Some(7));
        assert_eq!(keys.envelope(0, "declared_total"), Some(16));
        assert_eq!(keys.envelope(0, "until"), Some(9), "absent key: the header");
        assert_eq!(keys.envelope(1, "id"), Some(20));
        assert_eq!(keys.envelope(1, "region_aliases.ARS OI"), Some(21));
        assert_eq!(keys.envelope(1, "claims[1]"), Some(24));
        assert_eq!(keys.envelope(2, "id"), None);
    }

    #[test]
    fn a_typo_in_a_key_names_the_closest_key() {
        let text = envelope("1 €").replace("anchor = ", "anchr = ");
        let err = parse_toml::<Description>(Path::new("inputs/x.toml"), &text).unwrap_err();
        let shown = err.to_string();
        assert!(shown.starts_with("inputs/x.toml:17: "), "{shown}");
        assert!(shown.ends_with("did you mean `anchor`?"), "{shown}");
        let text = envelope("1 €").replace("\"region\"", "\"regions\"");
        let shown = parse_toml::<Description>(Path::new("x.toml"), &text)
            .unwrap_err()
            .to_string();
        assert!(shown.ends_with("did you mean `region`?"), "{shown}");
        // Nothing close: the list alone.
        let text = envelope("1 €").replace("anchor = ", "zzzzzzzzzz = ");
        let shown = parse_toml::<Description>(Path::new("x.toml"), &text)
            .unwrap_err()
            .to_string();
        assert!(!shown.contains("did you mean"), "{shown}");
    }

    #[test]
    fn a_source_outside_the_inputs_folder_is_refused_at_its_key() {
        let keys = KeyLines::of(HEADER);
        let description = Path::new("inputs/x.toml");
        for (source, says) in [
            ("/etc/passwd", "is an absolute path"),
            ("../secret.txt", "goes up a folder"),
            ("sub/../../secret.txt", "goes up a folder"),
            ("", "`source` is empty"),
        ] {
            let err = source_path(Path::new("inputs"), description, &keys, source).unwrap_err();
            assert_eq!(err.exit_code(), crate::error::exit::CONFIG);
            let shown = err.to_string();
            assert!(shown.starts_with("inputs/x.toml:7: "), "{shown}");
            assert!(shown.contains("publication.source"), "{shown}");
            assert!(shown.contains(says), "{source}: {shown}");
        }
        assert_eq!(
            source_path(Path::new("inputs"), description, &keys, "annexes/a.xlsx").unwrap(),
            Path::new("inputs/annexes/a.xlsx")
        );
    }

    #[test]
    fn an_impossible_date_is_an_invalid_description() {
        let text = HEADER.replace("2022-01-04", "2023-02-30");
        let err = parse_toml::<Description>(Path::new("x.toml"), &text).unwrap_err();
        assert!(err.to_string().contains("x.toml:6"), "{err}");
    }

    #[test]
    fn sniffs_zip_ole_and_text() {
        assert_eq!(
            sniff_format(b"PK\x03\x04rest"),
            Some(SourceFormat::Spreadsheet)
        );
        assert_eq!(
            sniff_format(&[0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1, 0]),
            Some(SourceFormat::Spreadsheet)
        );
        assert_eq!(sniff_format("Crédits".as_bytes()), Some(SourceFormat::Text));
        assert_eq!(
            sniff_format(&[0xff, 0xfe, 0x41, 0x00]),
            Some(SourceFormat::Text)
        );
        assert_eq!(sniff_format(&[0x43, 0x72, 0xe9, 0x64]), None);
    }
}
