//! `scaffold`: a first description of a new source (a text, a PDF's text layer, a
//! spreadsheet), drafted from what the source says, so
//! that a user corrects a file instead of writing one. The publication fields it can infer
//! (title, issuer, kind, dates, reference, exercise), one envelope per table or list of
//! figures, each with its anchor, breakdown, columns, unit and the total stated near it;
//! a comment on each value the user must decide (phase, channel, parent).
//!
//! The draft is checked before it is written: each envelope is extracted as `run` would;
//! one that does not extract is tried in simpler forms (no columns, `items = "auto"`, no
//! declared total), and left commented out with the error when none extracts, so that the
//! draft always runs as is.

use crate::core::amount::{find_amounts, parse_number};
use crate::core::region::{find_regions, normalise_region};
use crate::core::vocab;
use crate::error::Error;
use crate::extract::{Source, extract};
use crate::model::SourceFormat;
use crate::sources;
use rust_decimal::Decimal;
use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

/// What `scaffold` wrote.
#[derive(Debug, Clone)]
pub struct Draft {
    pub path: PathBuf,
    pub toml: String,
    /// Envelopes that extract as drafted.
    pub envelopes: usize,
    /// Envelopes left commented out, with why.
    pub commented_out: usize,
}

/// The publication fields of a draft.
#[derive(Debug, Clone, Default)]
struct Meta {
    id: String,
    title: String,
    issuer: String,
    kind: &'static str,
    published_on: String,
    reference: Option<String>,
    exercise: i32,
    /// What the user must check about the fields above.
    comments: BTreeMap<&'static str, String>,
}

/// One envelope of a draft.
#[derive(Debug, Clone, Default)]
struct EnvelopeDraft {
    id: String,
    exercise: i32,
    breakdown: &'static str,
    declared_total: Option<String>,
    anchor: Option<String>,
    items: Option<&'static str>,
    unit: Option<&'static str>,
    amount_column: Option<String>,
    /// Where the figures stand, for the comment.
    whereabouts: String,
    comments: Vec<String>,
    /// The envelope this one details, when its total is one of that one's lines.
    parent: Option<String>,
    /// The figures of its lines, in euros as far as their units say (to find parents).
    line_values: Vec<Decimal>,
}

/// Drafts the description of `file` beside it (same stem, `.toml`); never over an
/// existing file.
pub fn scaffold(file: &Path) -> Result<Draft, Error> {
    let target = file.with_extension("toml");
    if target.exists() {
        return Err(Error::output(
            &target,
            "a description already stands there; it is not overwritten (move it away to draft a new one)",
        ));
    }
    let bytes = std::fs::read(file).map_err(|e| Error::input(file, e.to_string()))?;
    let file_name = file
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .ok_or_else(|| Error::input(file, "not a file".to_string()))?;
    let (meta, envelopes) = match sources::sniff_format(&bytes) {
        Some(SourceFormat::Text) => {
            let text = std::str::from_utf8(&bytes)
                .map_err(|e| Error::input(file, format!("not UTF-8: {e}")))?;
            let meta = infer_meta(file, text, false);
            let envelopes = text_envelopes(text, &meta);
            (meta, envelopes)
        }
        Some(SourceFormat::Spreadsheet) => {
            let (text, envelopes) = sheet_envelopes(file, &bytes)?;
            let mut meta = infer_meta(file, &text, true);
            let exercise = meta.exercise;
            let envelopes = envelopes
                .into_iter()
                .map(|mut e| {
                    if e.exercise == 0 {
                        e.exercise = exercise;
                    }
                    e
                })
                .collect();
            meta.kind = "annex-table";
            (meta, envelopes)
        }
        Some(SourceFormat::Pdf) => {
            let (layer, heads) = crate::extract::pdf::read_file(file, &bytes)?;
            // The running heads first: the BO's date and page are there.
            let described = format!("{}\n{}", heads.join("\n"), layer.text);
            let meta = infer_meta(file, &described, false);
            let envelopes = text_envelopes(&layer.text, &meta)
                .into_iter()
                .map(|mut e| {
                    e.whereabouts = pdf_whereabouts(&layer, &e.whereabouts);
                    e
                })
                .collect();
            (meta, envelopes)
        }
        None => {
            return Err(Error::input(
                file,
                "neither UTF-8 text, a PDF nor a spreadsheet".to_string(),
            ));
        }
    };
    let envelopes = nest(unique_ids(envelopes));

    // Each envelope is kept in the first form that extracts.
    let mut kept = Vec::new();
    let mut commented = Vec::new();
    for envelope in envelopes {
        match first_that_extracts(file, &file_name, &bytes, &meta, &envelope) {
            Ok(working) => kept.push(working),
            Err(error) => commented.push((envelope, error)),
        }
    }
    let toml = render(&meta, &file_name, &kept, &commented);
    std::fs::write(&target, &toml).map_err(|e| Error::output(&target, e))?;
    Ok(Draft {
        path: target,
        toml,
        envelopes: kept.len(),
        commented_out: commented.len(),
    })
}

/// "lines 3-20" of a PDF's body text, as its pages and lines: "p.1:12 to p.2:9".
fn pdf_whereabouts(layer: &crate::extract::pdf::PdfText, whereabouts: &str) -> String {
    let numbers: Vec<usize> = whereabouts
        .trim_start_matches("lines ")
        .trim_start_matches("line ")
        .split(['-', ':'])
        .filter_map(|n| n.trim().parse().ok())
        .collect();
    let place = |n: usize| {
        layer
            .lines
            .get(n.wrapping_sub(1))
            .map(|l| format!("p.{}:{}", l.page, l.line))
    };
    match numbers.as_slice() {
        [first, last, ..] => match (place(*first), place(*last)) {
            (Some(a), Some(b)) => format!("{a} to {b}"),
            _ => whereabouts.to_string(),
        },
        [only] => place(*only).unwrap_or_else(|| whereabouts.to_string()),
        [] => whereabouts.to_string(),
    }
}

