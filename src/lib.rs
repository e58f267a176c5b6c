//! esms-ledger: official publications about the ESMS numérique programme, turned into one
//! validated, BI-ready dataset.
//!
//! ```text
//! inputs/*.toml + sources ──► sources ──► extract ──► normalise ──► validate ──► publish ──► outputs/
//! ```
//! Each stage is a module and data flows one way: a stage imports only `core`, `model` and
//! the stages before it. `core` is the pure domain (amounts, regions, names, the vocabulary
//! of French tables); `model` the types passed between stages; `render` the sentences of
//! findings, in English and in French, written at the edge (logs, tables, reports).

pub mod core;
pub mod error;
pub mod explain;
pub mod extract;
pub mod model;
pub mod normalise;
pub mod publish;
pub mod render;
pub mod run;
pub mod scaffold;
pub mod sources;
pub mod validate;
