//! `comply clauses`: the clause map of rules/README.md, generated from the rule files (`clause_map`).

use std::path::PathBuf;

use super::{EXIT_OK, Failure, Io, Outcome, load_rules};
use crate::clause_map;
use crate::explain::Lang;

#[derive(Debug, clap::Args)]
pub struct Args {
    /// A rule file or a folder of *.rules files (default: the shipped packs).
    rules: Option<PathBuf>,
    /// Rewrite the marked clause-map tables of this Markdown file in place (rules/README.md) instead of
    /// printing the tables.
    #[arg(long)]
    write: Option<PathBuf>,
}

pub fn run(args: Args, io: &mut Io<'_>) -> Outcome {
    let book = load_rules(args.rules.as_ref(), Lang::En)?;
    let policies = book.policies();
    let Some(path) = args.write else {
        let mut files: Vec<String> = Vec::new();
        for policy in policies {
            let key = clause_map::file_key(policy);
            if files.contains(&key) {
                continue;
            }
            let own: Vec<_> = policies.iter().filter(|p| clause_map::file_key(p) == key).collect();
            let _ = writeln!(io.stdout, "## {key}\n\n{}", clause_map::table(&own));
            files.push(key);
        }
        return Ok(EXIT_OK);
    };
    let name = path.display().to_string();
    let readme = std::fs::read_to_string(&path).map_err(|e| Failure(format!("cannot read `{name}`: {e}")))?;
    let updated = clause_map::update(&readme, policies).map_err(|e| Failure(format!("{name}: {e}")))?;
    if updated != readme {
        std::fs::write(&path, updated).map_err(|e| Failure(format!("cannot write `{name}`: {e}")))?;
        let _ = writeln!(io.stderr, "{name}: clause map rewritten from the rule files");
    }
    Ok(EXIT_OK)
}