/// An envelope whose declared total is a line of another one details that line
/// ("autres mesures : 1 250 K€" and the table of those measures): its parent.
fn nest(mut envelopes: Vec<EnvelopeDraft>) -> Vec<EnvelopeDraft> {
    let totals: Vec<Option<Decimal>> = envelopes
        .iter()
        .map(|e| {
            e.declared_total
                .as_deref()
                .and_then(|t| crate::core::amount::parse_amount(t).ok())
                .map(|a| a.value)
        })
        .collect();
    for child in 0..envelopes.len() {
        let Some(total) = totals[child] else {
            continue;
        };
        let parent =
            (0..envelopes.len()).find(|&p| p != child && envelopes[p].line_values.contains(&total));
        if let Some(p) = parent {
            let id = envelopes[p].id.clone();
            envelopes[child].comments.push(format!(
                "its total is a line of {id}: drafted as its part (parent), so that the line is not counted twice"
            ));
            envelopes[child].parent = Some(id);
        }
    }
    envelopes
}

fn unique_ids(mut envelopes: Vec<EnvelopeDraft>) -> Vec<EnvelopeDraft> {
    let mut seen: BTreeMap<String, usize> = BTreeMap::new();
    for e in &mut envelopes {
        let n = seen.entry(e.id.clone()).or_insert(0);
        *n += 1;
        if *n > 1 {
            e.id = format!("{}-{}", e.id, n);
        }
    }
    envelopes
}

/// Simpler and simpler forms of a drafted envelope, until one extracts.
fn first_that_extracts(
    file: &Path,
    file_name: &str,
    bytes: &[u8],
    meta: &Meta,
    envelope: &EnvelopeDraft,
) -> Result<EnvelopeDraft, String> {
    let mut variants = vec![envelope.clone()];
    let mut plain = envelope.clone();
    if plain.amount_column.take().is_some() {
        variants.push(plain.clone());
    }
    if plain.items.is_some() {
        plain.items = None;
        variants.push(plain.clone());
    }
    if plain.declared_total.take().is_some() {
        plain.comments.push(
            "the total stated near the figures could not be located: declared_total left out"
                .to_string(),
        );
        variants.push(plain.clone());
    }
    let mut first_error = None;
    for variant in variants {
        match try_extract(file, file_name, bytes, meta, &variant) {
            Ok(()) => return Ok(variant),
            Err(e) => {
                first_error.get_or_insert(e);
            }
        }
    }
    Err(first_error.unwrap_or_default())
}

/// Extracts one drafted envelope as `run` would, from a copy of the source in a temporary
/// folder (the user's folder is not touched until the draft is written).
fn try_extract(
    file: &Path,
    file_name: &str,
    bytes: &[u8],
    meta: &Meta,
    envelope: &EnvelopeDraft,
) -> Result<(), String> {
    let dir = tempfile::tempdir().map_err(|e| e.to_string())?;
    std::fs::write(dir.path().join(file_name), bytes).map_err(|e| e.to_string())?;
    let toml = render(meta, file_name, std::slice::from_ref(envelope), &[]);
    let description = dir
        .path()
        .join(file.with_extension("toml").file_name().unwrap_or_default());
    std::fs::write(&description, toml).map_err(|e| e.to_string())?;
    let shown_early = |e: Error| {
        e.to_string()
            .replace(&format!("{}/", dir.path().display()), "")
    };
    let publications = sources::load_publications(dir.path()).map_err(shown_early)?;
    let publication = publications.first().ok_or("no description")?;
    let source = Source::read(publication).map_err(shown_early)?;
    let spec = publication.envelopes.first().ok_or("no envelope")?;
    // Errors name the draft as the user will have it, not the temporary copy.
    let shown = |e: Error| {
        e.to_string()
            .replace(&format!("{}/", dir.path().display()), "")
    };
    let extraction = extract(publication, &source, 0, spec).map_err(shown)?;
    if extraction.items.is_empty() {
        return Err("no figure found after the anchor".to_string());
    }
    Ok(())
}

// ---------------------------------------------------------------------------------------
// The publication.
// ---------------------------------------------------------------------------------------

/// The dates of a line: "12 septembre 2022", "1er juillet 2022", "14/10/2022", as ISO.
fn dates(line: &str) -> Vec<String> {
    let words = vocab::words(line);
    let mut found = Vec::new();
    for (i, w) in words.iter().enumerate() {
        if let Some(month) = crate::core::vocab::MONTHS.iter().position(|m| m == w) {
            let day = i
                .checked_sub(1)
                .and_then(|j| words.get(j))
                .map(|d| d.trim_end_matches("er"))
                .and_then(|d| d.parse::<u32>().ok());
            let year = words.get(i + 1).and_then(|y| y.parse::<i32>().ok());
            if let (Some(day), Some(year)) = (day, year)
                && let Some(date) = chrono::NaiveDate::from_ymd_opt(year, month as u32 + 1, day)
            {
                found.push(date.to_string());
            }
        }
    }
    found
}

fn years(text: &str) -> Vec<i32> {
    vocab::words(text)
        .iter()
        .filter(|w| w.len() == 4)
        .filter_map(|w| w.parse::<i32>().ok())
        .filter(|y| (2015..=2035).contains(y))
        .collect()
}

fn kebab(text: &str) -> String {
    let words = vocab::words(text);
    let mut id = words
        .iter()
        .map(|w| {
            w.chars()
                .filter(|c| c.is_ascii_alphanumeric())
                .collect::<String>()
        })
        .filter(|w| !w.is_empty())
        .collect::<Vec<_>>()
        .join("-");
    id.truncate(60);
    id.trim_end_matches('-').to_string()
}

