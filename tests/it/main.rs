//! The integration tests, in one binary: each test binary links polars, so eight of them
//! cost eight links. One module per area; the inputs of an area are files under
//! `tests/fixtures/<area>/`, its snapshots are under `snapshots/<area>/`.

mod acceptance;
mod bad_inputs;
mod cli;
mod daily;
mod layouts;
mod parquet_roundtrip;
mod pdf;
mod properties;
mod robustness;
mod rules;
mod seeds;
mod sheets;
mod support;
