//! What this run changes against the last published dataset: publications and envelopes
//! added or removed, amounts changed per region or beneficiary (old → new), findings new,
//! persisting or resolved (by fingerprint).
//!
//! The previous state is read back from the published Parquet files themselves (not from a
//! cache of ours), so the diff is against exactly what BI users hold. With no previous
//! publication, everything is "added" and the diff says it has no baseline.

use crate::core::amount::format_eur;
use crate::error::Error;
use crate::publish::dataset::Dataset;
use crate::publish::tables::Allocations;
use crate::publish::{ALLOCATIONS, Columns, ENVELOPES, FINDINGS, PUBLICATIONS};
use polars::prelude::*;
use rust_decimal::Decimal;
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;
use std::path::Path;

/// Amount changes report.json lists; report.md and report.html list the first
/// `MAX_SHOWN_AMOUNTS`; diff.parquet holds them all.
pub const MAX_LISTED_AMOUNTS: usize = 1_000;
pub const MAX_SHOWN_AMOUNTS: usize = 200;

/// Name of the published diff table.
pub const DIFF: &str = "diff.parquet";

/// What a published dataset holds, as far as a diff needs it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Snapshot {
    pub publications: BTreeSet<String>,
    /// (envelope, publication) pairs.
    pub envelopes: BTreeSet<(String, String)>,
    /// Counted euros per envelope and key (region code or beneficiary).
    pub amounts: Tally,
    /// How many figures are counted.
    pub counted_figures: usize,
    /// fingerprint → (rule, envelope, French sentence)
    pub findings: BTreeMap<String, (String, Option<String>, String)>,
}

/// Which publication an amount's first row belongs to: the last published one, or this run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Side {
    Published,
    Run,
}

/// Counted euros per amount key. A key is held as a 128-bit digest of its texts and the
/// place of its first row (a row of allocations.parquet, or a statement's fact), where it is
/// spelt again when it is reported: a million rows of a few hundred thousand keys take a few
/// megabytes, not a string each.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Tally {
    sums: std::collections::HashMap<u128, (Decimal, u64), crate::core::intern::BuildIdentity>,
}

impl Tally {
    /// Adds `amount` to the sum of the key whose digest is `digest` (`KeyRef::digest`);
    /// `origin` says where its first row stands.
    pub fn add(&mut self, digest: u128, amount: Decimal, origin: u64) {
        self.sums
            .entry(digest)
            .and_modify(|(sum, _)| *sum += amount)
            .or_insert((amount, origin));
    }

    pub fn len(&self) -> usize {
        self.sums.len()
    }

    pub fn is_empty(&self) -> bool {
        self.sums.is_empty()
    }
}

/// The label an amount key keeps: only when neither a region nor a beneficiary is known
/// (`AmountKey::label`). One rule for every side that builds or digests keys (this run's
/// facts, its digests, the last publication read back), which must agree.
pub(crate) fn key_label<R, B, L>(
    region: &Option<R>,
    beneficiary: &Option<B>,
    label: impl FnOnce() -> L,
) -> Option<L> {
    (region.is_none() && beneficiary.is_none()).then(label)
}

/// An amount key's texts, borrowed from where they stand.
#[derive(Debug, Clone, Copy)]
pub struct KeyRef<'a> {
    pub envelope_id: &'a str,
    pub region_code: Option<&'a str>,
    pub beneficiary: Option<&'a str>,
    pub label: &'a str,
}

impl KeyRef<'_> {
    /// The key as `AmountKey::new` builds it (the label only when neither a region nor a
    /// beneficiary is known), digested by xxh3 on 128 bits, so that two keys of one
    /// publication never share a digest.
    pub fn digest(&self) -> u128 {
        let label = key_label(&self.region_code, &self.beneficiary, || self.label);
        digest_of(
            self.envelope_id.as_bytes(),
            self.region_code.map(str::as_bytes),
            self.beneficiary.map(str::as_bytes),
            label.map(str::as_bytes),
        )
    }

    pub fn to_key(&self) -> AmountKey {
        AmountKey::new(
            self.envelope_id,
            self.region_code,
            self.beneficiary,
            self.label,
        )
    }
}