fn infer_meta(file: &Path, text: &str, sheet: bool) -> Meta {
    let mut meta = Meta {
        id: kebab(&file.file_stem().unwrap_or_default().to_string_lossy()),
        ..Meta::default()
    };
    if meta.id.is_empty() {
        meta.id = "publication".to_string();
    }
    let lines: Vec<&str> = text
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .collect();
    let folded = vocab::words(text).join(" ");
    let act = lines.iter().find(|l| {
        let w = vocab::words(l);
        matches!(
            w.first().map(String::as_str),
            Some("decision" | "instruction" | "arrete" | "circulaire" | "note")
        ) && w
            .get(1)
            .is_some_and(|n| n == "n" || n == "no" || n == "interministerielle")
    });
    let bo = lines
        .iter()
        .find(|l| vocab::words(l).starts_with(&["bulletin".to_string(), "officiel".to_string()]));
    let body: Vec<&str> = lines.iter().copied().filter(|l| Some(l) != bo).collect();
    meta.title = act
        .map(|l| l.to_string())
        .or_else(|| {
            let first = body.first()?;
            // "ANNEXE 2" alone is no title: with the line under it, it is.
            Some(match body.get(1) {
                Some(next) if first.chars().count() < 20 => format!("{first} – {next}"),
                _ => first.to_string(),
            })
        })
        .unwrap_or_else(|| meta.id.clone());
    if meta.title.chars().count() > 300 {
        meta.title = meta.title.chars().take(300).collect::<String>() + "…";
    }
    let act_folded = act.map(|l| vocab::words(l).join(" ")).unwrap_or_default();
    meta.issuer = if act_folded.contains("dgcs dns cnsa") {
        "DGCS/DNS/CNSA".to_string()
    } else if act_folded.contains("caisse nationale de solidarite pour l autonomie")
        || act_folded.contains("cnsa")
    {
        "CNSA".to_string()
    } else if folded.contains("dgcs dns cnsa") {
        "DGCS/DNS/CNSA".to_string()
    } else if folded.contains("caisse nationale de solidarite pour l autonomie")
        || folded.contains("cnsa")
    {
        "CNSA".to_string()
    } else {
        meta.comments.insert(
            "issuer",
            "who publishes it: CNSA, DGCS/DNS/CNSA, the name of a newspaper…".to_string(),
        );
        "à préciser".to_string()
    };
    let act_words = act.map(|l| vocab::words(l)).unwrap_or_default();
    meta.kind = if sheet {
        "annex-table"
    } else if act_words.first().is_some_and(|w| w == "instruction") {
        "bo-instruction"
    } else if act.is_some() && bo.is_some() {
        "bo-decision"
    } else if bo.is_some() && folded.contains("instruction n") {
        meta.comments.insert(
            "kind",
            "a page of the Bulletin officiel citing an instruction (an annex?): bo-instruction if it is the instruction's own text".to_string(),
        );
        "bo-instruction"
    } else if bo.is_some() {
        meta.comments.insert(
            "kind",
            "a page of the Bulletin officiel: bo-decision or bo-instruction".to_string(),
        );
        "bo-decision"
    } else if act.is_some() {
        meta.comments.insert("kind", "an act without its Bulletin officiel header: bo-decision or bo-instruction if it is the official text".to_string());
        "bo-decision"
    } else {
        meta.comments.insert(
            "kind",
            "no official act found in the text: press-extract; annex-table for a re-typed annex"
                .to_string(),
        );
        "press-extract"
    };
    // The BO's own date is the publication date; else the act's; else the first date.
    meta.published_on = bo
        .and_then(|l| dates(l).pop())
        .or_else(|| act.and_then(|l| dates(l).into_iter().next()))
        .or_else(|| lines.iter().find_map(|l| dates(l).into_iter().next()))
        .unwrap_or_else(|| {
            meta.comments.insert(
                "published_on",
                "no date found in the source: the date of publication, YYYY-MM-DD".to_string(),
            );
            "2000-01-01".to_string()
        });
    let mut reference = Vec::new();
    if let Some(act) = act {
        // "Décision n° 2022-21 du 12 septembre 2022": up to the date.
        let cut = dates(act)
            .first()
            .and_then(|_| {
                let chars: Vec<char> = act.chars().collect();
                let text: String = chars.iter().collect();
                crate::core::vocab::MONTHS.iter().find_map(|m| {
                    let folded: String = text
                        .to_lowercase()
                        .replace(['é', 'è'], "e")
                        .replace('û', "u");
                    folded.find(m).map(|at| {
                        let rest = &folded[at + m.len()..];
                        let year_len = rest
                            .chars()
                            .take_while(|c| c.is_whitespace() || c.is_ascii_digit())
                            .count();
                        at + m.len() + year_len
                    })
                })
            })
            .and_then(|end| act.get(..end).map(str::trim).map(str::to_string));
        reference.push(cut.unwrap_or_else(|| act.to_string()));
    }
    if let Some(nor) = lines.iter().find(|l| l.starts_with("NOR")) {
        reference.push(nor.to_string());
    }
    if let Some(bo) = bo {
        reference.push(bo.to_string());
    }
    meta.reference = (!reference.is_empty()).then(|| reference.join(", "));
    // "au titre de l'exercice 2022", "exercice 2023": the exercise; else the year most named.
    let words = vocab::words(text);
    meta.exercise = words
        .windows(2)
        .find(|w| w[0] == "exercice" && w[1].len() == 4)
        .and_then(|w| w[1].parse().ok())
        .unwrap_or_else(|| {
            let mut counts: BTreeMap<i32, usize> = BTreeMap::new();
            for y in years(text) {
                *counts.entry(y).or_default() += 1;
            }
            counts
                .into_iter()
                .max_by_key(|&(y, n)| (n, y))
                .map_or(2024, |(y, _)| y)
        });
    meta
}

// ---------------------------------------------------------------------------------------
// Texts: lists and tables of figures.
// ---------------------------------------------------------------------------------------

/// The cells of a table line: split on tabs, `|`, or runs of two spaces or more.
fn cells(line: &str) -> Vec<String> {
    let normalised = line.replace('|', "\t");
    let mut out = Vec::new();
    for part in normalised.split('\t') {
        let mut current = String::new();
        let mut spaces = 0;
        for c in part.chars() {
            if c == ' ' {
                spaces += 1;
                continue;
            }
            if spaces >= 2 && !current.trim().is_empty() {
                out.push(current.trim().to_string());
                current.clear();
            } else if spaces > 0 {
                current.extend(std::iter::repeat_n(' ', spaces));
            }
            spaces = 0;
            current.push(c);
        }
        out.push(current.trim().to_string());
    }
    while out.first().is_some_and(String::is_empty) {
        out.remove(0);
    }
    out
}

