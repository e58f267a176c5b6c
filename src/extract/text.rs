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
use crate::region::{find_regions, normalise_region};
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

/// Text cut from the document, over one line or several lines joined by a space (a
/// bullet or a paragraph wrapped by a PDF export), with where each char comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Piece {
    chars: Vec<char>,
    origin: Vec<Pos>,
}

impl Piece {
    fn of_line(doc: &Doc<'_>, line: usize, start: usize, end: usize) -> Piece {
        let end = end.min(doc.lines[line].len());
        let start = start.min(end);
        Piece {
            chars: doc.lines[line][start..end].to_vec(),
            origin: (start..end).map(|c| (line, c)).collect(),
        }
    }

    /// Parts joined by one space, which stands where the earlier part ends.
    fn join(parts: Vec<Piece>) -> Piece {
        let mut out = Piece {
            chars: Vec::new(),
            origin: Vec::new(),
        };
        for part in parts {
            if part.chars.is_empty() {
                continue;
            }
            if let Some(&(line, col)) = out.origin.last() {
                out.chars.push(' ');
                out.origin.push((line, col + 1));
            }
            out.chars.extend(part.chars);
            out.origin.extend(part.origin);
        }
        out
    }

    fn slice(&self, start: usize, end: usize) -> Piece {
        Piece {
            chars: self.chars[start..end].to_vec(),
            origin: self.origin[start..end].to_vec(),
        }
    }

