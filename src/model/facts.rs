//! The facts of one statement, held compactly. A million-row allocation table is a million
//! facts; held as a `Vec<Fact>` (each with a dozen strings and four locations of three
//! strings each) it took gigabytes. Here each fact is a row of narrow columns: its amount,
//! role and region, a number for its label and beneficiary (the texts are kept once, see
//! `Interner`), its identifier packed in a `u64`, and its two locations packed in a `u64`
//! each (a cell is its sheet's number, its row and its column). Facts are read back as
//! `FactRef`s, whose accessors rebuild the values (and `Fact`, the owned form) on demand.

use super::cell;
use super::{Fact, FactRole, Location};
use crate::core::amount::{Amount, Precision, Qualifier};
use crate::core::intern::{Interner, TextId, TextStore};
use crate::core::region::{RegionCode, Territory};
use rust_decimal::Decimal;
use std::borrow::Cow;

/// Where a figure or a label stands, borrowed: a cell (0-based row and column), or any
/// location. What extraction hands over for each item without building a `Location` (three
/// strings) per cell.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Place<'a> {
    Cell {
        file: &'a str,
        sheet: &'a str,
        row: u32,
        col: u32,
    },
    At(&'a Location),
}

impl Place<'_> {
    pub fn to_location(&self) -> Location {
        match *self {
            Place::Cell {
                file,
                sheet,
                row,
                col,
            } => Location::Cell {
                file: file.to_string(),
                sheet: sheet.to_string(),
                cell: cell::a1(row, col),
            },
            Place::At(location) => location.clone(),
        }
    }
}

/// A sheet (file and sheet name) whose cells facts refer to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct SheetId(u16);

/// A fact to add, its texts borrowed.
#[derive(Debug, Clone, Copy)]
pub struct NewFact<'a> {
    pub role: FactRole,
    pub region: Option<RegionCode>,
    pub territory: Option<Territory>,
    /// The row's own exercise, when its table gives one per row.
    pub exercise: Option<i32>,
    pub beneficiary: Option<&'a str>,
    pub identifier: Option<&'a str>,
    pub amount: Amount,
    pub raw_label: &'a str,
    /// The number its source gives `raw_label` (see `ItemAt::label_key`), if any.
    pub raw_label_key: Option<u32>,
    /// The amount as written; `None` when it is written as `amount.value` displays (a
    /// number cell read to the cent), which is then not stored twice.
    pub raw_amount: Option<&'a str>,
    pub location: Place<'a>,
    pub label_location: Option<Place<'a>>,
}

/// Numbers a source gives its labels that are remembered (16 million: 64 MB at most);
/// a label numbered beyond is interned as any other.
const MAX_KEYED_LABELS: usize = 1 << 24;

/// The facts of one statement, in the order they were added.
#[derive(Debug, Clone, Default)]
pub struct Facts {
    roles: Vec<FactRole>,
    regions: Vec<Option<RegionCode>>,
    /// Empty until a fact names a territory (then one a fact).
    territories: Vec<Option<Territory>>,
    /// A row's own exercise; `NO_EXERCISE` when the table gives none.
    exercises: Vec<i16>,
    /// Amounts as their mantissa and scale (nine bytes, not sixteen); one that does not fit
    /// an `i64` mantissa is kept in `large`, its scale marked `LARGE`.
    mantissas: Vec<i64>,
    scales: Vec<u8>,
    large: Vec<Decimal>,
    /// Index into `precisions`: the few ways a statement writes its figures.
    precision: Vec<u16>,
    precisions: Vec<(Precision, Qualifier)>,
    labels: Vec<TextId>,
    beneficiaries: Vec<Option<TextId>>,
    identifiers: Vec<PackedText>,
    raw_amounts: Vec<Option<TextId>>,
    locations: Vec<PackedLocation>,
    label_locations: Vec<PackedLocation>,
    texts: Interner,
    /// The amounts as written, when not the figure itself ("1 234,50 €"): seldom twice the
    /// same, kept apart, unindexed, so that the labels' index stays small.
    amount_texts: TextStore,
    /// The label last interned under each number its source gave it (`NewFact::
    /// raw_label_key`): a label seen again is found without hashing it.
    keyed_labels: Vec<Option<TextId>>,
    /// (file, sheet) of the cells.
    sheets: Vec<(String, String)>,
    /// Locations that are not cells of a registered sheet.
    others: Vec<Location>,
}