fn is_bare_figure(cell: &str) -> bool {
    parse_number(cell).is_ok_and(|n| n.abs() >= Decimal::from(1000))
        && cell.chars().filter(char::is_ascii_digit).count() != 9
}

/// A line that holds figures: a money figure with its unit, or a table row ending with a
/// bare figure.
fn is_figure_line(line: &str) -> bool {
    let row = cells(line);
    (row.len() >= 2 && row.iter().skip(1).any(|c| is_bare_figure(c)))
        || find_amounts(line).iter().any(|m| !m.raw.is_empty())
}

fn label_of(line: &str) -> String {
    let row = cells(line);
    if row.len() >= 2 {
        return row[0].clone();
    }
    let first = find_amounts(line)
        .first()
        .map_or(line.chars().count(), |m| m.start);
    line.chars()
        .take(first)
        .collect::<String>()
        .trim_start_matches(|c: char| !c.is_alphanumeric())
        .trim_end_matches(|c: char| !c.is_alphanumeric())
        .to_string()
}

/// A phrase of `line` that stands once in `text`: its last words, as few as make it unique.
fn anchor_phrase(text: &str, line: &str) -> String {
    let trimmed = line
        .trim()
        .trim_end_matches([':', ' ', '\u{a0}', '.', ';', ',']);
    let words: Vec<&str> = trimmed.split_whitespace().collect();
    // Anchors are found with case and accents folded, line by line: so is uniqueness.
    let folded_lines: Vec<String> = text.lines().map(|l| vocab::words(l).join(" ")).collect();
    for n in 3..=words.len() {
        let phrase = words[words.len() - n..].join(" ");
        let folded = vocab::words(&phrase).join(" ");
        if !folded.is_empty() && folded_lines.iter().filter(|l| l.contains(&folded)).count() == 1 {
            return phrase;
        }
    }
    trimmed.to_string()
}

/// Whether line `at` repeats the header of the table starting at `start` (a page break).
fn header_again(lines: &[&str], start: usize, at: usize) -> bool {
    let header = (0..start).rev().find(|&k| !lines[k].trim().is_empty());
    header.is_some_and(|h| {
        cells(lines[h]).len() >= 2 && vocab::words(lines[h]) == vocab::words(lines[at])
    })
}

fn text_envelopes(text: &str, meta: &Meta) -> Vec<EnvelopeDraft> {
    let lines: Vec<&str> = text.lines().collect();
    let mut groups: Vec<(usize, usize)> = Vec::new();
    let mut i = 0;
    while i < lines.len() {
        if !is_figure_line(lines[i]) {
            i += 1;
            continue;
        }
        let start = i;
        let mut end = i;
        let mut j = i + 1;
        while j < lines.len() {
            if is_figure_line(lines[j]) {
                end = j;
                j += 1;
            } else if let Some(next) = (j..(j + 6).min(lines.len()))
                .take_while(|&k| {
                    lines[k].trim().is_empty()
                        || header_again(&lines, start, k)
                        || vocab::is_page_furniture(lines[k])
                })
                .last()
                .map(|k| k + 1)
                .filter(|&k| k < lines.len() && is_figure_line(lines[k]))
            {
                // Blank lines, or a page break with its running head and the table's
                // header again: the table goes on.
                j = next;
            } else {
                break;
            }
        }
        // "… s'élèvent à 67 150 K€, répartis comme suit :": the sentence that introduces
        // the list states its total; it is not one of its lines.
        let introduces = lines[start].trim_end().ends_with(':') && end > start;
        let start = if introduces { start + 1 } else { start };
        let inline = find_amounts(lines[start]).len() >= 3;
        if end > start || inline {
            groups.push((start, end));
        }
        i = end + 1;
    }
    let mut out = Vec::new();
    for &(start, end) in &groups {
        out.push(text_envelope(text, &lines, start, end, meta));
    }
    out.extend(flat_tables(text, &lines, &groups, meta));
    out
}

/// A line that is one number and nothing else: a cell of a table copied one cell per line.
fn is_number_line(line: &str) -> bool {
    let t = line.trim();
    !t.is_empty() && t.chars().any(|c| c.is_ascii_digit()) && parse_number(t).is_ok()
}

