//! Text extraction: figures out of UTF-8 extracts (BO texts, press articles), driven by the
//! description's `anchor`, `until` and `items` keys.
//!
//! The same few shapes recur in official texts, whatever the wording:
//! - bullet lists, one figure per bullet ("• Auvergne-Rhône-Alpes: 8.348.102 euros");
//! - inline lists, figures separated by commas or semicolons
//!   ("Auvergne – Rhône-Alpes (9 336 527 euros), Bourgogne – Franche-Comté (…)");
//! - revisions, two figures per item ("Bretagne, de 1 264 784 euros à 1 160 000 euros");
//! - prose, figures scattered over sentences ("l'ARS Bretagne engage 758.710 €…").
//!
//! Items are cut *between* consecutive figures, at the strongest separator there
//! (";" before "," before " et "), so that a label may hold commas or "et" as long as a
//! stronger separator ends it, and labels may stand before or after their figure.

use crate::amount::number_word;
use crate::amount::{
    Amount, AmountMatch, Precision, Qualifier, find_amounts, parse_amount, parse_number,
};
use crate::error::Error;
use crate::extract::Extraction;
use crate::model::{Claim, ClaimKind, Located, Location, Note, RawItem, Severity, StatedAmount};
use crate::region::find_regions;
use crate::sources::{Breakdown, EnvelopeSpec, ItemLayout, Unit};
use rust_decimal::{Decimal, RoundingStrategy};
use std::path::Path;
use unicode_normalization::UnicodeNormalization;

/// Where the description of the envelope is, for errors about its keys.
pub struct DescriptionRef<'a> {
    pub path: &'a Path,
    pub text: &'a str,
}

impl DescriptionRef<'_> {
    /// "inputs/x.toml:12" for the line holding `needle`, or the file alone.
    fn at(&self, needle: &str) -> String {
        match self.text.find(needle) {
            Some(offset) => format!(
                "{}:{}",
                self.path.display(),
                self.text[..offset].matches('\n').count() + 1
            ),
            None => self.path.display().to_string(),
        }
    }
}

/// A source text split in lines of chars, with a folded copy for matching phrases
/// whatever their case, accents, apostrophes, dashes and spacing.
struct Doc<'a> {
    file: &'a str,
    lines: Vec<Vec<char>>,
    folded: Vec<char>,
    /// For each folded char: (line index, char index in that line).
    origin: Vec<(usize, usize)>,
}

/// (line index, char index in that line).
type Pos = (usize, usize);
/// Start and end (exclusive) of a phrase found in a document.
type Found = (Pos, Pos);

/// A char range of one line.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Segment {
    line: usize,
    start: usize,
    end: usize,
}

fn fold_char(c: char, out: &mut Vec<char>) {
    match c {
        '\u{a0}' | '\u{202f}' | '\u{2009}' | '\u{2007}' | '\t' | '\r' => out.push(' '),
        '\u{2010}'..='\u{2015}' | '\u{2212}' | '\u{fe63}' | '\u{ff0d}' => out.push('-'),
        '\u{2019}' | '\u{2018}' | '\u{2bc}' | '\u{b4}' | '`' => out.push('\''),
        '«' | '»' | '“' | '”' => out.push('"'),
        'œ' | 'Œ' => out.extend(['o', 'e']),
        'æ' | 'Æ' => out.extend(['a', 'e']),
        _ => {
            for d in c.to_string().nfd() {
                if !unicode_normalization::char::is_combining_mark(d) {
                    out.extend(d.to_lowercase());
                }
            }
        }
    }
}

/// Folds a phrase the way `Doc` folds its text: trimmed, single spaces.
fn fold_phrase(phrase: &str) -> Vec<char> {
    let mut raw = Vec::new();
    for c in phrase.chars() {
        fold_char(c, &mut raw);
    }
    let mut out: Vec<char> = Vec::with_capacity(raw.len());
    for c in raw {
        if c == ' ' && (out.is_empty() || out.last() == Some(&' ')) {
            continue;
        }
        out.push(c);
    }
    while out.last() == Some(&' ') {
        out.pop();
    }
    out
}

impl<'a> Doc<'a> {
    fn new(file: &'a str, text: &str) -> Self {
        let lines: Vec<Vec<char>> = text
            .split('\n')
            .map(|l| l.strip_suffix('\r').unwrap_or(l).chars().collect())
            .collect();
        let mut folded = Vec::with_capacity(text.len());
        let mut origin = Vec::with_capacity(text.len());
        let mut buf = Vec::new();
        for (li, line) in lines.iter().enumerate() {
            for (ci, &c) in line.iter().enumerate() {
                buf.clear();
                fold_char(c, &mut buf);
                for &f in &buf {
                    if f == ' ' && folded.last().is_some_and(|&p| p == ' ' || p == '\n') {
                        continue;
                    }
                    folded.push(f);
                    origin.push((li, ci));
                }
            }
            folded.push('\n');
            origin.push((li, line.len()));
        }
        Doc {
            file,
            lines,
            folded,
            origin,
        }
    }

    /// Every occurrence of `phrase` as (start, end) positions in the source, end exclusive.
    fn find_all(&self, phrase: &str) -> Vec<Found> {
        let needle = fold_phrase(phrase);
        if needle.is_empty() || needle.len() > self.folded.len() {
            return Vec::new();
        }
        let mut found = Vec::new();
        for i in 0..=self.folded.len() - needle.len() {
            if self.folded[i..i + needle.len()] == needle[..] {
                let start = self.origin[i];
                let (last_line, last_col) = self.origin[i + needle.len() - 1];
                found.push((start, (last_line, last_col + 1)));
            }
        }
        found
    }

    fn text(&self, seg: Segment) -> String {
        self.lines[seg.line][seg.start..seg.end].iter().collect()
    }

    fn location(&self, line: usize, start: usize, end: usize) -> Location {
        Location::Line {
            file: self.file.to_string(),
            line: u32::try_from(line + 1).unwrap_or(u32::MAX),
            span: (
                u32::try_from(start).unwrap_or(u32::MAX),
                u32::try_from(end).unwrap_or(u32::MAX),
            ),
        }
    }