impl Facts {
    pub fn new() -> Self {
        Facts::default()
    }

    pub fn len(&self) -> usize {
        self.roles.len()
    }

    /// The bytes its columns take (their capacity, texts included), for the logs.
    pub fn footprint(&self) -> usize {
        self.roles.capacity()
            + self.regions.capacity()
            + self.territories.capacity()
            + self.exercises.capacity() * 2
            + self.mantissas.capacity() * 8
            + self.scales.capacity()
            + self.precision.capacity() * 2
            + self.labels.capacity() * 4
            + self.beneficiaries.capacity() * 4
            + self.identifiers.capacity() * 8
            + self.raw_amounts.capacity() * 4
            + (self.locations.capacity() + self.label_locations.capacity()) * 8
            + self.texts.footprint()
            + self.amount_texts.footprint()
            + self.keyed_labels.capacity() * 4
    }

    pub fn is_empty(&self) -> bool {
        self.roles.is_empty()
    }

    /// The distinct texts of the facts (labels, beneficiaries and identifiers as written),
    /// which `FactRef::label_id` and `FactRef::beneficiary_id` number.
    pub fn texts(&self) -> &Interner {
        &self.texts
    }

    /// The number under which cells of `sheet` in `file` are kept. More than 32 767 sheets
    /// in one statement are kept as plain locations.
    fn sheet(&mut self, file: &str, sheet: &str) -> Option<SheetId> {
        // The last sheet first: a table's cells all stand in one.
        if let Some((f, s)) = self.sheets.last()
            && f == file
            && s == sheet
        {
            return u16::try_from(self.sheets.len() - 1).ok().map(SheetId);
        }
        if let Some(i) = self
            .sheets
            .iter()
            .position(|(f, s)| f == file && s == sheet)
        {
            return u16::try_from(i).ok().map(SheetId);
        }
        let id = u16::try_from(self.sheets.len())
            .ok()
            .filter(|&id| u64::from(id) <= SHEET_MASK)?;
        self.sheets.push((file.to_string(), sheet.to_string()));
        Some(SheetId(id))
    }

    /// Adds a fact; returns its index.
    pub fn push(&mut self, fact: NewFact<'_>) -> usize {
        let index = self.len();
        self.roles.push(fact.role);
        self.regions.push(fact.region);
        if fact.territory.is_some() && self.territories.len() < index {
            self.territories.resize(index, None);
        }
        if !self.territories.is_empty() || fact.territory.is_some() {
            self.territories.push(fact.territory);
        }
        let exercise = fact
            .exercise
            .and_then(|y| i16::try_from(y).ok())
            .filter(|&y| y != NO_EXERCISE)
            .unwrap_or(NO_EXERCISE);
        self.exercises.push(exercise);
        let (mantissa, scale) = self.pack_value(fact.amount.value);
        self.mantissas.push(mantissa);
        self.scales.push(scale);
        let precision = (fact.amount.precision, fact.amount.qualifier);
        let kind = match self.precisions.iter().position(|p| *p == precision) {
            Some(k) => k,
            None => {
                self.precisions.push(precision);
                self.precisions.len() - 1
            }
        };
        // A statement has a handful of precisions; 65 536 would take as many figures
        // each rounded differently.
        self.precision.push(u16::try_from(kind).unwrap_or(u16::MAX));
        let label = match fact.raw_label_key {
            Some(key) => self.intern_keyed(key, fact.raw_label),
            None => self.texts.intern(fact.raw_label),
        };
        self.labels.push(label);
        // Most often the beneficiary is the label itself.
        let beneficiary = fact.beneficiary.map(|b| {
            if std::ptr::eq(b, fact.raw_label) {
                label
            } else {
                self.texts.intern(b)
            }
        });
        self.beneficiaries.push(beneficiary);
        let identifier = match fact.identifier {
            None => PackedText::NONE,
            Some(text) => PackedText::pack(text)
                .unwrap_or_else(|| PackedText::interned(self.texts.intern(text))),
        };
        self.identifiers.push(identifier);
        let raw = fact.raw_amount.map(|raw| self.amount_texts.add(raw));
        self.raw_amounts.push(raw);
        let location = self.pack(fact.location);
        self.locations.push(location);
        let label_location = fact
            .label_location
            .map_or(PackedLocation::NONE, |place| self.pack(place));
        self.label_locations.push(label_location);
        index
    }