/// Tables copied one cell per line (Légifrance, PDF viewers): runs of lines without a
/// blank where a label is followed by its figure(s) on the lines under it.
fn flat_tables(
    text: &str,
    lines: &[&str],
    groups: &[(usize, usize)],
    meta: &Meta,
) -> Vec<EnvelopeDraft> {
    let mut out = Vec::new();
    let mut i = 0;
    while i < lines.len() {
        if lines[i].trim().is_empty() {
            i += 1;
            continue;
        }
        let start = i;
        while i < lines.len() && !lines[i].trim().is_empty() {
            i += 1;
        }
        let run = &lines[start..i];
        let numbers = run.iter().filter(|l| is_number_line(l)).count();
        let taken = groups.iter().any(|&(s, e)| s < i && start <= e);
        if numbers < 3 || numbers * 3 < run.len() || taken {
            continue;
        }
        // The header: the lines before the first label (the line above the first figure).
        let Some(first_figure) = run.iter().position(|l| is_number_line(l)) else {
            continue;
        };
        let first_label = first_figure.saturating_sub(1);
        let labels: Vec<&str> = run[first_label..]
            .iter()
            .copied()
            .filter(|l| !is_number_line(l) && vocab::total_row(l.trim()).is_none())
            .collect();
        let regions = labels
            .iter()
            .filter(|l| normalise_region(l.trim()).is_ok())
            .count();
        let mut e = EnvelopeDraft {
            exercise: meta.exercise,
            items: Some("table"),
            whereabouts: format!(
                "lines {}-{} (a table copied one cell per line)",
                start + 1,
                i
            ),
            ..EnvelopeDraft::default()
        };
        e.breakdown = if !labels.is_empty() && regions * 10 >= labels.len() * 8 {
            "region"
        } else {
            "beneficiary"
        };
        if e.breakdown == "region" && regions < 18 {
            e.comments.push(format!(
                "{regions} regions of 18 named: the run checks that all 18 are there (completeness.region_missing)"
            ));
        }
        let above = (0..start).rev().find(|&k| !lines[k].trim().is_empty());
        // The header cells are part of the table: the anchor is the line above them.
        e.anchor = above.map(|k| anchor_phrase(text, lines[k]));
        // The sums of each figure column (the n-th figure under each label), and the total
        // the text states before the table if one of them equals it: that column is read.
        let mut sums: Vec<Decimal> = Vec::new();
        let mut column = 0;
        for (k, l) in run.iter().enumerate().skip(first_label + 1) {
            if !is_number_line(l) {
                column = 0;
                continue;
            }
            let label = run[k - 1 - column];
            if vocab::total_row(label.trim()).is_none() {
                if sums.len() <= column {
                    sums.resize(column + 1, Decimal::ZERO);
                }
                sums[column] += parse_number(l.trim()).unwrap_or_default();
            }
            column += 1;
        }
        let stated: Vec<_> = lines[..start]
            .iter()
            .flat_map(|l| find_amounts(l))
            .collect();
        let header: Vec<&str> = run[..first_label].iter().map(|l| l.trim()).collect();
        // Columns whose sum the text states; the one the exercise names first ("MONTANT
        // 2023" in a decision for 2023, the 2022 column given for memory).
        let matching: Vec<(usize, String)> = sums
            .iter()
            .enumerate()
            .filter_map(|(c, sum)| {
                stated
                    .iter()
                    .find(|m| m.amount.value == *sum)
                    .map(|m| (c, m.raw.clone()))
            })
            .collect();
        let of_exercise = |c: &usize| {
            header
                .get(c + 1)
                .is_some_and(|h| years(h).contains(&meta.exercise))
        };
        let found = matching
            .iter()
            .find(|(c, _)| of_exercise(c))
            .or_else(|| matching.first())
            .cloned();
        if let Some((c, raw)) = found {
            e.declared_total = Some(raw);
            // Header: the label column's name, then one name per figure column.
            if sums.len() > 1
                && let Some(name) = header.get(c + 1)
            {
                e.amount_column = Some((*name).to_string());
                // "MONTANT 2022 (en euros)": the column's year is the exercise.
                if let Some(&year) = years(name).first() {
                    e.exercise = year;
                }
            }
        }
        if sums.len() > 1 && e.amount_column.is_none() {
            e.comments.push(format!(
                "{} figures under each label: name the amount column with columns = {{ amount = \"…\" }} (header: {})",
                sums.len(),
                header.join(" | ")
            ));
        }
        e.id = kebab(&format!(
            "esms-{}-{}",
            e.exercise,
            if e.breakdown == "region" {
                "regions"
            } else {
                "beneficiaires"
            }
        ));
        out.push(e);
    }
    out
}

