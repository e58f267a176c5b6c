//! Lists of lines after an anchor: bullets, "Région : montant" lines, tables re-typed
//! with tabs or pipes, their header rows, units, totals and sub-totals.

use super::*;

/// Where a list of lines starts and may end.
#[derive(Debug, Clone, Copy)]
pub(super) struct ListBounds {
    pub(super) first: usize,
    pub(super) until: Option<(usize, usize)>,
    /// The description says the lines are a table with a header row.
    pub(super) table: bool,
}

/// A list keeps the style of its first item: once bullets start, a line without a bullet
/// ends the list (or is a heading between groups, when `until` bounds the section).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum ListStyle {
    Bullets,
    Plain,
}

/// What each column of a text table holds, read from its header row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Columns {
    count: usize,
    label: usize,
    region: Option<usize>,
    amount: usize,
    previous: Option<usize>,
    identifier: Option<usize>,
    scale: Option<Decimal>,
}

impl Columns {
    /// A table of two columns with no header naming them: the label, then the amount.
    pub(super) fn label_and_amount() -> Columns {
        Columns {
            count: 2,
            label: 0,
            region: None,
            amount: 1,
            previous: None,
            identifier: None,
            scale: None,
        }
    }

    /// Whether the label is the first column and the figures stand after it.
    pub(super) fn label_first(&self) -> bool {
        self.label == 0 && self.amount > 0
    }

    /// The unit the header gives the amounts, if it gives one.
    pub(super) fn scale(&self) -> Option<Decimal> {
        self.scale
    }
}

pub(super) fn folded_string(text: &str) -> String {
    fold_phrase(text).into_iter().collect()
}

/// The scale a heading or a header row states: "(en euros)", "en k€", "en millions
/// d'euros", or a header cell's own unit.
pub(super) fn scale_in(folded: &str) -> Option<Decimal> {
    crate::core::vocab::unit_in_note(folded)
}