    /// Adds an owned fact (its publication and envelope are the statement's).
    pub fn push_fact(&mut self, fact: &Fact) -> usize {
        let raw_amount =
            (fact.raw_amount != fact.amount.value.to_string()).then_some(fact.raw_amount.as_str());
        self.push(NewFact {
            role: fact.role,
            region: fact.region,
            territory: fact.territory,
            exercise: fact.exercise,
            beneficiary: fact.beneficiary.as_deref(),
            identifier: fact.identifier.as_deref(),
            amount: fact.amount,
            raw_label: &fact.raw_label,
            raw_label_key: None,
            raw_amount,
            location: Place::At(&fact.location),
            label_location: fact.label_location.as_ref().map(Place::At),
        })
    }

    /// The id of `text`, a label its source numbers `key`: the id last given under that
    /// number when it stands for the same text (checked: a source may number its texts
    /// otherwise than the last one), else the interned one, then kept under the number.
    fn intern_keyed(&mut self, key: u32, text: &str) -> TextId {
        let slot = key as usize;
        if let Some(Some(id)) = self.keyed_labels.get(slot)
            && self.texts.text(*id) == text
        {
            return *id;
        }
        let id = self.texts.intern(text);
        if slot < MAX_KEYED_LABELS {
            if self.keyed_labels.len() <= slot {
                self.keyed_labels.resize(slot + 1, None);
            }
            self.keyed_labels[slot] = Some(id);
        }
        id
    }

    fn pack_value(&mut self, value: Decimal) -> (i64, u8) {
        let scale = value.scale();
        match (i64::try_from(value.mantissa()), u8::try_from(scale)) {
            (Ok(mantissa), Ok(scale)) if scale < LARGE => (mantissa, scale),
            _ => {
                self.large.push(value);
                (
                    i64::try_from(self.large.len() - 1).unwrap_or(i64::MAX),
                    LARGE,
                )
            }
        }
    }

    fn pack(&mut self, place: Place<'_>) -> PackedLocation {
        match place {
            Place::Cell {
                file,
                sheet,
                row,
                col,
            } => self
                .sheet(file, sheet)
                .and_then(|id| PackedLocation::cell(id, row, col))
                .unwrap_or_else(|| self.other(place.to_location())),
            Place::At(location) => {
                if let Location::Cell { file, sheet, cell } = location
                    && let Some((row, col)) = cell::parse_a1(cell)
                    && cell::a1(row, col) == *cell
                    && let Some(sheet) = self.sheet(file, sheet)
                    && let Some(packed) = PackedLocation::cell(sheet, row, col)
                {
                    return packed;
                }
                self.other(location.clone())
            }
        }
    }

    fn other(&mut self, location: Location) -> PackedLocation {
        // Reuse the last one: a label's location often repeats (a merged region cell).
        if let Some(last) = self.others.last()
            && *last == location
        {
            return PackedLocation::other(self.others.len() - 1);
        }
        self.others.push(location);
        PackedLocation::other(self.others.len() - 1)
    }

    fn unpack(&self, packed: PackedLocation) -> Option<Location> {
        match packed.decode() {
            Decoded::None => None,
            Decoded::Cell { sheet, row, col } => {
                let (file, name) = self.sheets.get(usize::from(sheet))?;
                Some(Location::Cell {
                    file: file.clone(),
                    sheet: name.clone(),
                    cell: cell::a1(row, col),
                })
            }
            Decoded::Other(i) => self.others.get(i).cloned(),
        }
    }

    /// Whether `packed` stands for `location`, without building it when it is a cell.
    fn packed_is(&self, packed: PackedLocation, location: &Location) -> bool {
        match (packed.decode(), location) {
            (Decoded::None, _) => false,
            (
                Decoded::Cell { sheet, row, col },
                Location::Cell {
                    file,
                    sheet: s,
                    cell,
                },
            ) => {
                self.sheets
                    .get(usize::from(sheet))
                    .is_some_and(|(f, n)| f == file && n == s)
                    && cell::parse_a1(cell) == Some((row, col))
                    && cell::a1(row, col) == *cell
            }
            (Decoded::Cell { .. }, _) => false,
            (Decoded::Other(i), location) => self.others.get(i) == Some(location),
        }
    }