fn text_envelope(
    text: &str,
    lines: &[&str],
    start: usize,
    end: usize,
    meta: &Meta,
) -> EnvelopeDraft {
    let mut e = EnvelopeDraft {
        exercise: meta.exercise,
        ..EnvelopeDraft::default()
    };
    let inline = start == end;
    // The header: the line above the figures, in cells, with no figure of its own.
    let above = (0..start).rev().find(|&k| !lines[k].trim().is_empty());
    let header = above.filter(|&k| cells(lines[k]).len() >= 2 && !is_figure_line(lines[k]));
    let intro = match header {
        Some(h) => (0..h).rev().find(|&k| !lines[k].trim().is_empty()),
        None => above,
    };
    let rows: Vec<&str> = lines[start..=end]
        .iter()
        .copied()
        .filter(|l| !l.trim().is_empty())
        .collect();
    if inline {
        // "… entre les régions : Bretagne (3 970 000 euros), …": the words before the list.
        let line = lines[start];
        let first = find_amounts(line).first().map_or(0, |m| m.start);
        let before: String = line.chars().take(first).collect();
        let cut = before
            .rfind(':')
            .map_or(before.as_str(), |at| &before[..=at]);
        e.anchor = Some(anchor_phrase(text, cut));
        e.items = Some("inline");
        e.whereabouts = format!("line {}: a list inside a sentence", start + 1);
    } else if let Some(intro) = intro {
        e.anchor = Some(anchor_phrase(text, lines[intro]));
        e.whereabouts = format!("lines {}-{}", start + 1, end + 1);
    }
    if header.is_some() {
        e.items = Some("table");
    }
    // Each line's figure, in euros: the money figure it states with its unit, else its
    // last bare number (the unit of a table is applied below, once known).
    e.line_values = rows
        .iter()
        .filter_map(|l| {
            find_amounts(l).first().map(|m| m.amount.value).or_else(|| {
                cells(l)
                    .iter()
                    .rev()
                    .find_map(|c| parse_number(c).ok().filter(|_| is_bare_figure(c)))
            })
        })
        .collect();
    let labels: Vec<String> = if inline {
        let line = lines[start];
        let mut previous = 0;
        find_amounts(line)
            .iter()
            .map(|m| {
                let label: String = line
                    .chars()
                    .skip(previous)
                    .take(m.start.saturating_sub(previous))
                    .collect();
                previous = m.end;
                label
            })
            .collect()
    } else {
        rows.iter().map(|l| label_of(l)).collect()
    };
    let components: Vec<&String> = labels
        .iter()
        .filter(|l| vocab::total_row(l.trim()).is_none())
        .collect();
    let regions: std::collections::BTreeSet<_> = components
        .iter()
        .filter_map(|l| {
            normalise_region(l.trim().trim_matches(|c: char| !c.is_alphanumeric()))
                .ok()
                .map(|m| m.code)
                .or_else(|| find_regions(l).last().map(|r| r.2).filter(|_| inline))
        })
        .collect();
    let region_lines = rows.iter().filter(|l| !find_regions(l).is_empty()).count();
    let header_cells = header.map(|h| cells(lines[h])).unwrap_or_default();
    let header_says_region = header_cells.iter().skip(1).any(|c| {
        let w = vocab::words(c);
        w.iter()
            .any(|w| w == "ars" || w == "region" || w == "regions")
    });
    let total_rows = rows
        .iter()
        .filter(|l| vocab::total_row(&label_of(l)).is_some())
        .count();
    if regions.len() * 10 >= components.len() * 8 && !components.is_empty() {
        e.breakdown = "region";
        let unresolved: Vec<String> = components
            .iter()
            .map(|l| {
                l.trim()
                    .trim_matches(|c: char| !c.is_alphanumeric())
                    .to_string()
            })
            .filter(|l| !l.is_empty() && normalise_region(l).is_err())
            .collect();
        if !unresolved.is_empty() {
            e.comments.push(format!(
                "labels no rule reads as a region: {}; map each with region_aliases = {{ \"label\" = \"INSEE code\" }}, or leave them out with `until`",
                unresolved.join(", ")
            ));
        }
        if regions.len() < 18 {
            e.comments.push(format!(
                "{} regions of 18 named: the run checks that all 18 are there (completeness.region_missing); if the publication covers only these, say so in acknowledged.toml after the first run",
                regions.len()
            ));
        }
    } else if header_says_region || region_lines * 10 >= components.len() * 8 {
        e.breakdown = "beneficiary";
    } else {
        e.breakdown = "budget-line";
        e.comments.push(
            "no region beside the labels: budget-line; beneficiary if they are organisations"
                .to_string(),
        );
    }
    // The total the text states before the figures: the largest money figure of the
    // paragraph above them.
    let look_from = intro.unwrap_or(start).saturating_sub(6);
    let mut stated: Vec<_> = lines[look_from..=intro.unwrap_or(start)]
        .iter()
        .flat_map(|l| find_amounts(l))
        .collect();
    if inline {
        // In a one-line list, the figure before the list is the total.
        let line = lines[start];
        let first_item = find_amounts(line).first().map_or(0, |m| m.start);
        let colon = line
            .chars()
            .take(first_item)
            .collect::<String>()
            .rfind(':')
            .unwrap_or(0);
        stated.retain(|m| m.end <= colon || !std::ptr::eq(line, lines[start]));
    }
    // The sentence right above the lines states their total first; else a figure above
    // that equals their sum; else, without a Total row, the largest figure above.
    let on_intro: Vec<_> = intro
        .filter(|_| !inline)
        .map(|k| find_amounts(lines[k]))
        .unwrap_or_default();
    let sum: Decimal = rows
        .iter()
        .filter(|l| vocab::total_row(&label_of(l)).is_none())
        .filter_map(|l| {
            find_amounts(l).first().map(|m| m.amount.value).or_else(|| {
                cells(l)
                    .iter()
                    .rev()
                    .find_map(|c| parse_number(c).ok().filter(|_| is_bare_figure(c)))
            })
        })
        .sum();
    let chosen = on_intro
        .iter()
        .max_by_key(|m| m.amount.value)
        .or_else(|| stated.iter().find(|m| m.amount.value == sum))
        .or_else(|| {
            (total_rows == 0)
                .then(|| stated.iter().max_by_key(|m| m.amount.value))
                .flatten()
        });
    if let Some(total) = chosen {
        e.declared_total = Some(total.raw.clone());
    } else if total_rows == 0 {
        e.comments.push(
            "no total stated near the figures: add declared_total if the text gives one elsewhere"
                .to_string(),
        );
    }
    // Several figure columns ("Nombre d'ESSMS", "Montant (en €)"): the amount column.
    if header_cells.len() >= 2 {
        let figure_columns: Vec<usize> = (1..header_cells.len())
            .filter(|&c| {
                rows.iter()
                    .filter(|l| cells(l).get(c).is_some_and(|v| parse_number(v).is_ok()))
                    .count()
                    * 2
                    > rows.len()
            })
            .collect();
        if figure_columns.len() >= 2 {
            // The column whose lines add up to the total the text states is the one;
            // else one the programme, the exercise or the word "montant" names.
            let declared = e
                .declared_total
                .as_deref()
                .and_then(|t| crate::core::amount::parse_amount(t).ok())
                .map(|a| a.value);
            let sum_of = |c: usize| -> Decimal {
                rows.iter()
                    .filter(|l| vocab::total_row(&label_of(l)).is_none())
                    .filter_map(|l| cells(l).get(c).and_then(|v| parse_number(v).ok()))
                    .sum()
            };
            let names = |c: usize, wanted: &[&str]| {
                vocab::words(&header_cells[c])
                    .iter()
                    .any(|w| wanted.contains(&w.as_str()))
            };
            let chosen = figure_columns
                .iter()
                .copied()
                .find(|&c| declared.is_some_and(|d| sum_of(c) == d))
                .or_else(|| {
                    figure_columns
                        .iter()
                        .copied()
                        .find(|&c| names(c, &["esms", "numerique"]))
                })
                .or_else(|| {
                    figure_columns.iter().copied().find(|&c| {
                        let w = vocab::words(&header_cells[c]);
                        w.iter().any(|w| {
                            matches!(
                                w.as_str(),
                                "montant" | "montants" | "credits" | "dotation" | "subvention"
                            )
                        }) || w.contains(&meta.exercise.to_string())
                    })
                })
                .unwrap_or(*figure_columns.last().unwrap_or(&1));
            e.amount_column = Some(header_cells[chosen].clone());
            if let Some(&year) = years(&header_cells[chosen]).first() {
                e.exercise = year;
            }
            let others: Vec<&str> = figure_columns
                .iter()
                .filter(|&&c| c != chosen)
                .map(|&c| header_cells[c].as_str())
                .collect();
            e.comments.push(format!(
                "amounts read in column \"{}\"; also figures in: {}",
                header_cells[chosen],
                others.join(", ")
            ));
        }
    }
    // The unit a heading or a note gives the bare figures.
    let around = intro.unwrap_or(start).saturating_sub(2)..(end + 3).min(lines.len());
    let scale = lines[around]
        .iter()
        .find_map(|l| vocab::unit_declared(l))
        .or_else(|| header_cells.iter().find_map(|c| vocab::unit_in_header(c)));
    e.unit = match scale {
        Some(s) if s == Decimal::ONE_THOUSAND => Some("k€"),
        Some(s) if s == Decimal::from(1_000_000) => Some("M€"),
        _ => None,
    };
    e.id = kebab(&format!(
        "esms-{}-{}",
        e.exercise,
        match e.breakdown {
            "region" => "regions",
            "beneficiary" => "beneficiaires",
            _ => "lignes",
        }
    ));
    e
}

