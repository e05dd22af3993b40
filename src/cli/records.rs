//! `comply records verify|replay|rerun|export`, and `check --record DB`: decisions kept in a hash-chained
//! store (SQLite file by default, or `postgres://…`), checked, evaluated again, and exported.

use std::path::PathBuf;

use clap::{Subcommand, ValueEnum};
use comply_records::replay::Replayed;
use comply_records::{CaseBlock, Decision, Record, Store};

use super::{EXIT_OK, EXIT_VERDICT, Failure, Io, LangArg, Outcome, load_rules};
use crate::explain::Lang;
use crate::explain::pick;

/// The database a command uses when none is named.
pub const DEFAULT_DB: &str = "records.sqlite";

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Walk the hash chain and name the first record that does not verify.
    Verify {
        /// A SQLite file or a postgres:// URL.
        #[arg(default_value = DEFAULT_DB)]
        db: String,
        #[arg(long, value_enum, default_value_t)]
        lang: LangArg,
    },
    /// Evaluate stored decisions again under the rulebook each names; report any whose report would differ.
    Replay {
        #[arg(default_value = DEFAULT_DB)]
        db: String,
        /// Only this case (案号), or one record (#N).
        #[arg(long)]
        case: Option<String>,
        #[arg(long, value_enum, default_value_t)]
        lang: LangArg,
    },
    /// Show which decided cases new rules would decide differently.
    Rerun {
        #[arg(default_value = DEFAULT_DB)]
        db: String,
        /// The new rule file or folder.
        #[arg(long)]
        rules: PathBuf,
        #[arg(long)]
        case: Option<String>,
        #[arg(long, value_enum, default_value_t)]
        lang: LangArg,
    },
    /// Write every record (with its hashes) as CSV or JSON Lines.
    Export {
        #[arg(default_value = DEFAULT_DB)]
        db: String,
        #[arg(long, value_enum, default_value_t)]
        format: ExportFormat,
        /// Write here instead of standard output.
        #[arg(long)]
        output: Option<PathBuf>,
    },
}

#[derive(Debug, Clone, Copy, ValueEnum, Default)]
pub enum ExportFormat {
    #[default]
    Jsonl,
    Csv,
}

/// The `check` flags that store its decision.
#[derive(Debug, Clone, clap::Args)]
pub struct RecordArgs {
    /// Store the decision in this records database (a SQLite file, or a postgres:// URL).
    #[arg(long = "record", value_name = "DB")]
    db: Option<String>,
    /// 案号 of the case.
    #[arg(long = "case-no", requires = "db")]
    case_no: Option<String>,
    /// 申请人.
    #[arg(long, requires = "db")]
    applicant: Option<String>,
    /// 统一社会信用代码.
    #[arg(long = "credit-code", requires = "db")]
    credit_code: Option<String>,
    /// Who makes the decision (default: the login name).
    #[arg(long, requires = "db")]
    actor: Option<String>,
    /// This decision corrects record N.
    #[arg(long, requires = "db", value_name = "N")]
    corrects: Option<i64>,
}

/// What `check` evaluated, for `record`.
pub struct Checked<'a> {
    pub book: &'a crate::Rulebook,
    pub report: &'a crate::explain::Report,
    pub facts_name: &'a str,
    pub facts_text: &'a str,
    pub lang: Lang,
}

/// Stores a `check` decision when `--record DB` was given; says so on stderr (stdout is the report).
pub fn record(args: &RecordArgs, checked: &Checked<'_>, io: &mut Io<'_>) -> Result<(), Failure> {
    let Some(db) = &args.db else { return Ok(()) };
    let lang = checked.lang;
    let mut store = open(db, lang)?;
    let report_json = crate::explain::render::json(checked.report);
    // The extension decides how a replay reads the text again; the folder it came from does not matter.
    let facts_name = if checked.facts_name.ends_with(".json") { "facts.json" } else { "facts.toml" };
    let decision = Decision {
        case: CaseBlock {
            case_no: args.case_no.clone().unwrap_or_default(),
            applicant: args.applicant.clone().unwrap_or_default(),
            credit_code: args.credit_code.clone().unwrap_or_default(),
        },
        policy: checked.report.policy.clone(),
        as_of: checked.report.as_of.clone(),
        rulebook: checked.book,
        lang,
        facts_name: facts_name.to_string(),
        facts: checked.facts_text.to_string(),
        verdict: checked.report.verdict.as_str().to_string(),
        report: report_json,
        actor: args.actor.clone().unwrap_or_else(login_name),
        corrects: args.corrects,
    };
    let stored = store.record_decision(&decision).map_err(|e| Failure(e.render(lang)))?;
    let _ = match lang {
        Lang::Zh => writeln!(io.stderr, "已记录：记录 #{}（{}）", stored.seq, stored.hash),
        Lang::En => writeln!(io.stderr, "recorded: record #{} ({})", stored.seq, stored.hash),
    };
    Ok(())
}

/// The account running the command: the actor of a decision made at a terminal.
pub fn login_name() -> String {
    std::env::var("USER").or_else(|_| std::env::var("USERNAME")).unwrap_or_else(|_| "unknown".to_string())
}

pub fn open(db: &str, lang: Lang) -> Result<Store, Failure> {
    Store::open(db).map_err(|e| {
        Failure(match lang {
            Lang::Zh => format!("无法打开记录库 `{db}`：{}", e.render(lang)),
            Lang::En => format!("cannot open the records database `{db}`: {}", e.render(lang)),
        })
    })
}