    pub fn get(&self, index: usize) -> FactRef<'_> {
        assert!(index < self.len(), "fact {index} of {}", self.len());
        FactRef { facts: self, index }
    }

    pub fn iter(&self) -> FactIter<'_> {
        self.into_iter()
    }

    pub fn first(&self) -> Option<FactRef<'_>> {
        (!self.is_empty()).then(|| self.get(0))
    }

    pub fn set_role(&mut self, index: usize, role: FactRole) {
        self.roles[index] = role;
    }

    pub fn set_region(&mut self, index: usize, region: Option<RegionCode>) {
        self.regions[index] = region;
    }

    pub fn set_amount(&mut self, index: usize, amount: Amount) {
        let (mantissa, scale) = self.pack_value(amount.value);
        self.mantissas[index] = mantissa;
        self.scales[index] = scale;
        let precision = (amount.precision, amount.qualifier);
        let kind = match self.precisions.iter().position(|p| *p == precision) {
            Some(k) => k,
            None => {
                self.precisions.push(precision);
                self.precisions.len() - 1
            }
        };
        self.precision[index] = u16::try_from(kind).unwrap_or(u16::MAX);
    }
}

impl FromIterator<Fact> for Facts {
    fn from_iter<I: IntoIterator<Item = Fact>>(iter: I) -> Self {
        let mut facts = Facts::new();
        for fact in iter {
            facts.push_fact(&fact);
        }
        facts
    }
}

impl From<Vec<Fact>> for Facts {
    fn from(facts: Vec<Fact>) -> Self {
        facts.into_iter().collect()
    }
}

impl<'a> IntoIterator for &'a Facts {
    type Item = FactRef<'a>;
    type IntoIter = FactIter<'a>;
    fn into_iter(self) -> FactIter<'a> {
        FactIter {
            facts: self,
            range: 0..self.len(),
        }
    }
}

/// The facts of a statement, in order.
#[derive(Debug, Clone)]
pub struct FactIter<'a> {
    facts: &'a Facts,
    range: std::ops::Range<usize>,
}

impl<'a> Iterator for FactIter<'a> {
    type Item = FactRef<'a>;
    fn next(&mut self) -> Option<FactRef<'a>> {
        self.range.next().map(|index| FactRef {
            facts: self.facts,
            index,
        })
    }
    fn size_hint(&self) -> (usize, Option<usize>) {
        self.range.size_hint()
    }
}

impl ExactSizeIterator for FactIter<'_> {}

impl DoubleEndedIterator for FactIter<'_> {
    fn next_back(&mut self) -> Option<Self::Item> {
        self.range.next_back().map(|index| FactRef {
            facts: self.facts,
            index,
        })
    }
}

/// One fact of a `Facts`, read in place.
#[derive(Clone, Copy)]
pub struct FactRef<'a> {
    facts: &'a Facts,
    index: usize,
}

impl std::fmt::Debug for FactRef<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.to_fact().fmt(f)
    }
}

impl PartialEq for FactRef<'_> {
    /// The same fact of the same statement.
    fn eq(&self, other: &Self) -> bool {
        std::ptr::eq(self.facts, other.facts) && self.index == other.index
    }
}

impl Eq for FactRef<'_> {}

impl<'a> FactRef<'a> {
    /// Its place among its statement's facts.
    pub fn index(&self) -> usize {
        self.index
    }

    pub fn role(&self) -> FactRole {
        self.facts.roles[self.index]
    }

    pub fn region(&self) -> Option<RegionCode> {
        self.facts.regions[self.index]
    }

    pub fn territory(&self) -> Option<Territory> {
        self.facts.territories.get(self.index).copied().flatten()
    }

    /// The row's own exercise, when its table gives one per row.
    pub fn exercise(&self) -> Option<i32> {
        let year = self.facts.exercises[self.index];
        (year != NO_EXERCISE).then_some(i32::from(year))
    }

    pub fn amount(&self) -> Amount {
        let (precision, qualifier) = self
            .facts
            .precisions
            .get(usize::from(self.facts.precision[self.index]))
            .copied()
            .unwrap_or((Precision::Exact, Qualifier::Equal));
        Amount {
            value: self.value(),
            precision,
            qualifier,
        }
    }