// ---------------------------------------------------------------------------------------
// Spreadsheets: one envelope per table's amount column.
// ---------------------------------------------------------------------------------------

fn sheet_envelopes(file: &Path, bytes: &[u8]) -> Result<(String, Vec<EnvelopeDraft>), Error> {
    use calamine::{Data, Reader};
    let mut workbook = calamine::open_workbook_auto_from_rs(std::io::Cursor::new(bytes))
        .map_err(|e| Error::input(file, format!("cannot be read as a spreadsheet: {e}")))?;
    let visible: Vec<String> = workbook
        .sheets_metadata()
        .iter()
        .filter(|s| s.visible == calamine::SheetVisible::Visible)
        .map(|s| s.name.clone())
        .collect();
    let mut all_text = String::new();
    let mut out = Vec::new();
    for name in visible {
        let Ok(range) = workbook.worksheet_range(&name) else {
            continue;
        };
        let rows: Vec<Vec<Data>> = range.rows().map(<[Data]>::to_vec).collect();
        let text_of = |d: &Data| match d {
            Data::String(s) => Some(s.clone()),
            _ => None,
        };
        for row in &rows {
            let line: Vec<String> = row.iter().filter_map(text_of).collect();
            if !line.is_empty() {
                all_text.push_str(&line.join(" "));
                all_text.push('\n');
            }
        }
        let is_number = |d: &Data| match d {
            Data::Int(_) | Data::Float(_) => true,
            Data::String(s) => parse_number(s).is_ok(),
            _ => false,
        };
        // The header: the last row of text cells above the first row with a figure.
        let Some(first_figures) = rows.iter().position(|r| {
            r.iter().skip(1).any(&is_number) && r.iter().any(|d| text_of(d).is_some())
        }) else {
            continue;
        };
        let Some(header_row) = (0..first_figures)
            .rev()
            .find(|&r| rows[r].iter().filter(|d| text_of(d).is_some()).count() >= 2)
        else {
            continue;
        };
        let header: Vec<String> = rows[header_row]
            .iter()
            .map(|d| text_of(d).unwrap_or_default())
            .collect();
        let body = &rows[header_row + 1..];
        let width = header.len();
        let figure_columns: Vec<usize> = (0..width)
            .filter(|&c| {
                body.iter()
                    .filter(|r| r.get(c).is_some_and(is_number))
                    .count()
                    >= 2
            })
            .filter(|&c| {
                // Shares (fractions below 1), counts and gaps are no amounts.
                let w = vocab::words(&header[c]);
                let fractions = body
                    .iter()
                    .filter(|r| matches!(r.get(c), Some(Data::Float(f)) if f.abs() < 1.0))
                    .count();
                let numeric = body
                    .iter()
                    .filter(|r| r.get(c).is_some_and(is_number))
                    .count();
                fractions * 2 < numeric
                    && !w.iter().any(|w| {
                        matches!(
                            w.as_str(),
                            "nombre"
                                | "nb"
                                | "part"
                                | "ecart"
                                | "variation"
                                | "evolution"
                                | "taux"
                                | "finess"
                                | "siren"
                                | "code"
                        )
                    })
            })
            .collect();
        // The label column: the one whose cells are regions, else the one with most text.
        let texts_in = |c: usize| -> Vec<String> {
            body.iter()
                .filter_map(|r| r.get(c).and_then(text_of))
                .filter(|l| !l.trim().is_empty() && vocab::total_row(l.trim()).is_none())
                .collect()
        };
        let regions_in = |c: usize| {
            texts_in(c)
                .iter()
                .filter(|l| normalise_region(l).is_ok())
                .count()
        };
        let label_column = (0..width)
            .max_by_key(|&c| (regions_in(c), texts_in(c).len()))
            .filter(|&c| !texts_in(c).is_empty());
        let components: Vec<String> = label_column.map(texts_in).unwrap_or_default();
        let regions = label_column.map_or(0, regions_in);
        let region_column = header.iter().any(|h| {
            let w = vocab::words(h);
            w.iter().any(|w| w == "ars" || w == "region")
        });
        let breakdown = if !components.is_empty() && regions * 10 >= components.len() * 8 {
            "region"
        } else if region_column {
            "beneficiary"
        } else {
            "budget-line"
        };
        let sheet_unit = rows[..=header_row]
            .iter()
            .flat_map(|r| r.iter().filter_map(text_of))
            .find_map(|t| vocab::unit_declared(&t));
        for &c in &figure_columns {
            let mut e = EnvelopeDraft {
                breakdown,
                anchor: Some(name.clone()),
                whereabouts: format!("sheet \"{name}\", column \"{}\"", header[c]),
                ..EnvelopeDraft::default()
            };
            e.exercise = years(&header[c]).first().copied().unwrap_or(0);
            if figure_columns.len() > 1 {
                e.amount_column = Some(header[c].clone());
            }
            let scale = vocab::unit_in_header(&header[c]).or(sheet_unit);
            e.unit = match scale {
                Some(s) if s == Decimal::ONE_THOUSAND => Some("k€"),
                Some(s) if s == Decimal::from(1_000_000) => Some("M€"),
                _ => None,
            };
            if breakdown == "region" && regions < 18 {
                e.comments.push(format!(
                    "{regions} regions of 18 named: the run checks that all 18 are there (completeness.region_missing)"
                ));
            }
            if breakdown == "budget-line" {
                e.comments.push("no region in the labels nor a region column: budget-line; beneficiary if they are organisations".to_string());
            }
            e.id = kebab(&format!(
                "esms-{}-{}",
                if e.exercise == 0 {
                    "annee".to_string()
                } else {
                    e.exercise.to_string()
                },
                if breakdown == "region" {
                    "regions"
                } else if breakdown == "beneficiary" {
                    "beneficiaires"
                } else {
                    "lignes"
                }
            ));
            out.push(e);
        }
    }
    Ok((all_text, out))
}