/// The digest of a key's fields as bytes (each present or not, and its length, so that no
/// two keys encode alike).
fn digest_of(
    envelope: &[u8],
    region: Option<&[u8]>,
    beneficiary: Option<&[u8]>,
    label: Option<&[u8]>,
) -> u128 {
    let mut hasher = xxhash_rust::xxh3::Xxh3::new();
    for field in [Some(envelope), region, beneficiary, label] {
        match field {
            None => hasher.update(&[0]),
            Some(bytes) => {
                hasher.update(&[1]);
                hasher.update(&(bytes.len() as u64).to_le_bytes());
                hasher.update(bytes);
            }
        }
    }
    hasher.digest128()
}

/// An amount is compared by envelope and by what it goes to: the beneficiary when the line
/// names one, else the region, else its label as written.
#[derive(Debug, Clone, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub struct AmountKey {
    pub envelope_id: String,
    pub region_code: Option<String>,
    pub beneficiary: Option<String>,
    /// The label, only when neither a region nor a beneficiary is known.
    pub label: Option<String>,
}

impl AmountKey {
    fn new(
        envelope_id: &str,
        region_code: Option<&str>,
        beneficiary: Option<&str>,
        label: &str,
    ) -> Self {
        AmountKey {
            envelope_id: envelope_id.to_string(),
            region_code: region_code.map(str::to_string),
            beneficiary: beneficiary.map(str::to_string),
            label: key_label(&region_code, &beneficiary, || label.to_string()),
        }
    }

    /// How the key reads in a report: "Bretagne (53)", a beneficiary's name, or the label.
    pub fn describe(&self) -> String {
        match (&self.beneficiary, &self.region_code, &self.label) {
            (Some(b), Some(code), _) => format!("{b} ({})", region_name(code)),
            (Some(b), None, _) => b.clone(),
            (None, Some(code), _) => format!("{} ({code})", region_name(code)),
            (None, None, Some(label)) => label.clone(),
            (None, None, None) => "—".to_string(),
        }
    }
}

