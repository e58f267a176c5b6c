//! `explain`: what a run reads in one source, and what it leaves. Every figure taken, with
//! where it stands, its label, the region it resolved to and by which rule, and the envelope
//! it went to; then every other number of the source with the reason it was not taken (a
//! date, a year, an article number, a percentage, an identifier, a total checked but not
//! counted, a number outside the table or beside the amount column…).
//!
//! It runs the same extraction and normalisation as `run`, on one publication, and reads
//! nothing it does not read: the reasons for numbers left are worked out from their shape
//! and from where the taken figures stand.

use crate::core::amount::format_eur;
use crate::core::region::{MatchRule, normalise_region};
use crate::core::vocab::{self, TotalRow};
use crate::error::Error;
use crate::extract::{Source, extract};
use crate::model::{Breakdown, ClaimKind, FactRole, Location, Publication, RegionIssue};
use crate::normalise::normalise;
use crate::sources;
use serde::Serialize;
use std::collections::BTreeMap;
use std::path::Path;

/// A figure the run takes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Taken {
    pub location: Location,
    pub envelope_id: String,
    pub label: String,
    pub raw_amount: String,
    pub amount_eur: String,
    /// component, superseded, restatement…
    pub role: String,
    pub region: Option<String>,
    /// How the region was found ("official name", "alias in the description", …).
    pub region_rule: Option<String>,
    pub beneficiary: Option<String>,
}

/// A number of the source the run does not count as a component, and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Left {
    pub location: Location,
    pub text: String,
    pub reason: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Explanation {
    pub publication_id: String,
    pub source: String,
    pub envelopes: Vec<String>,
    pub taken: Vec<Taken>,
    pub left: Vec<Left>,
}