pub fn run(command: Command, io: &mut Io<'_>) -> Outcome {
    match command {
        Command::Verify { db, lang } => verify(&db, lang.into(), io),
        Command::Replay { db, case, lang } => replay(&db, case.as_deref(), lang.into(), io),
        Command::Rerun { db, rules, case, lang } => rerun(&db, &rules, case.as_deref(), lang.into(), io),
        Command::Export { db, format, output } => export(&db, format, output.as_ref(), io),
    }
}

fn verify(db: &str, lang: Lang, io: &mut Io<'_>) -> Outcome {
    let mut store = open(db, lang)?;
    let report = store.verify().map_err(|e| Failure(e.render(lang)))?;
    for problem in &report.problems {
        let _ = writeln!(io.stdout, "{}", problem.render(lang));
    }
    let head = report.head.as_deref().unwrap_or("-");
    let _ = match (lang, report.ok()) {
        (Lang::Zh, true) => writeln!(io.stdout, "已校验 {} 条记录：哈希链完整。链头 {head}", report.records),
        (Lang::En, true) => {
            writeln!(io.stdout, "verified {} record(s): the chain is intact. head {head}", report.records)
        }
        (Lang::Zh, false) => writeln!(
            io.stdout,
            "已校验 {} 条记录：{} 处不符，第一处是记录 #{}",
            report.records,
            report.problems.len(),
            report.problems.first().map_or(0, |p| p.seq)
        ),
        (Lang::En, false) => writeln!(
            io.stdout,
            "checked {} record(s): {} problem(s), the first at record #{}",
            report.records,
            report.problems.len(),
            report.problems.first().map_or(0, |p| p.seq)
        ),
    };
    Ok(if report.ok() { EXIT_OK } else { EXIT_VERDICT })
}

fn replay(db: &str, case: Option<&str>, lang: Lang, io: &mut Io<'_>) -> Outcome {
    let mut store = open(db, lang)?;
    let (mut total, mut differing) = (0usize, 0usize);
    store
        .replay(case, |record, replayed| {
            total += 1;
            if replayed.same_report(&record.report) {
                return;
            }
            differing += 1;
            let _ = writeln!(io.stdout, "{}", difference(record, replayed, lang));
        })
        .map_err(|e| Failure(e.render(lang)))?;
    let _ = match lang {
        Lang::Zh => writeln!(io.stdout, "已重放 {total} 个决定：{differing} 个与存档报告不同"),
        Lang::En => writeln!(io.stdout, "replayed {total} decision(s): {differing} differ from the stored report"),
    };
    Ok(if differing == 0 { EXIT_OK } else { EXIT_VERDICT })
}

fn rerun(db: &str, rules: &PathBuf, case: Option<&str>, lang: Lang, io: &mut Io<'_>) -> Outcome {
    let book = load_rules(Some(rules), lang)?;
    let mut store = open(db, lang)?;
    let (mut total, mut changed) = (0usize, 0usize);
    store
        .rerun(&book, case, |record, replayed| {
            total += 1;
            if matches!(&replayed.outcome, Ok((verdict, _)) if *verdict == record.verdict) {
                return;
            }
            changed += 1;
            let _ = writeln!(io.stdout, "{}", difference(record, replayed, lang));
        })
        .map_err(|e| Failure(e.render(lang)))?;
    let _ = match lang {
        Lang::Zh => {
            writeln!(io.stdout, "{total} 个已决案件中，{changed} 个按新规则结论不同（新规则集 {}）", book.hash())
        }
        Lang::En => writeln!(
            io.stdout,
            "{changed} of {total} decided case(s) get another verdict under the new rules ({})",
            book.hash()
        ),
    };
    Ok(if changed == 0 { EXIT_OK } else { EXIT_VERDICT })
}

/// One line for a decision that came out differently: which, and how.
fn difference(record: &Record, replayed: &Replayed, lang: Lang) -> String {
    let case = if record.case_no.is_empty() { String::new() } else { format!(" {}", record.case_no) };
    let what = match &replayed.outcome {
        Ok((verdict, _)) if *verdict != record.verdict => format!("{} → {verdict}", record.verdict),
        Ok(_) => pick(lang, "结论相同，报告内容不同", "same verdict, different report").to_string(),
        Err(e) => format!("{}{}", pick(lang, "无法重新评估：", "cannot be evaluated again: "), e.render(lang)),
    };
    match lang {
        Lang::Zh => format!("记录 #{}{case}（{}，{}）：{what}", record.seq, record.policy, record.as_of),
        Lang::En => format!("record #{}{case} ({}, {}): {what}", record.seq, record.policy, record.as_of),
    }
}

fn export(db: &str, format: ExportFormat, output: Option<&PathBuf>, io: &mut Io<'_>) -> Outcome {
    let lang = Lang::Zh;
    let mut store = open(db, lang)?;
    let mut file;
    let out: &mut dyn std::io::Write = match output {
        Some(path) => {
            file = std::fs::File::create(path).map(std::io::BufWriter::new).map_err(|e| {
                Failure(format!("无法写入 `{}`：{e} / cannot write `{}`: {e}", path.display(), path.display()))
            })?;
            &mut file
        }
        None => io.stdout,
    };
    let written = match format {
        ExportFormat::Jsonl => store.each_record(|record| {
            let line = serde_json::to_string(&record).unwrap_or_default();
            writeln!(out, "{line}").map_err(|e| comply_records::StoreError::Write(e.to_string()))
        }),
        ExportFormat::Csv => {
            let mut writer = csv::Writer::from_writer(out);
            let result = store.each_record(|record| {
                writer.serialize(&record).map_err(|e| comply_records::StoreError::Write(e.to_string()))
            });
            let _ = writer.flush();
            result
        }
    };
    written.map_err(|e| Failure(e.render(lang)))?;
    Ok(EXIT_OK)
}
