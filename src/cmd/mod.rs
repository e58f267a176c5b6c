//! The commands beyond `run` and `check`, one file each: its usage at the top and a `run`
//! function; the library does the work.

pub mod diff;
pub mod explain;
pub mod scaffold;
