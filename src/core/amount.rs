//! Money as French official texts write it, parsed exactly (rust_decimal, never floats),
//! keeping how each figure was stated. Pure: no I/O.
//!
//! The rules are those of the reference notes, §3.5 ("French number formatting in official
//! texts"): comma is always the decimal separator, dots and blanks group thousands, a
//! scale word makes a figure a rounded one, and values are rounded to the cent with
//! `MidpointAwayFromZero`, the usual French administrative rounding.

use rust_decimal::{Decimal, RoundingStrategy};
use serde::Serialize;
use unicode_normalization::UnicodeNormalization;
use unicode_normalization::char::is_combining_mark;

/// How precisely a figure is written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Precision {
    /// Written to the euro or the cent ("12 199 648 euros", "8.348.102,00 €").
    Exact,
    /// Rounded to `unit` euros: "16,7 M€" has unit 100 000, "67 M€" 1 000 000,
    /// "645 k€" 1 000. The true value lies within half a unit.
    Rounded { unit: Decimal },
}

impl Precision {
    /// Half the rounding unit (see `Amount::half_unit`).
    pub fn half_unit(&self) -> Decimal {
        match self {
            Precision::Exact => Decimal::ZERO,
            Precision::Rounded { unit } => unit.checked_div(Decimal::TWO).unwrap_or(*unit),
        }
    }
}

/// What the words around a figure say of it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Qualifier {
    /// The figure itself.
    Equal,
    /// "plus de", "au moins", "plus d'un million": a lower bound.
    AtLeast,
    /// "moins de", "jusqu'à", "au plus": an upper bound.
    AtMost,
    /// "près de", "environ", "quelque", "approximativement", "de l'ordre de".
    About,
}

/// A money figure in euros with how it was stated.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
pub struct Amount {
    /// Euros, scaled and rounded to the cent (MidpointAwayFromZero).
    #[serde(with = "rust_decimal::serde::str")]
    pub value: Decimal,
    pub precision: Precision,
    pub qualifier: Qualifier,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AmountError {
    #[error("'{0}' is not a number")]
    NotANumber(String),
    /// "1.5" in a French source: a dot that is not a thousands separator.
    #[error("'{0}' is ambiguous: a dot that is not followed by groups of three digits")]
    AmbiguousDot(String),
    #[error("'{0}' has no currency unit (euros, €, M€, millions d'euros…)")]
    NoUnit(String),
    #[error("'{0}' is too large")]
    Overflow(String),
    /// "12 euros par an": a whole figure was expected, and words follow it.
    #[error("'{0}' has text after the amount")]
    TrailingText(String),
}

/// A figure found in running text: char span (0-based, end exclusive, counted in chars)
/// and the exact text of the span.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AmountMatch {
    pub start: usize,
    pub end: usize,
    pub raw: String,
    pub amount: Amount,
}

impl Amount {
    /// A figure known to the cent, stated as such (a table cell, a computed sum).
    pub fn exact(value: Decimal) -> Amount {
        Amount {
            value,
            precision: Precision::Exact,
            qualifier: Qualifier::Equal,
        }
    }

    /// How the figure was stated, as one word for reports and the dataset:
    /// "exact", "rounded", "lower_bound", "upper_bound" or "approximate".
    /// The qualifier wins over the precision: "plus de 2,7 millions" is a lower bound
    /// before being a rounded figure.
    pub fn kind(&self) -> &'static str {
        match (self.qualifier, self.precision) {
            (Qualifier::AtLeast, _) => "lower_bound",
            (Qualifier::AtMost, _) => "upper_bound",
            (Qualifier::About, _) => "approximate",
            (Qualifier::Equal, Precision::Exact) => "exact",
            (Qualifier::Equal, Precision::Rounded { .. }) => "rounded",
        }
    }

    /// Half the rounding unit: how far the true value may lie from a rounded figure
    /// ("16,7 M€" → 50 000). Zero for an exact figure.
    pub fn half_unit(&self) -> Decimal {
        self.precision.half_unit()
    }

    /// The margin `admits` grants before any extra tolerance: half a unit, or for
    /// "près de"/"environ" the larger of half a unit and 5 % of the figure. Shown to
    /// analysts as the tolerance of a check.
    pub fn tolerance(&self) -> Decimal {
        let half_unit = self.half_unit();
        match self.qualifier {
            Qualifier::About => half_unit.max(
                self.value
                    .abs()
                    .checked_mul(Decimal::new(5, 2))
                    .unwrap_or(Decimal::MAX),
            ),
            _ => half_unit,
        }
    }

    /// Whether a true value `actual` (say, the sum of exact table rows) is compatible with
    /// this statement, allowing `extra_tolerance` euros on top (a negative one counts as 0):
    ///
    /// - stated as equal ("16,7 M€", "12 199 648 euros"):
    ///   |actual − value| ≤ half_unit + extra;
    /// - a lower bound ("plus de 2,7 millions"): actual ≥ value − half_unit − extra. The
    ///   half unit is granted because the bound itself is a rounded figure: "plus de
    ///   2,7 millions" may be written for 2 680 000;
    /// - an upper bound ("moins de", "jusqu'à"): actual ≤ value + half_unit + extra;
    /// - approximate ("près de", "environ"): |actual − value| ≤ max(half_unit, 5 % of
    ///   |value|) + extra. Five per cent is this project's reading of "près de"; the
    ///   rounding unit wins when it is wider ("environ 90 M€" with 1 M€ units stays ±5 %,
    ///   "près de 4 M€" gets ±500 000).
    ///
    /// Sums too large for a decimal never panic: an unbounded tolerance admits everything,
    /// an unbounded distance nothing.
    pub fn admits(&self, actual: Decimal, extra_tolerance: Decimal) -> bool {
        let extra = extra_tolerance.max(Decimal::ZERO);
        let half_unit = self.half_unit();
        match self.qualifier {
            Qualifier::Equal => within(distance(actual, self.value), half_unit.checked_add(extra)),
            Qualifier::AtLeast => {
                actual >= self.value
                    || within(self.value.checked_sub(actual), half_unit.checked_add(extra))
            }
            Qualifier::AtMost => {
                actual <= self.value
                    || within(actual.checked_sub(self.value), half_unit.checked_add(extra))
            }
            Qualifier::About => {
                let five_percent = self
                    .value
                    .abs()
                    .checked_mul(Decimal::new(5, 2))
                    .unwrap_or(Decimal::MAX);
                let tolerance = half_unit.max(five_percent).checked_add(extra);
                within(distance(actual, self.value), tolerance)
            }
        }
    }
}

/// |a − b|, or `None` when it does not fit in a decimal.
fn distance(a: Decimal, b: Decimal) -> Option<Decimal> {
    a.checked_sub(b).map(|difference| difference.abs())
}

/// `None` stands for "too large for a decimal" on either side.
fn within(distance: Option<Decimal>, tolerance: Option<Decimal>) -> bool {
    match (distance, tolerance) {
        (_, None) => true,
        (None, Some(_)) => false,
        (Some(distance), Some(tolerance)) => distance <= tolerance,
    }
}

/// Above this many digits a figure is not money but an error, and `Decimal::from_str`
/// would start rounding silently (it holds 28 to 29 significant digits).
const MAX_DIGITS: usize = 28;
/// Blanks between thousands groups in a number of at most MAX_DIGITS digits.
const MAX_GROUP_SEPARATORS: usize = (MAX_DIGITS - 1) / 3;

/// Parses a bare French number, without unit: "12 199 648", "8.348.102", "1 234,56",
/// "-4 893 594", "(1 234)".
///
/// Rules (reference §3.5): after NFKC, blanks (space, U+00A0, U+202F, U+2009) group
/// thousands; the comma is always the decimal separator; with a comma, dots group
/// thousands too; without one, dots group thousands only when every group after a dot
/// has exactly three digits and the first has one to three, otherwise the dot is
/// `AmbiguousDot` ("1.5", "8348102.5": a decimal point is never guessed). Groups must be
/// well formed (one to three digits, then threes, one kind of separator). A leading `-`
/// or U+2212, or accounting parentheses, make the number negative.
///
/// The result keeps the decimals as written ("2,70" has scale 2): the caller derives the
/// rounding unit of a scaled figure from it.
pub fn parse_number(text: &str) -> Result<Decimal, AmountError> {
    let not_a_number = || AmountError::NotANumber(text.to_string());
    let normalised: String = text.nfkc().collect();
    let trimmed = normalised.trim();

    let (negative, body) = if let Some(inner) = trimmed
        .strip_prefix('(')
        .and_then(|rest| rest.strip_suffix(')'))
    {
        (true, inner.trim())
    } else if let Some(rest) = trimmed
        .strip_prefix('-')
        .or_else(|| trimmed.strip_prefix('\u{2212}'))
    {
        (true, rest)
    } else {
        (false, trimmed)
    };

    let (integer_part, fraction) = match body.split_once(',') {
        Some((integer_part, fraction)) => (integer_part, Some(fraction)),
        None => (body, None),
    };
    if let Some(fraction) = fraction
        && (fraction.is_empty() || !fraction.chars().all(|c| c.is_ascii_digit()))
    {
        return Err(not_a_number());
    }
    let integer_digits =
        integer_digits(integer_part, fraction.is_some()).map_err(|bad| bad.into_error(text))?;

    let fraction = fraction.unwrap_or("");
    if integer_digits.len() + fraction.len() > MAX_DIGITS {
        return Err(AmountError::Overflow(text.to_string()));
    }
    let plain = if fraction.is_empty() {
        integer_digits
    } else {
        format!("{integer_digits}.{fraction}")
    };
    let magnitude: Decimal = plain.parse().map_err(|_| not_a_number())?;
    Ok(if negative && !magnitude.is_zero() {
        -magnitude
    } else {
        magnitude
    })
}

