//! `comply clauses`: the clause map of rules/README.md, generated from the rule files (`clause_map`). The
//! tables are a maintainer's document in English, as the README is; what the command says is in the
//! reader's language.

use std::path::PathBuf;

use super::{EXIT_OK, Failure, Io, LangArg, Outcome, load_rules, read_limit};
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
    #[arg(long, value_enum, default_value_t)]
    lang: LangArg,
}

pub fn run(args: Args, io: &mut Io<'_>) -> Outcome {
    let lang: Lang = args.lang.into();
    let book = load_rules(args.rules.as_ref(), lang)?;
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
    // A regular file within the read limit, as every other file the command line reads.
    let readme = crate::limits::read_text(&path, read_limit()).map_err(|e| {
        Failure(match lang {
            Lang::Zh => format!("无法读取 `{name}`：{}", e.zh()),
            Lang::En => format!("cannot read `{name}`: {}", e.en()),
        })
    })?;
    let updated = clause_map::update(&readme, policies)
        .map_err(|e| Failure(format!("{name}{}{}", crate::explain::pick(lang, "：", ": "), e.render(lang))))?;
    if updated != readme {
        std::fs::write(&path, updated).map_err(|e| {
            Failure(match lang {
                Lang::Zh => format!("无法写入 `{name}`：{e}"),
                Lang::En => format!("cannot write `{name}`: {e}"),
            })
        })?;
        let _ = match lang {
            Lang::Zh => writeln!(io.stderr, "{name}：已按规则文件改写条款对照表"),
            Lang::En => writeln!(io.stderr, "{name}: clause map rewritten from the rule files"),
        };
    }
    Ok(EXIT_OK)
}