fn region_name(code: &str) -> String {
    crate::core::region::RegionCode::from_code(code)
        .map_or_else(|| code.to_string(), |r| r.name().to_string())
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Change {
    Added,
    Removed,
    Changed,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum FindingChange {
    New,
    Persisting,
    Resolved,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AmountDiff {
    #[serde(flatten)]
    pub key: AmountKey,
    pub change: Change,
    #[serde(with = "rust_decimal::serde::str_option")]
    pub old_eur: Option<Decimal>,
    #[serde(with = "rust_decimal::serde::str_option")]
    pub new_eur: Option<Decimal>,
    /// new − old (a removed amount counts as 0 new, an added one as 0 old).
    #[serde(with = "rust_decimal::serde::str")]
    pub difference_eur: Decimal,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FindingDiff {
    pub fingerprint: String,
    pub change: FindingChange,
    pub rule: String,
    pub envelope_id: Option<String>,
    pub message_fr: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct EnvelopeDiff {
    pub envelope_id: String,
    pub publication_id: String,
    pub change: Change,
}

/// This run against the last published one.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Diff {
    /// Whether a previous publication was found; without one, everything is added.
    pub has_baseline: bool,
    pub publications_added: Vec<String>,
    pub publications_removed: Vec<String>,
    pub envelopes: Vec<EnvelopeDiff>,
    /// The amounts that changed, by key. Without a baseline every amount is new, and none
    /// is listed (allocations.parquet holds them); report.json lists the first
    /// `MAX_LISTED_AMOUNTS`, diff.parquet all.
    pub amounts: Vec<AmountDiff>,
    /// How many amounts changed, listed or not (without a baseline, every counted figure).
    pub amounts_total: usize,
    pub findings: Vec<FindingDiff>,
}

impl Diff {
    /// Nothing added, removed or changed, and no finding new or resolved.
    pub fn is_empty(&self) -> bool {
        self.publications_added.is_empty()
            && self.publications_removed.is_empty()
            && self.envelopes.is_empty()
            && self.amounts.is_empty()
            && self
                .findings
                .iter()
                .all(|f| f.change == FindingChange::Persisting)
    }

    /// The diff as report.json gives it: its first `MAX_LISTED_AMOUNTS` amounts.
    pub fn listed(&self) -> Diff {
        Diff {
            publications_added: self.publications_added.clone(),
            publications_removed: self.publications_removed.clone(),
            envelopes: self.envelopes.clone(),
            amounts: self
                .amounts
                .iter()
                .take(MAX_LISTED_AMOUNTS)
                .cloned()
                .collect(),
            findings: self.findings.clone(),
            ..*self
        }
    }

    pub fn count_findings(&self, change: FindingChange) -> usize {
        self.findings.iter().filter(|f| f.change == change).count()
    }
}

impl Snapshot {
    /// The state this run would publish; its amounts only `against` a previous one (without
    /// one, every amount is new and none is listed: they are not even keyed).
    pub fn of(dataset: &Dataset, allocations: &Allocations<'_>, against: bool) -> Snapshot {
        let mut amounts = Tally::default();
        if against {
            allocations
                .for_each_counted(|digest, amount, origin| amounts.add(digest, amount, origin));
        }
        Snapshot {
            counted_figures: allocations.counted_total().0,
            publications: dataset
                .publications
                .iter()
                .map(|p| p.publication_id.clone())
                .collect(),
            envelopes: dataset
                .envelopes
                .iter()
                .map(|e| (e.envelope_id.clone(), e.publication_id.clone()))
                .collect(),
            amounts,
            findings: dataset
                .findings
                .iter()
                .map(|f| {
                    (
                        f.fingerprint.clone(),
                        (f.rule.clone(), f.envelope_id.clone(), f.message_fr.clone()),
                    )
                })
                .collect(),
        }
    }

    /// The last published state in `out`, read back from its Parquet files; `None` when
    /// nothing was published there yet (no allocations.parquet).
    pub fn read_published(out: &Path) -> Result<Option<Snapshot>, Error> {
        let allocations_path = out.join(ALLOCATIONS);
        if !allocations_path.is_file() {
            return Ok(None);
        }
        let envelopes = read(&out.join(ENVELOPES))?;
        let findings = read(&out.join(FINDINGS))?;
        let publications = read(&out.join(PUBLICATIONS))?;

        let mut amounts = Tally::default();
        let mut counted_figures = 0;
        super::readback::scan(
            &allocations_path,
            &AMOUNT_COLUMNS,
            |first, rows, columns| {
                let [envelope, region, beneficiary, label, amount, counted] = columns else {
                    return Ok(());
                };
                for i in 0..rows {
                    if counted.flag(i) != Some(true) {
                        continue;
                    }
                    counted_figures += 1;
                    let (region, beneficiary) = (region.bytes(i), beneficiary.bytes(i));
                    let label =
                        key_label(&region, &beneficiary, || label.bytes(i).unwrap_or_default());
                    let digest = digest_of(
                        envelope.bytes(i).unwrap_or_default(),
                        region,
                        beneficiary,
                        label,
                    );
                    amounts.add(
                        digest,
                        amount.money(i).unwrap_or_default(),
                        first + i as u64,
                    );
                }
                Ok(())
            },
        )?;

        let envelope_ids = texts(&envelopes, ENVELOPES, "envelope_id")?;
        let envelope_publications = texts(&envelopes, ENVELOPES, "publication_id")?;
        let fingerprints = texts(&findings, FINDINGS, "fingerprint")?;
        let rules = texts(&findings, FINDINGS, "rule")?;
        let finding_envelopes = texts(&findings, FINDINGS, "envelope_id")?;
        let messages = texts(&findings, FINDINGS, "message_fr")?;
        Ok(Some(Snapshot {
            counted_figures,
            publications: texts(&publications, PUBLICATIONS, "publication_id")?
                .into_iter()
                .flatten()
                .collect(),
            envelopes: envelope_ids
                .into_iter()
                .zip(envelope_publications)
                .map(|(e, p)| (e.unwrap_or_default(), p.unwrap_or_default()))
                .collect(),
            amounts,
            findings: (0..findings.height())
                .map(|i| {
                    (
                        fingerprints[i].clone().unwrap_or_default(),
                        (
                            rules[i].clone().unwrap_or_default(),
                            finding_envelopes[i].clone(),
                            messages[i].clone().unwrap_or_default(),
                        ),
                    )
                })
                .collect(),
        }))
    }
}

/// The columns of allocations.parquet an amount's key and sum are read from.
const AMOUNT_COLUMNS: [&str; 6] = [
    "envelope_id",
    "region_code",
    "beneficiary",
    "raw_label",
    "amount_eur",
    "counted",
];

impl Snapshot {
    /// The keys of the published rows `rows` (numbered from 0 in allocations.parquet), read
    /// back from `out`.
    pub fn spell_published(
        out: &Path,
        rows: &BTreeSet<u64>,
    ) -> Result<BTreeMap<u64, AmountKey>, Error> {
        let mut keys = BTreeMap::new();
        if rows.is_empty() {
            return Ok(keys);
        }
        super::readback::scan(
            &out.join(ALLOCATIONS),
            &AMOUNT_COLUMNS[..4],
            |first, n, columns| {
                let [envelope, region, beneficiary, label] = columns else {
                    return Ok(());
                };
                for &row in rows.range(first..first + n as u64) {
                    let i = usize::try_from(row - first).unwrap_or(usize::MAX);
                    let key = KeyRef {
                        envelope_id: envelope.text(i).unwrap_or_default(),
                        region_code: region.text(i),
                        beneficiary: beneficiary.text(i),
                        label: label.text(i).unwrap_or_default(),
                    };
                    keys.insert(row, key.to_key());
                }
                Ok(())
            },
        )?;
        Ok(keys)
    }
}

/// The published rows whose keys a diff of `previous` and `current` reports and only the
/// published table spells: the keys this run no longer has.
pub fn removed_rows(previous: Option<&Snapshot>, current: &Snapshot) -> BTreeSet<u64> {
    previous.map_or_else(BTreeSet::new, |old| {
        old.amounts
            .sums
            .iter()
            .filter(|(digest, _)| !current.amounts.sums.contains_key(*digest))
            .map(|(_, &(_, row))| row)
            .collect()
    })
}

fn read(path: &Path) -> Result<DataFrame, Error> {
    let file = std::fs::File::open(path).map_err(|e| {
        Error::input(
            path,
            format!("{e} (the last publication is incomplete: run again to republish it)"),
        )
    })?;
    ParquetReader::new(file).finish().map_err(|e| {
        Error::input(
            path,
            format!("not a readable Parquet file of the published dataset: {e}"),
        )
    })
}

fn column<'a>(df: &'a DataFrame, file: &str, name: &str) -> Result<&'a Column, Error> {
    df.column(name).map_err(|_| Error::Input {
        file: file.to_string(),
        message: format!("the published table has no column `{name}`"),
    })
}

fn texts(df: &DataFrame, file: &str, name: &str) -> Result<Vec<Option<String>>, Error> {
    let strings = column(df, file, name)?.str().map_err(|e| Error::Input {
        file: file.to_string(),
        message: format!("column `{name}`: {e}"),
    })?;
    Ok(strings.iter().map(|s| s.map(str::to_string)).collect())
}

/// Compares the last published state (`None`: nothing published yet) with this run's;
/// `spell` gives the key of an amount's first row on either side.
pub fn compare(
    previous: Option<&Snapshot>,
    current: &Snapshot,
    spell: &dyn Fn(Side, u64) -> AmountKey,
) -> Diff {
    let empty = Snapshot::default();
    let old = previous.unwrap_or(&empty);
    let publications_added = current
        .publications
        .difference(&old.publications)
        .cloned()
        .collect();
    let publications_removed = old
        .publications
        .difference(&current.publications)
        .cloned()
        .collect();
    let mut envelopes: Vec<EnvelopeDiff> = current
        .envelopes
        .difference(&old.envelopes)
        .map(|(e, p)| (e, p, Change::Added))
        .chain(
            old.envelopes
                .difference(&current.envelopes)
                .map(|(e, p)| (e, p, Change::Removed)),
        )
        .map(|(e, p, change)| EnvelopeDiff {
            envelope_id: e.clone(),
            publication_id: p.clone(),
            change,
        })
        .collect();
    envelopes.sort_by(|a, b| {
        (&a.envelope_id, &a.publication_id).cmp(&(&b.envelope_id, &b.publication_id))
    });

    let changed = current
        .amounts
        .sums
        .iter()
        .filter_map(
            |(digest, &(after, origin))| match old.amounts.sums.get(digest) {
                Some(&(before, _)) if before == after => None,
                Some(&(before, _)) => Some((
                    Change::Changed,
                    Some(before),
                    Some(after),
                    Side::Run,
                    origin,
                )),
                None => Some((Change::Added, None, Some(after), Side::Run, origin)),
            },
        );
    let removed = old
        .amounts
        .sums
        .iter()
        .filter(|(digest, _)| !current.amounts.sums.contains_key(*digest))
        .map(|(_, &(before, row))| (Change::Removed, Some(before), None, Side::Published, row));
    // Without a baseline every counted figure is new: counted, not listed.
    let (amounts_total, listed) = match previous {
        Some(_) => {
            let total = changed.clone().count() + removed.clone().count();
            (total, total)
        }
        None => (current.counted_figures, 0),
    };
    let mut amounts: Vec<AmountDiff> = changed
        .chain(removed)
        .take(listed)
        .map(|(change, before, after, side, origin)| AmountDiff {
            key: spell(side, origin),
            change,
            old_eur: before,
            new_eur: after,
            difference_eur: (after.unwrap_or_default() - before.unwrap_or_default()).normalize(),
        })
        .collect();
    amounts.sort_by(|a, b| a.key.cmp(&b.key));

    let mut findings: Vec<FindingDiff> = current
        .findings
        .iter()
        .map(|(fp, (rule, envelope, message))| FindingDiff {
            fingerprint: fp.clone(),
            change: if old.findings.contains_key(fp) {
                FindingChange::Persisting
            } else {
                FindingChange::New
            },
            rule: rule.clone(),
            envelope_id: envelope.clone(),
            message_fr: message.clone(),
        })
        .chain(
            old.findings
                .iter()
                .filter(|(fp, _)| !current.findings.contains_key(*fp))
                .map(|(fp, (rule, envelope, message))| FindingDiff {
                    fingerprint: fp.clone(),
                    change: FindingChange::Resolved,
                    rule: rule.clone(),
                    envelope_id: envelope.clone(),
                    message_fr: message.clone(),
                }),
        )
        .collect();
    findings.sort_by(|a, b| (a.change, &a.fingerprint).cmp(&(b.change, &b.fingerprint)));

    Diff {
        has_baseline: previous.is_some(),
        publications_added,
        publications_removed,
        envelopes,
        amounts,
        amounts_total,
        findings,
    }
}

/// One row of diff.parquet: every change in one flat table, `kind` saying what changed.
struct DiffRow {
    /// publication | envelope | amount | finding
    kind: &'static str,
    /// added | removed | changed | new | persisting | resolved
    change: &'static str,
    publication_id: Option<String>,
    envelope_id: Option<String>,
    region_code: Option<String>,
    beneficiary: Option<String>,
    label: Option<String>,
    old_amount_eur: Option<Decimal>,
    new_amount_eur: Option<Decimal>,
    difference_eur: Option<Decimal>,
    fingerprint: Option<String>,
    rule: Option<String>,
    message_fr: Option<String>,
}

impl DiffRow {
    fn new(kind: &'static str, change: &'static str) -> Self {
        DiffRow {
            kind,
            change,
            publication_id: None,
            envelope_id: None,
            region_code: None,
            beneficiary: None,
            label: None,
            old_amount_eur: None,
            new_amount_eur: None,
            difference_eur: None,
            fingerprint: None,
            rule: None,
            message_fr: None,
        }
    }
}

fn change_str(c: Change) -> &'static str {
    match c {
        Change::Added => "added",
        Change::Removed => "removed",
        Change::Changed => "changed",
    }
}

fn finding_change_str(c: FindingChange) -> &'static str {
    match c {
        FindingChange::New => "new",
        FindingChange::Persisting => "persisting",
        FindingChange::Resolved => "resolved",
    }
}

