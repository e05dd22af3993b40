//! `comply lint`: every static check, without facts.

use std::path::PathBuf;

use super::{EXIT_OK, Failure, Io, Outcome};
use crate::Rulebook;

#[derive(Debug, clap::Args)]
pub struct Args {
    /// A rule file or a folder of *.rules files (default: the shipped packs).
    rules: Option<PathBuf>,
}

pub fn run(args: Args, io: &mut Io<'_>) -> Outcome {
    let loaded = match &args.rules {
        Some(path) => Rulebook::load_path(path),
        None => Rulebook::embedded_verified(),
    };
    let book = loaded.map_err(|e| Failure(format!("{}\n{}", e.render().trim_end(), e)))?;
    let rendered = book.sources.render(&book.warnings);
    let _ = write!(io.stdout, "{rendered}");
    let rules: usize = book.policies().iter().map(|p| p.rules.len()).sum();
    let _ = writeln!(
        io.stdout,
        "checked {} policies ({} rules): no errors, {} warning(s)",
        book.policies().len(),
        rules,
        book.warnings.len()
    );
    Ok(EXIT_OK)
}
