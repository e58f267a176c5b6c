//! esms-ledger: official publications about the ESMS numérique programme, turned into one
//! validated, BI-ready dataset.
//!
//! ```text
//! inputs/*.toml + sources ──► sources ──► extract ──► normalise ──► validate ──► publish ──► outputs/
//! ```
//! Each stage is a module; data flows one way. `amount` and `region` are the pure domain
//! core that the stages share.

pub mod amount;
pub mod dataset;
pub mod error;
pub mod extract;
pub mod model;
pub mod names;
pub mod normalise;
pub mod publish;
pub mod region;
pub mod report;
pub mod run;
pub mod sources;
pub mod tables;
pub mod validate;
pub mod vocab;