/// Cells of a table line: separated by tabs, "|" or runs of two spaces or more (single
/// spaces, and the no-break spaces inside numbers, belong to the cell).
pub(super) fn cells(line: &[char], start: usize, end: usize) -> Vec<(usize, usize)> {
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

/// Why a header row could not give the table's columns: said to the user with the key of
/// the description that fixes it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum HeaderProblem {
    /// Several columns could hold the envelope's amounts and nothing designates one.
    AmbiguousAmount { candidates: Vec<usize> },
    /// A `columns.*` key names no column of the header.
    NotFound { key: &'static str, wanted: String },
}

/// The column a `columns.*` key designates: a header's text (whole, else contained), a
/// column letter ("B"), or a 1-based position ("2").
fn designated(wanted: &str, texts: &[String]) -> Option<usize> {
    let folded = folded_string(wanted.trim());
    let trimmed = wanted.trim();
    texts
        .iter()
        .position(|t| t.trim() == folded)
        .or_else(|| texts.iter().position(|t| t.contains(&folded)))
        .or_else(|| {
            let letters = trimmed.len() <= 2 && trimmed.chars().all(|c| c.is_ascii_uppercase());
            letters.then(|| {
                trimmed
                    .bytes()
                    .fold(0usize, |n, b| n * 26 + usize::from(b - b'A' + 1))
                    - 1
            })
        })
        .or_else(|| trimmed.parse::<usize>().ok().and_then(|n| n.checked_sub(1)))
        .filter(|&i| i < texts.len())
}

/// "B « Dotation FIR »": a column as the user will find it in the source.
pub(super) fn column_name(texts: &[String], i: usize) -> String {
    let letter = char::from(b'A' + u8::try_from(i % 26).unwrap_or(0));
    format!("{letter} « {} »", texts[i].trim())
}

/// Reads a header row: which column holds the label, the region, the amount (and the old
/// amount of a revision), an identifier. Percentage, comment and "dont" columns are
/// ignored. `None` when the row is no header; a problem when it is one but the envelope's
/// amount column cannot be told without `columns`.
pub(super) fn header_columns(
    texts: &[String],
    spec: &EnvelopeSpec,
) -> Option<Result<Columns, HeaderProblem>> {
    let breakdown = spec.breakdown;
    let exercise = spec.exercise;
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
    let wanted = spec.columns.clone().unwrap_or_default();
    // Each `columns.*` key the description gives must name a column of this header.
    let pick =
        |key: &'static str, value: &Option<String>| -> Result<Option<usize>, HeaderProblem> {
            match value {
                None => Ok(None),
                Some(w) => designated(w, texts)
                    .map(Some)
                    .ok_or(HeaderProblem::NotFound {
                        key,
                        wanted: w.clone(),
                    }),
            }
        };
    let chosen = (|| {
        Ok::<_, HeaderProblem>((
            pick("amount", &wanted.amount)?,
            pick("label", &wanted.label)?,
            pick("region", &wanted.region)?,
            pick("identifier", &wanted.identifier)?,
            pick("previous", &wanted.previous)?,
        ))
    })();
    let kept: Vec<usize> = (0..texts.len())
        .filter(|&i| !has(&texts[i], &IGNORED))
        .collect();
    // "Région | 2023 | 2024": a column named by the envelope's exercise holds its amounts.
    let year = exercise.to_string();
    // "dont fongible", "dont prévention": columns detailing another one, never its amounts.
    let amounts: Vec<usize> = kept
        .iter()
        .copied()
        .filter(|&i| {
            (has(&texts[i], &AMOUNT) || texts[i].contains(&year))
                && !has(&texts[i], &IDENTIFIER)
                && !texts[i].trim_start().starts_with("dont ")
        })
        .collect();
    let (chosen_amount, chosen_label, chosen_region, chosen_identifier, chosen_previous) =
        match chosen {
            Ok(chosen) => chosen,
            // A row naming no column the description wants is a header only if it looks
            // like one: otherwise it is no header at all.
            Err(_) if amounts.is_empty() => return None,
            Err(problem) => return Some(Err(problem)),
        };
    let of_exercise = amounts.iter().copied().find(|&i| texts[i].contains(&year));
    let previous =
        chosen_previous.or_else(|| amounts.iter().copied().find(|&i| has(&texts[i], &PREVIOUS)));
    let amount = match chosen_amount {
        Some(i) => i,
        None if breakdown == Breakdown::Revision => amounts
            .iter()
            .copied()
            .find(|&i| Some(i) != previous && has(&texts[i], &NEW))
            .or_else(|| amounts.iter().copied().rev().find(|&i| Some(i) != previous))?,
        None => match (of_exercise, amounts.as_slice()) {
            (Some(i), _) => i,
            (None, [only]) => *only,
            (None, []) => return None,
            // "Dotation FIR | … | Crédits ESMS numérique | Total délégué": never a silent pick.
            (None, several) => {
                return Some(Err(HeaderProblem::AmbiguousAmount {
                    candidates: several.to_vec(),
                }));
            }
        },
    };
    let find = |words: &[&str]| {
        kept.iter()
            .copied()
            .find(|&i| i != amount && Some(i) != previous && has(&texts[i], words))
    };
    // A "Code région" column beside the region's name: the name is the label (codes are
    // the first thing mistyped, and the name is what a reader checks).
    let region = chosen_region.or_else(|| {
        kept.iter()
            .copied()
            .find(|&i| {
                i != amount
                    && Some(i) != previous
                    && has(&texts[i], &REGION)
                    && !texts[i].contains("code")
            })
            .or_else(|| find(&REGION))
    });
    let identifier = chosen_identifier.or_else(|| find(&IDENTIFIER));
    let first_text = kept
        .iter()
        .copied()
        .find(|&i| i != amount && Some(i) != previous && Some(i) != identifier);
    let label = match (chosen_label, breakdown) {
        (Some(i), _) => i,
        (None, Breakdown::Region | Breakdown::Revision) => region.or(first_text)?,
        (None, Breakdown::Beneficiary) => find(&BENEFICIARY).or(first_text)?,
        (None, Breakdown::BudgetLine) => first_text?,
    };
    Some(Ok(Columns {
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
        scale: crate::core::vocab::unit_in_header(&texts[amount])
            .or_else(|| texts.iter().find_map(|t| scale_in(t))),
    }))
}