/// diff.parquet: `kind`, `change`, `publication_id`, `envelope_id`, `region_code`,
/// `beneficiary`, `label`, `old_amount_eur`, `new_amount_eur`, `difference_eur`,
/// `fingerprint`, `rule`, `message_fr`.
pub fn frame(diff: &Diff) -> Result<DataFrame, Error> {
    let mut rows = Vec::new();
    for p in &diff.publications_added {
        let mut row = DiffRow::new("publication", "added");
        row.publication_id = Some(p.clone());
        rows.push(row);
    }
    for p in &diff.publications_removed {
        let mut row = DiffRow::new("publication", "removed");
        row.publication_id = Some(p.clone());
        rows.push(row);
    }
    for e in &diff.envelopes {
        let mut row = DiffRow::new("envelope", change_str(e.change));
        row.publication_id = Some(e.publication_id.clone());
        row.envelope_id = Some(e.envelope_id.clone());
        rows.push(row);
    }
    for a in &diff.amounts {
        let mut row = DiffRow::new("amount", change_str(a.change));
        row.envelope_id = Some(a.key.envelope_id.clone());
        row.region_code = a.key.region_code.clone();
        row.beneficiary = a.key.beneficiary.clone();
        row.label = a.key.label.clone();
        row.old_amount_eur = a.old_eur;
        row.new_amount_eur = a.new_eur;
        row.difference_eur = Some(a.difference_eur);
        rows.push(row);
    }
    for f in &diff.findings {
        let mut row = DiffRow::new("finding", finding_change_str(f.change));
        row.envelope_id = f.envelope_id.clone();
        row.fingerprint = Some(f.fingerprint.clone());
        row.rule = Some(f.rule.clone());
        row.message_fr = Some(f.message_fr.clone());
        rows.push(row);
    }
    Columns::new(&rows)
        .text("kind", |r| r.kind)
        .text("change", |r| r.change)
        .opt_text("publication_id", |r| r.publication_id.as_deref())
        .opt_text("envelope_id", |r| r.envelope_id.as_deref())
        .opt_text("region_code", |r| r.region_code.as_deref())
        .opt_text("beneficiary", |r| r.beneficiary.as_deref())
        .opt_text("label", |r| r.label.as_deref())
        .money("old_amount_eur", |r| r.old_amount_eur.as_ref())?
        .money("new_amount_eur", |r| r.new_amount_eur.as_ref())?
        .money("difference_eur", |r| r.difference_eur.as_ref())?
        .opt_text("fingerprint", |r| r.fingerprint.as_deref())
        .opt_text("rule", |r| r.rule.as_deref())
        .opt_text("message_fr", |r| r.message_fr.as_deref())
        .finish()
}

