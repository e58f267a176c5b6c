//! Stage 2: figures out of sources. Text extracts and spreadsheets each have their module;
//! a PDF's text layer (`pdf`) is read as a text whose lines keep their page. All produce
//! the same `Extraction` per envelope, with every figure located.

mod container;
pub mod pdf;
pub mod sheet;
pub mod text;
pub mod view;

use crate::error::Error;
use crate::model::{Claim, ClaimKind, Located, Location, Note, RawItem, StatedAmount};
use crate::model::{
    DeclaredTotal, DescriptionRef, EnvelopeSpec, Publication, SourceFormat, WrittenAmount,
};
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

/// A publication's source, read once for all its envelopes.
#[derive(Debug, Clone)]
pub enum Source<'a> {
    Text(&'a str),
    Spreadsheet(&'a [u8]),
    /// The text layer of a PDF, each line with its page.
    Pdf(pdf::PdfText),
}

impl<'a> Source<'a> {
    /// Reads the source as its sniffed format says. A PDF that cannot be read (a scan, an
    /// encrypted or damaged file) is an unreadable input.
    pub fn read(p: &'a Publication) -> Result<Self, Error> {
        Ok(match p.format {
            // Decoded when loaded (UTF-8, or UTF-16 with its byte-order mark).
            SourceFormat::Text => Source::Text(p.text.as_deref().ok_or_else(|| {
                Error::Internal(format!("{}: a text source without its text", p.source_name))
            })?),
            SourceFormat::Spreadsheet => Source::Spreadsheet(&p.bytes),
            SourceFormat::Pdf => Source::Pdf(pdf::read(p)?),
        })
    }
}

/// One envelope's figures out of its publication's source, whatever the source's format.
pub fn extract(
    p: &Publication,
    source: &Source<'_>,
    index: usize,
    spec: &EnvelopeSpec,
) -> Result<Extraction, Error> {
    let description = p.description_of(index);
    let extraction = match source {
        Source::Text(text) => text::extract_text(&p.source_name, text, spec, &description),
        Source::Spreadsheet(bytes) => {
            sheet::extract_sheet(&p.source_name, bytes, spec, &description)
        }
        Source::Pdf(layer) => text::extract_pdf_text(&p.source_name, layer, spec, &description),
    }?;
    let mut extraction = extraction;
    if let Some(DeclaredTotal::Bare(written)) = &spec.declared_total {
        bare_total(&mut extraction, written, spec, &description)?;
    }
    check_magnitudes(&extraction)?;
    check_signs(&extraction, p.text.as_deref())?;
    Ok(extraction)
}

/// An allocation, a total or an amount a revision replaces is never negative: a minus sign
/// is a typing error or a difference column read as amounts, and its euros would be
/// subtracted from every total. Texts keep the sign out of the figure ("Corse : -100 000 €"
/// reads 100 000 €), so the character before each figure is looked at too.
fn check_signs(extraction: &Extraction, text: Option<&str>) -> Result<(), Error> {
    let lines: Vec<&str> = text.map(|t| t.split('\n').collect()).unwrap_or_default();
    let minus_before = |location: &Location| match location {
        Location::Line { line, span, .. } if span.1 > 0 => {
            let Some(text) = (*line as usize)
                .checked_sub(1)
                .and_then(|index| lines.get(index))
            else {
                return false;
            };
            let before: Vec<char> = text.chars().take(span.0 as usize).collect();
            match before.as_slice() {
                [.., previous, '-' | '\u{2212}'] => !previous.is_alphanumeric(),
                ['-' | '\u{2212}'] => true,
                _ => false,
            }
        }
        _ => false,
    };
    let stated = extraction
        .items
        .iter()
        .flat_map(|i| std::iter::once(&i.amount).chain(i.previous.as_ref()))
        .chain(extraction.declared_total.as_ref())
        .chain(extraction.total_row.as_ref());
    for s in stated {
        let minus = minus_before(&s.location);
        if minus || (s.amount.value.is_sign_negative() && !s.amount.value.is_zero()) {
            let written = if minus {
                format!("-{}", s.raw)
            } else {
                s.raw.clone()
            };
            return Err(Error::extraction(
                &s.location,
                format!(
                    "\"{written}\" is a negative amount: an allocation is never negative (a change is written \"de X à Y\", or as a revision table); remove the sign, or point the description at the amounts rather than at a difference"
                ),
            ));
        }
    }
    Ok(())
}

/// A `declared_total` written as a bare number ("1 518 800", as a table's total line
/// writes it) takes the unit its table states ("Montant (en euros)", "(en k€)", a note):
/// the scale the table reader applied to the table's own bare numbers; a table written in
/// euros figure by figure is in euros. Else the envelope's `unit`; else the description is
/// refused, naming the `unit` key.
fn bare_total(
    extraction: &mut Extraction,
    written: &WrittenAmount,
    spec: &EnvelopeSpec,
    description: &DescriptionRef<'_>,
) -> Result<(), Error> {
    use crate::core::amount::{Amount, Precision, parse_number};
    use rust_decimal::Decimal;
    let from_bare_rows = extraction.items.iter().find_map(|item| {
        let number = parse_number(&item.amount.raw).ok()?;
        (!number.is_zero()).then(|| (item.amount.amount.value / number).normalize())
    });
    let in_euros = !extraction.items.is_empty()
        && extraction
            .items
            .iter()
            .all(|item| item.amount.amount.precision == Precision::Exact);
    let scale = from_bare_rows
        .or(in_euros.then_some(Decimal::ONE))
        .or_else(|| spec.unit.map(crate::model::Unit::scale));
    let Some(scale) = scale else {
        return Err(crate::error::config_error_at(
            description.path,
            description.keys.envelope(description.envelope, "unit"),
            Some("unit".to_string()),
            format!(
                "declared_total \"{}\" of envelope '{}' is a number without its unit, and its table states none: write the unit in declared_total (\"{} €\") or give the envelope's unit (unit = \"€\", \"k€\" or \"M€\")",
                written.written, spec.id, written.written
            ),
        ));
    };
    let number = written.amount.value;
    let value = (number * scale).round_dp(2);
    // "67 150" in k€ stands for any value within half a thousand euros; "1 518 800" in
    // euros is exact.
    let unit = scale / Decimal::from(10u64.pow(number.scale().min(18)));
    let amount = if unit <= Decimal::ONE {
        Amount::exact(value)
    } else {
        Amount {
            value,
            precision: Precision::Rounded { unit },
            qualifier: crate::core::amount::Qualifier::Equal,
        }
    };
    if let Some(declared) = &mut extraction.declared_total {
        declared.amount = amount;
    }
    Ok(())
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
            return Err(Error::extraction(
                &s.location,
                format!(
                    "\"{}\" is {} €, more than the 16 digits before the comma that the published DECIMAL(18,2) holds: a typing error?",
                    s.raw, s.amount.value
                ),
            ));
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