    /// `amount().half_unit()`, without making the amount.
    pub fn half_unit(&self) -> Decimal {
        self.facts
            .precisions
            .get(usize::from(self.facts.precision[self.index]))
            .map_or(Decimal::ZERO, |(precision, _)| precision.half_unit())
    }

    /// The amount's value, without its precision.
    pub fn value(&self) -> Decimal {
        let (mantissa, scale) = (
            self.facts.mantissas[self.index],
            self.facts.scales[self.index],
        );
        match scale {
            LARGE => usize::try_from(mantissa)
                .ok()
                .and_then(|i| self.facts.large.get(i).copied())
                .unwrap_or_default(),
            _ => Decimal::new(mantissa, u32::from(scale)),
        }
    }

    pub fn raw_label(&self) -> &'a str {
        self.facts.texts.text(self.facts.labels[self.index])
    }

    pub fn beneficiary(&self) -> Option<&'a str> {
        self.facts.beneficiaries[self.index].map(|id| self.facts.texts.text(id))
    }

    /// The label's number among the statement's texts: equal numbers, equal labels.
    pub fn label_id(&self) -> TextId {
        self.facts.labels[self.index]
    }

    /// The beneficiary's number among the statement's texts: equal numbers, equal names.
    pub fn beneficiary_id(&self) -> Option<TextId> {
        self.facts.beneficiaries[self.index]
    }

    /// The identifier as one number: equal numbers, equal identifiers (0 for none).
    pub fn identifier_key(&self) -> u64 {
        self.facts.identifiers[self.index].0
    }

    /// The beneficiary's name, else the label as written.
    pub fn name(&self) -> &'a str {
        self.beneficiary().unwrap_or_else(|| self.raw_label())
    }

    pub fn identifier(&self) -> Option<Cow<'a, str>> {
        self.facts.identifiers[self.index].unpack(&self.facts.texts)
    }

    /// Appends the amount as written to `out`, without a string of its own.
    pub fn write_raw_amount(&self, out: &mut String) {
        match self.facts.raw_amounts[self.index] {
            Some(id) => out.push_str(self.facts.amount_texts.text(id)),
            None => push_decimal(out, self.value()),
        }
    }

    /// Appends the identifier to `out`; false when there is none.
    pub fn write_identifier(&self, out: &mut String) -> bool {
        self.facts.identifiers[self.index].write(&self.facts.texts, out)
    }

    /// The line and span of the label when it stands in a text (`None`s for a cell).
    pub fn label_line_span(&self) -> (Option<u32>, Option<(u32, u32)>) {
        match self.facts.label_locations[self.index].decode() {
            Decoded::Other(i) => self
                .facts
                .others
                .get(i)
                .map_or((None, None), |l| (l.line(), l.span())),
            Decoded::None | Decoded::Cell { .. } => (None, None),
        }
    }

    /// The amount as written in the source.
    pub fn raw_amount(&self) -> Cow<'a, str> {
        match self.facts.raw_amounts[self.index] {
            Some(id) => Cow::Borrowed(self.facts.amount_texts.text(id)),
            None => Cow::Owned(self.value().to_string()),
        }
    }

    /// Where the amount stands.
    pub fn location(&self) -> Location {
        self.facts
            .unpack(self.facts.locations[self.index])
            .expect("every fact has a location")
    }

    /// Where the label stands, when known.
    pub fn label_location(&self) -> Option<Location> {
        self.facts.unpack(self.facts.label_locations[self.index])
    }

    /// Whether the amount stands at `location`, without building the location.
    pub fn is_at(&self, location: &Location) -> bool {
        self.facts
            .packed_is(self.facts.locations[self.index], location)
    }

    /// Whether the label stands at `location`.
    pub fn label_is_at(&self, location: &Location) -> bool {
        self.facts
            .packed_is(self.facts.label_locations[self.index], location)
    }

    /// The amount's line in a text source (`None` for a cell).
    pub fn line(&self) -> Option<u32> {
        match self.facts.locations[self.index].decode() {
            Decoded::Other(i) => self.facts.others.get(i).and_then(Location::line),
            Decoded::None | Decoded::Cell { .. } => None,
        }
    }

    /// The amount's sheet, row and column when it stands in a cell.
    pub fn cell(&self) -> Option<(&'a str, &'a str, u32, u32)> {
        match self.facts.locations[self.index].decode() {
            Decoded::Cell { sheet, row, col } => {
                let (file, name) = self.facts.sheets.get(usize::from(sheet))?;
                Some((file, name, row, col))
            }
            Decoded::Other(_) | Decoded::None => None,
        }
    }

    /// The owned form, with the statement's publication and envelope.
    pub fn to_fact_of(&self, publication_id: &str, envelope_id: &str) -> Fact {
        Fact {
            publication_id: publication_id.to_string(),
            envelope_id: envelope_id.to_string(),
            role: self.role(),
            region: self.region(),
            territory: self.territory(),
            exercise: self.exercise(),
            beneficiary: self.beneficiary().map(str::to_string),
            identifier: self.identifier().map(Cow::into_owned),
            amount: self.amount(),
            raw_label: self.raw_label().to_string(),
            raw_amount: self.raw_amount().into_owned(),
            location: self.location(),
            label_location: self.label_location(),
        }
    }

    /// The owned form, without publication and envelope (for debugging and tests).
    pub fn to_fact(&self) -> Fact {
        self.to_fact_of("", "")
    }
}

