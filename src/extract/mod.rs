//! Stage 2: figures out of sources. Text extracts and spreadsheets each have their module;
//! a PDF's text layer (`pdf`) is read as a text whose lines keep their page. All produce
//! the same `Extraction` per envelope, with every figure located.

pub(crate) mod container;
pub mod pdf;
pub mod sheet;
pub mod text;
pub mod view;

use crate::error::Error;
use crate::model::{Claim, ClaimKind, ItemAt, Items, Located, Location, Note, RawItem};
use crate::model::{
    DeclaredTotal, DescriptionRef, EnvelopeSpec, Publication, SourceFormat, StatedAmount,
    WrittenAmount,
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
    /// A workbook, read from its file as its sheets are (never held whole in memory), its
    /// container checked when the source is read.
    Spreadsheet(&'a std::path::Path),
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
            SourceFormat::Spreadsheet => {
                let named_by = p.description_of(0).named_by("source");
                container::check(&p.source_name, &named_by, &p.source_path)?;
                Source::Spreadsheet(&p.source_path)
            }
            SourceFormat::Pdf => Source::Pdf(pdf::read(p)?),
        })
    }

    /// `read`, for a source `read` accepted earlier in the run: a workbook's container is
    /// not checked again.
    pub fn read_checked(p: &'a Publication) -> Result<Self, Error> {
        match p.format {
            SourceFormat::Spreadsheet => Ok(Source::Spreadsheet(&p.source_path)),
            SourceFormat::Text | SourceFormat::Pdf => Self::read(p),
        }
    }
}

/// One envelope's figures out of its publication's source, whatever the source's format.
pub fn extract(
    p: &Publication,
    source: &Source<'_>,
    index: usize,
    spec: &EnvelopeSpec,
) -> Result<Extraction, Error> {
    let mut items = Vec::new();
    let mut extraction = extract_into(p, source, index, spec, &mut items)?;
    extraction.items = items;
    Ok(extraction)
}

/// One envelope's figures, each item handed to `sink` as it is read (a spreadsheet's rows
/// one at a time, checked as they come); the returned `Extraction` holds everything else
/// (totals, claims, notes) and no items.
pub fn extract_into(
    p: &Publication,
    source: &Source<'_>,
    index: usize,
    spec: &EnvelopeSpec,
    sink: &mut dyn Items,
) -> Result<Extraction, Error> {
    let description = p.description_of(index);
    let (mut extraction, seen) = match source {
        Source::Text(text) => {
            let extraction = text::extract_text(&p.source_name, text, spec, &description)?;
            hand_over(extraction, Some(text), sink)?
        }
        Source::Pdf(layer) => {
            let extraction = text::extract_pdf_text(&p.source_name, layer, spec, &description)?;
            hand_over(extraction, None, sink)?
        }
        Source::Spreadsheet(path) => {
            let mut checked = Checked {
                sink,
                seen: Seen::default(),
            };
            let extraction = sheet::extract_sheet_from(
                &p.source_name,
                &|| {
                    std::fs::File::open(path)
                        .map(|file| std::io::BufReader::with_capacity(1 << 16, file))
                },
                spec,
                &description,
                &mut checked,
            )?;
            check_signs(&extraction, None)?;
            check_magnitudes(&extraction)?;
            (extraction, checked.seen)
        }
    };
    if let Some(DeclaredTotal::Bare(written)) = &spec.declared_total {
        bare_total(&mut extraction, &seen, written, spec, &description)?;
    }
    Ok(extraction)
}

/// A text's items, read whole, checked, then handed to `sink`.
fn hand_over(
    mut extraction: Extraction,
    text: Option<&str>,
    sink: &mut dyn Items,
) -> Result<(Extraction, Seen), Error> {
    check_signs(&extraction, text)?;
    check_magnitudes(&extraction)?;
    let mut seen = Seen::default();
    for item in &extraction.items {
        seen.item(&item.at());
    }
    for item in std::mem::take(&mut extraction.items) {
        sink.item(&item.at())?;
    }
    Ok((extraction, seen))
}

/// What a declared total written as a bare number needs to know of the items: the scale
/// the reader applied to the first bare number, and whether every figure is exact.
#[derive(Debug, Clone, Copy)]
struct Seen {
    scale_of_bare: Option<rust_decimal::Decimal>,
    all_exact: bool,
    count: usize,
}

impl Default for Seen {
    fn default() -> Self {
        Seen {
            scale_of_bare: None,
            all_exact: true,
            count: 0,
        }
    }
}

impl Seen {
    fn item(&mut self, item: &ItemAt<'_>) {
        use crate::core::amount::{Precision, parse_number};
        self.count += 1;
        self.all_exact &= item.amount.amount.precision == Precision::Exact;
        if self.scale_of_bare.is_none()
            && let Ok(number) = parse_number(&item.amount.raw())
            && !number.is_zero()
        {
            self.scale_of_bare = Some((item.amount.amount.value / number).normalize());
        }
    }
}

/// A sink that checks each item as it is read (sign, magnitude) and keeps what a bare
/// declared total needs, before handing it on.
struct Checked<'a> {
    sink: &'a mut dyn Items,
    seen: Seen,
}

impl Items for Checked<'_> {
    fn item(&mut self, item: &ItemAt<'_>) -> Result<(), Error> {
        check_magnitude(item)?;
        for figure in std::iter::once(&item.amount).chain(item.previous.as_ref()) {
            let value = figure.amount.value;
            if value.is_sign_negative() && !value.is_zero() {
                return Err(negative(&figure.to_stated(), false));
            }
        }
        self.seen.item(item);
        self.sink.item(item)
    }
    fn restart(&mut self) {
        self.seen = Seen::default();
        self.sink.restart();
    }
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

fn negative(s: &StatedAmount, minus_before: bool) -> Error {
    let written = if minus_before {
        format!("-{}", s.raw)
    } else {
        s.raw.clone()
    };
    Error::extraction(
        &s.location,
        format!(
            "\"{written}\" is a negative amount: an allocation is never negative (a change is written \"de X à Y\", or as a revision table); remove the sign, or point the description at the amounts rather than at a difference"
        ),
    )
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
            return Err(negative(s, minus));
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
    seen: &Seen,
    written: &WrittenAmount,
    spec: &EnvelopeSpec,
    description: &DescriptionRef<'_>,
) -> Result<(), Error> {
    use crate::core::amount::{Amount, Precision};
    use rust_decimal::Decimal;
    let in_euros = seen.count > 0 && seen.all_exact;
    let scale = seen
        .scale_of_bare
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