/// Why the integer part of a number was refused.
enum BadInteger {
    Malformed,
    AmbiguousDot,
}

impl BadInteger {
    fn into_error(self, text: &str) -> AmountError {
        match self {
            BadInteger::Malformed => AmountError::NotANumber(text.to_string()),
            BadInteger::AmbiguousDot => AmountError::AmbiguousDot(text.to_string()),
        }
    }
}

/// The digits of a grouped integer part ("12 199 648", "8.348.102"), checked.
fn integer_digits(integer_part: &str, has_comma: bool) -> Result<String, BadInteger> {
    let is_separator = |c: char| c == ' ' || c == '.';
    if integer_part.is_empty()
        || !integer_part
            .chars()
            .all(|c| c.is_ascii_digit() || is_separator(c))
    {
        return Err(BadInteger::Malformed);
    }
    let groups: Vec<&str> = integer_part.split(is_separator).collect();
    let has_dot = integer_part.contains('.');
    if groups.len() == 1 {
        return Ok(integer_part.to_string());
    }
    if has_dot && integer_part.contains(' ') {
        return Err(BadInteger::Malformed);
    }
    let first_ok = (1..=3).contains(&groups[0].len());
    let rest_ok = groups[1..].iter().all(|group| group.len() == 3);
    if first_ok && rest_ok {
        return Ok(groups.concat());
    }
    // Without a comma a badly grouped dot may be a decimal point ("1.5", Excel's
    // "8348102.5"): say so rather than "not a number", it is what the reader must fix.
    let looks_decimal = has_dot && !has_comma && groups.iter().all(|group| !group.is_empty());
    Err(if looks_decimal {
        BadInteger::AmbiguousDot
    } else {
        BadInteger::Malformed
    })
}

/// Parses a whole figure as written: qualifier words, number, unit, and nothing else.
///
/// "8.348.102 euros", "645.000 €", "16,7 M€", "12M€", "2,7 millions d'euros",
/// "1,5 million", "645 k€", "1,2 Md€", "plus d'un million d'euros", "près de 4,3 millions
/// d'euros", "environ 90 M€", "jusqu'à 500 000 €".
///
/// - The qualifier comes from the leading words (see [`Qualifier`]).
/// - A figure in plain euros is `Exact`, even "500 000 euros"; a figure with a scale (k€,
///   M€, million(s), milliard(s)) is `Rounded` to one unit of its last written digit
///   ("16,7 M€" → 100 000, "67 M€" → 1 000 000, "un million" → 1 000 000).
/// - "million(s)"/"milliard(s)" without "d'euros" counts as euros ("1,5 million"): the
///   sources write it so; but "2 millions d'habitants" has no unit.
/// - Word numbers (un, une, deux … dix, douze, quinze, vingt, cent…) are read only before
///   "million(s)"/"milliard(s)".
pub fn parse_amount(text: &str) -> Result<Amount, AmountError> {
    let normalised: String = text.nfkc().collect();
    let folded: Vec<char> = normalised.chars().map(fold_char).collect();
    let start = skip_blanks(&folded, 0);
    let mut end = folded.len();
    while end > start && is_blank(folded[end - 1]) {
        end -= 1;
    }
    let folded = &folded[..end];
    if start == end {
        return Err(AmountError::NotANumber(text.to_string()));
    }

    let (number_start, qualifier) = qualifier_prefix(folded, start);
    let (number, after_number) =
        if let Some((value, word_end)) = word_number_at(folded, number_start) {
            (Decimal::from(value), word_end)
        } else {
            let number_end = lenient_number_end(folded, number_start);
            if number_end == number_start {
                return Err(AmountError::NotANumber(text.to_string()));
            }
            let number_text: String = folded[number_start..number_end].iter().collect();
            let number = parse_number(&number_text).map_err(|error| with_input(error, text))?;
            (number, number_end)
        };

    let Some((unit_end, unit)) = unit_at(folded, after_number) else {
        return Err(AmountError::NoUnit(text.to_string()));
    };
    if unit_end != folded.len() {
        return Err(AmountError::TrailingText(text.to_string()));
    }
    build_amount(number, unit, qualifier).ok_or_else(|| AmountError::Overflow(text.to_string()))
}

/// Errors name the whole figure the caller gave, not the number inside it.
fn with_input(error: AmountError, text: &str) -> AmountError {
    let text = text.to_string();
    match error {
        AmountError::NotANumber(_) => AmountError::NotANumber(text),
        AmountError::AmbiguousDot(_) => AmountError::AmbiguousDot(text),
        AmountError::NoUnit(_) => AmountError::NoUnit(text),
        AmountError::Overflow(_) => AmountError::Overflow(text),
        AmountError::TrailingText(_) => AmountError::TrailingText(text),
    }
}

/// Every money figure of a line or a sentence of French prose, left to right.
///
/// A number is money only when a currency unit follows it (euros, €, EUR, k€, M€, MEUR,
/// Md€, million(s) or milliard(s) with or without "d'euros"): "17 000 établissements",
/// "2021", "50%", "p137", "15 juin" are not. The span covers the qualifier words ("plus
/// de 2,7 millions d'euros" is one match) and is counted in chars; `raw` is that slice,
/// and `parse_amount(raw)` gives the same amount.
///
/// Hyphens are ignored: in a line of prose a dash before a number is a bullet or a range
/// ("- 71,5 millions", "p12-34"), and French prose says a decrease in words. The true
/// minus sign U+2212, set against the number ("−100 000 €"), makes it negative. A
/// malformed number before a unit ("1.5 euros") is skipped, not guessed.
pub fn find_amounts(text: &str) -> Vec<AmountMatch> {
    let original: Vec<char> = text.chars().collect();
    let folded: Vec<char> = original.iter().copied().map(fold_char).collect();
    let mut matches = Vec::new();
    let mut position = 0;
    while position < folded.len() {
        let c = folded[position];
        let starts_word = position == 0 || !folded[position - 1].is_alphanumeric();
        if c.is_ascii_digit() {
            let run_end = strict_number_end(&folded, position);
            if starts_word
                && let Some((start, end, amount)) = figure_in_run(&folded, position, run_end)
            {
                matches.push(located(&original, start, end, amount));
                position = end;
            } else {
                position = run_end;
            }
        } else if c.is_alphabetic() {
            let word_end = word_end(&folded, position);
            let figure = starts_word
                .then(|| word_number_figure(&folded, position))
                .flatten();
            if let Some((end, amount)) = figure {
                let (start, qualifier) = qualifier_before(&folded, position);
                let amount = Amount {
                    qualifier,
                    ..amount
                };
                matches.push(located(&original, start, end, amount));
                position = end;
            } else {
                position = word_end;
            }
        } else {
            position += 1;
        }
    }
    // "€ 1 843 120": the sign before the number, as some tables and forms write it.
    for (i, &c) in original.iter().enumerate() {
        if c != '€' || matches.iter().any(|m| m.start <= i && i < m.end) {
            continue;
        }
        let mut start = i + 1;
        while start < original.len() && matches!(original[start], ' ' | '\u{a0}' | '\u{202f}') {
            start += 1;
        }
        let mut end = start;
        while end < original.len()
            && (original[end].is_ascii_digit()
                || matches!(original[end], ' ' | '\u{a0}' | '\u{202f}' | '.' | ','))
        {
            end += 1;
        }
        while end > start && !original[end - 1].is_ascii_digit() {
            end -= 1;
        }
        if end == start || matches.iter().any(|m| m.start < end && start < m.end) {
            continue;
        }
        let number: String = original[start..end].iter().collect();
        if let Ok(value) = parse_number(&number) {
            let value = value
                .round_dp_with_strategy(2, rust_decimal::RoundingStrategy::MidpointAwayFromZero);
            matches.push(located(&original, i, end, Amount::exact(value)));
        }
    }
    matches.sort_by_key(|m| m.start);
    for m in &mut matches {
        let signed = m.start > 0
            && original[m.start - 1] == '\u{2212}'
            && (m.start == 1 || !original[m.start - 2].is_alphanumeric());
        if signed && m.amount.qualifier == Qualifier::Equal {
            m.start -= 1;
            m.raw = original[m.start..m.end].iter().collect();
            m.amount.value = -m.amount.value;
        }
    }
    matches
}

fn located(original: &[char], start: usize, end: usize, amount: Amount) -> AmountMatch {
    AmountMatch {
        start,
        end,
        raw: original[start..end].iter().collect(),
        amount,
    }
}