/// The publication whose source (or description) is `file`, described beside it.
fn publication_of(file: &Path) -> Result<Publication, Error> {
    let dir = file
        .parent()
        .filter(|d| !d.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let name = file.file_name().map(|n| n.to_string_lossy().into_owned());
    let publications = sources::load_publications(dir)?;
    publications
        .into_iter()
        .find(|p| {
            let source = p.source_path.file_name().map(|n| n.to_string_lossy());
            let description = p.description_path.file_name().map(|n| n.to_string_lossy());
            name.as_deref().is_some_and(|n| {
                source.as_deref() == Some(n) || description.as_deref() == Some(n)
            })
        })
        .ok_or_else(|| {
            Error::input(
                file,
                "no description in its folder names this file as its source: write one (`esms-ledger scaffold FILE` drafts it)".to_string(),
            )
        })
}

/// Explains `file` (a source, or its description), for one envelope or all.
pub fn explain(file: &Path, envelope: Option<&str>) -> Result<Explanation, Error> {
    let publication = publication_of(file)?;
    let source = Source::read(&publication)?;
    if let Some(wanted) = envelope
        && !publication.envelopes.iter().any(|e| e.id == wanted)
    {
        let ids: Vec<&str> = publication
            .envelopes
            .iter()
            .map(|e| e.id.as_str())
            .collect();
        return Err(Error::input(
            &publication.description_path,
            format!(
                "no envelope `{wanted}` in this description; it has: {}",
                ids.join(", ")
            ),
        ));
    }
    let mut taken = Vec::new();
    // Locations the run reads for another purpose than a component, with the reason.
    let mut used: Vec<(Location, String)> = Vec::new();
    let mut envelopes = Vec::new();
    for (index, spec) in publication.envelopes.iter().enumerate() {
        if envelope.is_some_and(|wanted| wanted != spec.id) {
            continue;
        }
        envelopes.push(spec.id.clone());
        let extraction = extract(&publication, &source, index, spec)?;
        let hints: BTreeMap<Location, Option<String>> = extraction
            .items
            .iter()
            .map(|i| {
                (
                    i.amount.location.clone(),
                    i.region_hint.as_ref().map(|h| h.text.clone()),
                )
            })
            .collect();
        let statement = normalise(&publication, spec, extraction);
        for fact in &statement.facts {
            let location = fact.location();
            let hint = hints.get(&location).cloned().flatten();
            let region_rule = fact.region().map(|_| {
                let text = hint.clone().unwrap_or_else(|| fact.raw_label().to_string());
                let inferred = statement.region_issues.iter().any(|issue| {
                    matches!(issue, RegionIssue::InferredFromName { label, .. } if label.text == fact.raw_label())
                });
                region_rule(spec, &text, inferred, hint.is_some())
            });
            taken.push(Taken {
                location,
                envelope_id: spec.id.clone(),
                label: fact.raw_label().to_string(),
                raw_amount: fact.raw_amount().into_owned(),
                amount_eur: format_eur(fact.value()),
                role: role(fact.role()).to_string(),
                region: fact.region().map(|r| format!("{} {}", r.code(), r.name())),
                region_rule,
                beneficiary: fact.beneficiary().map(str::to_string),
            });
        }
        if let Some(d) = &statement.declared_total {
            used.push((
                d.location.clone(),
                format!(
                    "the declared total of {} (description's declared_total): the components are checked against it",
                    spec.id
                ),
            ));
        }
        if let Some(d) = &statement.declared_before {
            used.push((
                d.location.clone(),
                format!("the total of {} before the revision", spec.id),
            ));
        }
        if let Some(t) = &statement.total_row {
            used.push((
                t.location.clone(),
                format!(
                    "the table's Total row of {}: checked against the sum of its lines, not counted",
                    spec.id
                ),
            ));
        }
        for claim in &statement.claims {
            if let ClaimKind::Money { amount } = &claim.kind {
                used.push((
                    amount.location.clone(),
                    format!(
                        "a claim about {}: checked against its lines or total, not counted",
                        spec.id
                    ),
                ));
            }
        }
        for note in &statement.notes {
            if note.expected.is_some() {
                used.push((
                    note.location.clone(),
                    format!(
                        "a sub-total of {} ({}): checked against its lines, not counted",
                        spec.id, note.rule
                    ),
                ));
            }
        }
    }
    taken.sort_by(|a, b| a.location.cmp(&b.location));
    let left = match &source {
        Source::Text(text) => left_in_lines(
            &publication.source_name,
            text.lines().map(|l| (None, l)),
            &taken,
            &used,
        ),
        Source::Pdf(layer) => left_in_lines(
            &publication.source_name,
            layer
                .lines
                .iter()
                .zip(layer.text.lines())
                .map(|(pl, l)| (Some(pl), l)),
            &taken,
            &used,
        ),
        Source::Spreadsheet(path) => {
            let bytes = std::fs::read(path)
                .map_err(|e| Error::input(path, format!("cannot read it: {e}")))?;
            left_in_cells(&publication.source_name, &bytes, &taken, &used)
        }
    };
    Ok(Explanation {
        publication_id: publication.meta.id.clone(),
        source: publication.source_name.clone(),
        envelopes,
        taken,
        left,
    })
}

fn role(role: FactRole) -> &'static str {
    match role {
        FactRole::Component => "component, counted",
        FactRole::Superseded => "replaced by a revision, not counted",
        FactRole::Remainder => "remainder derived by difference, counted",
        FactRole::Restatement => "restatement of the reference, checked, not counted",
        FactRole::Amended => "amended by a later revision, not counted",
    }
}

fn region_rule(
    spec: &crate::model::EnvelopeSpec,
    text: &str,
    inferred: bool,
    from_hint: bool,
) -> String {
    let whence = if from_hint {
        format!("from the region beside it, \"{text}\"")
    } else {
        format!("from \"{text}\"")
    };
    if spec.alias(text).is_some() {
        return format!("{whence}: the description's region_aliases");
    }
    if inferred {
        return "named inside the beneficiary's name (reported as region.inferred)".to_string();
    }
    match normalise_region(text) {
        Ok(m) => {
            let rule = match m.rule {
                MatchRule::Official => "official name",
                MatchRule::Alias => "current alias",
                MatchRule::Code => "INSEE code",
                MatchRule::Legacy => "pre-2016 name mapped to its successor (warned)",
            };
            format!("{whence}: {rule} (\"{}\")", m.matched)
        }
        Err(_) if spec.breakdown == Breakdown::Beneficiary => {
            format!("{whence}: the region prefix of the label")
        }
        Err(_) => format!("{whence}: a footnote mark or a code read apart"),
    }
}