/// The error for a header row whose amount column the tool will not guess: where the
/// header stands, its columns, and the `columns` key that settles it.
fn header_error(
    doc: &Doc<'_>,
    line: usize,
    cells: &[(usize, usize)],
    problem: HeaderProblem,
    spec: &EnvelopeSpec,
) -> Error {
    let start = cells.first().map_or(0, |c| c.0);
    let end = cells.last().map_or(0, |c| c.1);
    let location = doc.located(line, start, end).location;
    // The headers as the source writes them, not folded.
    let texts: Vec<String> = cells
        .iter()
        .map(|&(s, e)| doc.lines[line][s..e].iter().collect())
        .collect();
    let texts = &texts[..];
    Error::extraction(location, header_message(texts, problem, spec))
}

/// What to tell the user about a header whose columns cannot be read: the columns by
/// their letters and headers, and the `columns` key that settles it.
pub(super) fn header_message(
    texts: &[String],
    problem: HeaderProblem,
    spec: &EnvelopeSpec,
) -> String {
    let all: Vec<String> = (0..texts.len()).map(|i| column_name(texts, i)).collect();
    match problem {
        HeaderProblem::AmbiguousAmount { candidates } => {
            let named: Vec<String> = candidates.iter().map(|&i| column_name(texts, i)).collect();
            let example = candidates
                .first()
                .map_or(String::new(), |&i| texts[i].trim().to_string());
            format!(
                "the table of envelope '{}' has several amount columns ({}) and nothing says which holds its figures: name it in the description, e.g. `columns = {{ amount = \"{example}\" }}` (a header's text, a letter or a 1-based position); its columns are {}",
                spec.id,
                named.join(", "),
                all.join(", ")
            )
        }
        HeaderProblem::NotFound { key, wanted } => format!(
            "`columns.{key}` = \"{wanted}\" of envelope '{}' names no column of this table; its columns are {}",
            spec.id,
            all.join(", ")
        ),
    }
}

/// A number standing alone at the end of a line ("Bretagne    2 636 303"), for tables
/// whose header or description gives the unit.
pub(super) fn trailing_number(chars: &[char]) -> Option<(usize, usize, Decimal)> {
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
        // "Article 2", "Arrêté du 6 mars 2020": a reference or a date, never a euro.
        .filter(|&(s, _, _)| {
            !crate::core::vocab::is_reference_number(&chars[..s].iter().collect::<String>())
        })
}

/// Every number written alone in a line, French-grouped ("38 498 000", "1.234.567,89").
pub(super) fn bare_numbers(chars: &[char]) -> Vec<(usize, usize, Decimal)> {
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
pub(super) fn scaled_amount(number: Decimal, scale: Decimal) -> Amount {
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
            unit: (scale / Decimal::from(10u64.pow(number.scale().min(18))))
                .max(Decimal::new(1, 2)),
        },
        qualifier: Qualifier::Equal,
    }
}