/// A figure written with digits whose number run spans `run_start..run_end`.
///
/// A run can swallow a neighbouring number ("en 2021 500 000 euros" reads as one
/// badly-grouped run): when the whole run is not a well-formed number, its suffixes
/// after a blank are tried, longest first. Suffixes after a dot or a comma are not:
/// "1.5 euros" must not become "5 euros".
fn figure_in_run(
    folded: &[char],
    run_start: usize,
    run_end: usize,
) -> Option<(usize, usize, Amount)> {
    let (unit_end, unit) = unit_at(folded, run_end)?;
    let after_blanks: Vec<usize> = (run_start..run_end)
        .filter(|&i| folded[i] == ' ')
        .map(|i| i + 1)
        .collect();
    // A number that parses has at most MAX_DIGITS digits, hence at most
    // MAX_GROUP_SEPARATORS blanks: longer suffixes cannot parse, and trying them all would
    // be quadratic on a run like "1 1 1 … 1 euros".
    let first_useful = after_blanks.len().saturating_sub(MAX_GROUP_SEPARATORS + 1);
    let whole_run = (after_blanks.len() <= MAX_GROUP_SEPARATORS).then_some(run_start);
    let candidate_starts = whole_run
        .into_iter()
        .chain(after_blanks[first_useful..].iter().copied());
    for number_start in candidate_starts {
        let number_text: String = folded[number_start..run_end].iter().collect();
        if let Ok(number) = parse_number(&number_text) {
            let (start, qualifier) = qualifier_before(folded, number_start);
            let amount = build_amount(number, unit, qualifier)?;
            return Some((start, unit_end, amount));
        }
    }
    None
}

/// A word number ("un", "deux", "cent") at `start` followed by million(s)/milliard(s).
fn word_number_figure(folded: &[char], start: usize) -> Option<(usize, Amount)> {
    let (value, word_end) = word_number_at(folded, start)?;
    let (unit_end, unit) = unit_at(folded, word_end)?;
    if !unit.scale_word {
        return None;
    }
    Some((
        unit_end,
        build_amount(Decimal::from(value), unit, Qualifier::Equal)?,
    ))
}

/// A scale and whether it was written as a word.
#[derive(Debug, Clone, Copy)]
struct Unit {
    /// Power of ten the written number is multiplied by: 0, 3, 6 or 9.
    exponent: u32,
    /// "million(s)"/"milliard(s)" spelled out: the only scale a word number takes, since
    /// "deux M€" or "trois euros" are not how the sources write figures.
    scale_word: bool,
}

/// Value = number × scale rounded to the cent; precision from the decimals written.
/// `None` on overflow.
fn build_amount(number: Decimal, unit: Unit, qualifier: Qualifier) -> Option<Amount> {
    let scale = Decimal::from(10_u64.checked_pow(unit.exponent)?);
    let value = number
        .checked_mul(scale)?
        .round_dp_with_strategy(2, RoundingStrategy::MidpointAwayFromZero)
        .normalize();
    let precision = if unit.exponent == 0 {
        Precision::Exact
    } else {
        let last_digit = Decimal::try_new(1, number.scale()).ok()?;
        Precision::Rounded {
            unit: last_digit.checked_mul(scale)?.normalize(),
        }
    };
    Some(Amount {
        value,
        precision,
        qualifier,
    })
}

/// Leading words and what they say of the figure after them, in folded form (lower
/// case, no accents, ’ → '). A blank stands for one or more blanks. The list follows the
/// wordings met in BO decisions and press summaries.
const QUALIFIERS: &[(&str, Qualifier)] = &[
    ("plus de", Qualifier::AtLeast),
    ("plus d'", Qualifier::AtLeast),
    ("au moins", Qualifier::AtLeast),
    ("au minimum", Qualifier::AtLeast),
    ("au-dela de", Qualifier::AtLeast),
    ("au-dela d'", Qualifier::AtLeast),
    ("moins de", Qualifier::AtMost),
    ("moins d'", Qualifier::AtMost),
    ("jusqu'a", Qualifier::AtMost),
    ("au plus", Qualifier::AtMost),
    ("au maximum", Qualifier::AtMost),
    ("dans la limite de", Qualifier::AtMost),
    ("dans la limite d'", Qualifier::AtMost),
    ("pres de", Qualifier::About),
    ("pres d'", Qualifier::About),
    ("environ", Qualifier::About),
    ("quelque", Qualifier::About),
    ("approximativement", Qualifier::About),
    ("de l'ordre de", Qualifier::About),
    ("de l'ordre d'", Qualifier::About),
    ("autour de", Qualifier::About),
    ("autour d'", Qualifier::About),
    ("aux alentours de", Qualifier::About),
    ("aux alentours d'", Qualifier::About),
    ("a peu pres", Qualifier::About),
];

/// The qualifier words ending just before `number_start`, and where they begin.
/// Phrases ending in a letter need a blank before the number; "plus d'" needs none
/// ("plus d'un million").
fn qualifier_before(folded: &[char], number_start: usize) -> (usize, Qualifier) {
    let mut phrase_end = number_start;
    while phrase_end > 0 && is_blank(folded[phrase_end - 1]) {
        phrase_end -= 1;
    }
    let blanks = number_start - phrase_end;
    let mut best = (number_start, Qualifier::Equal);
    for &(phrase, qualifier) in QUALIFIERS {
        if blanks == 0 && !phrase.ends_with('\'') {
            continue;
        }
        if let Some(start) = match_ending_at(folded, phrase_end, phrase)
            && start < best.0
        {
            best = (start, qualifier);
        }
    }
    best
}

/// The qualifier words starting at `start`, and where the number after them begins.
fn qualifier_prefix(folded: &[char], start: usize) -> (usize, Qualifier) {
    let mut best = (start, Qualifier::Equal);
    for &(phrase, qualifier) in QUALIFIERS {
        let Some(phrase_end) = match_at(folded, start, phrase) else {
            continue;
        };
        let number_start = skip_blanks(folded, phrase_end);
        if number_start == phrase_end && !phrase.ends_with('\'') {
            continue;
        }
        if number_start > best.0 {
            best = (number_start, qualifier);
        }
    }
    best
}

/// French number words the sources put before "million(s)"/"milliard(s)".
const WORD_NUMBERS: &[(&str, u32)] = &[
    ("un", 1),
    ("une", 1),
    ("deux", 2),
    ("trois", 3),
    ("quatre", 4),
    ("cinq", 5),
    ("six", 6),
    ("sept", 7),
    ("huit", 8),
    ("neuf", 9),
    ("dix", 10),
    ("onze", 11),
    ("douze", 12),
    ("treize", 13),
    ("quatorze", 14),
    ("quinze", 15),
    ("seize", 16),
    ("dix-sept", 17),
    ("dix-huit", 18),
    ("dix-neuf", 19),
    ("vingt", 20),
    ("trente", 30),
    ("quarante", 40),
    ("cinquante", 50),
    ("soixante", 60),
    ("cent", 100),
];

/// The value of a French number word ("trois" → 3, "dix-huit" → 18), lower-case.
pub fn number_word(word: &str) -> Option<u32> {
    WORD_NUMBERS
        .iter()
        .find(|(spelled, _)| *spelled == word)
        .map(|&(_, value)| value)
}

/// A count written in French words below a thousand, as words in reading order ("deux",
/// "cent", "vingt-quatre"; "quatre-vingt-dix-neuf", "soixante et onze"): 224, 99, 71.
/// `None` when a word is not a number word, or for a value outside 1..=999.
pub fn count_in_words(words: &[&str]) -> Option<u32> {
    let mut value: u32 = 0;
    let mut previous = "";
    for word in words.iter().flat_map(|w| w.split('-')) {
        match word {
            "" | "et" => {}
            "cent" | "cents" => {
                if value >= 100 {
                    return None;
                }
                value = value.max(1) * 100;
            }
            // "quatre-vingt(s)": four twenties.
            "vingt" | "vingts" if previous == "quatre" => value = value - 4 + 80,
            "vingts" => return None,
            other => value += number_word(other)?,
        }
        previous = word;
    }
    (1..=999).contains(&value).then_some(value)
}

/// A number word at `start` that is followed by a blank and a spelled-out scale.
fn word_number_at(folded: &[char], start: usize) -> Option<(u32, usize)> {
    let end = word_end(folded, start);
    if end == start {
        return None;
    }
    let word: String = folded[start..end].iter().collect();
    let value = number_word(&word)?;
    if !folded.get(end).is_some_and(|&c| is_blank(c)) {
        return None;
    }
    let (_, unit) = unit_at(folded, end)?;
    unit.scale_word.then_some((value, end))
}

/// Spelled-out scales, with the currency tails that may follow them.
const SCALE_WORDS: &[(&str, u32)] = &[
    ("milliards", 9),
    ("milliard", 9),
    ("millions", 6),
    ("million", 6),
];
const SCALE_WORD_TAILS: &[&str] = &[" d'euros", " euros", " eur", " €"];

/// Abbreviated units, a blank allowed between the scale letter and the currency.
const ABBREVIATED_UNITS: &[(&str, u32)] = &[
    ("mrds€", 9),
    ("mrds €", 9),
    ("mrd€", 9),
    ("mrd €", 9),
    ("mds€", 9),
    ("mds €", 9),
    ("md€", 9),
    ("md €", 9),
    ("meur", 6),
    ("m eur", 6),
    ("m€", 6),
    ("m €", 6),
    ("keur", 3),
    ("k eur", 3),
    ("k€", 3),
    ("k €", 3),
    ("euros", 0),
    ("euro", 0),
    ("eur", 0),
    ("€", 0),
];