/// A number as written in a line: its characters (0-based, end exclusive) and text.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Token {
    span: (u32, u32),
    text: String,
}

/// The numbers of a line: digits, with thousands separated by a space (any kind), a dot or
/// nothing, and decimals after a comma.
fn numbers(line: &str) -> Vec<Token> {
    let chars: Vec<char> = line.chars().collect();
    let is_sep = |c: char| matches!(c, ' ' | '\u{a0}' | '\u{202f}' | '.');
    let mut out = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        if !chars[i].is_ascii_digit() || (i > 0 && chars[i - 1].is_alphanumeric()) {
            i += 1;
            continue;
        }
        let start = i;
        while i < chars.len() && chars[i].is_ascii_digit() {
            i += 1;
        }
        // Groups of exactly three digits after a separator go on the number.
        loop {
            let group = i + 1 < chars.len()
                && is_sep(chars[i])
                && chars[i + 1..].iter().take(3).all(char::is_ascii_digit)
                && chars[i + 1..].len() >= 3
                && chars.get(i + 4).is_none_or(|c| !c.is_ascii_digit());
            if group {
                i += 4;
            } else {
                break;
            }
        }
        if i + 1 < chars.len() && chars[i] == ',' && chars[i + 1].is_ascii_digit() {
            i += 1;
            while i < chars.len() && chars[i].is_ascii_digit() {
                i += 1;
            }
        }
        let text: String = chars[start..i].iter().collect();
        out.push(Token {
            span: (start as u32, i as u32),
            text,
        });
    }
    out
}

/// Why a number is no money figure, from its shape and the words around it.
fn shape_reason(before: &str, token: &str, after: &str) -> Option<&'static str> {
    // "n° 2022-21", "n° 2025/12", "DGCS/DNS/CNSA/2023/13": the number and the numbers
    // joined to it before are one reference.
    let stem = before.trim_end_matches(|c: char| c.is_ascii_digit() || "/-. ".contains(c));
    let joined = before.ends_with(['/', '-']) || after.starts_with(['/', '-']);
    let stem_words = vocab::words(stem);
    let before_words = vocab::words(before);
    let after_words = vocab::words(after);
    let last = before_words.last().map(String::as_str).unwrap_or("");
    let stem_last = stem_words.last().map(String::as_str).unwrap_or("");
    let next = after_words.first().map(String::as_str).unwrap_or("");
    let digits: String = token.chars().filter(char::is_ascii_digit).collect();
    let after_trim = after.trim_start();
    let numbering = |word: &str| {
        matches!(
            word,
            "article"
                | "articles"
                | "l"
                | "r"
                | "d"
                | "n"
                | "no"
                | "nor"
                | "loi"
                | "decret"
                | "arrete"
                | "instruction"
                | "decision"
                | "annexe"
                | "cnsa"
                | "dss"
                | "dgcs"
        )
    };
    if before.ends_with('(') && after.starts_with(')') && token.len() <= 2 {
        return Some("a footnote call");
    }
    if after_trim.starts_with('%')
        || (next == "pour" && after_words.get(1).is_some_and(|w| w == "cent"))
    {
        return Some("a percentage");
    }
    if stem.trim_end().ends_with('°') || numbering(stem_last) && (joined || numbering(last)) {
        return Some("a number of an article, a text or an annex");
    }
    if crate::core::vocab::MONTHS.contains(&next) || joined {
        return Some("a date");
    }
    if matches!(last, "page" | "p") {
        return Some("a page number");
    }
    if digits.len() == 4
        && token.len() == 4
        && (1990..=2100).contains(&digits.parse::<u32>().unwrap_or(0))
    {
        return Some("a year");
    }
    if digits.len() == 9 && token.len() == 9 {
        return Some("a 9-digit identifier (FINESS, SIREN)");
    }
    if numbering(last) || next == "er" {
        return Some("a number of an article, a text or an annex");
    }
    if crate::core::vocab::MONTHS.contains(&last) {
        return Some("a date");
    }
    if matches!(
        next,
        "mois"
            | "jours"
            | "ans"
            | "annees"
            | "projets"
            | "dossiers"
            | "laureats"
            | "essms"
            | "etablissements"
            | "organismes"
            | "structures"
            | "gestionnaires"
            | "beneficiaires"
            | "regions"
    ) {
        return Some("a count or a duration, not money");
    }
    None
}

