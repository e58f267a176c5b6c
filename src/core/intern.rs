//! Texts kept in one buffer and named by a `u32`; rows keep the number. A `TextStore` keeps
//! each text it is given (an amount as written, seldom twice the same); an `Interner` keeps
//! a text once however often it recurs: a million-row allocation table names a few tens of
//! thousands of organisations, eighteen regions in a few hundred spellings, five phases.
//! Pure: no I/O.

use std::collections::HashMap;
use std::num::NonZeroU32;

/// A number standing for one text of a `TextStore` or an `Interner` (never zero, so that
/// an `Option<TextId>` takes four bytes).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct TextId(NonZeroU32);

impl TextId {
    /// The text's rank among the store's texts, from 0.
    pub fn number(self) -> u32 {
        self.0.get() - 1
    }

    fn of(number: u32) -> TextId {
        TextId(NonZeroU32::MIN.saturating_add(number))
    }
}

/// Texts in one buffer, each named by a `TextId`, in the order they were added; the same
/// text added twice is kept twice.
#[derive(Debug, Clone, Default)]
pub struct TextStore {
    buffer: String,
    /// Where each text stands in `buffer`: start and end byte offsets.
    spans: Vec<(u32, u32)>,
}

impl TextStore {
    pub fn new() -> Self {
        TextStore::default()
    }

    /// Keeps `text` and names it. Panics only beyond 4 GiB of text, which no publication
    /// comes near.
    pub fn add(&mut self, text: &str) -> TextId {
        let start = self.buffer.len();
        self.buffer.push_str(text);
        let span = (offset(start), offset(self.buffer.len()));
        let number = u32::try_from(self.spans.len())
            .ok()
            .filter(|&n| n < u32::MAX)
            .expect("fewer than 2^32 - 1 texts");
        self.spans.push(span);
        TextId::of(number)
    }

    /// The id of the `number`-th text, if there is one.
    pub fn id(&self, number: u32) -> Option<TextId> {
        ((number as usize) < self.spans.len()).then(|| TextId::of(number))
    }

    /// The text `id` stands for.
    pub fn text(&self, id: TextId) -> &str {
        self.text_at(id.number())
    }

    fn text_at(&self, number: u32) -> &str {
        let (start, end) = self.spans[number as usize];
        &self.buffer[start as usize..end as usize]
    }

    /// How many texts are kept.
    pub fn len(&self) -> usize {
        self.spans.len()
    }

    pub fn is_empty(&self) -> bool {
        self.spans.is_empty()
    }

    /// The bytes it takes (capacities), roughly: texts and spans.
    pub fn footprint(&self) -> usize {
        self.buffer.capacity() + self.spans.capacity() * 8
    }
}

/// Distinct texts, each named by a `TextId`: a `TextStore` and an index of its texts.
#[derive(Debug, Clone, Default)]
pub struct Interner {
    store: TextStore,
    /// A text's hash (salted again on a collision) → its number.
    index: HashMap<u64, u32, BuildIdentity>,
}

impl Interner {
    pub fn new() -> Self {
        Interner::default()
    }

    /// The id of `text`, added if new. Panics only if more than 4 GiB of distinct text is
    /// interned, which no publication comes near.
    pub fn intern(&mut self, text: &str) -> TextId {
        let mut key = hash(text.as_bytes());
        loop {
            match self.index.get(&key) {
                Some(&number) if self.store.text_at(number) == text => {
                    return TextId::of(number);
                }
                // Another text with this hash: try the next salt.
                Some(_) => key = rehash(key),
                None => break,
            }
        }
        let id = self.store.add(text);
        self.index.insert(key, id.number());
        id
    }

    /// The id of the `number`-th text, if there is one.
    pub fn id(&self, number: u32) -> Option<TextId> {
        self.store.id(number)
    }

    /// The text `id` stands for.
    pub fn text(&self, id: TextId) -> &str {
        self.store.text(id)
    }

    /// How many distinct texts are held.
    pub fn len(&self) -> usize {
        self.store.len()
    }

    pub fn is_empty(&self) -> bool {
        self.store.is_empty()
    }

    /// The bytes it takes (capacities), roughly: texts, spans, index.
    pub fn footprint(&self) -> usize {
        self.store.footprint() + self.index.capacity() * 16
    }
}

fn offset(n: usize) -> u32 {
    u32::try_from(n).expect("interned text under 4 GiB")
}