/// The unit after a number ending at `number_end` (blanks allowed between them), and
/// where it ends.
fn unit_at(folded: &[char], number_end: usize) -> Option<(usize, Unit)> {
    let start = skip_blanks(folded, number_end);
    for &(word, exponent) in SCALE_WORDS {
        let Some(word_end) = match_at(folded, start, word) else {
            continue;
        };
        let unit = Unit {
            exponent,
            scale_word: true,
        };
        if let Some(tail_end) = SCALE_WORD_TAILS
            .iter()
            .filter_map(|tail| match_at(folded, word_end, tail))
            .max()
        {
            return Some((tail_end, unit));
        }
        // "2 millions d'habitants", "3 millions de personnes": the scale counts something
        // other than euros.
        let counts_something_else = ["de", "d'", "des", "du"].iter().any(|preposition| {
            let pattern = format!(" {preposition}");
            match_at(folded, word_end, &pattern).is_some()
        });
        return (!counts_something_else).then_some((word_end, unit));
    }
    ABBREVIATED_UNITS
        .iter()
        .filter_map(|&(pattern, exponent)| {
            match_at(folded, start, pattern).map(|end| {
                (
                    end,
                    Unit {
                        exponent,
                        scale_word: false,
                    },
                )
            })
        })
        .max_by_key(|&(end, _)| end)
}

/// End of a well-formed-looking number run: digits, with single blanks, dots or commas
/// between digits.
fn strict_number_end(folded: &[char], start: usize) -> usize {
    let mut end = start;
    while end < folded.len() {
        let c = folded[end];
        let separator_then_digit = matches!(c, ' ' | '.' | ',')
            && end > start
            && folded.get(end + 1).is_some_and(char::is_ascii_digit);
        if c.is_ascii_digit() || separator_then_digit {
            end += 1;
        } else {
            break;
        }
    }
    end
}

/// End of whatever looks like a number at `start` in a whole figure, malformed or not,
/// so that parse_number can say what is wrong with it ("1.5", "1..5", "(1 234)").
fn lenient_number_end(folded: &[char], start: usize) -> usize {
    let mut end = start;
    while end < folded.len()
        && (folded[end].is_ascii_digit()
            || matches!(folded[end], ' ' | '.' | ',' | '-' | '(' | ')'))
    {
        end += 1;
    }
    while end > start && folded[end - 1] == ' ' {
        end -= 1;
    }
    end
}

fn word_end(folded: &[char], start: usize) -> usize {
    let mut end = start;
    while end < folded.len() && folded[end].is_alphabetic() {
        end += 1;
    }
    end
}

/// Blanks between words: the group-separating spaces, and other white space (a figure
/// may be cut by a line break). Only the former group digits.
fn is_blank(c: char) -> bool {
    c == ' ' || c == '\n'
}

fn skip_blanks(folded: &[char], mut position: usize) -> usize {
    while position < folded.len() && is_blank(folded[position]) {
        position += 1;
    }
    position
}

/// Matches `pattern` at `start` (a blank in the pattern stands for one or more blanks);
/// a pattern ending in a letter must end a word. Returns the end.
fn match_at(folded: &[char], start: usize, pattern: &str) -> Option<usize> {
    let mut position = start;
    for expected in pattern.chars() {
        if expected == ' ' {
            if !folded.get(position).is_some_and(|&c| is_blank(c)) {
                return None;
            }
            position = skip_blanks(folded, position);
        } else if folded.get(position) == Some(&expected) {
            position += 1;
        } else {
            return None;
        }
    }
    let ends_in_letter = pattern.chars().last().is_some_and(char::is_alphanumeric);
    if ends_in_letter && folded.get(position).is_some_and(|c| c.is_alphanumeric()) {
        return None;
    }
    Some(position)
}

/// Matches `pattern` ending at `end`; a pattern starting with a letter must start a word.
/// Returns the start.
fn match_ending_at(folded: &[char], end: usize, pattern: &str) -> Option<usize> {
    let mut position = end.min(folded.len());
    let previous = |position: usize| position.checked_sub(1).and_then(|i| folded.get(i));
    for expected in pattern.chars().rev() {
        if expected == ' ' {
            if !previous(position).is_some_and(|&c| is_blank(c)) {
                return None;
            }
            while previous(position).is_some_and(|&c| is_blank(c)) {
                position -= 1;
            }
        } else if previous(position) == Some(&expected) {
            position -= 1;
        } else {
            return None;
        }
    }
    let starts_with_letter = pattern.chars().next().is_some_and(char::is_alphanumeric);
    if starts_with_letter && previous(position).is_some_and(|c| c.is_alphanumeric()) {
        return None;
    }
    Some(position)
}

/// One char in, one char out, so that positions in the folded text are positions in
/// the original: NFKC (NBSP, U+202F, U+2009 and other spaces → ' '; full-width digits),
/// dashes → '-', apostrophes → '\'', other white space → '\n', lower case, accents off.
fn fold_char(c: char) -> char {
    let c = single(std::iter::once(c).nfkc()).unwrap_or(c);
    match c {
        ' ' => ' ',
        '\u{2010}'..='\u{2015}' | '\u{2212}' | '\u{FE63}' | '\u{FF0D}' => '-',
        '\u{2019}' | '\u{2018}' | '\u{02BC}' | '\u{00B4}' | '`' => '\'',
        c if c.is_whitespace() => '\n',
        c => {
            let lower = single(c.to_lowercase()).unwrap_or(c);
            let mut decomposed = std::iter::once(lower).nfd();
            match decomposed.next() {
                Some(base) if decomposed.all(is_combining_mark) => base,
                _ => lower,
            }
        }
    }
}

fn single(mut chars: impl Iterator<Item = char>) -> Option<char> {
    let first = chars.next()?;
    chars.next().is_none().then_some(first)
}

/// A running sum of figures, kept as a 128-bit integer at the largest scale met: the value
/// and scale adding them one by one as `Decimal`s gives, zeros included (`Decimal` keeps a
/// zero's scale and sign, and takes `0 + x` as `x`), at a fraction of the cost (a list of a
/// million figures is summed several times while it is checked). A figure the integer
/// cannot take with the sum so far sends the rest to `Decimal` addition, which panics
/// beyond 28 digits as `Iterator::sum` does: figures are below 10^16 (`MONEY_LIMIT`), so
/// fewer than 10^12 of them never come near.
#[derive(Debug, Clone, Copy)]
pub struct ExactSum(Running);

#[derive(Debug, Clone, Copy)]
enum Running {
    /// The sum is this zero, with the scale and sign `Decimal` left it.
    Zero(Decimal),
    /// A sum other than zero, in units of 10^-scale: below 2^96, a `Decimal`'s mantissa.
    Units(i128, u32),
    /// The sum from the figure the integer could not take on.
    Decimal(Decimal),
}

impl Default for ExactSum {
    fn default() -> Self {
        ExactSum(Running::Zero(Decimal::ZERO))
    }
}

/// 2^96: a `Decimal`'s mantissa is below it.
const DECIMAL_MANTISSA_LIMIT: u128 = 1 << 96;

impl ExactSum {
    #[inline]
    pub fn add(&mut self, value: Decimal) {
        self.0 = match self.0 {
            Running::Decimal(sum) => Running::Decimal(sum + value),
            // `Decimal` takes 0 + x as x, its scale and sign as they are...
            Running::Zero(_) if value.is_zero() => Running::Zero(value),
            Running::Zero(_) => Running::Units(value.mantissa(), value.scale()),
            // ... and x + 0 as x.
            Running::Units(..) if value.is_zero() => return,
            Running::Units(units, scale) => match add_units(units, scale, value) {
                // A zero reached from two figures: as `Decimal` makes it.
                Some((0, _)) => Running::Zero(self.value() + value),
                Some((units, scale)) => Running::Units(units, scale),
                None => Running::Decimal(self.value() + value),
            },
        };
    }

    pub fn value(&self) -> Decimal {
        match self.0 {
            Running::Zero(zero) => zero,
            Running::Decimal(sum) => sum,
            Running::Units(units, scale) => Decimal::try_from_i128_with_scale(units, scale)
                .expect("a mantissa below 2^96 at a scale a Decimal had"),
        }
    }
}

/// `units` at `scale` plus `value`, at the larger of the two scales, when a `Decimal`
/// holds the result.
#[inline]
fn add_units(units: i128, scale: u32, value: Decimal) -> Option<(i128, u32)> {
    let (mantissa, value_scale) = (value.mantissa(), value.scale());
    let (sum, scale) = if value_scale == scale {
        // The common case: figures written alike.
        (units.checked_add(mantissa)?, scale)
    } else if value_scale > scale {
        let units = units.checked_mul(power_of_ten(value_scale - scale)?)?;
        (units.checked_add(mantissa)?, value_scale)
    } else {
        let term = mantissa.checked_mul(power_of_ten(scale - value_scale)?)?;
        (units.checked_add(term)?, scale)
    };
    (sum.unsigned_abs() < DECIMAL_MANTISSA_LIMIT).then_some((sum, scale))
}

/// 10^`exponent`, for the scales a `Decimal` has (0 to 28).
fn power_of_ten(exponent: u32) -> Option<i128> {
    const POWERS: [i128; 29] = {
        let mut powers = [1i128; 29];
        let mut i = 1;
        while i < 29 {
            powers[i] = powers[i - 1] * 10;
            i += 1;
        }
        powers
    };
    POWERS.get(exponent as usize).copied()
}

/// The sum of `values`, as `Iterator::sum` over `Decimal`s gives it (see `ExactSum`).
pub fn exact_sum(values: impl IntoIterator<Item = Decimal>) -> Decimal {
    let mut sum = ExactSum::default();
    for value in values {
        sum.add(value);
    }
    sum.value()
}

/// `exact_sum` as a method of any iterator of figures: `facts.map(|f| f.value()).sum_exact()`.
pub trait SumExact: Iterator<Item = Decimal> + Sized {
    fn sum_exact(self) -> Decimal {
        exact_sum(self)
    }
}