// ---------------------------------------------------------------------------------------
// The draft as TOML.
// ---------------------------------------------------------------------------------------

/// A TOML basic string (JSON's escapes are TOML's).
fn q(text: &str) -> String {
    serde_json::to_string(text).unwrap_or_else(|_| "\"\"".to_string())
}

fn render(
    meta: &Meta,
    file_name: &str,
    envelopes: &[EnvelopeDraft],
    commented: &[(EnvelopeDraft, String)],
) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "# Draft description of {file_name}, written by `esms-ledger scaffold`: it runs as is.\n# Check every value against the source; the comments say what only you can decide.\n# `esms-ledger explain {file_name}` shows what it reads, figure by figure.\n"
    );
    let _ = writeln!(out, "[publication]");
    let _ = writeln!(out, "id = {}", q(&meta.id));
    let _ = writeln!(out, "title = {}", q(&meta.title));
    let field = |out: &mut String, key: &'static str, value: String| {
        let comment = meta
            .comments
            .get(key)
            .map(|c| format!("   # TO DECIDE: {c}"))
            .unwrap_or_default();
        let _ = writeln!(out, "{key} = {value}{comment}");
    };
    field(&mut out, "issuer", q(&meta.issuer));
    field(
        &mut out,
        "kind",
        format!(
            "{}   # bo-decision | bo-instruction | annex-table | press-extract",
            q(meta.kind)
        ),
    );
    field(&mut out, "published_on", meta.published_on.clone());
    let _ = writeln!(out, "source = {}", q(file_name));
    if let Some(reference) = &meta.reference {
        let _ = writeln!(out, "reference = {}", q(reference));
    }
    let _ = writeln!(
        out,
        "# url = \"https://…\"   # optional: where the publication is online"
    );
    for e in envelopes {
        out.push('\n');
        write_envelope(&mut out, e, "");
    }
    for (e, error) in commented {
        out.push('\n');
        let _ = writeln!(
            out,
            "# Figures found at {}, but no form of this envelope extracts:",
            e.whereabouts
        );
        let _ = writeln!(out, "#   {}", error.replace('\n', "\n#   "));
        let _ = writeln!(out, "# Correct it and remove the leading '# ' to use it.");
        write_envelope(&mut out, e, "# ");
    }
    if envelopes.is_empty() && commented.is_empty() {
        let _ = writeln!(
            out,
            "\n# No table or list of figures found: describe the envelopes by hand (see the README's\n# \"Adding a publication\"). A description needs at least one [[envelopes]] to run.\n"
        );
    }
    out
}

fn write_envelope(out: &mut String, e: &EnvelopeDraft, prefix: &str) {
    let _ = writeln!(out, "{prefix}# Figures at {}.", e.whereabouts);
    for c in &e.comments {
        let _ = writeln!(out, "{prefix}# NOTE: {c}");
    }
    let _ = writeln!(out, "{prefix}[[envelopes]]");
    let _ = writeln!(
        out,
        "{prefix}id = {}   # TO DECIDE: the same id in two publications is the same envelope",
        q(&e.id)
    );
    let _ = writeln!(out, "{prefix}programme = \"ESMS numérique\"");
    let _ = writeln!(out, "{prefix}exercise = {}", e.exercise);
    let _ = writeln!(
        out,
        "{prefix}phase = \"à préciser\"   # TO DECIDE: amorçage temps 1, amorçage temps 2, généralisation…"
    );
    let _ = writeln!(
        out,
        "{prefix}channel = \"à préciser\"   # TO DECIDE: appel à projets national, appels à projets régionaux, crédits délégués aux ARS…"
    );
    let _ = writeln!(
        out,
        "{prefix}breakdown = {}   # region | beneficiary | budget-line | revision",
        q(e.breakdown)
    );
    if let Some(total) = &e.declared_total {
        let _ = writeln!(
            out,
            "{prefix}declared_total = {}   # as the source writes it",
            q(total)
        );
    }
    if let Some(anchor) = &e.anchor {
        let _ = writeln!(out, "{prefix}anchor = {}", q(anchor));
    }
    if let Some(items) = e.items {
        let _ = writeln!(out, "{prefix}items = {}", q(items));
    }
    if let Some(unit) = e.unit {
        let _ = writeln!(out, "{prefix}unit = {}", q(unit));
    }
    if let Some(amount) = &e.amount_column {
        let _ = writeln!(out, "{prefix}columns = {{ amount = {} }}", q(amount));
    }
    match &e.parent {
        Some(parent) => {
            let _ = writeln!(
                out,
                "{prefix}parent = {}   # TO DECIDE: found by its total; remove if wrong",
                q(parent)
            );
        }
        None => {
            let _ = writeln!(
                out,
                "{prefix}# parent = \"…\"   # TO DECIDE: the envelope this one is part of, if any"
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table_cells_split_on_tabs_pipes_and_wide_spaces() {
        assert_eq!(cells("Bretagne\t600 000"), ["Bretagne", "600 000"]);
        assert_eq!(cells("| Bretagne | 600 000 |"), ["Bretagne", "600 000", ""]);
        assert_eq!(
            cells("Pays de la Loire    1 200 000"),
            ["Pays de la Loire", "1 200 000"]
        );
    }

    #[test]
    fn dates_in_words_are_read() {
        assert_eq!(
            dates("Décision n° 2022-21 du 12 septembre 2022"),
            ["2022-09-12"]
        );
        assert_eq!(dates("le 1er juillet 2022"), ["2022-07-01"]);
    }

    #[test]
    fn anchors_are_the_fewest_last_words_that_stand_once() {
        let text = "Le premier lot est réparti comme suit :\nBretagne\t1 000\nLe second lot est réparti comme suit :\n";
        assert_eq!(
            anchor_phrase(text, "Le second lot est réparti comme suit :"),
            "second lot est réparti comme suit"
        );
    }
}