    fn located(&self, line: usize, start: usize, end: usize) -> Located {
        Located {
            text: self.lines[line][start..end].iter().collect(),
            location: self.location(line, start, end),
        }
    }
}

/// The char index after a bullet marker ("•", "-", "1.", "a)") and its spaces, if the line
/// is a bullet.
fn bullet_body(line: &[char]) -> Option<usize> {
    let mut i = line.iter().position(|c| !c.is_whitespace())?;
    let c = line[i];
    if matches!(
        c,
        '•' | '·' | '▪' | '◦' | '‣' | '-' | '–' | '—' | '*' | '○' | '■' | '□'
    ) {
        i += 1;
    } else {
        let digits = line[i..].iter().take_while(|c| c.is_ascii_digit()).count();
        let letter = usize::from(digits == 0 && line[i].is_ascii_lowercase());
        let n = digits + letter;
        if n == 0 || n > 3 || !matches!(line.get(i + n), Some('.' | ')')) {
            return None;
        }
        i += n + 1;
    }
    if !line.get(i).is_some_and(|c| c.is_whitespace()) {
        return None;
    }
    while line.get(i).is_some_and(|c| c.is_whitespace()) {
        i += 1;
    }
    Some(i)
}

/// Extracts one envelope's figures from a text source.
pub fn extract_text(
    source_name: &str,
    text: &str,
    spec: &EnvelopeSpec,
    description: &DescriptionRef<'_>,
) -> Result<Extraction, Error> {
    let doc = Doc::new(source_name, text);
    let mut extraction = Extraction::default();

    let anchor_end = match &spec.anchor {
        Some(anchor) => {
            let found = doc.find_all(anchor);
            let Some(&(_, end)) = found.first() else {
                return Err(Error::extraction(
                    description.at(anchor),
                    format!(
                        "anchor \"{anchor}\" of envelope '{}' is not in {source_name}",
                        spec.id
                    ),
                ));
            };
            Some(end)
        }
        None => None,
    };

    if let Some(declared) = &spec.declared_total {
        let (stated, note) = locate_declared(&doc, declared, anchor_end, spec, description)?;
        extraction.declared_total = Some(stated);
        extraction.notes.extend(note);
    }

    let Some(anchor_end) = anchor_end else {
        extraction.claims = claims_from_phrases(&doc, spec, description)?;
        return Ok(extraction);
    };
    let (segments, list) = section(&doc, anchor_end, spec, description)?;
    if let Some(list) = list {
        read_lines(&doc, anchor_end.0, list, spec, &mut extraction)?;
    }
    let prose = spec.items == ItemLayout::Sentences;
    for seg in &segments {
        let pieces = if prose {
            sentences(&doc, *seg)
        } else {
            vec![*seg]
        };
        for piece in pieces {
            read_piece(&doc, piece, spec, prose, &mut extraction)?;
        }
    }
    if let Some(remainder) = &spec.remainder {
        extraction.remainder = Some(locate_remainder(
            &doc,
            remainder,
            anchor_end,
            spec,
            description,
        )?);
    }
    extraction
        .claims
        .extend(claims_from_phrases(&doc, spec, description)?);
    Ok(extraction)
}

/// The declared total, as written in the description, found in the source: on the
/// anchor's line if it is there, else the last occurrence before the anchor, else the first.
fn locate_declared(
    doc: &Doc<'_>,
    declared: &str,
    anchor_end: Option<(usize, usize)>,
    spec: &EnvelopeSpec,
    description: &DescriptionRef<'_>,
) -> Result<(StatedAmount, Option<Note>), Error> {
    let amount = parse_amount(declared).map_err(|e| {
        Error::extraction(
            description.at(declared),
            format!("declared_total of envelope '{}': {e}", spec.id),
        )
    })?;
    let pick = |found: &[Found]| -> Option<Found> {
        match anchor_end {
            Some((anchor_line, _)) => found
                .iter()
                .find(|(s, _)| s.0 == anchor_line)
                .or_else(|| found.iter().rev().find(|(s, _)| s.0 < anchor_line))
                .or(found.first())
                .copied(),
            None => found.first().copied(),
        }
    };
    if let Some(((line, start), (end_line, end))) = pick(&doc.find_all(declared)) {
        let end = if end_line == line {
            end
        } else {
            doc.lines[line].len()
        };
        let located = doc.located(line, start, end);
        return Ok((
            StatedAmount {
                amount,
                raw: located.text,
                location: located.location,
            },
            None,
        ));
    }
    // Written another way in the source ("75 M€" for "75 millions d'euros"): the figure of
    // the same value, as the source states it.
    let same_value: Vec<(Pos, Pos, Amount)> = doc
        .lines
        .iter()
        .enumerate()
        .flat_map(|(l, chars)| {
            let text: String = chars.iter().collect();
            find_amounts(&text)
                .into_iter()
                .filter(|m| m.amount.value == amount.value)
                .map(move |m| ((l, m.start), (l, m.end), m.amount))
        })
        .collect();
    let spans: Vec<((usize, usize), (usize, usize))> =
        same_value.iter().map(|&(s, e, _)| (s, e)).collect();
    if let Some(((line, start), (_, end))) = pick(&spans) {
        let stated = same_value
            .iter()
            .find(|(s, _, _)| *s == (line, start))
            .map_or(amount, |&(_, _, a)| a);
        let located = doc.located(line, start, end);
        return Ok((
            StatedAmount {
                amount: stated,
                raw: located.text,
                location: located.location,
            },
            None,
        ));
    }
    // Not in the source at all (a total known from another text): kept, located in the
    // description, and said.
    let line = description
        .text
        .find(declared)
        .map_or(0, |o| description.text[..o].matches('\n').count() + 1);
    let location = Location::Line {
        file: description
            .path
            .file_name()
            .map_or_else(String::new, |n| n.to_string_lossy().into_owned()),
        line: u32::try_from(line).unwrap_or(u32::MAX),
        span: (0, 0),
    };
    let note = Note {
        rule: "declared.not_in_source".to_string(),
        severity: Severity::Warning,
        message: format!(
            "declared_total \"{declared}\" of envelope '{}' is not in {}: taken from the description",
            spec.id, doc.file
        ),
        location: location.clone(),
    };
    Ok((
        StatedAmount {
            amount,
            raw: declared.to_string(),
            location,
        },
        Some(note),
    ))
}

