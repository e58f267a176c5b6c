//! Stage 2: figures out of sources. Text extracts and spreadsheets each have their module;
//! both produce the same `Extraction` per envelope, with every figure located.

pub mod sheet;
pub mod text;

use crate::error::Error;
use crate::model::StatedAmount;
use crate::model::{Claim, ClaimKind, ItemAt, Items, Located, Location, Note, RawItem};
use crate::model::{DescriptionRef, EnvelopeSpec, Publication, SourceFormat, WrittenAmount};
use crate::model::{Detail, Rule};
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

/// One envelope's figures out of its publication's source, whatever the source's format.
pub fn extract(p: &Publication, index: usize, spec: &EnvelopeSpec) -> Result<Extraction, Error> {
    let mut items = Vec::new();
    let mut extraction = extract_into(p, index, spec, &mut items)?;
    extraction.items = items;
    Ok(extraction)
}

/// One envelope's figures, each item handed to `sink` as it is read (a spreadsheet's rows
/// one at a time); the returned `Extraction` holds everything else (totals, claims, notes)
/// and no items.
pub fn extract_into(
    p: &Publication,
    index: usize,
    spec: &EnvelopeSpec,
    sink: &mut dyn Items,
) -> Result<Extraction, Error> {
    let description = p.description_of(index);
    let mut extraction = match p.format {
        SourceFormat::Text => {
            let text = std::str::from_utf8(&p.bytes)
                .map_err(|e| Error::input(&p.source_path, format!("not UTF-8: {e}")))?;
            let mut extraction = text::extract_text(&p.source_name, text, spec, &description)?;
            check_magnitudes(&extraction)?;
            for item in std::mem::take(&mut extraction.items) {
                sink.item(&item.at())?;
            }
            extraction
        }
        SourceFormat::Spreadsheet => sheet::extract_sheet_from(
            &p.source_name,
            &|| {
                std::fs::File::open(&p.source_path)
                    .map(|file| std::io::BufReader::with_capacity(1 << 16, file))
            },
            spec,
            &description,
            sink,
        )?,
    };
    check_magnitudes(&extraction)?;
    extraction.items.clear();
    Ok(extraction)
}

/// The magnitude check of `check_magnitudes`, for one item as it is read.
pub(crate) fn check_magnitude(item: &ItemAt<'_>) -> Result<(), Error> {
    for figure in std::iter::once(&item.amount).chain(item.previous.as_ref()) {
        if figure.amount.value.abs() >= crate::model::MONEY_LIMIT {
            return Err(too_large(&figure.to_stated()));
        }
    }
    Ok(())
}

fn too_large(s: &StatedAmount) -> Error {
    Error::extraction(
        &s.location,
        format!(
            "\"{}\" is {} €, more than the 16 digits before the comma that the published DECIMAL(18,2) holds: a typing error?",
            s.raw, s.amount.value
        ),
    )
}

/// Money is published as DECIMAL(18,2): 16 digits before the comma at most. A figure
/// beyond is a typing error in the source, reported where it stands.
fn check_magnitudes(extraction: &Extraction) -> Result<(), Error> {
    let limit = crate::model::MONEY_LIMIT;
    let stated = extraction
        .items
        .iter()
        .flat_map(|i| std::iter::once(&i.amount).chain(i.previous.as_ref()))
        .chain(extraction.declared_total.as_ref())
        .chain(extraction.total_row.as_ref())
        .chain(extraction.claims.iter().filter_map(|c| match &c.kind {
            ClaimKind::Money { amount } => Some(amount),
            ClaimKind::Count { .. } => None,
        }));
    for s in stated {
        if s.amount.value.abs() >= limit {
            return Err(too_large(s));
        }
    }
    Ok(())
}

/// The description's `declared_total` (and, for a revision that changes it, the total
/// before), each where the source states it (`find`, which knows the source's shape), else
/// where the description does, with a `declared.not_in_source` note: the same for every
/// kind of source.
pub(crate) fn declared_totals(
    spec: &EnvelopeSpec,
    description: &DescriptionRef<'_>,
    source_name: &str,
    extraction: &mut Extraction,
    mut find: impl FnMut(&WrittenAmount) -> Option<StatedAmount>,
) {
    let Some(declared) = &spec.declared_total else {
        return;
    };
    let mut locate = |written: &WrittenAmount| match find(written) {
        Some(stated) => (stated, None),
        None => not_in_source(written, spec, description, source_name),
    };
    if let Some(before) = declared.before() {
        let (stated, note) = locate(before);
        extraction.declared_before = Some(stated);
        extraction.notes.extend(note);
    }
    let (stated, note) = locate(declared.current());
    extraction.declared_total = Some(stated);
    extraction.notes.extend(note);
}

/// A declared total the source does not state (known from another text): kept, located
/// in the description, and said.
fn not_in_source(
    declared: &WrittenAmount,
    spec: &EnvelopeSpec,
    description: &DescriptionRef<'_>,
    source_name: &str,
) -> (StatedAmount, Option<Note>) {
    let location = description.location("declared_total");
    let written = &declared.written;
    let note = Note::new(
        Rule::DeclaredNotInSource,
        Detail::DeclaredNotInSource {
            declared_raw: written.clone(),
            envelope: spec.id.clone(),
            source: source_name.to_string(),
        },
        location.clone(),
    );
    (
        StatedAmount {
            amount: declared.amount,
            raw: written.clone(),
            location,
        },
        Some(note),
    )
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

/// Whether an identifier passes its check: Luhn, except for Corsican numbers (2A, 2B), which
/// follow an unknown rule.
pub(crate) fn identifier_passes(identifier: &str) -> bool {
    let corsican = identifier.starts_with("2A") || identifier.starts_with("2B");
    corsican || luhn_valid(identifier)
}

/// The FINESS check digit is not published; Luhn held on every real number sampled, so a
/// failure is a warning, never a rejection. Corsican numbers (2A, 2B) follow an unknown rule.
pub(crate) fn identifier_note(identifier: &str, location: &Location) -> Option<Note> {
    (!identifier_passes(identifier)).then(|| {
        Note::new(
            Rule::IdentifierChecksum,
            Detail::IdentifierChecksum {
                identifier: identifier.to_string(),
            },
            location.clone(),
        )
    })
}