fn overlaps(location: &Location, line_key: (Option<u32>, u32), span: (u32, u32)) -> bool {
    let (page, line) = line_key;
    location.page() == page
        && location.line() == Some(line)
        && location
            .span()
            .is_some_and(|(s, e)| s < span.1 && span.0 < e)
}

fn left_in_lines<'a>(
    file: &str,
    lines: impl Iterator<Item = (Option<&'a crate::extract::pdf::PageLine>, &'a str)>,
    taken: &[Taken],
    used: &[(Location, String)],
) -> Vec<Left> {
    // Where the taken figures stand: a number on one of their lines is in the table, but in
    // another column; between the first and the last, on a line of no figure, it is in a
    // heading or a note of the list.
    let line_keys: Vec<(Option<u32>, u32)> = taken
        .iter()
        .filter_map(|t| Some((t.location.page(), t.location.line()?)))
        .collect();
    let first = line_keys.iter().min().copied();
    let last = line_keys.iter().max().copied();
    let mut left = Vec::new();
    for (index, (page_line, text)) in lines.enumerate() {
        let key = match page_line {
            Some(pl) => (Some(pl.page), pl.line),
            None => (None, index as u32 + 1),
        };
        let location_of = |span: (u32, u32)| match page_line {
            Some(pl) => pl.location(file, span),
            None => Location::Line {
                file: file.to_string(),
                line: key.1,
                span,
            },
        };
        // The row's label: what stands before its first figure ("Total", "Sous-total Bretagne").
        let label: String = text.chars().take_while(|c| !c.is_ascii_digit()).collect();
        let label_words =
            vocab::total_row(label.trim_matches(|c: char| c.is_whitespace() || c == '|'));
        for token in numbers(text) {
            if taken.iter().any(|t| overlaps(&t.location, key, token.span)) {
                continue;
            }
            let chars: Vec<char> = text.chars().collect();
            let before: String = chars[..token.span.0 as usize].iter().collect();
            let after: String = chars[token.span.1 as usize..].iter().collect();
            let reason = if let Some((_, why)) =
                used.iter().find(|(l, _)| overlaps(l, key, token.span))
            {
                why.clone()
            } else if let Some(shape) = shape_reason(&before, &token.text, &after) {
                shape.to_string()
            } else if let Some(kind) = label_words {
                match kind {
                    TotalRow::Grand => "on a Total line: a total, not a component".to_string(),
                    TotalRow::Sub => {
                        "on a sub-total line: checked against its lines, not counted".to_string()
                    }
                }
            } else if line_keys.contains(&key) {
                "on a line of the table, but not in the amount column".to_string()
            } else if first.is_some_and(|f| key > f) && last.is_some_and(|l| key < l) {
                "inside the list, on a line with no component (a heading or a note)".to_string()
            } else {
                "outside every list or table the description points at".to_string()
            };
            left.push(Left {
                location: location_of(token.span),
                text: token.text,
                reason,
            });
        }
    }
    left
}

