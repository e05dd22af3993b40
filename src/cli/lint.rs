//! `comply lint`: every static check, without facts, including that each quote occurs in its gazette text.

use std::path::PathBuf;

use super::{EXIT_OK, Failure, Io, LangArg, Outcome, load_failure};
use crate::Rulebook;
use crate::explain::Lang;

#[derive(Debug, clap::Args)]
pub struct Args {
    /// A rule file or a folder of *.rules files (default: the shipped packs).
    rules: Option<PathBuf>,
    #[arg(long, value_enum, default_value_t)]
    lang: LangArg,
}

pub fn run(args: Args, io: &mut Io<'_>) -> Outcome {
    let lang: Lang = args.lang.into();
    let loaded = match &args.rules {
        Some(path) => Rulebook::load_path(path),
        None => Rulebook::embedded_verified(),
    };
    let book = loaded.map_err(|e| Failure(load_failure(&e, lang)))?;
    let rendered = book.sources.render_in(&book.warnings, lang == Lang::Zh);
    let _ = write!(io.stdout, "{rendered}");
    let (policies, warnings) = (book.policies().len(), book.warnings.len());
    let rules: usize = book.policies().iter().map(|p| p.rules().len()).sum();
    let _ = match lang {
        Lang::Zh => writeln!(io.stdout, "已检查 {policies} 个政策（{rules} 条规则）：没有错误，{warnings} 个警告"),
        Lang::En => {
            writeln!(io.stdout, "checked {policies} policies ({rules} rules): no errors, {warnings} warning(s)")
        }
    };
    // The fingerprints a decision record names its rules by (`comply records`): stable across machines.
    let _ = match lang {
        Lang::Zh => writeln!(io.stdout, "规则集指纹：{}", book.hash()),
        Lang::En => writeln!(io.stdout, "rulebook fingerprint: {}", book.hash()),
    };
    for id in book.policy_ids() {
        if let Some(hash) = book.policy_hash(&id) {
            let _ = writeln!(io.stdout, "  {id}: {hash}");
        }
    }
    Ok(EXIT_OK)
}
