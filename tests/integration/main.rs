//! Every integration test in one binary, so that the library is linked once: a module per area.

mod common;

mod ask;
mod batch;
mod clause_map;
mod command_line;
mod diagnostics;
mod diff;
mod differential;
mod exactness;
mod examples;
mod fast_path;
mod fuzz;
mod hostile;
mod inputs;
mod law_conversion;
mod lists;
mod materials;
mod newcomer;
mod packs;
mod plan;
mod printable;
mod properties;
mod records;
mod robustness;
mod serve;
mod stored_cases;
mod units;
mod wording;