fn left_in_cells(
    file: &str,
    bytes: &[u8],
    taken: &[Taken],
    used: &[(Location, String)],
) -> Vec<Left> {
    use calamine::{Data, Reader};
    let Ok(mut workbook) = calamine::open_workbook_auto_from_rs(std::io::Cursor::new(bytes)) else {
        return Vec::new();
    };
    let cell_of = |l: &Location| -> Option<(String, u32, u32)> {
        let (sheet, cell) = (l.sheet()?, l.cell()?);
        let (row, col) = parse_a1(cell)?;
        Some((sheet.to_string(), row, col))
    };
    let taken_cells: Vec<(String, u32, u32)> =
        taken.iter().filter_map(|t| cell_of(&t.location)).collect();
    let mut left = Vec::new();
    for name in workbook.sheet_names() {
        let Ok(range) = workbook.worksheet_range(&name) else {
            continue;
        };
        let (row0, col0) = range.start().unwrap_or((0, 0));
        let rows_taken: Vec<u32> = taken_cells
            .iter()
            .filter(|(s, ..)| *s == name)
            .map(|(_, r, _)| *r)
            .collect();
        let cols_taken: Vec<u32> = taken_cells
            .iter()
            .filter(|(s, ..)| *s == name)
            .map(|(.., c)| *c)
            .collect();
        let (first, last) = (
            rows_taken.iter().min().copied(),
            rows_taken.iter().max().copied(),
        );
        for (r, c, value) in range.cells() {
            let (row, col) = (row0 + r as u32, col0 + c as u32);
            let text = match value {
                Data::Int(i) => i.to_string(),
                // A fraction beside the amounts: a share, formatted as a percentage.
                Data::Float(f) if f.abs() < 1.0 && f.fract() != 0.0 => {
                    left.push(Left {
                        location: Location::Cell {
                            file: file.to_string(),
                            sheet: name.clone(),
                            cell: a1(row0 + r as u32, col0 + c as u32),
                        },
                        text: f.to_string(),
                        reason: "a share or a percentage (a fraction below 1)".to_string(),
                    });
                    continue;
                }
                Data::Float(f) => f.to_string(),
                Data::String(s)
                    if s.chars().any(|c| c.is_ascii_digit())
                        && crate::core::amount::parse_amount(s).is_ok() =>
                {
                    s.clone()
                }
                _ => continue,
            };
            if taken_cells
                .iter()
                .any(|(s, tr, tc)| *s == name && *tr == row && *tc == col)
            {
                continue;
            }
            let location = Location::Cell {
                file: file.to_string(),
                sheet: name.clone(),
                cell: a1(row, col),
            };
            let row_label = range
                .rows()
                .nth(r)
                .map(|cells| {
                    cells
                        .iter()
                        .filter_map(|d| match d {
                            Data::String(s) => Some(s.as_str()),
                            _ => None,
                        })
                        .collect::<Vec<_>>()
                        .join(" ")
                })
                .unwrap_or_default();
            let digits: String = text.chars().filter(char::is_ascii_digit).collect();
            let reason = if let Some((_, why)) = used.iter().find(|(l, _)| l == &location) {
                why.clone()
            } else if digits.len() == 4
                && text.len() == 4
                && (1990..=2100).contains(&digits.parse::<u32>().unwrap_or(0))
                && first.is_none_or(|f| row < f)
            {
                "a year (a header or a title)".to_string()
            } else if digits.len() == 9 && !cols_taken.contains(&col) {
                "a 9-digit identifier (FINESS, SIREN)".to_string()
            } else if let Some(kind) = vocab::total_row(row_label.trim()).or_else(|| {
                row_label
                    .split_whitespace()
                    .next()
                    .and_then(vocab::total_row)
            }) {
                match kind {
                    _ if !cols_taken.contains(&col) => {
                        "a total or sub-total of a column the description does not read".to_string()
                    }
                    TotalRow::Grand => "on a Total row: a total, not a component".to_string(),
                    TotalRow::Sub => {
                        "on a sub-total row: checked against its rows, not counted".to_string()
                    }
                }
            } else if rows_taken.contains(&row) {
                "on a row of the table, but not in the amount column".to_string()
            } else if first.is_some_and(|f| row > f) && last.is_some_and(|l| row < l) {
                "inside the table, on a row with no component".to_string()
            } else if rows_taken.is_empty() {
                "on a sheet the description does not read".to_string()
            } else {
                "outside the table the description points at".to_string()
            };
            left.push(Left {
                location,
                text,
                reason,
            });
        }
    }
    left
}