    fn text(&self) -> String {
        self.chars.iter().collect()
    }
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
                    if f == ' ' && folded.last() == Some(&' ') {
                        continue;
                    }
                    folded.push(f);
                    origin.push((li, ci));
                }
            }
            // A line break is a space: phrases wrap in PDF exports.
            if folded.last() != Some(&' ') {
                folded.push(' ');
                origin.push((li, line.len()));
            }
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

    /// Where chars `start..end` of a piece stand: the line of the first char, up to the end
    /// of that line when the range runs over a line break.
    fn loc(&self, piece: &Piece, start: usize, end: usize) -> Location {
        let Some(&(line, first)) = piece.origin.get(start).or(piece.origin.last()) else {
            return self.location(0, 0, 0);
        };
        let last = if end > start {
            piece.origin.get(end - 1).copied()
        } else {
            None
        };
        let end_col = match last {
            Some((l, c)) if l == line => c + 1,
            Some(_) => self.lines[line].len(),
            None => first,
        };
        self.location(line, first, end_col)
    }

    fn lcd(&self, piece: &Piece, start: usize, end: usize) -> Located {
        Located {
            text: piece.chars[start.min(end)..end].iter().collect(),
            location: self.loc(piece, start, end),
        }
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
        // "1.", "a)", and the BO's ordinals "1°", "10°".
        if n == 0 || n > 3 || !matches!(line.get(i + n), Some('.' | ')' | '°')) {
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
            // "ANNEXE" is also in "figurant en annexe": a line that begins with the anchor
            // (a heading) wins over a mention in running text.
            let heading = found.iter().find(|((line, col), _)| {
                doc.lines[*line][..*col]
                    .iter()
                    .all(|c| c.is_whitespace() || !c.is_alphanumeric())
            });
            let Some(&(_, end)) = heading.or(found.first()) else {
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
        // "de 66 400 000 € à 66 500 000 €": a revision that changes the total as well.
        let pair = find_amounts(declared);
        let changed_total = parse_amount(declared).is_err() && pair.len() == 2;
        if changed_total {
            let (before, note) =
                locate_declared(&doc, &pair[0].raw, anchor_end, spec, description)?;
            extraction.declared_before = Some(before);
            extraction.notes.extend(note);
        }
        let after = if changed_total {
            pair[1].raw.as_str()
        } else {
            declared.as_str()
        };
        let (stated, note) = locate_declared(&doc, after, anchor_end, spec, description)?;
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
    for paragraph in &segments {
        let pieces = if prose {
            sentences(paragraph)
        } else {
            vec![paragraph.clone()]
        };
        for piece in &pieces {
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
    if extraction.items.is_empty() && extraction.claims.is_empty() {
        let (line, col) = anchor_end;
        extraction.notes.push(Note {
            rule: "extraction.empty".to_string(),
            severity: Severity::Error,
            message: format!(
                "no figure after the anchor of envelope '{}': check `anchor`, `until` and `items`",
                spec.id
            ),
            location: doc.location(line, col.saturating_sub(1), col),
        });
    }
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
    let stated_at = |line: usize, start: usize, end: usize, amount: Amount| {
        let located = doc.located(line, start, end);
        StatedAmount {
            amount,
            raw: located.text,
            location: located.location,
        }
    };
    if let Some(((line, start), (end_line, end))) = pick(&doc.find_all(declared)) {
        let end = if end_line == line {
            end
        } else {
            doc.lines[line].len()
        };
        return Ok((stated_at(line, start, end, amount), None));
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
        return Ok((stated_at(line, start, end, stated), None));
    }
    // A table's total line without a unit ("Total	38 498 000" under a "(en euros)"
    // header): the same number, written alone.
    let bare: Vec<Found> = doc
        .lines
        .iter()
        .enumerate()
        .flat_map(|(l, chars)| {
            bare_numbers(chars)
                .into_iter()
                .filter(|&(_, _, n)| n == amount.value)
                .map(move |(s, e, _)| ((l, s), (l, e)))
        })
        .collect();
    if let Some(((line, start), (_, end))) = pick(&bare) {
        return Ok((stated_at(line, start, end, amount), None));
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
) -> Result<(Vec<Piece>, Option<ListBounds>), Error> {
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
    let end_of = |l: usize| match until {
        Some((ul, uc)) if ul == l => uc,
        _ => doc.lines[l].len(),
    };
    let rest_of_line = Piece::of_line(doc, line, col, end_of(line));
    let layout = match spec.items {
        // Inline when the anchor's sentence goes on with figures, even wrapped onto the next
        // lines ("… entre les régions : Auvergne-Rhône-Alpes (1 200" / "000 euros), …").
        ItemLayout::Auto => {
            let goes_on = rest_of_line.chars.iter().any(|c| c.is_alphanumeric());
            // (wrapped_lines only follows a line that breaks off mid-sentence)
            let paragraph = Piece::join(
                std::iter::once(rest_of_line.clone())
                    .chain(wrapped_lines(doc, &rest_of_line, line + 1, until))
                    .collect(),
            );
            if goes_on && !find_amounts(&paragraph.text()).is_empty() {
                ItemLayout::Inline
            } else {
                ItemLayout::Bullets
            }
        }
        other => other,
    };
    if matches!(layout, ItemLayout::Bullets | ItemLayout::Table) {
        return Ok((
            Vec::new(),
            Some(ListBounds {
                first: line + 1,
                until,
                table: layout == ItemLayout::Table,
            }),
        ));
    }
    // Inline lists and prose: paragraphs from the anchor. With `until`, every line up to
    // it, blank lines separating paragraphs; without, the anchor's paragraph, wrapped
    // lines included, up to the line that ends its sentence.
    let last = match until {
        Some((ul, _)) => ul.min(doc.lines.len().saturating_sub(1)),
        None => doc.lines.len().saturating_sub(1),
    };
    if until.is_none() {
        let mut parts = vec![rest_of_line.clone()];
        parts.extend(wrapped_lines(doc, &rest_of_line, line + 1, None));
        return Ok((vec![Piece::join(parts)], None));
    }
    let mut paragraphs = Vec::new();
    let mut current = vec![rest_of_line];
    for l in line + 1..=last {
        if doc.lines[l].iter().all(|c| c.is_whitespace()) {
            paragraphs.push(Piece::join(std::mem::take(&mut current)));
            continue;
        }
        current.push(Piece::of_line(doc, l, 0, end_of(l)));
    }
    paragraphs.push(Piece::join(current));
    paragraphs.retain(|p| !p.chars.is_empty());
    Ok((paragraphs, None))
}

/// Whether a line ending with `last` breaks off mid-sentence (a PDF wrap): after a comma,
/// a digit or a lower-case word, yes; after ":", ")", a full stop or a heading in capitals,
/// no.
fn is_open(last: Option<char>) -> bool {
    last.is_some_and(|c| {
        matches!(c, ',' | ';' | '(' | '–' | '-') || c.is_ascii_digit() || c.is_lowercase()
    })
}

/// The lines after `first` that continue its sentence (a paragraph wrapped by a PDF export):
/// up to the line that ends the sentence, a blank line or a bullet.
fn wrapped_lines(doc: &Doc<'_>, first: &Piece, from: usize, until: Option<Pos>) -> Vec<Piece> {
    let mut out = Vec::new();
    let mut last_char = first
        .chars
        .iter()
        .rev()
        .find(|c| !c.is_whitespace())
        .copied();
    for l in from..doc.lines.len() {
        if until.is_some_and(|(ul, _)| l > ul) {
            break;
        }
        let line = &doc.lines[l];
        let blank = line.iter().all(|c| c.is_whitespace());
        if !is_open(last_char) || blank || bullet_body(line).is_some() {
            break;
        }
        let end = match until {
            Some((ul, uc)) if ul == l => uc,
            _ => line.len(),
        };
        let piece = Piece::of_line(doc, l, 0, end);
        last_char = piece
            .chars
            .iter()
            .rev()
            .find(|c| !c.is_whitespace())
            .copied();
        out.push(piece);
    }
    out
}

/// A number written right before a currency unit that `find_amounts` could not read
/// ("2.636.30 euros"): reported, never skipped.
fn malformed_figure(chars: &[char], found: &[AmountMatch]) -> Option<(usize, usize)> {
    const UNITS: [&str; 7] = ["€", "eur", "m€", "k€", "million", "milliard", "md€"];
    number_runs(chars).into_iter().find(|&(start, end)| {
        let after: String = chars[end..]
            .iter()
            .take(9)
            .collect::<String>()
            .to_lowercase();
        let unit_follows = UNITS.iter().any(|u| after.starts_with(u));
        let covered = found.iter().any(|m| m.start <= start && start < m.end);
        unit_follows && !covered
    })
}

/// Runs of digits and French group or decimal separators, each starting a word:
/// (start, end) where a number may be written.
fn number_runs(chars: &[char]) -> Vec<(usize, usize)> {
    let mut out = Vec::new();
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
        out.push((start, i));
    }
    out
}

fn malformed_error(
    doc: &Doc<'_>,
    piece: &Piece,
    span: (usize, usize),
    spec: &EnvelopeSpec,
) -> Error {
    let raw: String = piece.chars[span.0..]
        .iter()
        .take(span.1 - span.0 + 9)
        .collect();
    let why = match parse_amount(raw.trim()) {
        Err(e) => e.to_string(),
        Ok(_) => "not a figure French texts write".to_string(),
    };
    Error::extraction(
        doc.loc(piece, span.0, span.1),
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
fn header_columns(texts: &[String], breakdown: Breakdown, exercise: i32) -> Option<Columns> {
    // Shares, comments, and the differences of a revision table are not amounts.
    const IGNORED: [&str; 11] = [
        "%",
        "part ",
        "taux",
        "commentaire",
        "observation",
        "remarque",
        "ecart",
        "variation",
        "evolution",
        "difference",
        "delta",
    ];
    const NEW: [&str; 7] = [
        "apres",
        "modifi",
        "nouveau",
        "revis",
        "definitif",
        "rectifi",
        "corrig",
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
    // "Région | 2023 | 2024": a column named by the envelope's exercise holds its amounts.
    let year = exercise.to_string();
    let amounts: Vec<usize> = kept
        .iter()
        .copied()
        .filter(|&i| {
            (has(&texts[i], &AMOUNT) || texts[i].contains(&year)) && !has(&texts[i], &IDENTIFIER)
        })
        .collect();
    let of_exercise = amounts.iter().copied().find(|&i| texts[i].contains(&year));
    let previous = amounts.iter().copied().find(|&i| has(&texts[i], &PREVIOUS));
    let amount = if breakdown == Breakdown::Revision {
        amounts
            .iter()
            .copied()
            .find(|&i| Some(i) != previous && has(&texts[i], &NEW))
            .or_else(|| amounts.iter().copied().rev().find(|&i| Some(i) != previous))?
    } else {
        of_exercise.or_else(|| amounts.last().copied())?
    };
    let find = |words: &[&str]| {
        kept.iter()
            .copied()
            .find(|&i| i != amount && Some(i) != previous && has(&texts[i], words))
    };
    // A "Code région" column beside the region's name: the name is the label (codes are
    // the first thing mistyped, and the name is what a reader checks).
    let region = kept
        .iter()
        .copied()
        .find(|&i| {
            i != amount
                && Some(i) != previous
                && has(&texts[i], &REGION)
                && !texts[i].contains("code")
        })
        .or_else(|| find(&REGION));
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

/// Every number written alone in a line, French-grouped ("38 498 000", "1.234.567,89").
fn bare_numbers(chars: &[char]) -> Vec<(usize, usize, Decimal)> {
    number_runs(chars)
        .into_iter()
        .filter_map(|(start, run_end)| {
            let mut end = run_end;
            while end > start && !chars[end - 1].is_ascii_digit() {
                end -= 1;
            }
            let text: String = chars[start..end].iter().collect();
            parse_number(&text).ok().map(|n| (start, end, n))
        })
        .collect()
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
        value: (number * scale)
            .round_dp_with_strategy(2, RoundingStrategy::MidpointAwayFromZero)
            .normalize(),
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
        .or_else(|| scale_in(&folded_string(&anchor_text)))
        .or_else(|| stated_unit_near(doc, bounds));
    let mut columns: Option<Columns> = None;
    let mut style: Option<ListStyle> = None;
    let mut subtotal = Subtotal::default();
    let last = match bounds.until {
        Some((ul, _)) => ul.min(doc.lines.len().saturating_sub(1)),
        None => doc.lines.len().saturating_sub(1),
    };
    let end_of = |l: usize| match bounds.until {
        Some((ul, uc)) if ul == l => uc,
        _ => doc.lines[l].len(),
    };
    let mut l = bounds.first;
    while l <= last && l < doc.lines.len() {
        let end = end_of(l);
        let line = &doc.lines[l][..end];
        let this = l;
        l += 1;
        let Some(first) = line.iter().position(|c| !c.is_whitespace()) else {
            // A blank line ends a plain list or table, unless the next line is one of its
            // rows (bullets may be spaced out; they end on a line without a bullet).
            if style == Some(ListStyle::Plain)
                && bounds.until.is_none()
                && !next_row_has_figure(doc, l, last, columns.as_ref(), scale)
            {
                break;
            }
            continue;
        };
        let bullet = bullet_body(line);
        if style == Some(ListStyle::Bullets) && bullet.is_none() {
            // "soit un total de 38 498 000 euros." closing a list of bullets.
            let text: String = line[first..].iter().collect();
            let lead = folded_string(&text);
            let label: String = lead.chars().take_while(|c| !c.is_ascii_digit()).collect();
            let found = find_amounts(&text);
            if total_kind(label.trim_end_matches(|c: char| !c.is_alphanumeric()))
                == Some(TotalKind::Grand)
                && let Some(m) = found.last()
            {
                let piece = Piece::of_line(doc, this, first, end);
                extraction.total_row = Some(StatedAmount {
                    amount: m.amount,
                    raw: m.raw.clone(),
                    location: doc.loc(&piece, m.start, m.end),
                });
            }
            if bounds.until.is_some() {
                continue;
            }
            break;
        }
        // A bullet wrapped over several lines: the next lines belong to it while they are
        // indented, or while it has not ended with ";" or "." and they start in lower case.
        let mut parts = vec![Piece::of_line(doc, this, bullet.unwrap_or(first), end)];
        if bullet.is_some() {
            while l <= last && l < doc.lines.len() && is_continuation(doc, &parts, l) {
                let next_end = end_of(l);
                let indent = doc.lines[l]
                    .iter()
                    .take_while(|c| c.is_whitespace())
                    .count();
                parts.push(Piece::of_line(doc, l, indent, next_end));
                l += 1;
            }
        }
        let piece = Piece::join(parts);
        let chars = &piece.chars;
        let text = piece.text();
        let folded = folded_string(&text);
        let lead = folded.trim_start_matches(|c: char| !c.is_alphanumeric());
        let label_words: String = lead.chars().take_while(|c| !c.is_ascii_digit()).collect();
        let label_words = label_words.trim_end_matches(|c: char| !c.is_alphanumeric());
        // Rules of a table ("|---|---|") are not items.
        if lead.is_empty() {
            continue;
        }
        let total = total_kind(label_words);
        let row_cells = cells(
            &doc.lines[this],
            piece.origin.first().map_or(first, |o| o.1),
            end,
        );
        if let Some(cols) = columns.as_ref().filter(|c| c.count == row_cells.len()) {
            let item = table_item(doc, this, &row_cells, cols, scale, spec)?;
            if let Some(id) = &item.identifier {
                extraction
                    .notes
                    .extend(super::identifier_note(&id.text, &id.location));
            }
            match total {
                Some(TotalKind::Grand) => {
                    extraction.total_row = Some(item.amount);
                    if bounds.until.is_none() {
                        break;
                    }
                }
                Some(TotalKind::Sub) => subtotal.check(&item.amount, extraction),
                None => {
                    style.get_or_insert(ListStyle::Plain);
                    subtotal.add(item.amount.amount.value);
                    extraction.items.push(item);
                }
            }
            continue;
        }
        let mut matches = find_amounts(&text);
        // A header row may hold numbers ("Région | 2023 | 2024"): it is read as one before
        // any figure is looked for.
        if style.is_none() && matches.is_empty() && row_cells.len() >= 2 {
            let texts: Vec<String> = row_cells
                .iter()
                .map(|&(s, e)| folded_string(&doc.lines[this][s..e].iter().collect::<String>()))
                .collect();
            if let Some(found) = header_columns(&texts, spec.breakdown, spec.exercise) {
                scale = scale.or(found.scale);
                columns = Some(found);
                continue;
            }
        }
        if matches.is_empty()
            && let Some((s, e, n)) = trailing_number(chars)
        {
            match scale.or(columns.as_ref().and_then(|c| c.scale)) {
                Some(scale) => matches.push(match_of(chars, s, e, scaled_amount(n, scale))),
                // A bare number where figures are expected, and nothing says in what unit.
                None if bullet.is_some() || style.is_some() => {
                    return Err(Error::extraction(
                        doc.loc(&piece, s, e),
                        format!(
                            "figure without a unit in envelope '{}': \"{}\"; write the unit in the description (unit = \"€\", \"k€\" or \"M€\")",
                            spec.id,
                            text.trim()
                        ),
                    ));
                }
                None => {}
            }
        }
        if matches.is_empty() {
            if let Some(span) = malformed_figure(chars, &matches) {
                return Err(malformed_error(doc, &piece, span, spec));
            }
            // A bullet without a figure inside a list of figures is an item that lost its
            // amount, not the end of the list nor a heading.
            if bullet.is_some() && bounds.until.is_none() && later_bullet_has_figure(doc, l) {
                return Err(Error::extraction(
                    doc.loc(&piece, 0, chars.len()),
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
                            folded_string(&doc.lines[this][s..e].iter().collect::<String>())
                        })
                        .collect();
                    columns = header_columns(&texts, spec.breakdown, spec.exercise).or(columns);
                }
                scale = scale.or_else(|| scale_in(&folded));
                continue;
            }
            // A group heading inside a table ("Métropole", "Outre-mer"): short, and followed
            // by a row with a figure.
            let heading = style == Some(ListStyle::Plain)
                && text.trim().chars().count() <= 60
                && !text.trim_end().ends_with('.')
                && next_row_has_figure(doc, l, last, columns.as_ref(), scale);
            if bounds.until.is_some() || heading {
                continue;
            }
            break;
        }
        if let Some(kind) = total {
            let m = &matches[matches.len() - 1];
            let stated = StatedAmount {
                amount: m.amount,
                raw: m.raw.clone(),
                location: doc.loc(&piece, m.start, m.end),
            };
            match kind {
                TotalKind::Grand => {
                    extraction.total_row = Some(stated);
                    if bounds.until.is_none() {
                        break;
                    }
                }
                TotalKind::Sub => subtotal.check(&stated, extraction),
            }
            continue;
        }
        style.get_or_insert(if bullet.is_some() {
            ListStyle::Bullets
        } else {
            ListStyle::Plain
        });
        let before = extraction.items.len();
        read_figures(doc, &piece, matches, spec, false, extraction)?;
        for item in &extraction.items[before..] {
            subtotal.add(item.amount.amount.value);
        }
    }
    Ok(())
}

/// Whether the next non-blank line from `from` (up to `last`) is a row with a figure: a
/// table row of the known columns, a figure with its unit, or a bare number of known scale.
fn next_row_has_figure(
    doc: &Doc<'_>,
    from: usize,
    last: usize,
    columns: Option<&Columns>,
    scale: Option<Decimal>,
) -> bool {
    let Some(l) = (from..=last.min(doc.lines.len().saturating_sub(1)))
        .find(|&l| doc.lines[l].iter().any(|c| !c.is_whitespace()))
    else {
        return false;
    };
    let line = &doc.lines[l];
    if let Some(columns) = columns {
        return cells(line, 0, line.len()).len() == columns.count;
    }
    let text: String = line.iter().collect();
    // A sentence of prose ("Une réserve de 500 000 € est conservée par la CNSA…") is not a
    // row, even with a figure in it.
    let prose = text.trim_end().ends_with('.') && text.split_whitespace().count() > 8;
    !prose
        && (!find_amounts(&text).is_empty() || (scale.is_some() && trailing_number(line).is_some()))
}

/// Whether line `l` goes on with the bullet in `parts` (a line wrapped by a PDF export).
fn is_continuation(doc: &Doc<'_>, parts: &[Piece], l: usize) -> bool {
    let line = &doc.lines[l];
    let Some(first) = line.iter().position(|c| !c.is_whitespace()) else {
        return false;
    };
    if bullet_body(line).is_some() {
        return false;
    }
    let indented = first > 0;
    let previous_end = parts
        .last()
        .and_then(|p| p.chars.iter().rev().find(|c| !c.is_whitespace()).copied());
    let open = !matches!(previous_end, Some(';' | '.' | '!' | '?'));
    let starts_low = line[first].is_lowercase() || matches!(line[first], '(' | ',');
    indented || (open && starts_low)
}

/// Whether a "Total …" line closes the table or a part of it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum TotalKind {
    Grand,
    Sub,
}

/// "Total", "TOTAL GÉNÉRAL", "Total national", "France entière", "Ensemble" close the
/// table; "Total Métropole", "Total Outre-mer", "Sous-total …" close a part of it.
fn total_kind(label: &str) -> Option<TotalKind> {
    const GRAND: [&str; 12] = [
        "general",
        "national",
        "france",
        "france entiere",
        "des credits",
        "de l'enveloppe",
        "global",
        "generale",
        "ensemble",
        "toutes regions",
        "toutes regions confondues",
        "national et regional",
    ];
    let label = label.trim();
    if label.starts_with("sous-total") || label.starts_with("sous total") {
        return Some(TotalKind::Sub);
    }
    // "soit un total de …", "Soit, au total, …", "Ensemble des régions – …", "Au total : …"
    let closing = (label.starts_with("soit") && label.contains("total"))
        || label.starts_with("au total")
        || label.starts_with("ensemble des")
        || label.starts_with("total des");
    if closing {
        return Some(TotalKind::Grand);
    }
    if [
        "ensemble",
        "france entiere",
        "montant total",
        "total general",
    ]
    .contains(&label)
    {
        return Some(TotalKind::Grand);
    }
    let rest = label.strip_prefix("total")?;
    if !rest.is_empty() && !rest.starts_with([' ', ':', '-']) {
        return None;
    }
    let rest = rest.trim_matches(|c: char| !c.is_alphanumeric());
    if rest.is_empty() || GRAND.contains(&rest) {
        Some(TotalKind::Grand)
    } else {
        Some(TotalKind::Sub)
    }
}

/// Sums the lines since the last sub-total, to check the next one.
#[derive(Debug, Default)]
struct Subtotal {
    running: Decimal,
}

impl Subtotal {
    fn add(&mut self, value: Decimal) {
        self.running += value;
    }

    fn check(&mut self, stated: &StatedAmount, extraction: &mut Extraction) {
        if !stated.amount.admits(self.running, Decimal::ZERO) {
            extraction.notes.push(Note {
                rule: "sheet.subtotal_mismatch".to_string(),
                severity: Severity::Error,
                message: format!(
                    "sub-total {} (\"{}\") but its lines sum to {}: difference {}",
                    stated.amount.value,
                    stated.raw,
                    self.running,
                    self.running - stated.amount.value
                ),
                location: stated.location.clone(),
            });
        }
        self.running = Decimal::ZERO;
    }
}

/// A unit stated in a note near the list ("Montants en millions d'euros", "(en k€)"): only
/// the explicit "en …" forms, never a figure of the prose.
fn stated_unit_near(doc: &Doc<'_>, bounds: ListBounds) -> Option<Decimal> {
    const THOUSANDS: [&str; 4] = [
        "en k€",
        "en keur",
        "en milliers d'euros",
        "en millier d'euros",
    ];
    const MILLIONS: [&str; 4] = [
        "en m€",
        "en meur",
        "en millions d'euros",
        "en million d'euros",
    ];
    let last = match bounds.until {
        Some((ul, _)) => ul,
        None => (bounds.first + 80).min(doc.lines.len().saturating_sub(1)),
    };
    (bounds.first..=last.min(doc.lines.len().saturating_sub(1))).find_map(|l| {
        let text: String = doc.lines[l].iter().collect();
        if !find_amounts(&text).is_empty() {
            return None;
        }
        let folded = folded_string(&text);
        if THOUSANDS.iter().any(|w| folded.contains(w)) {
            Some(Decimal::ONE_THOUSAND)
        } else if MILLIONS.iter().any(|w| folded.contains(w)) {
            Some(Decimal::from(1_000_000))
        } else {
            None
        }
    })
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
    // Identifiers are kept as their 9 characters: "690 793 310" is 690793310.
    let identifier = cols.identifier.map(at).map(|mut id| {
        id.text.retain(|c| c.is_ascii_alphanumeric());
        id
    });
    Ok(RawItem {
        label: at(cols.label),
        region_hint: cols.region.map(at),
        identifier,
        amount: amount_in(cols.amount)?,
        previous: cols.previous.map(amount_in).transpose()?,
    })
}

/// Splits a segment into sentences: at ".", "!", "?" followed by a space or the end, but
/// not inside numbers ("8.348.102") nor after a one-letter abbreviation.
fn sentences(piece: &Piece) -> Vec<Piece> {
    let chars = &piece.chars;
    let mut out = Vec::new();
    let mut start = 0;
    for i in 0..chars.len() {
        let next_is_space = i + 1 >= chars.len() || chars[i + 1].is_whitespace();
        if matches!(chars[i], '.' | '!' | '?') && next_is_space {
            out.push(piece.slice(start, i + 1));
            start = i + 1;
        }
    }
    if chars[start..].iter().any(|c| c.is_alphanumeric()) {
        out.push(piece.slice(start, chars.len()));
    }
    out
}

/// Separator strength between two figures: ";" > "," > " et ". Returns the char index
/// (relative to `between`) where the next item starts.
fn split_point(between: &[char]) -> Option<usize> {
    let mut depth: i32 = 0;
    // For each separator class, the first and the last position.
    let mut first: [Option<usize>; 3] = [None; 3];
    let mut best: [Option<usize>; 3] = [None; 3];
    for (i, &c) in between.iter().enumerate() {
        match c {
            '(' | '[' | '«' => depth += 1,
            ')' | ']' | '»' => depth = (depth - 1).max(0),
            ';' if depth == 0 => {
                first[0].get_or_insert(i + 1);
                best[0] = Some(i + 1);
            }
            ',' if depth == 0 => {
                first[1].get_or_insert(i + 1);
                best[1] = Some(i + 1);
            }
            ' ' if depth == 0 && between.get(i + 1..i + 4) == Some(&['e', 't', ' '][..]) => {
                first[2].get_or_insert(i + 4);
                best[2] = Some(i + 4);
            }
            _ => {}
        }
    }
    // Labels before their figures ("…), ARS de Guadeloupe, Saint-Martin et …  (") start
    // right after the figure's closing words: the first separator ends the item. Labels
    // after their figures ("… € pour l'ARS de Guadeloupe, Saint-Martin …, ") end at the last.
    let class = (0..3).find(|&k| best[k].is_some())?;
    let cut = first[class].unwrap_or(0);
    let label_after_figure = between[..cut.saturating_sub(1)]
        .iter()
        .any(|c| c.is_alphabetic());
    if label_after_figure {
        best[class]
    } else {
        first[class]
    }
}

/// Reads one piece (a bullet, an inline list, a sentence) into items or claims.
fn read_piece(
    doc: &Doc<'_>,
    piece: &Piece,
    spec: &EnvelopeSpec,
    prose: bool,
    extraction: &mut Extraction,
) -> Result<(), Error> {
    let matches = find_amounts(&piece.text());
    read_figures(doc, piece, matches, spec, prose, extraction)
}

/// A figure introduced by "dont" details the one before it ("3 521 700 €, dont 500 000 €
/// au titre de …"): it is not another line.
fn is_detail(chars: &[char], m: &AmountMatch) -> bool {
    let before: String = chars[..m.start.min(chars.len())]
        .iter()
        .collect::<String>()
        .to_lowercase();
    let before = before.trim_end();
    before.ends_with("dont") || before.ends_with("dont notamment") || before.ends_with("y compris")
}

/// The figures introduced by "dont", and those that go on the same enumeration ("dont
/// 500 000 € au titre de …, 200 000 € … et 250 000 € …", up to a ";").
fn details(chars: &[char], matches: &[AmountMatch]) -> Vec<bool> {
    let mut out = Vec::with_capacity(matches.len());
    for (k, m) in matches.iter().enumerate() {
        let continues = k > 0 && out[k - 1] && {
            let between: String = chars[matches[k - 1].end..m.start].iter().collect();
            let between = between.to_lowercase();
            !between.contains(';')
                && (between.trim_end().ends_with(" et")
                    || between.trim_end().ends_with(',')
                    || between.trim_end().ends_with("ainsi que"))
        };
        out.push(is_detail(chars, m) || continues);
    }
    out
}

/// "deux millions d'euros (2 000 000 €)": the figure in digits restates the one in words
/// and gives its exact value; one figure is kept, at the words, with the exact amount.
/// "un million cinq cent mille euros" is more than "un million": words that go on with
/// more number words are not read, the bracketed digits are.
fn merge_restated(chars: &[char], mut matches: Vec<AmountMatch>) -> Vec<AmountMatch> {
    let in_words = |m: &AmountMatch| {
        m.raw
            .chars()
            .find(|c| !c.is_whitespace())
            .is_some_and(char::is_alphabetic)
    };
    let mut k = 0;
    while k < matches.len() {
        if in_words(&matches[k]) {
            let after: String = chars[matches[k].end..]
                .iter()
                .take(20)
                .collect::<String>()
                .to_lowercase();
            let next_word = after
                .split(|c: char| !c.is_alphabetic())
                .find(|w| !w.is_empty())
                .unwrap_or("");
            let goes_on = crate::amount::number_word(next_word).is_some() || next_word == "mille";
            if goes_on {
                matches.remove(k);
                continue;
            }
        }
        if k + 1 < matches.len() {
            let between: String = chars[matches[k].end..matches[k + 1].start].iter().collect();
            let bracketed = between.trim() == "(" || between.trim() == "[";
            if bracketed && matches[k + 1].amount.value == matches[k].amount.value {
                matches[k].amount = matches[k + 1].amount;
                matches.remove(k + 1);
            }
        }
        k += 1;
    }
    matches
}

/// Reads a piece whose figures are already found.
fn read_figures(
    doc: &Doc<'_>,
    piece: &Piece,
    matches: Vec<AmountMatch>,
    spec: &EnvelopeSpec,
    prose: bool,
    extraction: &mut Extraction,
) -> Result<(), Error> {
    let chars = &piece.chars;
    let text = piece.text();
    if let Some(span) = malformed_figure(chars, &matches) {
        return Err(malformed_error(doc, piece, span, spec));
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
            &matches,
            spec.breakdown == Breakdown::Region,
            extraction,
        );
        return Ok(());
    }
    let matches = merge_restated(chars, matches);
    let is_detail = details(chars, &matches);
    let mut details = Vec::new();
    let mut lines = Vec::new();
    for (m, detail) in matches.into_iter().zip(is_detail) {
        if detail {
            details.push(m);
        } else {
            lines.push(m);
        }
    }
    let matches = lines;
    for d in &details {
        extraction.notes.push(Note {
            rule: "extraction.detail".to_string(),
            severity: Severity::Info,
            message: format!(
                "\"{}\" details the figure before it (\"dont\"): not counted as a line",
                d.raw
            ),
            location: doc.loc(piece, d.start, d.end),
        });
    }
    if matches.is_empty() {
        if !prose {
            return Err(Error::extraction(
                doc.loc(piece, 0, chars.len()),
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
            doc.loc(piece, 0, chars.len()),
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
        if let Some(id) = &item.identifier {
            extraction
                .notes
                .extend(super::identifier_note(&id.text, &id.location));
        }
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
/// Phrases that introduce a figure and belong to no label ("…, la somme de 2 000 000 €").
const EDGE_PHRASES: [&str; 6] = [
    "la somme de",
    "la somme d'",
    "un montant de",
    "une subvention de",
    "pour un montant de",
    "à hauteur de",
];

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
            // "Groupement … (GNCHR)": a parenthesis closed inside the label belongs to it.
            let balanced = chars[end - 1] == ')'
                && chars[start..end].iter().filter(|&&c| c == '(').count()
                    >= chars[start..end].iter().filter(|&&c| c == ')').count();
            if balanced {
                break;
            }
            end -= 1;
        }
        let text: String = chars[start..end].iter().collect();
        let lower = text.to_lowercase();
        // "la somme de", or "la somme" once "de" is gone: one phrase per pass.
        let tail = EDGE_PHRASES
            .iter()
            .flat_map(|phrase| {
                let short = phrase
                    .trim_end_matches(['\'', ' '])
                    .trim_end_matches(" de")
                    .trim_end_matches(" d");
                [*phrase, short]
            })
            .find(|tail| lower.ends_with(&format!(" {tail}")));
        if let Some(tail) = tail {
            end -= tail.chars().count() + 1;
            continue;
        }
        if (start, end) != before {
            continue;
        }
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

/// Words between the two figures of a revision that put the new amount first:
/// "3 087 450 € (au lieu de 2 987 450 €)", "412 300 € contre 512 300 € précédemment".
const NEW_FIRST: [&str; 5] = [
    "au lieu de",
    "contre",
    "precedemment",
    "auparavant",
    "initialement",
];

fn build_item(
    doc: &Doc<'_>,
    piece: &Piece,
    start: usize,
    end: usize,
    group: &[AmountMatch],
    breakdown: Breakdown,
) -> RawItem {
    let chars = &piece.chars;
    let at = |s: usize, e: usize| doc.lcd(piece, s, e);
    let stated = |m: &AmountMatch| StatedAmount {
        amount: m.amount,
        raw: m.raw.clone(),
        location: doc.loc(piece, m.start, m.end),
    };
    let first = &group[0];
    let last = &group[group.len() - 1];
    let (amount, previous) = match group {
        [a, b] => {
            let between = folded_string(&chars[a.end..b.start].iter().collect::<String>());
            if NEW_FIRST.iter().any(|w| between.contains(w)) {
                (stated(a), Some(stated(b)))
            } else {
                (stated(b), Some(stated(a)))
            }
        }
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

    // "ADAPEI 69 (FINESS EJ 690793310), Auvergne-Rhône-Alpes : 873 200 €": the identifier
    // is kept apart, the name before it is the label, a region after it is the hint.
    let found_id = find_identifier(chars, start, cut_start);
    let identifier = found_id.as_ref().map(|id| Located {
        text: id.value.clone(),
        location: doc.loc(piece, id.digits.0, id.digits.1),
    });
    let label = if breakdown == Breakdown::BudgetLine {
        let (s, e) = trim_label(chars, start, end);
        at(s, e)
    } else {
        // The label is what stands outside the figure, before it if anything does.
        let label_end = found_id.as_ref().map_or(cut_start, |id| id.group.0);
        let (bs, mut be) = trim_label(chars, start, label_end);
        if breakdown == Breakdown::Beneficiary && region_hint.is_none() {
            // "à la Fondation Alpha (Île-de-France), la somme de …": a region in
            // parentheses after the name.
            let in_parens = (bs..be).filter(|&i| chars[i] == '(').find_map(|open| {
                let close = (open..be).find(|&j| chars[j] == ')')?;
                let inner: String = chars[open + 1..close].iter().collect();
                normalise_region(&inner).is_ok().then_some((open, close))
            });
            if let Some((open, close)) = in_parens {
                region_hint = Some(at(open + 1, close));
                be = trim_label(chars, bs, open).1;
            }
        }
        if breakdown == Breakdown::Beneficiary && region_hint.is_none() {
            let tail = match &found_id {
                Some(id) => Some(trim_label(chars, id.group.1, cut_start)),
                // "Fondation Alpha, Bretagne : 300 000 €"
                None => split_top_level(chars, bs, be)
                    .last()
                    .filter(|&&(s, _)| s > bs)
                    .map(|&(s, e)| trim_label(chars, s, e)),
            };
            if let Some((ts, te)) = tail.filter(|(ts, te)| ts < te)
                && normalise_region(&chars[ts..te].iter().collect::<String>()).is_ok()
            {
                region_hint = Some(at(ts, te));
                if found_id.is_none() {
                    be = trim_label(chars, bs, ts).1;
                }
            }
        }
        let (as_, ae) = trim_label(chars, cut_end, end);
        let label = if bs < be { at(bs, be) } else { at(as_, ae) };
        // "Le montant « 1 843 120 € » figurant à la ligne « ARS de Bretagne » est remplacé
        // par …": the region is named after the figure, not before. When the label names no
        // region and the item names exactly one, that mention is the label.
        let by_region = matches!(breakdown, Breakdown::Region | Breakdown::Revision);
        if by_region
            && find_regions(&label.text).is_empty()
            && normalise_region(&label.text).is_err()
        {
            let item: String = chars[start..end].iter().collect();
            let mentions = find_regions(&item);
            let distinct: std::collections::BTreeSet<_> =
                mentions.iter().map(|&(_, _, r)| r).collect();
            match (distinct.len(), mentions.first()) {
                (1, Some(&(ms, me, _))) => at(start + ms, start + me),
                _ => label,
            }
        } else {
            label
        }
    };
    RawItem {
        label,
        region_hint,
        identifier,
        amount,
        previous,
    }
}

/// A FINESS or SIREN number written in a label.
struct FoundIdentifier {
    /// The 9 characters, spaces removed.
    value: String,
    /// Where the digits stand.
    digits: (usize, usize),
    /// The words and parentheses around them, to cut from the label.
    group: (usize, usize),
}

/// "(FINESS EJ 690793310)", "FINESS : 75 000 001 2", "SIREN 775 672 272".
fn find_identifier(chars: &[char], start: usize, end: usize) -> Option<FoundIdentifier> {
    let lower: Vec<char> = chars[..end]
        .iter()
        .map(|c| c.to_lowercase().next().unwrap_or(*c))
        .collect();
    for keyword in ["finess", "siren", "siret"] {
        let k: Vec<char> = keyword.chars().collect();
        let Some(at) =
            (start..end.saturating_sub(k.len() - 1)).find(|&i| lower[i..].starts_with(&k))
        else {
            continue;
        };
        // Skip "EJ", "ET", "n°", ":" between the word and the digits.
        let mut i = at + k.len();
        while i < end && !lower[i].is_ascii_digit() {
            let word: String = lower[i..end.min(i + 2)].iter().collect();
            if lower[i].is_whitespace() || matches!(lower[i], ':' | '°' | '.' | '-') {
                i += 1;
            } else if ["ej", "et", "n°", "no"].contains(&word.as_str()) {
                i += 2;
            } else {
                break;
            }
        }
        let digits_start = i;
        let mut value = String::new();
        while i < end && value.len() < 9 {
            let c = chars[i];
            let corsican = value.len() == 1 && value == "2" && matches!(c, 'A' | 'B' | 'a' | 'b');
            if c.is_ascii_digit() || corsican {
                value.push(c.to_ascii_uppercase());
            } else if !matches!(c, ' ' | '\u{a0}' | '\u{202f}' | '.') {
                break;
            }
            i += 1;
        }
        if value.len() != 9 {
            continue;
        }
        // A SIRET goes on with its 5-digit establishment number: the SIREN is kept.
        while i < end && (chars[i].is_ascii_digit() || chars[i] == ' ') && keyword == "siret" {
            i += 1;
        }
        let digits = (digits_start, i);
        let before_open = chars[start..at]
            .iter()
            .rposition(|c| !c.is_whitespace())
            .map(|p| start + p);
        let group = match before_open {
            Some(p) if chars[p] == '(' => {
                let close = (i..end).find(|&j| chars[j] == ')').map_or(i, |j| j + 1);
                (p, close)
            }
            _ => (at, i),
        };
        return Some(FoundIdentifier {
            value,
            digits,
            group,
        });
    }
    None
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
    piece: &Piece,
    matches: &[AmountMatch],
    region_items: bool,
    extraction: &mut Extraction,
) {
    let chars = &piece.chars;
    let regions = find_regions(&piece.text());
    let at = |s: usize, e: usize| doc.lcd(piece, s, e);
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
            location: doc.loc(piece, m.start, m.end),
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
        // The sentence holding the phrase, within its paragraph (wrapped lines included).
        let paragraph = paragraph_around(doc, line);
        let sentence = sentences(&paragraph)
            .into_iter()
            .find(|s| s.origin.last().is_some_and(|&o| o >= (line, col)))
            .unwrap_or(paragraph);
        let matches = find_amounts(&sentence.text());
        // Phrases named as claims stay claims, whatever the breakdown.
        read_prose_claims(doc, &sentence, &matches, false, &mut extraction);
    }
    Ok(extraction.claims)
}

/// The paragraph holding `line`: the lines around it up to blank lines, or up to short
/// lines standing alone (a date, a title), which no PDF wrapping produces.
fn paragraph_around(doc: &Doc<'_>, line: usize) -> Piece {
    let blank = |l: usize| {
        let text = &doc.lines[l];
        text.iter().all(|c| c.is_whitespace()) || (l != line && text.len() < 25)
    };
    let mut first = line;
    while first > 0 && !blank(first - 1) {
        first -= 1;
    }
    let mut last = line;
    while last + 1 < doc.lines.len() && !blank(last + 1) {
        last += 1;
    }
    Piece::join(
        (first..=last)
            .map(|l| Piece::of_line(doc, l, 0, doc.lines[l].len()))
            .collect(),
    )
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
        assert_eq!(b("10° ARS d'Île-de-France"), Some(4));
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