fn locate_remainder(
    doc: &Doc<'_>,
    phrase: &str,
    anchor_end: (usize, usize),
    spec: &EnvelopeSpec,
    description: &DescriptionRef<'_>,
) -> Result<Located, Error> {
    let found = doc.find_all(phrase);
    let pick = found
        .iter()
        .find(|(s, _)| *s >= anchor_end)
        .or(found.first());
    match pick {
        Some(&((line, start), (end_line, end))) => {
            let end = if end_line == line {
                end
            } else {
                doc.lines[line].len()
            };
            Ok(doc.located(line, start, end))
        }
        None => Err(Error::extraction(
            description.at(phrase),
            format!(
                "remainder \"{phrase}\" of envelope '{}' is not in {}",
                spec.id, doc.file
            ),
        )),
    }
}

/// The line segments holding the envelope's figures, after the anchor.
fn section(
    doc: &Doc<'_>,
    (line, col): (usize, usize),
    spec: &EnvelopeSpec,
    description: &DescriptionRef<'_>,
) -> Result<(Vec<Segment>, Option<ListBounds>), Error> {
    let until = match &spec.until {
        Some(until) => {
            let found = doc.find_all(until);
            let Some(&(start, _)) = found.iter().find(|(s, _)| *s >= (line, col)) else {
                return Err(Error::extraction(
                    description.at(until),
                    format!(
                        "\"until\" phrase \"{until}\" of envelope '{}' is not after its anchor in {}",
                        spec.id, doc.file
                    ),
                ));
            };
            Some(start)
        }
        None => None,
    };
    let rest_of_line = Segment {
        line,
        start: col,
        end: match until {
            Some((l, c)) if l == line => c,
            _ => doc.lines[line].len(),
        },
    };
    let layout = match spec.items {
        ItemLayout::Auto => {
            if find_amounts(&doc.text(rest_of_line)).is_empty() {
                ItemLayout::Bullets
            } else {
                ItemLayout::Inline
            }
        }
        other => other,
    };
    match (layout, until) {
        (ItemLayout::Bullets | ItemLayout::Table, _) => Ok((
            Vec::new(),
            Some(ListBounds {
                first: line + 1,
                until,
                table: layout == ItemLayout::Table,
            }),
        )),
        // Inline lists and prose run to the end of the anchor's paragraph, or to `until`.
        (_, None) => Ok((vec![rest_of_line], None)),
        (_, Some((until_line, until_col))) => {
            let mut segs = vec![rest_of_line];
            for l in line + 1..=until_line.min(doc.lines.len().saturating_sub(1)) {
                let end = if l == until_line {
                    until_col
                } else {
                    doc.lines[l].len()
                };
                segs.push(Segment {
                    line: l,
                    start: 0,
                    end,
                });
            }
            Ok((segs, None))
        }
    }
}

/// A number written right before a currency unit that `find_amounts` could not read
/// ("2.636.30 euros"): reported, never skipped.
fn malformed_figure(chars: &[char], found: &[AmountMatch]) -> Option<(usize, usize)> {
    const UNITS: [&str; 7] = ["€", "eur", "m€", "k€", "million", "milliard", "md€"];
    let mut i = 0;
    while i < chars.len() {
        if !chars[i].is_ascii_digit() || (i > 0 && chars[i - 1].is_alphanumeric()) {
            i += 1;
            continue;
        }
        let start = i;
        while i < chars.len()
            && (chars[i].is_ascii_digit()
                || matches!(chars[i], ' ' | '\u{a0}' | '\u{202f}' | '.' | ','))
        {
            i += 1;
        }
        let after: String = chars[i..].iter().take(9).collect::<String>().to_lowercase();
        let unit_follows = UNITS.iter().any(|u| after.starts_with(u));
        let covered = found.iter().any(|m| m.start <= start && start < m.end);
        if unit_follows && !covered {
            return Some((start, i));
        }
    }
    None
}

fn malformed_error(
    doc: &Doc<'_>,
    seg: Segment,
    chars: &[char],
    span: (usize, usize),
    spec: &EnvelopeSpec,
) -> Error {
    let raw: String = chars[span.0..].iter().take(span.1 - span.0 + 9).collect();
    let why = match parse_amount(raw.trim()) {
        Err(e) => e.to_string(),
        Ok(_) => "not a figure French texts write".to_string(),
    };
    Error::extraction(
        doc.location(seg.line, seg.start + span.0, seg.start + span.1),
        format!("figure of envelope '{}' cannot be read: {why}", spec.id),
    )
}

/// Where a list of lines starts and may end.
#[derive(Debug, Clone, Copy)]
struct ListBounds {
    first: usize,
    until: Option<(usize, usize)>,
    /// The description says the lines are a table with a header row.
    table: bool,
}

/// A list keeps the style of its first item: once bullets start, a line without a bullet
/// ends the list (or is a heading between groups, when `until` bounds the section).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum ListStyle {
    Bullets,
    Plain,
}

/// What each column of a text table holds, read from its header row.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Columns {
    count: usize,
    label: usize,
    region: Option<usize>,
    amount: usize,
    previous: Option<usize>,
    identifier: Option<usize>,
    scale: Option<Decimal>,
}

fn folded_string(text: &str) -> String {
    fold_phrase(text).into_iter().collect()
}