fn parse_a1(cell: &str) -> Option<(u32, u32)> {
    let letters: String = cell.chars().take_while(char::is_ascii_alphabetic).collect();
    let digits: String = cell.chars().skip(letters.len()).collect();
    let mut col = 0u32;
    for c in letters.chars() {
        col = col * 26 + (u32::from(c.to_ascii_uppercase()) - u32::from('A') + 1);
    }
    Some((
        digits.parse::<u32>().ok()?.checked_sub(1)?,
        col.checked_sub(1)?,
    ))
}

fn a1(row: u32, col: u32) -> String {
    let mut n = col + 1;
    let mut letters = Vec::new();
    while n > 0 {
        let rem = (n - 1) % 26;
        letters.push(char::from(b'A' + u8::try_from(rem).unwrap_or(0)));
        n = (n - 1) / 26;
    }
    let letters: String = letters.iter().rev().collect();
    format!("{letters}{}", row + 1)
}

/// The explanation as people read it in a terminal.
pub fn to_text(e: &Explanation) -> String {
    use std::fmt::Write as _;
    let mut out = String::new();
    let _ = writeln!(
        out,
        "{}: publication {} ({})\n",
        e.source,
        e.publication_id,
        e.envelopes.join(", ")
    );
    let _ = writeln!(out, "Figures taken ({}):", e.taken.len());
    for t in &e.taken {
        let _ = writeln!(
            out,
            "  {}\t{}\t{} (\"{}\")\t{}",
            t.location, t.envelope_id, t.amount_eur, t.raw_amount, t.role
        );
        let _ = writeln!(out, "      label: \"{}\"", t.label);
        if let Some(b) = &t.beneficiary {
            let _ = writeln!(out, "      beneficiary: {b}");
        }
        match (&t.region, &t.region_rule) {
            (Some(region), Some(rule)) => {
                let _ = writeln!(out, "      region: {region}, {rule}");
            }
            _ => {
                let _ = writeln!(out, "      region: none");
            }
        }
    }
    let _ = writeln!(out, "\nNumbers not taken ({}):", e.left.len());
    for l in &e.left {
        let _ = writeln!(out, "  {}\t\"{}\"\t{}", l.location, l.text, l.reason);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_keep_their_thousands_and_leave_words_alone() {
        let found: Vec<String> =
            numbers("Montant 1 412 253 € soit 50 % du lot A2 au 12/09/2022, 3,5 M€")
                .into_iter()
                .map(|t| t.text)
                .collect();
        assert_eq!(found, ["1 412 253", "50", "12", "09", "2022", "3,5"]);
    }

    #[test]
    fn shapes_that_are_no_money() {
        assert_eq!(
            shape_reason("un versement de ", "50", " % à la signature"),
            Some("a percentage")
        );
        assert_eq!(
            shape_reason("Décision du ", "12", " septembre 2022"),
            Some("a date")
        );
        assert_eq!(
            shape_reason("l'article ", "49", " de la loi"),
            Some("a number of an article, a text or an annex")
        );
        assert_eq!(
            shape_reason("au titre de l'exercice ", "2022", ""),
            Some("a year")
        );
        assert_eq!(
            shape_reason("", "690875885", "\tAuvergne"),
            Some("a 9-digit identifier (FINESS, SIREN)")
        );
        assert_eq!(
            shape_reason("dans un délai de ", "3", " mois"),
            Some("a count or a duration, not money")
        );
        assert_eq!(shape_reason("Bretagne\t", "600 000", ""), None);
        assert_eq!(
            shape_reason("Nombre d'ESSMS (", "1", ")"),
            Some("a footnote call")
        );
    }

    #[test]
    fn a1_round_trips() {
        assert_eq!(parse_a1("C23"), Some((22, 2)));
        assert_eq!(a1(22, 2), "C23");
        assert_eq!(a1(0, 27), "AB1");
    }
}
