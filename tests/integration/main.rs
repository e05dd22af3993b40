//! Every integration test in one binary, so that the library is linked once: a module per area.

mod common;

mod ask;
mod batch;
mod diagnostics;
mod diff;
mod differential;
mod examples;
mod fast_path;
mod fuzz;
mod hostile;
mod inputs;
mod newcomer;
mod packs;
mod printable;
mod properties;
mod records;
mod robustness;
mod serve;
mod wording;