/// The scale a heading or header states: "(en euros)", "en k€", "en millions d'euros".
fn scale_in(folded: &str) -> Option<Decimal> {
    const THOUSANDS: [&str; 4] = ["k€", "keur", "milliers d'euros", "millier d'euros"];
    const MILLIONS: [&str; 4] = ["m€", "meur", "millions d'euros", "million d'euros"];
    const EUROS: [&str; 5] = ["en euros", "en €", "(€)", "(euros)", "montant €"];
    if THOUSANDS.iter().any(|w| folded.contains(w)) {
        Some(Decimal::ONE_THOUSAND)
    } else if MILLIONS.iter().any(|w| folded.contains(w)) {
        Some(Decimal::from(1_000_000))
    } else if EUROS.iter().any(|w| folded.contains(w)) {
        Some(Decimal::ONE)
    } else {
        None
    }
}

/// Cells of a table line: separated by tabs, "|" or runs of two spaces or more (single
/// spaces, and the no-break spaces inside numbers, belong to the cell).
fn cells(line: &[char], start: usize, end: usize) -> Vec<(usize, usize)> {
    let mut out = Vec::new();
    let mut cell_start = start;
    let mut i = start;
    let push = |s: usize, e: usize, out: &mut Vec<(usize, usize)>| {
        let (mut s, mut e) = (s, e);
        while s < e && line[s].is_whitespace() {
            s += 1;
        }
        while e > s && line[e - 1].is_whitespace() {
            e -= 1;
        }
        if s < e {
            out.push((s, e));
        }
    };
    while i < end {
        let run = if matches!(line[i], '\t' | '|') {
            1
        } else if line[i] == ' ' {
            line[i..end].iter().take_while(|c| **c == ' ').count()
        } else {
            0
        };
        if run == 1 && line[i] == ' ' || run == 0 {
            i += 1;
            continue;
        }
        push(cell_start, i, &mut out);
        i += run;
        cell_start = i;
    }
    push(cell_start, end, &mut out);
    out
}

/// Reads a header row: which column holds the label, the region, the amount (and the old
/// amount of a revision), an identifier. Percentage and comment columns are ignored.
fn header_columns(texts: &[String], breakdown: Breakdown) -> Option<Columns> {
    const IGNORED: [&str; 6] = [
        "%",
        "part ",
        "taux",
        "commentaire",
        "observation",
        "remarque",
    ];
    const AMOUNT: [&str; 10] = [
        "montant",
        "credit",
        "dotation",
        "enveloppe",
        "subvention",
        "allocation",
        "somme",
        "€",
        "euro",
        "financement",
    ];
    const PREVIOUS: [&str; 4] = ["avant", "initial", "ancien", "precedent"];
    const REGION: [&str; 4] = ["region", "ars", "territoire", "agence"];
    const BENEFICIARY: [&str; 8] = [
        "organisme",
        "beneficiaire",
        "porteur",
        "gestionnaire",
        "structure",
        "etablissement",
        "raison sociale",
        "projet",
    ];
    const IDENTIFIER: [&str; 3] = ["finess", "siren", "siret"];
    let has = |t: &str, words: &[&str]| words.iter().any(|w| t.contains(w));
    let kept: Vec<usize> = (0..texts.len())
        .filter(|&i| !has(&texts[i], &IGNORED))
        .collect();
    let amounts: Vec<usize> = kept
        .iter()
        .copied()
        .filter(|&i| has(&texts[i], &AMOUNT) && !has(&texts[i], &IDENTIFIER))
        .collect();
    let previous = amounts.iter().copied().find(|&i| has(&texts[i], &PREVIOUS));
    let amount = if breakdown == Breakdown::Revision {
        amounts
            .iter()
            .copied()
            .rev()
            .find(|&i| Some(i) != previous)?
    } else {
        *amounts.last()?
    };
    let find = |words: &[&str]| {
        kept.iter()
            .copied()
            .find(|&i| i != amount && Some(i) != previous && has(&texts[i], words))
    };
    let region = find(&REGION);
    let identifier = find(&IDENTIFIER);
    let first_text = kept
        .iter()
        .copied()
        .find(|&i| i != amount && Some(i) != previous && Some(i) != identifier);
    let label = match breakdown {
        Breakdown::Region | Breakdown::Revision => region.or(first_text)?,
        Breakdown::Beneficiary => find(&BENEFICIARY).or(first_text)?,
        Breakdown::BudgetLine => first_text?,
    };
    Some(Columns {
        count: texts.len(),
        label,
        region: region.filter(|&r| r != label),
        amount,
        previous: if breakdown == Breakdown::Revision {
            previous
        } else {
            None
        },
        identifier,
        scale: scale_in(&texts[amount]).or_else(|| texts.iter().find_map(|t| scale_in(t))),
    })
}

/// A number standing alone at the end of a line ("Bretagne    2 636 303"), for tables
/// whose header or description gives the unit.
fn trailing_number(chars: &[char]) -> Option<(usize, usize, Decimal)> {
    let mut end = chars.len();
    while end > 0 && (chars[end - 1].is_whitespace() || chars[end - 1] == '|') {
        end -= 1;
    }
    if end == 0 || !chars[end - 1].is_ascii_digit() {
        return None;
    }
    let mut start = end;
    while start > 0
        && (chars[start - 1].is_ascii_digit()
            || matches!(chars[start - 1], ' ' | '\u{a0}' | '\u{202f}' | '.' | ','))
    {
        start -= 1;
    }
    // The longest tail that parses as one French number wins: "84  8 348 102" is the code
    // then the amount, and "84 8 348 102" does not group as one number.
    (start..end)
        .filter(|&s| chars[s].is_ascii_digit() && (s == 0 || !chars[s - 1].is_alphanumeric()))
        .find_map(|s| {
            let text: String = chars[s..end].iter().collect();
            parse_number(&text).ok().map(|n| (s, end, n))
        })
}