/// Appends `value` as `Display` writes it, without going through the formatter: a million
/// amounts are written out.
fn push_decimal(out: &mut String, value: Decimal) {
    use std::fmt::Write as _;
    let mantissa = value.mantissa();
    let scale = value.scale() as usize;
    if mantissa == 0 && value.is_sign_negative() {
        let _ = write!(out, "{value}");
        return;
    }
    let mut digits = [0u8; 40];
    let mut len = 0;
    let mut rest = mantissa.unsigned_abs();
    loop {
        digits[len] = b'0' + u8::try_from(rest % 10).unwrap_or(0);
        len += 1;
        rest /= 10;
        if rest == 0 {
            break;
        }
    }
    digits[..len].reverse();
    if mantissa < 0 {
        out.push('-');
    }
    let push = |out: &mut String, bytes: &[u8]| out.extend(bytes.iter().map(|&b| char::from(b)));
    if scale == 0 {
        push(out, &digits[..len]);
    } else if len > scale {
        push(out, &digits[..len - scale]);
        out.push('.');
        push(out, &digits[len - scale..len]);
    } else {
        out.push_str("0.");
        out.extend(std::iter::repeat_n('0', scale - len));
        push(out, &digits[..len]);
    }
}

/// No exercise of its own (the envelope's applies).
const NO_EXERCISE: i16 = i16::MIN;

/// The scale marking an amount kept whole in `Facts::large` (decimal scales stop at 28).
const LARGE: u8 = u8::MAX;

/// 15 bits of sheet, 32 of row, 16 of column; the top bit marks any other location.
const SHEET_MASK: u64 = (1 << 15) - 1;
const OTHER: u64 = 1 << 63;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct PackedLocation(u64);

enum Decoded {
    None,
    Cell { sheet: u16, row: u32, col: u32 },
    Other(usize),
}

impl PackedLocation {
    const NONE: PackedLocation = PackedLocation(u64::MAX);

    fn cell(sheet: SheetId, row: u32, col: u32) -> Option<PackedLocation> {
        let col = u16::try_from(col).ok()?;
        let sheet = u64::from(sheet.0);
        (sheet <= SHEET_MASK)
            .then(|| PackedLocation((sheet << 48) | (u64::from(row) << 16) | u64::from(col)))
    }

    fn other(index: usize) -> PackedLocation {
        // Fewer than 2^62 locations: the index never reaches NONE.
        PackedLocation(OTHER | index as u64)
    }

    fn decode(self) -> Decoded {
        if self == Self::NONE {
            Decoded::None
        } else if self.0 & OTHER != 0 {
            Decoded::Other(usize::try_from(self.0 & !OTHER).unwrap_or(usize::MAX))
        } else {
            Decoded::Cell {
                sheet: u16::try_from(self.0 >> 48).unwrap_or(u16::MAX),
                row: u32::try_from((self.0 >> 16) & u64::from(u32::MAX)).unwrap_or(u32::MAX),
                col: u32::from(u16::try_from(self.0 & 0xFFFF).unwrap_or(u16::MAX)),
            }
        }
    }
}