/// FxHash-style multiply-rotate over 8-byte words: a few nanoseconds for a label, and a
/// collision only costs a second probe (texts are compared, never trusted to the hash).
/// Not for keys an attacker picks to collide; the inputs here are the tables we read.
pub fn hash(bytes: &[u8]) -> u64 {
    const K: u64 = 0x517c_c1b7_2722_0a95;
    let mut h: u64 = bytes.len() as u64;
    let mut chunks = bytes.chunks_exact(8);
    for chunk in &mut chunks {
        let mut word = [0u8; 8];
        word.copy_from_slice(chunk);
        h = (h.rotate_left(5) ^ u64::from_le_bytes(word)).wrapping_mul(K);
    }
    let rest = chunks.remainder();
    if !rest.is_empty() {
        let mut word = [0u8; 8];
        word[..rest.len()].copy_from_slice(rest);
        h = (h.rotate_left(5) ^ u64::from_le_bytes(word)).wrapping_mul(K);
    }
    // A final mix, so that the map's low bits depend on every byte.
    h ^= h >> 29;
    h = h.wrapping_mul(0xbf58_476d_1ce4_e5b9);
    h ^ (h >> 32)
}

fn rehash(key: u64) -> u64 {
    (key ^ 0x9e37_79b9_7f4a_7c15).wrapping_mul(0x94d0_49bb_1331_11eb)
}

/// The keys are hashes already: the map uses them as they are.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct BuildIdentity;

impl std::hash::BuildHasher for BuildIdentity {
    type Hasher = Identity;
    fn build_hasher(&self) -> Identity {
        Identity(0)
    }
}

#[derive(Debug, Clone, Copy)]
pub(crate) struct Identity(u64);

impl std::hash::Hasher for Identity {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        // Only `u64` keys are hashed; anything else is folded in, never dropped.
        for &b in bytes {
            self.0 = self.0.rotate_left(8) ^ u64::from(b);
        }
    }
    fn write_u64(&mut self, n: u64) {
        self.0 = n;
    }
    fn write_u128(&mut self, n: u128) {
        // A 128-bit digest: its low half is as spread as the whole.
        self.0 = n as u64;
    }
}

/// A map's hasher for keys of numbers (ids, codes) and short texts: FxHash-style, a
/// multiply per word. Keys are compared on a collision, never trusted to the hash; as with
/// `hash`, not for keys an attacker picks to collide.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct BuildFx;

impl std::hash::BuildHasher for BuildFx {
    type Hasher = Fx;
    fn build_hasher(&self) -> Fx {
        Fx(0)
    }
}

#[derive(Debug, Clone, Copy)]
pub(crate) struct Fx(u64);

impl std::hash::Hasher for Fx {
    fn finish(&self) -> u64 {
        let h = self.0 ^ (self.0 >> 29);
        h.wrapping_mul(0xbf58_476d_1ce4_e5b9) ^ (h >> 32)
    }
    fn write(&mut self, bytes: &[u8]) {
        self.0 = (self.0.rotate_left(5) ^ hash(bytes)).wrapping_mul(0x517c_c1b7_2722_0a95);
    }
    fn write_u64(&mut self, n: u64) {
        self.0 = (self.0.rotate_left(5) ^ n).wrapping_mul(0x517c_c1b7_2722_0a95);
    }
    fn write_u32(&mut self, n: u32) {
        self.write_u64(u64::from(n));
    }
    fn write_u8(&mut self, n: u8) {
        self.write_u64(u64::from(n));
    }
    fn write_usize(&mut self, n: usize) {
        self.write_u64(n as u64);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_text_is_stored_once_and_read_back() {
        let mut interner = Interner::new();
        let a = interner.intern("Fondation OVE");
        let b = interner.intern("APF France handicap");
        assert_eq!(interner.intern("Fondation OVE"), a);
        assert_ne!(a, b);
        assert_eq!(interner.text(a), "Fondation OVE");
        assert_eq!(interner.text(b), "APF France handicap");
        assert_eq!(interner.len(), 2);
        let empty = interner.intern("");
        assert_eq!(interner.text(empty), "");
    }

    #[test]
    fn a_store_keeps_each_text_it_is_given() {
        let mut store = TextStore::new();
        let a = store.add("1 234,50 €");
        let b = store.add("1 234,50 €");
        assert_ne!(a, b);
        assert_eq!(store.text(a), "1 234,50 €");
        assert_eq!(store.text(b), "1 234,50 €");
        assert_eq!(store.len(), 2);
        assert_eq!(store.id(1), Some(b));
        assert_eq!(store.id(2), None);
    }

    #[test]
    fn colliding_hashes_keep_texts_apart() {
        let mut interner = Interner::new();
        // Force a collision: the same key taken by another text.
        let a = interner.intern("Bretagne");
        let key = hash(b"Normandie");
        interner.index.insert(key, 0);
        let b = interner.intern("Normandie");
        assert_ne!(a, b);
        assert_eq!(interner.text(b), "Normandie");
        assert_eq!(interner.intern("Normandie"), b);
    }
}