fn signed_eur(d: Decimal) -> String {
    if d > Decimal::ZERO {
        format!("+{}", format_eur(d))
    } else {
        format_eur(d)
    }
}

fn opt_eur(d: Option<Decimal>) -> String {
    d.map_or_else(|| "—".to_string(), format_eur)
}

/// The "Changements depuis la dernière publication" section of report.md (and what
/// `esms-ledger diff` prints).
pub fn write_markdown(out: &mut String, diff: &Diff) {
    let _ = writeln!(out, "## Changements depuis la dernière publication\n");
    if !diff.has_baseline {
        let _ = writeln!(
            out,
            "Aucune publication précédente dans ce dossier : tout ce qui suit est nouveau.\n"
        );
    } else if diff.is_empty() {
        let _ = writeln!(
            out,
            "Aucun changement : mêmes publications, mêmes montants, mêmes constats.\n"
        );
    }
    let _ = writeln!(
        out,
        "Publications : {} ajoutée(s), {} retirée(s) · enveloppes : {} ajoutée(s), {} retirée(s) · montants : {} changement(s) · constats : {} nouveau(x), {} persistant(s), {} résolu(s)\n",
        diff.publications_added.len(),
        diff.publications_removed.len(),
        diff.envelopes
            .iter()
            .filter(|e| e.change == Change::Added)
            .count(),
        diff.envelopes
            .iter()
            .filter(|e| e.change == Change::Removed)
            .count(),
        diff.amounts_total,
        diff.count_findings(FindingChange::New),
        diff.count_findings(FindingChange::Persisting),
        diff.count_findings(FindingChange::Resolved),
    );
    if !diff.has_baseline {
        return;
    }
    for p in &diff.publications_added {
        let _ = writeln!(out, "- publication ajoutée `{p}`");
    }
    for p in &diff.publications_removed {
        let _ = writeln!(out, "- publication retirée `{p}`");
    }
    for e in &diff.envelopes {
        let verb = if e.change == Change::Added {
            "ajoutée"
        } else {
            "retirée"
        };
        let _ = writeln!(
            out,
            "- enveloppe {verb} `{}` (selon `{}`)",
            e.envelope_id, e.publication_id
        );
    }
    if !diff.publications_added.is_empty()
        || !diff.publications_removed.is_empty()
        || !diff.envelopes.is_empty()
    {
        out.push('\n');
    }
    // Without a baseline every amount is new: listing them repeats the envelopes' tables.
    if !diff.amounts.is_empty() {
        let _ = writeln!(out, "| Enveloppe | Destinataire | Avant | Après | Écart |");
        let _ = writeln!(out, "|---|---|---:|---:|---:|");
        for a in diff.amounts.iter().take(MAX_SHOWN_AMOUNTS) {
            let _ = writeln!(
                out,
                "| `{}` | {} | {} | {} | {} |",
                a.key.envelope_id,
                a.key.describe().replace('|', "\\|"),
                opt_eur(a.old_eur),
                opt_eur(a.new_eur),
                signed_eur(a.difference_eur)
            );
        }
        if diff.amounts_total > MAX_SHOWN_AMOUNTS {
            let _ = writeln!(
                out,
                "\n… et {} autres changements de montants, dans diff.parquet.",
                diff.amounts_total - MAX_SHOWN_AMOUNTS
            );
        }
        out.push('\n');
    }
    for f in diff
        .findings
        .iter()
        .filter(|f| f.change != FindingChange::Persisting)
    {
        let verb = if f.change == FindingChange::New {
            "nouveau"
        } else {
            "résolu"
        };
        let _ = writeln!(
            out,
            "- constat {verb} `{}` `{}` — {}",
            f.rule, f.fingerprint, f.message_fr
        );
    }
    if diff
        .findings
        .iter()
        .any(|f| f.change != FindingChange::Persisting)
    {
        out.push('\n');
    }
}