/// An identifier (FINESS, SIREN: nine digits, or 2A/2B and seven digits) packed in a
/// `u64`: up to twelve characters among 0-9 and A-Z, as base-37 digits 1 to 36 (so that no
/// character is a zero and lengths need no field). Anything else is interned.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct PackedText(u64);

impl PackedText {
    const NONE: PackedText = PackedText(0);
    const INTERNED: u64 = 1 << 63;

    fn pack(text: &str) -> Option<PackedText> {
        if text.is_empty() || text.len() > 12 {
            return None;
        }
        let mut packed: u64 = 0;
        for b in text.bytes() {
            let digit = match b {
                b'0'..=b'9' => b - b'0' + 1,
                b'A'..=b'Z' => b - b'A' + 11,
                _ => return None,
            };
            packed = packed * 37 + u64::from(digit);
        }
        Some(PackedText(packed))
    }

    fn interned(id: TextId) -> PackedText {
        PackedText(Self::INTERNED | u64::from(id.number()))
    }

    fn unpack<'a>(self, texts: &'a Interner) -> Option<Cow<'a, str>> {
        if self == Self::NONE {
            return None;
        }
        if self.0 & Self::INTERNED != 0 {
            let id = texts.id(u32::try_from(self.0 & !Self::INTERNED).ok()?)?;
            return Some(Cow::Borrowed(texts.text(id)));
        }
        let mut out = String::with_capacity(12);
        self.write(texts, &mut out);
        Some(Cow::Owned(out))
    }

    /// Appends the text to `out`; false when there is none.
    fn write(self, texts: &Interner, out: &mut String) -> bool {
        if self == Self::NONE {
            return false;
        }
        if self.0 & Self::INTERNED != 0 {
            let id = u32::try_from(self.0 & !Self::INTERNED)
                .ok()
                .and_then(|n| texts.id(n));
            if let Some(id) = id {
                out.push_str(texts.text(id));
            }
            return true;
        }
        let mut digits = [0u8; 12];
        let mut len = 0;
        let mut rest = self.0;
        while rest > 0 && len < digits.len() {
            let digit = u8::try_from(rest % 37).unwrap_or(0);
            digits[len] = match digit {
                1..=10 => b'0' + digit - 1,
                _ => b'A' + digit - 11,
            };
            len += 1;
            rest /= 37;
        }
        digits[..len].reverse();
        out.extend(digits[..len].iter().map(|&b| char::from(b)));
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cell(file: &str, sheet: &str, cell: &str) -> Location {
        Location::Cell {
            file: file.to_string(),
            sheet: sheet.to_string(),
            cell: cell.to_string(),
        }
    }

    fn fact(label: &str, location: Location) -> Fact {
        Fact {
            publication_id: "p".to_string(),
            envelope_id: "e".to_string(),
            role: FactRole::Component,
            region: Some(RegionCode::Bretagne),
            territory: None,
            exercise: None,
            beneficiary: Some(label.trim().to_string()),
            identifier: Some("2A0001234".to_string()),
            amount: Amount::exact(Decimal::new(12345, 2)),
            raw_label: label.to_string(),
            raw_amount: "123,45 €".to_string(),
            location,
            label_location: None,
        }
    }

    /// A label numbered by its source reads back as written whatever the numbers say: the
    /// same number for another text (another workbook's shared strings), a number past
    /// those remembered, no number.
    #[test]
    fn labels_numbered_by_their_source_read_back_as_written() {
        let added = [
            ("Bretagne", Some(3)),
            ("Bretagne", Some(3)),
            ("Normandie", Some(3)),
            ("Bretagne", Some(3)),
            ("Corse", Some(u32::MAX)),
            ("Corse", None),
            ("Normandie", Some(0)),
        ];
        let mut facts = Facts::new();
        for (k, (label, key)) in added.iter().enumerate() {
            let location = cell("a.xlsx", "S", &format!("A{}", k + 1));
            facts.push(NewFact {
                role: FactRole::Component,
                region: None,
                territory: None,
                exercise: None,
                beneficiary: Some(label),
                identifier: None,
                amount: Amount::exact(Decimal::ONE),
                raw_label: label,
                raw_label_key: *key,
                raw_amount: None,
                location: Place::At(&location),
                label_location: None,
            });
        }
        let labels: Vec<&str> = (0..facts.len()).map(|k| facts.get(k).raw_label()).collect();
        let written: Vec<&str> = added.iter().map(|(label, _)| *label).collect();
        assert_eq!(labels, written);
        // One id per distinct label, however it was numbered.
        let id = |k: usize| facts.get(k).label_id();
        assert_eq!((id(0), id(1), id(3)), (id(0), id(0), id(0)));
        assert_eq!((id(4), id(6)), (id(5), id(2)));
        assert_ne!(id(0), id(2));
        assert_eq!(facts.texts().len(), 3);
    }

    #[test]
    fn facts_read_back_as_added() {
        let line = Location::Line {
            file: "a.txt".to_string(),
            line: 3,
            span: (4, 9),
        };
        let mut with_label = fact(" Fondation OVE ", cell("a.xlsx", "Annexe", "C12"));
        with_label.label_location = Some(cell("a.xlsx", "Annexe", "A12"));
        let mut plain = fact("Bretagne", line.clone());
        plain.beneficiary = None;
        plain.identifier = None;
        plain.raw_amount = "123.45".to_string();
        plain.amount.precision = Precision::Rounded {
            unit: Decimal::from(1000),
        };
        let odd = fact("x", cell("a.xlsx", "Annexe", "$C$1"));
        let facts: Facts = vec![with_label.clone(), plain.clone(), odd.clone()].into();
        assert_eq!(facts.len(), 3);
        let owned: Vec<Fact> = facts.iter().map(|f| f.to_fact_of("p", "e")).collect();
        assert_eq!(owned, [with_label, plain, odd]);
        assert!(facts.get(0).is_at(&cell("a.xlsx", "Annexe", "C12")));
        assert!(!facts.get(0).is_at(&cell("a.xlsx", "Annexe", "C13")));
        assert!(facts.get(0).label_is_at(&cell("a.xlsx", "Annexe", "A12")));
        assert!(facts.get(1).is_at(&line));
        assert_eq!(facts.get(1).line(), Some(3));
        assert_eq!(facts.get(0).cell(), Some(("a.xlsx", "Annexe", 11, 2)));
    }

    #[test]
    fn decimals_are_written_as_display_writes_them() {
        for text in [
            "0",
            "1",
            "-1",
            "1234.5",
            "0.07",
            "-0.07",
            "100",
            "1234.50",
            "0.000001",
            "79228162514264337593543950335",
            "-7.9228162514264337593543950335",
            "12.30",
        ] {
            let value: Decimal = text.parse().expect(text);
            let mut out = String::new();
            push_decimal(&mut out, value);
            assert_eq!(out, value.to_string(), "{text}");
        }
        let negative_zero = Decimal::new(-0, 2) * Decimal::NEGATIVE_ONE;
        let mut out = String::new();
        push_decimal(&mut out, negative_zero);
        assert_eq!(out, negative_zero.to_string());
    }

    #[test]
    fn amounts_of_any_size_read_back() {
        let mut facts = Facts::new();
        let mut values = vec![
            Decimal::new(12345, 2),
            Decimal::MAX,
            Decimal::new(-1, 28),
            Decimal::new(100, 0),
        ];
        for &value in &values {
            let mut f = fact("x", cell("a.xlsx", "S", "A1"));
            f.amount = Amount::exact(value);
            f.raw_amount = "x".to_string();
            facts.push_fact(&f);
        }
        let read: Vec<Decimal> = facts.iter().map(|f| f.value()).collect();
        assert_eq!(read, values);
        values[0] = Decimal::MIN;
        facts.set_amount(0, Amount::exact(values[0]));
        assert_eq!(facts.get(0).value(), Decimal::MIN);
    }

    #[test]
    fn identifiers_pack_when_they_can() {
        for id in ["010002345", "2A0001234", "2B9", "ABCDEFGHIJKL", "0"] {
            let packed = PackedText::pack(id).expect(id);
            assert_eq!(packed.unpack(&Interner::new()).as_deref(), Some(id));
        }
        for id in ["", "abc", "ABCDEFGHIJKLM", "12 34"] {
            assert!(PackedText::pack(id).is_none(), "{id}");
        }
    }
}