impl<I: Iterator<Item = Decimal>> SumExact for I {}

/// French rendering for reports: "12 199 648 €", "1 234,50 €", "-4 893 594 €", "0 €".
/// Thousands are grouped with a plain ASCII space (reports are read in terminals and
/// diffed; a no-break space would be invisible there), and cents appear only when there
/// are some. The value is first rounded to the cent (MidpointAwayFromZero).
pub fn format_eur(value: Decimal) -> String {
    let rounded = value.round_dp_with_strategy(2, RoundingStrategy::MidpointAwayFromZero);
    // The mantissa is below 2^96 and the scale at most 2: counting cents fits an i128.
    let scale_to_cents = 10_i128.pow(2 - rounded.scale().min(2));
    let cents = rounded.mantissa().unsigned_abs() * scale_to_cents.unsigned_abs();
    let euros = cents / 100;
    let remainder_cents = cents % 100;

    let digits = euros.to_string();
    let mut grouped = String::with_capacity(digits.len() + digits.len() / 3 + 8);
    if rounded.is_sign_negative() && cents != 0 {
        grouped.push('-');
    }
    for (index, digit) in digits.chars().enumerate() {
        if index > 0 && (digits.len() - index).is_multiple_of(3) {
            grouped.push(' ');
        }
        grouped.push(digit);
    }
    if remainder_cents != 0 {
        grouped.push_str(&format!(",{remainder_cents:02}"));
    }
    grouped.push_str(" €");
    grouped
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::str::FromStr;

    fn d(text: &str) -> Decimal {
        Decimal::from_str(text).unwrap()
    }

    fn rounded(value: &str, unit: &str, qualifier: Qualifier) -> Amount {
        Amount {
            value: d(value),
            precision: Precision::Rounded { unit: d(unit) },
            qualifier,
        }
    }

    fn exact(value: &str) -> Amount {
        Amount::exact(d(value))
    }

    /// (raw, value, kind) of every match, for assertions a reader can check by eye.
    fn summary(text: &str) -> Vec<(String, Decimal, &'static str)> {
        find_amounts(text)
            .into_iter()
            .map(|m| (m.raw.clone(), m.amount.value, m.amount.kind()))
            .collect()
    }

    fn s(raw: &str, value: &str, kind: &'static str) -> (String, Decimal, &'static str) {
        (raw.to_string(), d(value), kind)
    }

    // ---- parse_number ----

    #[test]
    fn parse_number_reads_french_grouping_and_decimal_comma() {
        let cases = [
            ("12 199 648", "12199648"),
            ("12\u{a0}199\u{a0}648", "12199648"),
            ("12\u{202f}199\u{202f}648", "12199648"),
            ("12\u{2009}199\u{2009}648", "12199648"),
            ("8.348.102", "8348102"),
            ("645.000", "645000"),
            ("1 234 567,89", "1234567.89"),
            ("1.234.567,89", "1234567.89"),
            ("16,7", "16.7"),
            ("0,3", "0.3"),
            ("1234567", "1234567"),
            ("1234567,5", "1234567.5"),
            ("  42  ", "42"),
            ("０１２", "12"),
        ];
        for (text, expected) in cases {
            assert_eq!(parse_number(text), Ok(d(expected)), "{text}");
        }
    }

    #[test]
    fn parse_number_keeps_the_decimals_as_written() {
        assert_eq!(parse_number("2,70").unwrap().scale(), 2);
        assert_eq!(parse_number("67").unwrap().scale(), 0);
    }

    #[test]
    fn parse_number_reads_signs_and_accounting_parentheses() {
        assert_eq!(parse_number("-4 893 594"), Ok(d("-4893594")));
        assert_eq!(parse_number("\u{2212}4 893 594"), Ok(d("-4893594")));
        assert_eq!(parse_number("(1 234)"), Ok(d("-1234")));
        assert_eq!(parse_number("( 1 234,50 )"), Ok(d("-1234.50")));
        assert_eq!(parse_number("-0"), Ok(Decimal::ZERO));
        assert!(!parse_number("-0").unwrap().is_sign_negative());
    }

    #[test]
    fn parse_number_refuses_a_dot_that_may_be_a_decimal_point() {
        for text in ["1.5", "8348102.5", "1.2345", "1234.567", "12.34.567"] {
            assert_eq!(
                parse_number(text),
                Err(AmountError::AmbiguousDot(text.to_string())),
                "{text}"
            );
        }
    }

    #[test]
    fn parse_number_refuses_malformed_numbers() {
        for text in [
            "",
            "   ",
            "abc",
            "12a",
            "1 23",
            "1234 567",
            "1 234.567",
            "1..5",
            "1.23,5",
            ",5",
            "5,",
            "1,2,3",
            "1 234,5 6",
            "--5",
            "- 5",
            "(-5)",
            "+5",
            "1e6",
            "12 €",
        ] {
            assert_eq!(
                parse_number(text),
                Err(AmountError::NotANumber(text.to_string())),
                "{text:?}"
            );
        }
    }

    #[test]
    fn parse_number_refuses_more_than_28_digits_as_overflow() {
        let huge = "9".repeat(29);
        assert_eq!(
            parse_number(&huge),
            Err(AmountError::Overflow(huge.clone()))
        );
        let long_fraction = format!("0,{}", "1".repeat(28));
        assert!(matches!(
            parse_number(&long_fraction),
            Err(AmountError::Overflow(_))
        ));
        assert_eq!(parse_number(&"9".repeat(28)), Ok(d(&"9".repeat(28))));
    }

    // ---- parse_amount ----

    #[test]
    fn parse_amount_reads_plain_euros_as_exact() {
        let cases = [
            ("8.348.102 euros", "8348102"),
            ("9 336 527 euros", "9336527"),
            ("9\u{a0}336\u{a0}527\u{a0}euros", "9336527"),
            ("645.000 €", "645000"),
            ("4.295.000€", "4295000"),
            ("500 000 euros", "500000"),
            ("1 234,56 EUR", "1234.56"),
            ("1 234,5 €", "1234.5"),
            ("1 euro", "1"),
            ("12,345 €", "12.35"),
            ("12,355 €", "12.36"),
            ("-4 893 594 €", "-4893594"),
            ("(1 234) €", "-1234"),
        ];
        for (text, value) in cases {
            assert_eq!(parse_amount(text), Ok(exact(value)), "{text}");
        }
    }

    #[test]
    fn parse_amount_reads_scaled_figures_as_rounded_to_their_last_digit() {
        use Qualifier::Equal;
        let cases = [
            ("2,7 millions d'euros", "2700000", "100000"),
            ("2,7 millions d\u{2019}euros", "2700000", "100000"),
            ("16,7 M€", "16700000", "100000"),
            ("67 M€", "67000000", "1000000"),
            ("12M€", "12000000", "1000000"),
            ("0,3 million d'euros", "300000", "100000"),
            ("1,5 million", "1500000", "100000"),
            ("75 millions d\u{2019}euros", "75000000", "1000000"),
            ("645 k€", "645000", "1000"),
            ("645 K€", "645000", "1000"),
            ("1,2 Md€", "1200000000", "100000000"),
            ("2 milliards d'euros", "2000000000", "1000000000"),
            ("1 milliard d'euros", "1000000000", "1000000000"),
            ("3,5 MEUR", "3500000", "100000"),
            ("2,70 M€", "2700000", "10000"),
            ("1,2345678 M€", "1234567.8", "0.1"),
            ("un million d'euros", "1000000", "1000000"),
            ("deux millions d'euros", "2000000", "1000000"),
            ("cent millions", "100000000", "1000000"),
        ];
        for (text, value, unit) in cases {
            assert_eq!(
                parse_amount(text),
                Ok(rounded(value, unit, Equal)),
                "{text}"
            );
        }
    }

    #[test]
    fn parse_amount_takes_the_qualifier_from_the_leading_words() {
        use Qualifier::{About, AtLeast, AtMost};
        assert_eq!(
            parse_amount("plus de 2,7 millions d'euros"),
            Ok(rounded("2700000", "100000", AtLeast))
        );
        assert_eq!(
            parse_amount("plus d\u{2019}un million d\u{2019}euros"),
            Ok(rounded("1000000", "1000000", AtLeast))
        );
        assert_eq!(
            parse_amount("près de 4,3 millions d'euros"),
            Ok(rounded("4300000", "100000", About))
        );
        assert_eq!(
            parse_amount("environ 90 M€"),
            Ok(rounded("90000000", "1000000", About))
        );
        assert_eq!(
            parse_amount("au moins 500 000 €"),
            Ok(Amount {
                qualifier: AtLeast,
                ..exact("500000")
            })
        );
        assert_eq!(
            parse_amount("moins de 2 M€"),
            Ok(rounded("2000000", "1000000", AtMost))
        );
        assert_eq!(
            parse_amount("jusqu'à 50 000 euros"),
            Ok(Amount {
                qualifier: AtMost,
                ..exact("50000")
            })
        );
        assert_eq!(
            parse_amount("Jusqu\u{2019}à 50 000 euros"),
            Ok(Amount {
                qualifier: AtMost,
                ..exact("50000")
            })
        );
    }

    #[test]
    fn parse_amount_without_currency_is_no_unit() {
        for text in [
            "17 000",
            "17 000 établissements",
            "2021",
            "50%",
            "2 millions d'habitants",
            "3 millions de personnes",
        ] {
            assert_eq!(
                parse_amount(text),
                Err(AmountError::NoUnit(text.to_string())),
                "{text}"
            );
        }
    }

    #[test]
    fn parse_amount_rejects_malformed_figures() {
        assert_eq!(
            parse_amount("1.5 euros"),
            Err(AmountError::AmbiguousDot("1.5 euros".to_string()))
        );
        assert_eq!(
            parse_amount("1 23 euros"),
            Err(AmountError::NotANumber("1 23 euros".to_string()))
        );
        assert_eq!(
            parse_amount("euros"),
            Err(AmountError::NotANumber("euros".to_string()))
        );
        assert_eq!(
            parse_amount(""),
            Err(AmountError::NotANumber(String::new()))
        );
        assert_eq!(
            parse_amount("deux euros"),
            Err(AmountError::NotANumber("deux euros".to_string()))
        );
        assert_eq!(
            parse_amount("12 euros par an"),
            Err(AmountError::TrailingText("12 euros par an".to_string()))
        );
        let huge = format!("{} milliards d'euros", "9".repeat(28));
        assert_eq!(
            parse_amount(&huge),
            Err(AmountError::Overflow(huge.clone()))
        );
    }

    // ---- find_amounts ----

    #[test]
    fn seed_003_grants_sentence_has_three_figures_with_spans_in_chars() {
        // The brief's wording, plain spaces.
        let sentence = "Ainsi l\u{2019}ARS Ile-de-France attribue une subvention de 406.472 € à \
                        l\u{2019}association Groupe SOS solidarités; de plus de 2,7 millions \
                        d\u{2019}euros à APF France handicap et de 238.212 € au Groupement national \
                        de coopération handicaps rares (GNCHR).";
        assert_eq!(
            find_amounts(sentence),
            vec![
                AmountMatch {
                    start: 53,
                    end: 62,
                    raw: "406.472 €".to_string(),
                    amount: exact("406472"),
                },
                AmountMatch {
                    start: 106,
                    end: 134,
                    raw: "plus de 2,7 millions d\u{2019}euros".to_string(),
                    amount: rounded("2700000", "100000", Qualifier::AtLeast),
                },
                AmountMatch {
                    start: 163,
                    end: 172,
                    raw: "238.212 €".to_string(),
                    amount: exact("238212"),
                },
            ]
        );
    }

    #[test]
    fn seed_003_grants_line_as_published_with_no_break_spaces() {
        let line = "Trois projets franciliens ont été retenus. Ainsi\u{a0}l\u{2019}ARS \
                    Ile-de-France\u{a0}attribue une subvention de 406.472\u{a0}€ à \
                    l\u{2019}association Groupe SOS solidarités; de plus de 2,7\u{a0}millions \
                    d\u{2019}euros à APF France handicap et de 238.212\u{a0}€ au Groupement \
                    national de coopération handicaps rares (GNCHR).";
        let matches = find_amounts(line);
        let spans: Vec<(usize, usize, &str, &str)> = matches
            .iter()
            .map(|m| (m.start, m.end, m.raw.as_str(), m.amount.kind()))
            .collect();
        assert_eq!(
            spans,
            vec![
                (96, 105, "406.472\u{a0}€", "exact"),
                (
                    149,
                    177,
                    "plus de 2,7\u{a0}millions d\u{2019}euros",
                    "lower_bound"
                ),
                (206, 215, "238.212\u{a0}€", "exact"),
            ]
        );
        for m in &matches {
            let slice: String = line.chars().skip(m.start).take(m.end - m.start).collect();
            assert_eq!(slice, m.raw);
        }
    }

    #[test]
    fn seed_003_paca_line_reads_word_numbers_and_qualifiers() {
        let line = "L\u{2019}ARS Provence-Alpes-Côte d\u{2019}Azur (Paca)\u{a0}est autorisée à \
                    engager 5,3\u{a0}millions d\u{2019}euros au total, répartis entre deux \
                    projets: le premier porté par l\u{2019}hôpital du Pays salonais, subventionné \
                    à hauteur de plus d\u{2019}un\u{a0}million d\u{2019}euros, et le second, mené \
                    par la Fédération Addiction, pour près de 4,3\u{a0}millions d\u{2019}euros.";
        let matches = find_amounts(line);
        assert_eq!(
            matches
                .iter()
                .map(|m| (m.start, m.end, m.raw.as_str()))
                .collect::<Vec<_>>(),
            vec![
                (64, 84, "5,3\u{a0}millions d\u{2019}euros"),
                (199, 224, "plus d\u{2019}un\u{a0}million d\u{2019}euros"),
                (279, 307, "près de 4,3\u{a0}millions d\u{2019}euros"),
            ]
        );
        assert_eq!(
            matches.into_iter().map(|m| m.amount).collect::<Vec<_>>(),
            vec![
                rounded("5300000", "100000", Qualifier::Equal),
                rounded("1000000", "1000000", Qualifier::AtLeast),
                rounded("4300000", "100000", Qualifier::About),
            ]
        );
    }

    #[test]
    fn seed_003_other_figures() {
        let lines = [
            (
                "10 projets de déploiement du dossier usager informatisé financés à hauteur de 12,2\u{a0}millions d\u{2019}euros",
                vec![s(
                    "12,2\u{a0}millions d\u{2019}euros",
                    "12200000",
                    "rounded",
                )],
            ),
            (
                "Ainsi,\u{a0}l\u{2019}ARS Auvergne-Rhône-Alpes\u{a0}est autorisée à engager 645.000\u{a0}€ de fonds",
                vec![s("645.000\u{a0}€", "645000", "exact")],
            ),
            (
                "L\u{2019}ARS Bourgogne-Franche-Comté\u{a0}débloque 755.000\u{a0}€ de crédits",
                vec![s("755.000\u{a0}€", "755000", "exact")],
            ),
            (
                "L\u{2019}ARS Bretagne\u{a0}engage, elle, 758.710\u{a0}€ de fonds",
                vec![s("758.710\u{a0}€", "758710", "exact")],
            ),
            (
                "L\u{2019}ARS Normandie\u{a0}a alloué 495.000\u{a0}€ au service d\u{2019}aide et l\u{2019}ARS Hauts-de-France a débloqué 790.000\u{a0}€ pour financer",
                vec![
                    s("495.000\u{a0}€", "495000", "exact"),
                    s("790.000\u{a0}€", "790000", "exact"),
                ],
            ),
            (
                "cinq seront financés grâce aux crédits 2022 du Ségur du numérique pour un montant de plus de 6,7\u{a0}millions d\u{2019}euros et deux seront financés à hauteur de plus de 2\u{a0}millions d\u{2019}euros sur des crédits 2023",
                vec![
                    s(
                        "plus de 6,7\u{a0}millions d\u{2019}euros",
                        "6700000",
                        "lower_bound",
                    ),
                    s(
                        "plus de 2\u{a0}millions d\u{2019}euros",
                        "2000000",
                        "lower_bound",
                    ),
                ],
            ),
            (
                "Le déploiement du DUI est engagé dans 1.448 établissements et services sociaux ou médico-sociaux (ESSMS)",
                vec![],
            ),
            (
                "(Décision n°2021-37 du 10 décembre 2021 de la directrice de la CNSA) Bulletin officiel santé-protection sociale-solidarité du 31 décembre, p137)",
                vec![],
            ),
            ("déployer un DUI dans 2.297 structures", vec![]),
        ];
        for (line, expected) in lines {
            assert_eq!(summary(line), expected, "{line}");
        }
    }

    #[test]
    fn seed_000_figures_with_no_break_spaces() {
        let lines = [
            (
                "entre les Agences régionales de santé pour un total de\u{a0}12\u{a0}199\u{a0}648\u{a0}euros. Les subventions",
                vec![s("12\u{a0}199\u{a0}648\u{a0}euros", "12199648", "exact")],
            ),
            (
                "  • Fondation OVE (Auvergne\u{a0}\u{2013}\u{a0}Rhône-Alpes, 645\u{a0}000\u{a0}euros)\u{a0};",
                vec![s("645\u{a0}000\u{a0}euros", "645000", "exact")],
            ),
            (
                "  • APF France Handicap (Île-de-France, 2\u{a0}763\u{a0}000\u{a0}euros)\u{a0};",
                vec![s("2\u{a0}763\u{a0}000\u{a0}euros", "2763000", "exact")],
            ),
            (
                "les 75\u{a0}millions d\u{2019}euros de crédits sont répartis par la CNSA, au titre de l\u{2019}exercice 2021, entre les régions\u{a0}:\u{a0}Auvergne\u{a0}\u{2013}\u{a0}Rhône-Alpes (9\u{a0}336\u{a0}527\u{a0}euros), Bourgogne\u{a0}\u{2013}\u{a0}Franche-Comté (4\u{a0}987\u{a0}198\u{a0}euros), Corse (500\u{a0}000\u{a0}euros)",
                vec![
                    s("75\u{a0}millions d\u{2019}euros", "75000000", "rounded"),
                    s("9\u{a0}336\u{a0}527\u{a0}euros", "9336527", "exact"),
                    s("4\u{a0}987\u{a0}198\u{a0}euros", "4987198", "exact"),
                    s("500\u{a0}000\u{a0}euros", "500000", "exact"),
                ],
            ),
            (
                "publiées dans le\u{a0}Bulletin officiel Santé, Protection Sociale, Solidarité\u{a0}du 31\u{a0}décembre 2021,",
                vec![],
            ),
            (
                "dans le cadre des appels à projets régionaux du temps\u{a0}2 de la phase",
                vec![],
            ),
        ];
        for (line, expected) in lines {
            assert_eq!(summary(line), expected, "{line}");
        }
    }

    #[test]
    fn seed_001_figures() {
        let lines = [
            (
                "Le cadrage financier du programme ESMS pour l'année 2024 mobilise une enveloppe totale de près de 90 millions d'euros. Les appels à projets régionaux sont ouverts depuis le 15 janvier",
                vec![s("près de 90 millions d'euros", "90000000", "approximate")],
            ),
            (
                "Fin 2023, déjà près de 17 000 établissements et services sociaux et médico-sociaux (ESSMS) étaient embarqués",
                vec![],
            ),
            (
                "En 2024, le Ségur numérique pour le médico-social prévoit 87 millions d'euros :",
                vec![s("87 millions d'euros", "87000000", "rounded")],
            ),
            (
                "- 71,5 millions d'euros sont délégués aux agences régionales de santé (ARS)",
                vec![s("71,5 millions d'euros", "71500000", "rounded")],
            ),
            (
                "- 15,2 millions d'euros pour financer les projets",
                vec![s("15,2 millions d'euros", "15200000", "rounded")],
            ),
            (
                "S'y ajoutent 0,3 million d'euros pour les frais de gestion de la Caisse des dépôts, 1,5 million d'euros pour le soutien à l'innovation numérique dans le secteur médico-social et 1,5 million d'euros pour le renforcement des ressources Ségur en région.",
                vec![
                    s("0,3 million d'euros", "300000", "rounded"),
                    s("1,5 million d'euros", "1500000", "rounded"),
                    s("1,5 million d'euros", "1500000", "rounded"),
                ],
            ),
            (
                "- les groupements constitués de 15 ESSMS ou plus, situés dans une même région (8 pour la Corse et les territoires ultramarins);",
                vec![],
            ),
            (
                "La date limite de dépôt des dossiers est fixée au 1er juin 2024 pour les projets multirégionaux et au 15 septembre pour les autres.",
                vec![],
            ),
        ];
        for (line, expected) in lines {
            assert_eq!(summary(line), expected, "{line}");
        }
    }

    #[test]
    fn seed_002_figures() {
        let lines = [
            (
                "Médico-Social : 150 millions d\u{2019}euros de financement prévu pour 2023",
                vec![s("150 millions d\u{2019}euros", "150000000", "rounded")],
            ),
            (
                "84 M€ sont alloués au programme ESMS Numérique dont",
                vec![s("84 M€", "84000000", "rounded")],
            ),
            (
                "  \u{2022} 67 M€ destinés aux Agences Régionales de Santé (ARS)",
                vec![s("67 M€", "67000000", "rounded")],
            ),
            (
                "  \u{2022} 16,7 M€ pour les projets nationaux",
                vec![s("16,7 M€", "16700000", "rounded")],
            ),
            (
                "Ensuite, 51 M€ sont alloués au mécanisme d\u{2019}achat pour compte SONS (Système Ouvert Non Sélectif). 12M€ sont destinés vers le « renforcement des ressources Ségur en région ». Enfin, 3 M€ vers le « soutien à l\u{2019}innovation numérique dans le secteur médico-social ».",
                vec![
                    s("51 M€", "51000000", "rounded"),
                    s("12M€", "12000000", "rounded"),
                    s("3 M€", "3000000", "rounded"),
                ],
            ),
            (
                "l\u{2019}instruction donne le détail de la répartition des financements par région destinés au programme ESMS Numérique (67M€) :",
                vec![s("67M€", "67000000", "rounded")],
            ),
            (
                "  \u{2022} Auvergne-Rhône-Alpes: 8.348.102 euros",
                vec![s("8.348.102 euros", "8348102", "exact")],
            ),
            (
                "  \u{2022} Guyane: 749.500 euros",
                vec![s("749.500 euros", "749500", "exact")],
            ),
            (
                "  \u{2022} Provence-Alpes-Côte-d'Azur: 5.806.637 euros.",
                vec![s("5.806.637 euros", "5806637", "exact")],
            ),
            (
                "  \u{2022} 50% des montants seront versés une fois la signature de la convention",
                vec![],
            ),
            ("    \u{2022} Un taux de 90% de dossiers actifs.", vec![]),
            (
                "il doivent être déposés avant le 15 juin. Les projets de niveau régional ont, quant à eux, jusqu\u{2019}au 15 septembre.",
                vec![],
            ),
            (
                "Instruction n°DGCS/DNS/CNSA/2023/13 du 16 janvier 2023 relative à la mise en œuvre, Bulletin officiel du 15 février 2023, p12-34",
                vec![],
            ),
        ];
        for (line, expected) in lines {
            assert_eq!(summary(line), expected, "{line}");
        }
    }

    #[test]
    fn seed_004_revision_lines_have_two_figures() {
        let lines = [
            (
                "Les crédits du temps 1 de la phase d\u{2019}amorçage du programme ESMS numérique, d\u{2019}un montant de 24 millions d\u{2019}euros, ont vu leur répartition par région changer",
                vec![s("24 millions d\u{2019}euros", "24000000", "rounded")],
            ),
            (
                "- Auvergne-Rhône-Alpes, de 2 888 232 euros à 3 153 857 euros ;",
                vec![
                    s("2 888 232 euros", "2888232", "exact"),
                    s("3 153 857 euros", "3153857", "exact"),
                ],
            ),
            (
                "- Corse, de 375 000 euros à 364 017 euros ;",
                vec![
                    s("375 000 euros", "375000", "exact"),
                    s("364 017 euros", "364017", "exact"),
                ],
            ),
            (
                "- Provence-Alpes-Côte-d\u{2019}Azur, de 1 566 149 euros à 1 425 000 euros.",
                vec![
                    s("1 566 149 euros", "1566149", "exact"),
                    s("1 425 000 euros", "1425000", "exact"),
                ],
            ),
        ];
        for (line, expected) in lines {
            assert_eq!(summary(line), expected, "{line}");
        }
    }

    #[test]
    fn find_amounts_reads_the_euro_sign_before_the_number() {
        let found = find_amounts("Bretagne : € 1 843 120 ; Corse : 500 000 €");
        let values: Vec<Decimal> = found.iter().map(|m| m.amount.value).collect();
        assert_eq!(values, [d("1843120"), d("500000")]);
        assert_eq!(found[0].raw, "€ 1 843 120");
    }

    #[test]
    fn find_amounts_reads_the_true_minus_sign_but_not_a_dash() {
        let found = find_amounts("Bretagne : −100 000 € ; - 71,5 millions d'euros");
        assert_eq!(found.len(), 2);
        assert_eq!(found[0].raw, "−100 000 €");
        assert_eq!(found[0].amount.value, d("-100000"));
        assert_eq!(found[1].amount.value, d("71500000"));
    }

    #[test]
    fn find_amounts_ignores_numbers_without_a_currency_unit() {
        for text in [
            "17 000 établissements",
            "1.448 établissements",
            "en 2021",
            "50%",
            "12,5 %",
            "p137",
            "15 ESSMS",
            "le 15 juin",
            "2 millions d'habitants",
            "3 millions de personnes",
            "l'ARS Guadeloupe a 12 europe",
        ] {
            assert_eq!(find_amounts(text), vec![], "{text}");
        }
    }

    #[test]
    fn find_amounts_separates_a_figure_from_the_number_before_it() {
        assert_eq!(
            summary("en 2021 500 000 euros ont été versés"),
            vec![s("500 000 euros", "500000", "exact")]
        );
    }

    #[test]
    fn find_amounts_skips_a_malformed_number_before_a_unit() {
        assert_eq!(summary("1.5 euros puis 3 €"), vec![s("3 €", "3", "exact")]);
        assert_eq!(summary("v2.500 euros"), vec![]);
    }

    #[test]
    fn find_amounts_reads_every_unit_spelling() {
        assert_eq!(
            summary("645 k€, 12 K€, 3 MEUR, 1,2 Md€, 2 milliards d'euros, 40 EUR"),
            vec![
                s("645 k€", "645000", "rounded"),
                s("12 K€", "12000", "rounded"),
                s("3 MEUR", "3000000", "rounded"),
                s("1,2 Md€", "1200000000", "rounded"),
                s("2 milliards d'euros", "2000000000", "rounded"),
                s("40 EUR", "40", "exact"),
            ]
        );
    }

    #[test]
    fn find_amounts_reads_upper_bounds() {
        assert_eq!(
            summary("une aide jusqu'à 50 000 € et moins de 2 M€ au total, au moins 3 M€"),
            vec![
                s("jusqu'à 50 000 €", "50000", "upper_bound"),
                s("moins de 2 M€", "2000000", "upper_bound"),
                s("au moins 3 M€", "3000000", "lower_bound"),
            ]
        );
    }

    #[test]
    fn find_amounts_matches_agree_with_parse_amount() {
        let text = "de plus de 2,7\u{a0}millions d\u{2019}euros, environ 90 M€, (67M€), plus d\u{2019}un million, 4.295.000€ et 9\u{a0}336\u{a0}527\u{a0}euros";
        let matches = find_amounts(text);
        assert_eq!(matches.len(), 6);
        for m in matches {
            assert_eq!(parse_amount(&m.raw), Ok(m.amount), "{}", m.raw);
        }
    }

    #[test]
    fn nothing_panics_on_nasty_input() {
        let long_digits = "9".repeat(10_000);
        let nasty = [
            String::new(),
            " ".to_string(),
            "€".to_string(),
            "M€ k€ euros".to_string(),
            format!("{long_digits} euros"),
            format!("{long_digits},{long_digits} M€"),
            format!("{} milliards", "9".repeat(28)),
            "1 2 3 4 5 6 7 8 9 euros".to_string(),
            ",,,...   €".to_string(),
            "((((1))))) €".to_string(),
            "plus de".to_string(),
            "plus d'".to_string(),
            "plus d'un".to_string(),
            "un million".to_string(),
            "\u{0}\u{ffff}\u{10ffff}𝟙𝟚 €".to_string(),
            "Ⅻ € ﬁ 𝟗 M€ e\u{301}uros".to_string(),
            "ǅ İ ẞ ﷺ millions d’euros".to_string(),
            "-".repeat(1000),
            "\u{2212}(\u{2212}1) €".to_string(),
        ];
        for text in &nasty {
            let _ = find_amounts(text);
            let _ = parse_amount(text);
            let _ = parse_number(text);
        }
        assert_eq!(
            parse_amount(&format!("{long_digits} euros")),
            Err(AmountError::Overflow(format!("{long_digits} euros")))
        );
        assert_eq!(find_amounts(&format!("{long_digits} euros")), vec![]);
        let many_groups = format!("{}euros", "1 ".repeat(200_000));
        assert_eq!(summary(&many_groups), vec![s("1 euros", "1", "exact")]);
        let longest_grouped = format!("9{} €", " 999".repeat(9));
        assert_eq!(find_amounts(&format!("1 {longest_grouped}")).len(), 1);
        assert_eq!(
            find_amounts(&format!("1 {longest_grouped}"))[0].raw,
            longest_grouped
        );
    }

    // ---- Amount ----

    #[test]
    fn kind_names_the_qualifier_before_the_precision() {
        use Qualifier::{About, AtLeast, AtMost, Equal};
        assert_eq!(exact("1").kind(), "exact");
        assert_eq!(rounded("1", "1", Equal).kind(), "rounded");
        assert_eq!(rounded("1", "1", AtLeast).kind(), "lower_bound");
        assert_eq!(rounded("1", "1", AtMost).kind(), "upper_bound");
        assert_eq!(rounded("1", "1", About).kind(), "approximate");
        assert_eq!(
            Amount {
                qualifier: AtLeast,
                ..exact("1")
            }
            .kind(),
            "lower_bound"
        );
    }

    #[test]
    fn counts_in_words_up_to_the_hundreds() {
        assert_eq!(count_in_words(&["neuf"]), Some(9));
        assert_eq!(count_in_words(&["deux", "cent", "vingt-quatre"]), Some(224));
        assert_eq!(count_in_words(&["quatre-vingt-dix-neuf"]), Some(99));
        assert_eq!(count_in_words(&["soixante", "et", "onze"]), Some(71));
        assert_eq!(count_in_words(&["cent", "douze"]), Some(112));
        assert_eq!(count_in_words(&["trois", "cents"]), Some(300));
        assert_eq!(count_in_words(&["projets"]), None);
        assert_eq!(count_in_words(&["cent", "cent"]), None);
    }

    #[test]
    fn an_exact_sum_is_the_decimal_sum_value_and_scale() {
        let cases: [&[&str]; 12] = [
            &[],
            &["12199648", "1234.5", "0.01"],
            &["0.005", "16700000", "1.25"],
            &["-4893594", "4893594"],
            &["79228162514264337593543950335", "-1", "0.5"],
            &[
                "7922816251426433759354395033.5",
                "7922816251426433759354395033.5",
            ],
            // Zeros: 0 + x is x and x + 0 is x, scales and signs as they are.
            &["0.00", "5"],
            &["5", "0.00"],
            &["0.000"],
            &["1.5", "-1.5", "7"],
            &["-1.5", "1.5"],
            &["-1.5", "1.5", "0.00", "2"],
        ];
        for case in cases {
            let values: Vec<Decimal> = case.iter().map(|v| d(v)).collect();
            let expected: Decimal = values.iter().copied().sum();
            let sum = exact_sum(values.iter().copied());
            assert_eq!(sum, expected, "{case:?}");
            assert_eq!(sum.scale(), expected.scale(), "{case:?}");
            assert_eq!(sum.to_string(), expected.to_string(), "{case:?}");
        }
    }

    #[test]
    fn half_unit_is_zero_when_exact_and_half_the_unit_when_rounded() {
        assert_eq!(exact("12199648").half_unit(), Decimal::ZERO);
        assert_eq!(parse_amount("16,7 M€").unwrap().half_unit(), d("50000"));
    }

    #[test]
    fn admits_a_rounded_figure_within_half_a_unit() {
        let stated = parse_amount("16,7 M€").unwrap();
        assert!(stated.admits(d("16650000"), Decimal::ZERO));
        assert!(stated.admits(d("16750000"), Decimal::ZERO));
        assert!(!stated.admits(d("16750000.01"), Decimal::ZERO));
        assert!(stated.admits(d("16750001"), d("1")));
        let exactly = parse_amount("12 199 648 euros").unwrap();
        assert!(exactly.admits(d("12199648"), Decimal::ZERO));
        assert!(!exactly.admits(d("12199648.01"), Decimal::ZERO));
        assert!(exactly.admits(d("12199648.01"), d("0.01")));
        assert!(!exactly.admits(d("12199648.01"), d("-5")));
    }

    #[test]
    fn admits_a_lower_bound_from_half_a_unit_below() {
        let stated = parse_amount("plus de 2,7 millions d'euros").unwrap();
        assert!(stated.admits(d("2763000"), Decimal::ZERO));
        assert!(stated.admits(d("100000000"), Decimal::ZERO));
        assert!(stated.admits(d("2650000"), Decimal::ZERO));
        assert!(!stated.admits(d("2649999.99"), Decimal::ZERO));
        assert!(stated.admits(d("2649000"), d("1000")));
    }

    #[test]
    fn admits_an_upper_bound_up_to_half_a_unit_above() {
        let stated = parse_amount("moins de 2 M€").unwrap();
        assert!(stated.admits(Decimal::ZERO, Decimal::ZERO));
        assert!(stated.admits(d("2500000"), Decimal::ZERO));
        assert!(!stated.admits(d("2500000.01"), Decimal::ZERO));
        let capped = parse_amount("jusqu'à 50 000 €").unwrap();
        assert!(capped.admits(d("50000"), Decimal::ZERO));
        assert!(!capped.admits(d("50000.01"), Decimal::ZERO));
    }

    #[test]
    fn admits_an_approximation_within_five_percent_or_half_a_unit() {
        let five_percent = parse_amount("environ 90 M€").unwrap();
        assert!(five_percent.admits(d("85500000"), Decimal::ZERO));
        assert!(five_percent.admits(d("94500000"), Decimal::ZERO));
        assert!(!five_percent.admits(d("94500000.01"), Decimal::ZERO));
        let half_unit_wider = parse_amount("près de 4 M€").unwrap();
        assert!(half_unit_wider.admits(d("4500000"), Decimal::ZERO));
        assert!(!half_unit_wider.admits(d("4500000.01"), Decimal::ZERO));
    }

    #[test]
    fn admits_never_overflows() {
        let largest = Amount::exact(Decimal::MAX);
        // The distance MAX − MIN does not fit in a decimal: it exceeds any tolerance that does.
        assert!(!largest.admits(Decimal::MIN, Decimal::ZERO));
        assert!(!largest.admits(Decimal::MIN, Decimal::MAX));
        let lower = Amount {
            qualifier: Qualifier::AtLeast,
            ..largest
        };
        assert!(!lower.admits(Decimal::MIN, Decimal::MAX));
        assert!(lower.admits(Decimal::MAX, Decimal::ZERO));
        let about = Amount {
            qualifier: Qualifier::About,
            ..Amount::exact(Decimal::MIN)
        };
        assert!(!about.admits(Decimal::MAX, Decimal::ZERO));
        // A tolerance that does not fit in a decimal admits everything.
        let unbounded = Amount {
            value: Decimal::ZERO,
            precision: Precision::Rounded { unit: Decimal::MAX },
            qualifier: Qualifier::AtMost,
        };
        assert!(unbounded.admits(Decimal::MAX, Decimal::MAX));
        let unbounded_equal = Amount {
            qualifier: Qualifier::Equal,
            ..unbounded
        };
        assert!(unbounded_equal.admits(Decimal::MIN, Decimal::MAX));
    }

    // ---- format_eur ----

    #[test]
    fn format_eur_groups_thousands_and_shows_cents_only_when_there_are_some() {
        let cases = [
            ("12199648", "12 199 648 €"),
            ("16700000", "16 700 000 €"),
            ("16700000.00", "16 700 000 €"),
            ("1234.5", "1 234,50 €"),
            ("1234.05", "1 234,05 €"),
            ("-4893594", "-4 893 594 €"),
            ("-0.5", "-0,50 €"),
            ("0", "0 €"),
            ("-0.001", "0 €"),
            ("0.005", "0,01 €"),
            ("999", "999 €"),
            ("1000", "1 000 €"),
            ("100000", "100 000 €"),
        ];
        for (value, expected) in cases {
            assert_eq!(format_eur(d(value)), expected, "{value}");
        }
        assert_eq!(
            format_eur(Decimal::MAX),
            "79 228 162 514 264 337 593 543 950 335 €"
        );
        assert_eq!(
            format_eur(Decimal::MIN),
            "-79 228 162 514 264 337 593 543 950 335 €"
        );
    }
}