/// A bare number in a column or table of known scale: exact in euros, rounded to its last
/// digit when the table counts in thousands or millions.
fn scaled_amount(number: Decimal, scale: Decimal) -> Amount {
    if scale == Decimal::ONE {
        return Amount {
            value: number.round_dp_with_strategy(2, RoundingStrategy::MidpointAwayFromZero),
            precision: Precision::Exact,
            qualifier: Qualifier::Equal,
        };
    }
    Amount {
        value: (number * scale).round_dp_with_strategy(2, RoundingStrategy::MidpointAwayFromZero),
        precision: Precision::Rounded {
            unit: scale / Decimal::from(10u64.pow(number.scale().min(18))),
        },
        qualifier: Qualifier::Equal,
    }
}

fn match_of(chars: &[char], start: usize, end: usize, amount: Amount) -> AmountMatch {
    AmountMatch {
        start,
        end,
        raw: chars[start..end].iter().collect(),
        amount,
    }
}

/// Lines after the anchor: bullets, table rows, "Label : amount" lines. Header rows before
/// the first item give the columns and the unit; a "Total" line gives the total row and
/// ends the list; "Sous-total" lines are skipped.
fn read_lines(
    doc: &Doc<'_>,
    anchor_line: usize,
    bounds: ListBounds,
    spec: &EnvelopeSpec,
    extraction: &mut Extraction,
) -> Result<(), Error> {
    let anchor_text: String = doc.lines[anchor_line].iter().collect();
    let mut scale = spec
        .unit
        .map(Unit::scale)
        .or_else(|| scale_in(&folded_string(&anchor_text)));
    let mut columns: Option<Columns> = None;
    let mut style: Option<ListStyle> = None;
    for l in bounds.first..doc.lines.len() {
        let end = match bounds.until {
            Some((ul, uc)) if ul == l => uc,
            Some((ul, _)) if l > ul => break,
            _ => doc.lines[l].len(),
        };
        let line = &doc.lines[l][..end];
        let Some(first) = line.iter().position(|c| !c.is_whitespace()) else {
            continue;
        };
        let bullet = bullet_body(line);
        if style == Some(ListStyle::Bullets) && bullet.is_none() {
            if bounds.until.is_some() {
                continue;
            }
            break;
        }
        let seg = Segment {
            line: l,
            start: bullet.unwrap_or(first),
            end,
        };
        let chars = &line[seg.start..end];
        let text: String = chars.iter().collect();
        let folded = folded_string(&text);
        let lead = folded.trim_start_matches(|c: char| !c.is_alphanumeric());
        // Rules of a table ("|---|---|") and sub-totals are not items.
        if lead.is_empty() || lead.starts_with("sous-total") || lead.starts_with("sous total") {
            continue;
        }
        let row_cells = cells(&doc.lines[l], seg.start, end);
        if let Some(cols) = columns.as_ref().filter(|c| c.count == row_cells.len()) {
            let item = table_item(doc, l, &row_cells, cols, scale, spec)?;
            if lead.starts_with("total") {
                extraction.total_row = Some(item.amount);
                if bounds.until.is_none() {
                    break;
                }
                continue;
            }
            style.get_or_insert(ListStyle::Plain);
            extraction.items.push(item);
            continue;
        }
        let mut matches = find_amounts(&text);
        if matches.is_empty()
            && let Some(scale) = scale.or(columns.as_ref().and_then(|c| c.scale))
            && let Some((s, e, n)) = trailing_number(chars)
        {
            matches.push(match_of(chars, s, e, scaled_amount(n, scale)));
        }
        if matches.is_empty() {
            if let Some(span) = malformed_figure(chars, &matches) {
                return Err(malformed_error(doc, seg, chars, span, spec));
            }
            // A bullet without a figure inside a list of figures is an item that lost its
            // amount, not the end of the list.
            if style == Some(ListStyle::Bullets)
                && bounds.until.is_none()
                && later_bullet_has_figure(doc, l + 1)
            {
                return Err(Error::extraction(
                    doc.location(l, seg.start, end),
                    format!(
                        "bullet without a figure in the list of envelope '{}': \"{}\" (set `until` to end the list before it)",
                        spec.id,
                        text.trim()
                    ),
                ));
            }
            if style.is_none() {
                // A heading or header row before the first item.
                if row_cells.len() >= 2 || bounds.table {
                    let texts: Vec<String> = row_cells
                        .iter()
                        .map(|&(s, e)| {
                            folded_string(&doc.lines[l][s..e].iter().collect::<String>())
                        })
                        .collect();
                    columns = header_columns(&texts, spec.breakdown).or(columns);
                }
                scale = scale.or_else(|| scale_in(&folded));
                continue;
            }
            if bounds.until.is_some() {
                continue;
            }
            break;
        }
        if lead.starts_with("total") {
            let m = &matches[matches.len() - 1];
            extraction.total_row = Some(StatedAmount {
                amount: m.amount,
                raw: m.raw.clone(),
                location: doc.location(l, seg.start + m.start, seg.start + m.end),
            });
            if bounds.until.is_none() {
                break;
            }
            continue;
        }
        style.get_or_insert(if bullet.is_some() {
            ListStyle::Bullets
        } else {
            ListStyle::Plain
        });
        read_figures(doc, seg, matches, spec, false, extraction)?;
    }
    Ok(())
}

/// Whether a bullet with a figure follows in the same run of bullets.
fn later_bullet_has_figure(doc: &Doc<'_>, from: usize) -> bool {
    for line in &doc.lines[from.min(doc.lines.len())..] {
        if line.iter().all(|c| c.is_whitespace()) {
            continue;
        }
        let Some(body) = bullet_body(line) else {
            return false;
        };
        let text: String = line[body..].iter().collect();
        if !find_amounts(&text).is_empty() {
            return true;
        }
    }
    false
}