pub(super) fn match_of(chars: &[char], start: usize, end: usize, amount: Amount) -> AmountMatch {
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
pub(super) fn read_lines(
    doc: &Doc<'_>,
    anchor_line: usize,
    bounds: ListBounds,
    spec: &EnvelopeSpec,
    extraction: &mut Extraction,
) -> Result<(), Error> {
    let anchor_text: String = doc.lines[anchor_line].iter().collect();
    // The unit the text states (anchor, note, header) wins; the description's `unit` is
    // for tables that state none.
    let unit_fallback = spec.unit.map(Unit::scale);
    let mut scale = scale_in(&folded_string(&anchor_text))
        .or_else(|| stated_unit_near(doc, bounds))
        .or(unit_fallback);
    if super::flat::read_flattened(doc, bounds, spec, scale, extraction)? {
        return Ok(());
    }
    let mut columns: Option<Columns> = None;
    let mut style: Option<ListStyle> = None;
    let mut subtotal = Subtotal::default();
    // The lines before the first item (title, column header): repeated at the top of the
    // next page of a PDF, they do not end the table.
    let mut headings: Vec<String> = Vec::new();
    // A label standing alone on its line, for the row below it that has every cell but one.
    let mut pending_label: Option<(usize, usize, usize)> = None;
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
                && !next_row_has_figure(doc, l, last, columns.as_ref(), scale, &headings)
            {
                break;
            }
            continue;
        };
        // A table split over two pages of a PDF: the page's footer and header stand between
        // its rows. They are not rows (their "Page 45" is no amount), nor the table's end.
        if is_page_furniture(line) {
            continue;
        }
        // A footnote under the table ("(1) dont 100 000 € au titre de …", "Source : …")
        // ends it once rows were read; before them it is a note of the heading.
        if style == Some(ListStyle::Plain) && is_footnote(line) {
            if bounds.until.is_none() {
                break;
            }
            continue;
        }
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
        // "dont projet DUI mutualisé   100 000" details the row above it.
        if lead.starts_with("dont ") {
            extraction.notes.push(Note::new(
                Rule::ExtractionDetail,
                Detail::DetailOfRow {
                    label: text.trim().to_string(),
                },
                doc.loc(&piece, 0, chars.len()),
            ));
            continue;
        }
        let total = total_kind(label_words);
        let row_cells = cells(
            &doc.lines[this],
            piece.origin.first().map_or(first, |o| o.1),
            end,
        );
        // A row whose label stood alone on the line above (a wrapped cell whose other cells
        // a PDF centred vertically): the label cell is that line.
        let mut row: Vec<(usize, usize, usize)> =
            row_cells.iter().map(|&(s, e)| (this, s, e)).collect();
        if let (Some(cols), Some(label)) = (columns.as_ref(), pending_label.take())
            && cols.label == 0
            && row.len() + 1 == cols.count
        {
            row.insert(0, label);
        }
        if let Some(cols) = columns.as_ref().filter(|c| c.count == row.len()) {
            // The column header repeated at the top of the next page: the header's words
            // again, or no digit where the amount stands.
            let (amount_line, amount_start, amount_end) = row[cols.amount];
            if headings.contains(&folded)
                || !doc.lines[amount_line][amount_start..amount_end]
                    .iter()
                    .any(char::is_ascii_digit)
            {
                continue;
            }
            let item = table_item(doc, &row, cols, scale, spec)?;
            if let Some(id) = &item.identifier {
                extraction
                    .notes
                    .extend(crate::extract::identifier_note(&id.text, &id.location));
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
        // In a table (`items = "table"`), a sentence before the header row is the table's
        // introduction: its figures ("1,5 million d'euros en 2024, contre 12 millions en
        // 2023") are prose, not rows.
        if bounds.table
            && style.is_none()
            && columns.is_none()
            && row_cells.len() == 1
            && (text.trim().chars().count() > 60 || text.trim_end().ends_with('.'))
        {
            headings.push(folded.clone());
            continue;
        }
        // A header row may hold numbers ("Région | 2023 | 2024"): it is read as one before
        // any figure is looked for.
        if style.is_none() && matches.is_empty() && row_cells.len() >= 2 {
            let texts: Vec<String> = row_cells
                .iter()
                .map(|&(s, e)| folded_string(&doc.lines[this][s..e].iter().collect::<String>()))
                .collect();
            // "(en euros)  (en euros)" under the header: each column's unit, not a header.
            if columns.is_some() && texts.iter().all(|t| crate::core::vocab::is_unit_only(t)) {
                if let Some(unit) = texts
                    .iter()
                    .find_map(|t| crate::core::vocab::unit_in_header(t))
                {
                    scale = Some(unit);
                }
                headings.push(folded.clone());
                continue;
            }
            if let Some(found) = header_columns(&texts, spec) {
                let found = found.map_err(|p| header_error(doc, this, &row_cells, p, spec))?;
                // Repeated at the top of the next page of a PDF, it is skipped there.
                headings.push(folded.clone());
                if found.scale.is_some() && scale == unit_fallback {
                    scale = found.scale;
                }
                scale = scale.or(found.scale);
                columns = Some(found);
                continue;
            }
        }
        if matches.is_empty()
            && let Some((s, e, n)) = trailing_number(chars)
        {
            match columns.as_ref().and_then(|c| c.scale).or(scale) {
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
                    if let Some(found) = header_columns(&texts, spec) {
                        columns =
                            Some(found.map_err(|p| header_error(doc, this, &row_cells, p, spec))?);
                    }
                }
                if let Some(stated) = scale_in(&folded)
                    && (scale.is_none() || scale == unit_fallback)
                {
                    scale = Some(stated);
                }
                headings.push(folded.clone());
                continue;
            }
            // Inside a table, a line of one cell without a figure is part of a wrapped cell:
            // the end of the previous row's label when it starts in lower case ("d'enfants
            // inadaptés de la Somme"), else the label of the next row when that row has
            // every cell but its label.
            if style == Some(ListStyle::Plain)
                && let Some(cols) = columns.as_ref()
                && row_cells.len() == 1
            {
                let trimmed = text.trim();
                if trimmed.starts_with(char::is_lowercase)
                    && let Some(previous) = extraction.items.last_mut()
                {
                    previous.label.text = format!("{} {trimmed}", previous.label.text.trim_end());
                    continue;
                }
                let next = (l..=last.min(doc.lines.len().saturating_sub(1)))
                    .find(|&n| doc.lines[n].iter().any(|c| !c.is_whitespace()));
                let next_is_unlabelled_row = next.is_some_and(|n| {
                    let line = &doc.lines[n];
                    let next_cells = cells(line, 0, line.len());
                    next_cells.len() + 1 == cols.count
                        && next_cells
                            .last()
                            .is_some_and(|&(s, e)| line[s..e].iter().any(char::is_ascii_digit))
                });
                if cols.label == 0 && next_is_unlabelled_row {
                    let (s, e) = row_cells[0];
                    pending_label = Some((this, s, e));
                    continue;
                }
            }
            // A group heading inside a table ("Métropole", "Outre-mer"): short, and followed
            // by a row with a figure.
            let heading = style == Some(ListStyle::Plain)
                && text.trim().chars().count() <= 60
                && !text.trim_end().ends_with('.')
                && next_row_has_figure(doc, l, last, columns.as_ref(), scale, &headings);
            if bounds.until.is_some() || heading {
                continue;
            }
            // A line without a figure ends the table; but when rows of the same table follow
            // right after it, ending there would drop them silently: the user says where the
            // table ends instead.
            if let Some(cols) = columns.as_ref()
                && let Some(resumes) =
                    (l..=(l + 2).min(last.min(doc.lines.len().saturating_sub(1)))).find(|&n| {
                        let line = &doc.lines[n];
                        let next_cells = cells(line, 0, line.len());
                        next_cells.len() == cols.count
                            && line[next_cells[cols.amount].0..next_cells[cols.amount].1]
                                .iter()
                                .any(char::is_ascii_digit)
                    })
            {
                return Err(Error::extraction(
                    doc.loc(&piece, 0, chars.len()),
                    format!(
                        "a line without a figure (\"{}\") stands inside the table of envelope '{}', whose rows go on at line {}: set `until` to end the table before it, or correct the row",
                        text.trim(),
                        spec.id,
                        resumes + 1
                    ),
                ));
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
pub(super) fn next_row_has_figure(
    doc: &Doc<'_>,
    from: usize,
    last: usize,
    columns: Option<&Columns>,
    scale: Option<Decimal>,
    headings: &[String],
) -> bool {
    let Some(l) = (from..=last.min(doc.lines.len().saturating_sub(1))).find(|&l| {
        doc.lines[l].iter().any(|c| !c.is_whitespace())
            && !is_page_furniture(&doc.lines[l])
            && !headings.contains(&folded_string(&doc.lines[l].iter().collect::<String>()))
    }) else {
        return false;
    };
    if is_footnote(&doc.lines[l]) {
        return false;
    }
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

/// A note under a table: "(1) …", "(a) …", "* …", "¹ …", "Source : …", "NB : …".
pub(super) fn is_footnote(line: &[char]) -> bool {
    crate::core::vocab::is_note(&line.iter().collect::<String>())
}

/// A PDF page's running head or footer.
pub(super) fn is_page_furniture(line: &[char]) -> bool {
    crate::core::vocab::is_page_furniture(&line.iter().collect::<String>())
}

/// Whether line `l` goes on with the bullet in `parts` (a line wrapped by a PDF export).
pub(super) fn is_continuation(doc: &Doc<'_>, parts: &[Piece], l: usize) -> bool {
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
pub(super) enum TotalKind {
    Grand,
    Sub,
}

/// Whether a line's words open a total row (see `vocab::total_row`).
pub(super) fn total_kind(label: &str) -> Option<TotalKind> {
    crate::core::vocab::total_row(label).map(|kind| match kind {
        crate::core::vocab::TotalRow::Grand => TotalKind::Grand,
        crate::core::vocab::TotalRow::Sub => TotalKind::Sub,
    })
}

/// Sums the lines since the last sub-total, to check the next one.
#[derive(Debug, Default)]
pub(super) struct Subtotal {
    running: Decimal,
}

impl Subtotal {
    pub(super) fn add(&mut self, value: Decimal) {
        self.running += value;
    }

    pub(super) fn check(&mut self, stated: &StatedAmount, extraction: &mut Extraction) {
        if !stated.amount.admits(self.running, Decimal::ZERO) {
            extraction.notes.push(
                Note::new(
                    Rule::SheetSubtotalMismatch,
                    Detail::SubtotalOfLines {
                        stated: stated.amount.value,
                        stated_raw: stated.raw.clone(),
                        lines_sum: self.running,
                    },
                    stated.location.clone(),
                )
                .arithmetic(
                    stated.amount.value,
                    self.running,
                    stated.amount.tolerance(),
                ),
            );
        }
        self.running = Decimal::ZERO;
    }
}

/// A unit stated in a note near the list ("Montants en millions d'euros", "(en k€)"): only
/// the explicit "en …" forms, never a figure of the prose.
pub(super) fn stated_unit_near(doc: &Doc<'_>, bounds: ListBounds) -> Option<Decimal> {
    let last = match bounds.until {
        Some((ul, _)) => ul,
        None => (bounds.first + 80).min(doc.lines.len().saturating_sub(1)),
    };
    (bounds.first..=last.min(doc.lines.len().saturating_sub(1))).find_map(|l| {
        let text: String = doc.lines[l].iter().collect();
        if !find_amounts(&text).is_empty() {
            return None;
        }
        crate::core::vocab::unit_declared(&text)
    })
}

/// Whether a bullet with a figure follows in the same run of bullets.
pub(super) fn later_bullet_has_figure(doc: &Doc<'_>, from: usize) -> bool {
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
/// A row of a table as an item; each cell is (line, start, end), so that a row whose cells
/// stand on several lines (a table copied one cell per line) reads like any other.
pub(super) fn table_item(
    doc: &Doc<'_>,
    row: &[(usize, usize, usize)],
    cols: &Columns,
    scale: Option<Decimal>,
    spec: &EnvelopeSpec,
) -> Result<RawItem, Error> {
    let at = |i: usize| doc.located(row[i].0, row[i].1, row[i].2);
    let amount_in = |i: usize| -> Result<StatedAmount, Error> {
        let cell = at(i);
        let amount = match parse_amount(&cell.text) {
            Ok(a) => a,
            Err(_) => {
                let number =
                    parse_number(cell.text.trim_end_matches(['€', ' ']).trim()).map_err(|e| {
                        Error::extraction(
                            &cell.location,
                            format!(
                                "amount of envelope '{}' in column {} of a {}-column table row: {e}; if the table's amounts stand in another column, name it with `columns = {{ amount = \"…\" }}` (header text, letter or 1-based position), or end the table earlier with `until`",
                                spec.id,
                                i + 1,
                                row.len()
                            ),
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
        exercise: None,
    })
}