/// One row of a text table with a header.
fn table_item(
    doc: &Doc<'_>,
    line: usize,
    row: &[(usize, usize)],
    cols: &Columns,
    scale: Option<Decimal>,
    spec: &EnvelopeSpec,
) -> Result<RawItem, Error> {
    let at = |i: usize| doc.located(line, row[i].0, row[i].1);
    let amount_in = |i: usize| -> Result<StatedAmount, Error> {
        let cell = at(i);
        let amount = match parse_amount(&cell.text) {
            Ok(a) => a,
            Err(_) => {
                let number =
                    parse_number(cell.text.trim_end_matches(['€', ' ']).trim()).map_err(|e| {
                        Error::extraction(
                            &cell.location,
                            format!("amount of envelope '{}' in column {}: {e}", spec.id, i + 1),
                        )
                    })?;
                scaled_amount(number, cols.scale.or(scale).unwrap_or(Decimal::ONE))
            }
        };
        Ok(StatedAmount {
            amount,
            raw: cell.text,
            location: cell.location,
        })
    };
    Ok(RawItem {
        label: at(cols.label),
        region_hint: cols.region.map(at),
        identifier: cols.identifier.map(at),
        amount: amount_in(cols.amount)?,
        previous: cols.previous.map(amount_in).transpose()?,
    })
}

/// Splits a segment into sentences: at ".", "!", "?" followed by a space or the end, but
/// not inside numbers ("8.348.102") nor after a one-letter abbreviation.
fn sentences(doc: &Doc<'_>, seg: Segment) -> Vec<Segment> {
    let line = &doc.lines[seg.line];
    let mut out = Vec::new();
    let mut start = seg.start;
    let mut i = seg.start;
    while i < seg.end {
        let c = line[i];
        let next_is_space = i + 1 >= seg.end || line[i + 1].is_whitespace();
        if matches!(c, '.' | '!' | '?') && next_is_space {
            out.push(Segment {
                line: seg.line,
                start,
                end: i + 1,
            });
            start = i + 1;
        }
        i += 1;
    }
    if line[start..seg.end].iter().any(|c| c.is_alphanumeric()) {
        out.push(Segment {
            line: seg.line,
            start,
            end: seg.end,
        });
    }
    out
}

/// Separator strength between two figures: ";" > "," > " et ". Returns the char index
/// (relative to `between`) where the next item starts.
fn split_point(between: &[char]) -> Option<usize> {
    let mut depth: i32 = 0;
    let mut best: [Option<usize>; 3] = [None; 3];
    for (i, &c) in between.iter().enumerate() {
        match c {
            '(' | '[' | '«' => depth += 1,
            ')' | ']' | '»' => depth = (depth - 1).max(0),
            ';' if depth == 0 => best[0] = Some(i + 1),
            ',' if depth == 0 => best[1] = Some(i + 1),
            ' ' if depth == 0 && between.get(i + 1..i + 4) == Some(&['e', 't', ' '][..]) => {
                best[2] = Some(i + 4)
            }
            _ => {}
        }
    }
    best.into_iter().flatten().next()
}

/// Reads one piece (a bullet, an inline list, a sentence) into items or claims.
fn read_piece(
    doc: &Doc<'_>,
    piece: Segment,
    spec: &EnvelopeSpec,
    prose: bool,
    extraction: &mut Extraction,
) -> Result<(), Error> {
    let chars = &doc.lines[piece.line][piece.start..piece.end];
    let text: String = chars.iter().collect();
    let matches = find_amounts(&text);
    read_figures(doc, piece, matches, spec, prose, extraction)
}

/// Reads a piece whose figures are already found.
fn read_figures(
    doc: &Doc<'_>,
    piece: Segment,
    matches: Vec<AmountMatch>,
    spec: &EnvelopeSpec,
    prose: bool,
    extraction: &mut Extraction,
) -> Result<(), Error> {
    let chars = &doc.lines[piece.line][piece.start..piece.end];
    let text: String = chars.iter().collect();
    if let Some(span) = malformed_figure(chars, &matches) {
        return Err(malformed_error(doc, piece, chars, span, spec));
    }
    let per_item = if spec.breakdown == Breakdown::Revision {
        2
    } else {
        1
    };
    // Prose about a region or beneficiary breakdown restates figures: claims, not items.
    let claims_only = prose && spec.breakdown != Breakdown::BudgetLine;
    if claims_only {
        read_prose_claims(
            doc,
            piece,
            chars,
            &matches,
            spec.breakdown == Breakdown::Region,
            extraction,
        );
        return Ok(());
    }
    if matches.is_empty() {
        if !prose {
            return Err(Error::extraction(
                doc.location(piece.line, piece.start, piece.end),
                format!(
                    "no figure in this item of envelope '{}': \"{}\"",
                    spec.id,
                    text.trim()
                ),
            ));
        }
        return Ok(());
    }
    if !matches.len().is_multiple_of(per_item) {
        return Err(Error::extraction(
            doc.location(piece.line, piece.start, piece.end),
            format!(
                "a revision item needs two figures (\"de X à Y\"), found {}: \"{}\"",
                matches.len(),
                text.trim()
            ),
        ));
    }
    let groups: Vec<&[AmountMatch]> = matches.chunks(per_item).collect();
    let bounds = item_bounds(chars, &groups);
    for (group, (start, end)) in groups.iter().zip(bounds) {
        let item = build_item(doc, piece, start, end, group, spec.breakdown);
        extraction.items.push(item);
    }
    Ok(())
}

/// Cuts a piece into one char range per group of figures.
fn item_bounds(chars: &[char], groups: &[&[AmountMatch]]) -> Vec<(usize, usize)> {
    let mut bounds = Vec::with_capacity(groups.len());
    let mut start = 0;
    for k in 0..groups.len() {
        let end = match groups.get(k + 1) {
            Some(next) => {
                let from = groups[k].last().map_or(0, |m| m.end);
                let to = next.first().map_or(from, |m| m.start);
                from + split_point(&chars[from..to]).unwrap_or(to - from)
            }
            None => chars.len(),
        };
        bounds.push((start, end));
        start = end;
    }
    bounds
}

fn is_label_noise(c: char) -> bool {
    c.is_whitespace()
        || matches!(
            c,
            ',' | ';' | ':' | '.' | '-' | '–' | '—' | '•' | '·' | '*' | '(' | ')'
        )
}

/// Words that join a label to its figure and belong to neither.
const EDGE_WORDS: [&str; 9] = [
    "de", "d'", "à", "pour", "soit", "et", "puis", "enfin", "dont",
];

/// Trims punctuation and joining words from both ends of `range` of `chars`.
fn trim_label(chars: &[char], mut start: usize, mut end: usize) -> (usize, usize) {
    loop {
        let before = (start, end);
        while start < end && is_label_noise(chars[start]) {
            start += 1;
        }
        while end > start && is_label_noise(chars[end - 1]) {
            end -= 1;
        }
        let text: String = chars[start..end].iter().collect();
        for word in EDGE_WORDS {
            let n = word.chars().count();
            if text.ends_with(&format!(" {word}")) {
                end -= n + 1;
            } else if text.starts_with(&format!("{word} ")) {
                start += n + 1;
            }
        }
        if (start, end) == before {
            return (start, end);
        }
    }
}

/// The parenthesis group around `[from, to)` within `[lo, hi)`, if any.
fn enclosing_parens(
    chars: &[char],
    lo: usize,
    hi: usize,
    from: usize,
    to: usize,
) -> Option<(usize, usize)> {
    let mut depth = 0;
    let mut open = None;
    for i in (lo..from).rev() {
        match chars[i] {
            ')' => depth += 1,
            '(' if depth == 0 => {
                open = Some(i);
                break;
            }
            '(' => depth -= 1,
            _ => {}
        }
    }
    let open = open?;
    let close = (to..hi).find(|&i| chars[i] == ')')?;
    Some((open, close + 1))
}

fn build_item(
    doc: &Doc<'_>,
    piece: Segment,
    start: usize,
    end: usize,
    group: &[AmountMatch],
    breakdown: Breakdown,
) -> RawItem {
    let chars = &doc.lines[piece.line][piece.start..piece.end];
    let at = |s: usize, e: usize| doc.located(piece.line, piece.start + s, piece.start + e);
    let stated = |m: &AmountMatch| StatedAmount {
        amount: m.amount,
        raw: m.raw.clone(),
        location: doc.location(piece.line, piece.start + m.start, piece.start + m.end),
    };
    let first = &group[0];
    let last = &group[group.len() - 1];
    let (amount, previous) = match group {
        [old, new] => (stated(new), Some(stated(old))),
        _ => (stated(first), None),
    };

    // A figure in parentheses shares them with its region: "(Île-de-France, 406 472 euros)".
    let mut region_hint = None;
    let (cut_start, cut_end) = match enclosing_parens(chars, start, end, first.start, last.end) {
        Some((open, close)) => {
            let inner_parts = split_top_level(chars, open + 1, close - 1);
            for (s, e) in inner_parts {
                let overlaps_figure = s < last.end && first.start < e;
                let (s, e) = trim_label(chars, s, e);
                if !overlaps_figure && s < e && chars[s..e].iter().any(|c| c.is_alphabetic()) {
                    region_hint = Some(at(s, e));
                    break;
                }
            }
            (open, close)
        }
        None => (first.start, last.end),
    };

    let label = if breakdown == Breakdown::BudgetLine {
        let (s, e) = trim_label(chars, start, end);
        at(s, e)
    } else {
        // The label is what stands outside the figure, before it if anything does.
        let (bs, be) = trim_label(chars, start, cut_start);
        let (as_, ae) = trim_label(chars, cut_end, end);
        if bs < be { at(bs, be) } else { at(as_, ae) }
    };
    RawItem {
        label,
        region_hint,
        identifier: None,
        amount,
        previous,
    }
}

/// Comma-separated parts of `[lo, hi)` at parenthesis depth 0, keeping decimal commas.
fn split_top_level(chars: &[char], lo: usize, hi: usize) -> Vec<(usize, usize)> {
    let mut parts = Vec::new();
    let mut depth = 0;
    let mut start = lo;
    for i in lo..hi {
        match chars[i] {
            '(' => depth += 1,
            ')' => depth -= 1,
            ',' | ';'
                if depth == 0
                    && !(i > lo
                        && chars[i - 1].is_ascii_digit()
                        && chars.get(i + 1).is_some_and(|c| c.is_ascii_digit())) =>
            {
                parts.push((start, i));
                start = i + 1;
            }
            _ => {}
        }
    }
    parts.push((start, hi));
    parts
}

/// Prose about a region or beneficiary breakdown: every figure is a claim (the region is
/// the nearest one named before it in the sentence, else after it), and so is every count
/// of projects.
fn read_prose_claims(
    doc: &Doc<'_>,
    piece: Segment,
    chars: &[char],
    matches: &[AmountMatch],
    region_items: bool,
    extraction: &mut Extraction,
) {
    let text: String = chars.iter().collect();
    let regions = find_regions(&text);
    let at = |s: usize, e: usize| doc.located(piece.line, piece.start + s, piece.start + e);
    let region_near = |pos: usize| {
        regions
            .iter()
            .rev()
            .find(|(_, e, _)| *e <= pos)
            .or_else(|| regions.iter().find(|(s, _, _)| *s >= pos))
            .map(|&(s, e, _)| at(s, e))
    };
    for (k, m) in matches.iter().enumerate() {
        // The context runs from the previous figure to the next: beneficiaries are named on
        // either side of their figure in French prose.
        let from = if k == 0 { 0 } else { matches[k - 1].end };
        let to = matches.get(k + 1).map_or(chars.len(), |n| n.start);
        let (s, e) = trim_label(chars, from, to);
        let amount = StatedAmount {
            amount: m.amount,
            raw: m.raw.clone(),
            location: doc.location(piece.line, piece.start + m.start, piece.start + m.end),
        };
        let region = region_near(m.start);
        let aggregate = is_aggregate(chars, m);
        // A regional split told in prose ("L'ARS Bretagne reçoit 500 000 €.") gives items:
        // the region named is the label. Beneficiaries cannot be told apart from prose,
        // so their figures stay claims, checked against a list.
        if region_items
            && !aggregate
            && let Some(label) = region
        {
            extraction.items.push(RawItem {
                label,
                region_hint: None,
                identifier: None,
                amount,
                previous: None,
            });
            continue;
        }
        extraction.claims.push(Claim {
            kind: ClaimKind::Money { amount },
            region,
            context: at(s, e),
            aggregate,
        });
    }
    for (s, e, count) in find_counts(chars) {
        // "trois projets franciliens": the adjective names the region; otherwise the
        // sentence's region, if it names one.
        let adjective_region = regions
            .iter()
            .find(|(rs, _, _)| *rs >= e && *rs <= e + 1)
            .map(|&(rs, re, _)| at(rs, re));
        extraction.claims.push(Claim {
            kind: ClaimKind::Count { count },
            region: adjective_region.or_else(|| region_near(s)),
            context: at(0, chars.len()),
            aggregate: true,
        });
    }
}

/// Words right after a figure, or right before it, that make it an aggregate rather than
/// one line: "5,3 millions d'euros au total", "la répartition des 12,2 millions d'euros".
fn is_aggregate(chars: &[char], m: &AmountMatch) -> bool {
    let after: String = chars[m.end.min(chars.len())..]
        .iter()
        .take(24)
        .collect::<String>()
        .to_lowercase();
    let before: String = chars[..m.start.min(chars.len())]
        .iter()
        .collect::<String>()
        .to_lowercase();
    let before = before.trim_end();
    after.contains("total")
        || after.contains("en tout")
        || before.ends_with(" des")
        || before.ends_with(" les")
        || before.ends_with("total de")
        || before.ends_with("total,")
}

/// Counts of projects: "10 projets", "trois projets", "Trois projets franciliens".
/// Returns (start, end of the word "projets", count).
fn find_counts(chars: &[char]) -> Vec<(usize, usize, u32)> {
    let mut words: Vec<(usize, usize)> = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        if chars[i].is_alphanumeric() {
            let s = i;
            while i < chars.len() && (chars[i].is_alphanumeric() || chars[i] == '-') {
                i += 1;
            }
            words.push((s, i));
        } else {
            i += 1;
        }
    }
    let word = |(s, e): (usize, usize)| chars[s..e].iter().collect::<String>().to_lowercase();
    let mut out = Vec::new();
    for pair in words.windows(2) {
        let noun = word(pair[1]);
        if noun != "projets" && noun != "projet" {
            continue;
        }
        let first = word(pair[0]);
        // "un projet" is an article more often than a count: counting starts at two.
        let count = first
            .parse::<u32>()
            .ok()
            .or_else(|| number_word(&first).filter(|&n| n >= 2));
        if let Some(count) = count {
            out.push((pair[0].0, pair[1].1, count));
        }
    }
    out
}

/// Claims made by the sentences holding the description's `claims` phrases.
fn claims_from_phrases(
    doc: &Doc<'_>,
    spec: &EnvelopeSpec,
    description: &DescriptionRef<'_>,
) -> Result<Vec<Claim>, Error> {
    let mut extraction = Extraction::default();
    for phrase in &spec.claims {
        let found = doc.find_all(phrase);
        let Some(&((line, col), _)) = found.first() else {
            return Err(Error::extraction(
                description.at(phrase),
                format!(
                    "claim \"{phrase}\" of envelope '{}' is not in {}",
                    spec.id, doc.file
                ),
            ));
        };
        let whole = Segment {
            line,
            start: 0,
            end: doc.lines[line].len(),
        };
        let sentence = sentences(doc, whole)
            .into_iter()
            .find(|s| s.start <= col && col < s.end)
            .unwrap_or(whole);
        let chars = &doc.lines[line][sentence.start..sentence.end];
        let text: String = chars.iter().collect();
        let matches = find_amounts(&text);
        // Phrases named as claims stay claims, whatever the breakdown.
        read_prose_claims(doc, sentence, chars, &matches, false, &mut extraction);
    }
    Ok(extraction.claims)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bullet_markers() {
        let b = |s: &str| bullet_body(&s.chars().collect::<Vec<_>>());
        assert_eq!(b("  • Bretagne: 1 euros"), Some(4));
        assert_eq!(b("- Corse, de 1 euros à 2 euros"), Some(2));
        assert_eq!(b("12. Corse"), Some(4));
        assert_eq!(b("a) Corse"), Some(3));
        assert_eq!(b("Corse"), None);
        assert_eq!(b("-5 euros"), None);
        assert_eq!(b("2021. Année"), None);
    }

    #[test]
    fn strongest_separator_wins() {
        let c = |s: &str| s.chars().collect::<Vec<_>>();
        // "Partage et Vie" keeps its "et" because a comma stands before it.
        assert_eq!(
            split_point(&c(" euros), Fondation Partage et Vie (")),
            Some(8)
        );
        assert_eq!(split_point(&c(" d'euros pour le soutien et ")), Some(28));
        assert_eq!(split_point(&c(" € à Groupe SOS; de ")), Some(16));
        assert_eq!(split_point(&c(" (Île-de-France, ")), None);
    }

    #[test]
    fn folding_ignores_case_accents_apostrophes_and_spacing() {
        let doc = Doc::new(
            "f.txt",
            "Les 75 millions d’euros  de crédits\nÎLE-DE-FRANCE",
        );
        assert_eq!(doc.find_all("75 millions d'euros").len(), 1);
        assert_eq!(doc.find_all("ile de-france"), vec![]);
        assert_eq!(doc.find_all("ile-de-france"), vec![((1, 0), (1, 13))]);
    }

    #[test]
    fn counts_of_projects() {
        let c: Vec<char> = "Trois projets franciliens et 10 projets lauréats, puis un projet"
            .chars()
            .collect();
        let counts: Vec<u32> = find_counts(&c).into_iter().map(|(_, _, n)| n).collect();
        assert_eq!(counts, vec![3, 10]);
    }
}
