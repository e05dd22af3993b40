//! `comply batch`: every row of a CSV or JSON Lines file checked against one policy, one output row per
//! input row, and a summary on standard error. Rows are read in chunks and each chunk is evaluated in
//! parallel, so memory stays flat however long the file is and the output keeps the input's order.
//!
//! Nothing is lost or moved: a row the reader cannot split (a stray quote, bytes that are not text) is an
//! error row that keeps its line number and, where it can be read, its id and case block; case columns
//! (案号, 申请人 …) are repeated after the line number; other columns that are not facts are carried through; the output is written beside its final name and renamed at the end, and an output that
//! is the input is refused before anything is written.

mod input;

use std::collections::BTreeMap;
use std::fs::File;
use std::io::{BufRead, BufReader, IsTerminal, Read, Write};
use std::path::{Path, PathBuf};

use clap::ValueEnum;
use jiff::civil::Date;
use rayon::prelude::*;
use serde_json::Value as Json;

use super::{
    EXIT_BAD_INPUT, EXIT_OK, EXIT_VERDICT, Failure, Io, LangArg, Outcome, find_policy, load_rules, required_date,
};
use crate::eval::{self, Env, FactMask, FactSet, Verdict};
use crate::explain::{Lang, RuleOutcome, pick};
use crate::facts::{self, Case, Raw, case};
use crate::policy::{FactId, Policy};
use input::{CsvRecords, Detected, Encoding, Lines, Problem, Record};

/// Rows read and evaluated at a time: large enough to keep both cores busy, small enough that memory
/// does not grow with the file.
const CHUNK_ROWS: usize = 4096;

/// Bad rows whose message is also printed on standard error; all of them are in the output.
const ERRORS_SHOWN: usize = 20;

#[derive(Debug, Clone, Copy, ValueEnum, Default, PartialEq, Eq)]
pub enum Format {
    #[default]
    Csv,
    Jsonl,
}

const EXIT_CODES: &str = "Exit codes: 0 every row passes or is not applicable; 1 some row fails, is referred or is \
undetermined; 2 some row is an error row (bad cell, stray quote, …) or the input, the rules or the options are \
refused.";
/// The same in Chinese, for `--help` in the default language (`usage`).
pub(super) const EXIT_CODES_ZH: &str =
    "退出码：0 每行都符合或不适用；1 有行不符合、须报请研究或无法确定；2 有错误行，或输入、规则、选项有误。";

#[derive(Debug, clap::Args)]
#[command(after_help = EXIT_CODES)]
pub struct Args {
    /// A rule file or a folder of *.rules files (default: the shipped packs).
    rules: Option<PathBuf>,
    /// The policy every row is checked against.
    #[arg(long)]
    policy: String,
    /// The rows: CSV (`.csv`; header = fact names or their labels, optional `id` column, case columns 案号,
    /// 申请人, 统一社会信用代码, 承办人, 备注, other columns are carried through) or JSON Lines (`.jsonl`, `.json`); `-` reads standard input.
    #[arg(long)]
    input: PathBuf,
    /// The input's format when its name does not say (standard input is CSV unless this says otherwise).
    #[arg(long = "input-format", value_enum)]
    input_format: Option<Format>,
    /// The input's text encoding (default: detected; UTF-8, or GBK/GB18030 as Excel saves CSV in Chinese).
    #[arg(long, value_enum)]
    encoding: Option<Encoding>,
    /// The date to evaluate on, YYYY-MM-DD (required: the verdicts never depend on the clock).
    #[arg(long = "as-of")]
    as_of: Option<String>,
    /// Where to write the results (default: standard output). Written beside it and renamed at the end;
    /// it may not be the input.
    #[arg(long)]
    output: Option<PathBuf>,
    /// The format of the results.
    #[arg(long, value_enum, default_value_t)]
    format: Format,
    #[arg(long, value_enum, default_value_t)]
    lang: LangArg,
}

/// What a CSV column holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Column {
    Id,
    Fact(FactId),
    /// Not a fact: carried through to the output untouched, in this position among the carried columns.
    Carried(usize),
    /// A field of the case block (`facts::case::FIELDS`): 案号, 申请人, 统一社会信用代码, 承办人, 备注.
    Case(usize),
}

/// One input row, as read, before it meets the policy.
enum Input {
    Csv(Vec<String>),
    Json(String),
    /// The reader could not even split the row into cells; the id is the first cell where it could be read.
    Broken {
        message: String,
        id: String,
    },
}

struct Row {
    /// 1-based spreadsheet line number (the header is line 1), or the line number in JSON Lines.
    number: u64,
    input: Input,
}

struct Result_ {
    id: String,
    line: u64,
    /// The row's case block, from its case columns (CSV) or its `case` object or case keys (JSON Lines).
    case: Case,
    /// The carried columns' cells (CSV) or values (JSON Lines), in the order of `Context::carried`; `null` where
    /// a JSON row lacks the key.
    carried: Vec<Json>,
    /// A JSON row's keys that are neither facts nor among `Context::carried` (first seen after the first
    /// chunk): kept in JSON Lines output; CSV output has no column for them and says so once.
    extra: Vec<(String, Json)>,
    status: Status,
}

enum Status {
    /// `approximate`: the exact search ran out of work, so `missing` may list more than necessary.
    Done {
        verdict: Verdict,
        rules: Vec<usize>,
        missing: FactMask,
        /// The targets not yet due (the report's outcome `not_yet_due`): not failed, and not 不适用 either.
        not_yet_due: Vec<usize>,
        /// Of those, the ones behind their on-track line, and those whose standing a missing figure hides: a
        /// passing row is not read as one on course.
        behind: Vec<usize>,
        cannot_tell: Vec<usize>,
        approximate: bool,
        outputs: Vec<Json>,
    },
    Error {
        messages: Vec<String>,
    },
}

/// Everything a row's evaluation reads; shared by the worker threads.
struct Context<'p> {
    policy: &'p Policy,
    as_of: Date,
    columns: Vec<Column>,
    /// The names of the carried columns, or of the JSON keys that are carried.
    carried: Vec<String>,
    /// The case fields the CSV header names, in `FIELDS` order: the CSV output's case columns.
    case_fields: Vec<usize>,
    /// The policy has targets with a due date: the output has a `not_yet_due` column.
    targets: bool,
    lang: Lang,
}

pub fn run(args: Args, io: &mut Io<'_>) -> Outcome {
    let lang: Lang = args.lang.into();
    let book = load_rules(args.rules.as_ref(), lang)?;
    let policy = find_policy(&book, &args.policy, lang)?;
    let as_of = required_date(args.as_of.as_deref(), lang)?;

    let from_stdin = args.input.as_os_str() == "-";
    let name = if from_stdin {
        pick(lang, "标准输入", "standard input").to_string()
    } else {
        args.input.display().to_string()
    };
    let extension = args.input.extension().and_then(|e| e.to_str()).map(str::to_ascii_lowercase);
    let json_lines = match (args.input_format, extension.as_deref()) {
        (Some(format), _) => format == Format::Jsonl,
        (None, _) if from_stdin => false,
        (None, Some("csv" | "txt")) => false,
        (None, Some("jsonl" | "json" | "ndjson")) => true,
        _ => {
            return Err(Failure(match lang {
                Lang::Zh => format!(
                    "无法判断输入文件 `{name}` 的格式：文件名应以 .csv、.jsonl 或 .json 结尾，或用 --input-format csv|jsonl 指明"
                ),
                Lang::En => format!(
                    "cannot tell the format of `{name}`: the name must end in .csv, .jsonl or .json, or pass --input-format csv|jsonl"
                ),
            }));
        }
    };
    let unreadable = |e: std::io::Error| {
        Failure(match lang {
            Lang::Zh => format!("无法读取输入文件 `{name}`：{e}"),
            Lang::En => format!("cannot read the input file `{name}`: {e}"),
        })
    };
    if let Some(output) = &args.output
        && !from_stdin
    {
        refuse_output_that_is_input(&args.input, output, lang)?;
    }

    let (mut reader, size): (Box<dyn BufRead + '_>, u64) = if from_stdin {
        (Box::new(&mut *io.stdin), 0)
    } else {
        let file = File::open(&args.input).map_err(unreadable)?;
        let size = file.metadata().map(|m| m.len()).unwrap_or(0);
        (Box::new(BufReader::with_capacity(1 << 16, file)), size)
    };
    let reader: Box<dyn BufRead + '_> = {
        let (sample, detected) = input::detect(&mut reader).map_err(unreadable)?;
        let encoding = match (args.encoding, detected) {
            (Some(e), _) => e,
            (None, Detected::Utf8) => Encoding::Utf8,
            (None, Detected::Gbk) => {
                let _ = writeln!(
                    io.stderr,
                    "{}",
                    pick(
                        lang,
                        "提示：输入不是 UTF-8，已按 GBK（GB18030）编码读取；如不对请用 --encoding 指明",
                        "note: the input is not UTF-8 and was read as GBK (GB18030); pass --encoding if that is wrong"
                    )
                );
                Encoding::Gbk
            }
            (None, Detected::Neither) => {
                return Err(Failure(match lang {
                    Lang::Zh => format!(
                        "输入文件 `{name}` 既不是 UTF-8 也不是 GBK 编码的文字：请在表格软件中另存为“CSV UTF-8（逗号分隔）”，或用 --encoding 指明编码"
                    ),
                    Lang::En => format!(
                        "`{name}` is neither UTF-8 nor GBK text: save it again as “CSV UTF-8 (comma delimited)”, or pass --encoding"
                    ),
                }));
            }
        };
        let whole = std::io::Cursor::new(sample).chain(reader);
        match encoding {
            Encoding::Utf8 => Box::new(BufReader::new(whole)),
            Encoding::Gbk => Box::new(BufReader::new(input::Transcode::gbk(whole))),
        }
    };

    let mut source = if json_lines {
        Source::Json(Lines::new(reader))
    } else {
        let mut records = CsvRecords::new(Lines::new(reader));
        let header = match records.next_record(None).map_err(unreadable)? {
            None => Vec::new(),
            Some((_, Record::Cells(cells))) => cells,
            Some((_, Record::Broken { .. })) => {
                return Err(Failure(match lang {
                    Lang::Zh => format!("CSV 文件 `{name}` 的表头无法读取（引号不成对或不是文字），未处理任何行"),
                    Lang::En => format!(
                        "the header of `{name}` cannot be read (an unbalanced quote, or not text); no row was processed"
                    ),
                }));
            }
        };
        Source::Csv { records, header }
    };
    let (columns, carried) = match &source {
        Source::Csv { header, .. } => header_columns(policy, header, io.stderr, lang)?,
        Source::Json(_) => (Vec::new(), Vec::new()),
    };
    let mut first: Vec<Row> = Vec::with_capacity(CHUNK_ROWS);
    source.fill(&mut first, CHUNK_ROWS, lang).map_err(unreadable)?;
    // JSON Lines has no header: the keys that are no fact, as the first chunk has them, stand for one.
    let carried = match &source {
        Source::Json(_) => json_carried_keys(policy, &first, io.stderr, lang),
        Source::Csv { .. } => carried,
    };
    let mut case_fields: Vec<usize> =
        columns.iter().filter_map(|c| if let Column::Case(i) = c { Some(*i) } else { None }).collect();
    case_fields.sort_unstable();
    let targets = crate::explain::targets::has_targets(policy);
    let context = Context { policy, as_of, columns, carried, case_fields, targets, lang };

    let mut output = match &args.output {
        Some(path) => Some(Partial::create(path, lang)?),
        None => None,
    };
    let result = stream(&args, &context, &mut source, first, output.as_mut(), size, io.stdout, io.stderr, &unreadable);
    match (result, output) {
        (Ok(code), Some(partial)) => partial.finish(lang).map(|()| code),
        (result, _) => result,
    }
}

/// Reads, evaluates and writes every row; the summary goes to standard error.
#[allow(clippy::too_many_arguments)]
fn stream(
    args: &Args,
    context: &Context<'_>,
    source: &mut Source<'_>,
    mut chunk: Vec<Row>,
    output: Option<&mut Partial>,
    size: u64,
    stdout: &mut dyn Write,
    stderr: &mut dyn Write,
    unreadable: &dyn Fn(std::io::Error) -> Failure,
) -> Outcome {
    let (policy, lang) = (context.policy, context.lang);
    let sink: &mut dyn Write = match output {
        Some(partial) => &mut partial.file,
        None => stdout,
    };
    let mut sink = std::io::BufWriter::with_capacity(1 << 16, sink);
    if args.format == Format::Csv {
        let mut names = vec!["id".to_string(), "line".into()];
        names.extend(context.case_fields.iter().map(|&i| format!("case.{}", case::FIELDS[i].0)));
        names.extend(["verdict".to_string(), "rules".into(), "missing".into(), "missing_approximate".into()]);
        if context.targets {
            names.extend(["not_yet_due".to_string(), "behind".into(), "cannot_tell".into()]);
        }
        names.extend(policy.outputs().iter().map(|&d| policy.derived()[d as usize].name.clone()));
        names.push("error".into());
        names.extend(context.carried.iter().cloned());
        let mut line = String::new();
        csv_line(&mut line, names.iter().map(String::as_str));
        sink.write_all(line.as_bytes()).map_err(|e| write_failure(&e, lang))?;
    }

    let progress = (std::io::stderr().is_terminal() && size > 0).then(|| {
        let bar = indicatif::ProgressBar::new(size);
        bar.set_style(
            indicatif::ProgressStyle::with_template("{bar:40} {bytes}/{total_bytes} {bytes_per_sec} {eta}")
                .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
        );
        bar
    });

    let mut summary = Summary::new(policy);
    let mut not_carried = std::collections::BTreeSet::new();
    while !chunk.is_empty() {
        // The next chunk is read on this thread while the pool evaluates and renders this one; `collect` on
        // an indexed parallel iterator keeps the input order. Two chunks at most are ever held.
        let mut next: Vec<Row> = Vec::with_capacity(CHUNK_ROWS);
        let mut results: Vec<(Result_, String)> = Vec::new();
        let mut read = Ok(());
        rayon::in_place_scope(|scope| {
            scope.spawn(|_| {
                results = chunk
                    .par_iter()
                    .map(|row| {
                        let result = evaluate_row(context, row);
                        let line = render(context, args.format, &result);
                        (result, line)
                    })
                    .collect();
            });
            read = source.fill(&mut next, CHUNK_ROWS, lang);
        });
        read.map_err(unreadable)?;
        for (result, line) in &results {
            summary.add(result, stderr, lang);
            if args.format == Format::Csv {
                for (key, _) in &result.extra {
                    if not_carried.insert(key.clone()) {
                        let _ = match lang {
                            Lang::Zh => writeln!(
                                stderr,
                                "提示：键 `{key}` 第 {} 行才首次出现，CSV 结果中没有它的列，未带入；用 --format jsonl 可原样保留",
                                result.line
                            ),
                            Lang::En => writeln!(
                                stderr,
                                "note: the key `{key}` first appears on line {}, after the CSV columns were fixed, and is not carried; --format jsonl keeps it",
                                result.line
                            ),
                        };
                    }
                }
            }
            sink.write_all(line.as_bytes()).map_err(|e| write_failure(&e, lang))?;
        }
        if let Some(bar) = &progress {
            bar.set_position(source.position());
        }
        chunk = next;
    }
    if let Some(bar) = progress {
        bar.finish_and_clear();
    }
    sink.flush().map_err(|e| write_failure(&e, lang))?;
    summary.print(policy, stderr, lang);
    Ok(if summary.errors > 0 {
        EXIT_BAD_INPUT
    } else if summary.undecided_or_failed() {
        EXIT_VERDICT
    } else {
        EXIT_OK
    })
}

/// The same file as the input, whether by the same name, through a link, or as another name of the same
/// inode: writing it would truncate the rows before they are read.
fn refuse_output_that_is_input(input: &Path, output: &Path, lang: Lang) -> Result<(), Failure> {
    let same_path = match (std::fs::canonicalize(input), std::fs::canonicalize(output)) {
        (Ok(a), Ok(b)) => a == b,
        _ => false,
    };
    #[cfg(unix)]
    let same_inode = {
        use std::os::unix::fs::MetadataExt;
        match (std::fs::metadata(input), std::fs::metadata(output)) {
            (Ok(a), Ok(b)) => a.dev() == b.dev() && a.ino() == b.ino(),
            _ => false,
        }
    };
    #[cfg(not(unix))]
    let same_inode = false;
    if same_path || same_inode {
        return Err(Failure(match lang {
            Lang::Zh => format!(
                "输出文件 `{}` 就是输入文件（或指向它的链接）：写入会清空尚未读取的行。请另选输出文件名",
                output.display()
            ),
            Lang::En => format!(
                "the output `{}` is the input file (or a link to it): writing it would destroy rows not yet read; choose another output name",
                output.display()
            ),
        }));
    }
    Ok(())
}

/// The output written beside its final name and renamed when complete: a crash or a refusal leaves the old
/// file as it was.
struct Partial {
    file: File,
    temporary: PathBuf,
    target: PathBuf,
    finished: bool,
}

impl Partial {
    fn create(target: &Path, lang: Lang) -> Result<Partial, Failure> {
        let folder = target.parent().filter(|p| !p.as_os_str().is_empty()).unwrap_or(Path::new("."));
        let file_name = target.file_name().map(|n| n.to_string_lossy().to_string()).unwrap_or_default();
        let temporary = folder.join(format!(".{file_name}.partial-{}", std::process::id()));
        let file = File::create(&temporary).map_err(|e| {
            Failure(match lang {
                Lang::Zh => format!("无法写入输出文件 `{}`：{e}", target.display()),
                Lang::En => format!("cannot write the output file `{}`: {e}", target.display()),
            })
        })?;
        Ok(Partial { file, temporary, target: target.to_path_buf(), finished: false })
    }

    fn finish(mut self, lang: Lang) -> Result<(), Failure> {
        let done = self.file.sync_all().and_then(|()| std::fs::rename(&self.temporary, &self.target));
        self.finished = done.is_ok();
        done.map_err(|e| write_failure(&e, lang))
    }
}

impl Drop for Partial {
    fn drop(&mut self) {
        if !self.finished {
            let _ = std::fs::remove_file(&self.temporary);
        }
    }
}

fn write_failure(error: &std::io::Error, lang: Lang) -> Failure {
    Failure(match lang {
        Lang::Zh => format!("写出结果失败：{error}"),
        Lang::En => format!("cannot write the results: {error}"),
    })
}

/// The fact a column header names: its id (in any case) or its Chinese or English label.
fn column_fact(policy: &Policy, name: &str) -> Option<FactId> {
    let name = name.trim();
    let ascii = facts::halfwidth(name);
    policy.fact_index(name).or_else(|| {
        policy
            .facts()
            .iter()
            .position(|f| {
                f.name.eq_ignore_ascii_case(&ascii)
                    || facts::same(&f.label.zh, name)
                    || f.label.en.as_deref().is_some_and(|en| en.eq_ignore_ascii_case(&ascii))
            })
            .map(|i| i as FactId)
    })
}

/// Maps the header to facts. A column that is no fact is carried through to the output and listed once;
/// a fact named twice is a mistake in the whole file, reported before any row is evaluated.
fn header_columns(
    policy: &Policy,
    header: &[String],
    stderr: &mut dyn Write,
    lang: Lang,
) -> Result<(Vec<Column>, Vec<String>), Failure> {
    let mut columns = Vec::with_capacity(header.len());
    let mut carried = Vec::new();
    let mut problems = Vec::new();
    for (i, name) in header.iter().enumerate() {
        // Spreadsheet exports often start with a byte-order mark.
        let name = if i == 0 { name.trim_start_matches('\u{feff}') } else { name }.trim();
        let column = if ["id", "编号", "序号"].iter().any(|id| id.eq_ignore_ascii_case(name)) {
            Column::Id
        } else if let Some(fact) = column_fact(policy, name) {
            Column::Fact(fact)
        } else if let Some(field) = case::field(name) {
            Column::Case(field)
        } else {
            carried.push(name.to_string());
            columns.push(Column::Carried(carried.len() - 1));
            continue;
        };
        if columns.contains(&column) {
            problems.push(match lang {
                Lang::Zh => format!("列 `{name}` 重复出现"),
                Lang::En => format!("column `{name}` appears twice"),
            });
        }
        columns.push(column);
    }
    if !problems.is_empty() {
        let head = match lang {
            Lang::Zh => "CSV 表头有误，未处理任何行：",
            Lang::En => "the CSV header is wrong; no row was processed:",
        };
        return Err(Failure(format!("{head}\n  {}", problems.join("\n  "))));
    }
    note_carried(policy, &carried, stderr, lang);
    Ok((columns, carried))
}

/// Lists once, with a suggestion where a name looks like a misspelt fact, the columns or keys that are no fact
/// of the policy: they decide nothing and are copied to the output.
fn note_carried(policy: &Policy, carried: &[String], stderr: &mut dyn Write, lang: Lang) {
    if carried.is_empty() {
        return;
    }
    let names: Vec<String> = policy.facts().iter().map(|f| f.name.clone()).collect();
    let listed: Vec<String> = carried
        .iter()
        .map(|name| {
            let hint = crate::check::did_you_mean(name, &names)
                .map(|s| match lang {
                    Lang::Zh => format!("（是否指 `{s}`？）"),
                    Lang::En => format!(" (did you mean `{s}`?)"),
                })
                .unwrap_or_default();
            format!("`{name}`{hint}")
        })
        .collect();
    let _ = writeln!(
        stderr,
        "{}{}",
        pick(
            lang,
            "提示：以下列不是本政策的事实，未用于判断，原样附在输出末尾：",
            "note: these columns are not facts of the policy; they are not used and are copied to the end of the output: "
        ),
        listed.join(pick(lang, "、", ", "))
    );
}

/// Whether a JSON key is a list of records (`energy_centres`) or the key of one (`county`, whose rows give the
/// records): read as a fact file reads them, never carried.
fn names_a_list(policy: &Policy, key: &str) -> bool {
    policy
        .facts()
        .iter()
        .filter_map(|f| f.record.as_ref())
        .any(|r| r.list == key || policy.enums().get(r.key as usize).and_then(|e| e.name.as_deref()) == Some(key))
}

/// The keys of the first chunk's JSON rows that are neither `id` nor a fact, in the order they first appear.
fn json_carried_keys(policy: &Policy, rows: &[Row], stderr: &mut dyn Write, lang: Lang) -> Vec<String> {
    let mut keys: Vec<String> = Vec::new();
    for row in rows {
        let Input::Json(text) = &row.input else { continue };
        let Ok(Json::Object(object)) = serde_json::from_str::<Json>(text) else { continue };
        for key in object.keys() {
            // The case block, as an object or as keys, has its own columns.
            let case_key = key == "case" || case::field(key).is_some();
            let fact = column_fact(policy, key).is_some() || names_a_list(policy, key);
            if key != "id" && !case_key && !fact && !keys.contains(key) {
                keys.push(key.clone());
            }
        }
    }
    note_carried(policy, &keys, stderr, lang);
    keys
}

enum Source<'r> {
    Csv { records: CsvRecords<'r>, header: Vec<String> },
    Json(Lines<'r>),
}

impl Source<'_> {
    /// Reads up to `limit` rows. A row the reader cannot split becomes a broken row, never a lost one.
    fn fill(&mut self, chunk: &mut Vec<Row>, limit: usize, lang: Lang) -> std::io::Result<()> {
        match self {
            Source::Csv { records, header } => {
                let width = header.len();
                while chunk.len() < limit {
                    let Some((number, record)) = records.next_record(Some(width))? else { break };
                    let input = match record {
                        Record::Cells(cells) => Input::Csv(cells),
                        Record::Broken { problem, first_cell } => Input::Broken {
                            message: match problem {
                                Problem::NotUtf8 => pick(lang, "本行不是 UTF-8 文字", "the row is not UTF-8 text"),
                                Problem::UnbalancedQuote => pick(
                                    lang,
                                    "本行的引号不成对，无法分列（其后各行照常处理）",
                                    "the row has an unbalanced quote and cannot be split into cells (the rows after it are read as usual)",
                                ),
                                Problem::LineTooLong => pick(lang, "本行过长（超过 1 MiB）", "the line is too long (over 1 MiB)"),
                            }
                            .to_string(),
                            id: first_cell,
                        },
                    };
                    chunk.push(Row { number, input });
                }
            }
            Source::Json(lines) => {
                while chunk.len() < limit {
                    let Some(line) = lines.next_line()? else { break };
                    let input = if line.truncated {
                        let message = pick(lang, "本行过长（超过 1 MiB）", "the line is too long (over 1 MiB)");
                        Input::Broken { message: message.to_string(), id: String::new() }
                    } else {
                        match String::from_utf8(line.bytes) {
                            Ok(text) if text.trim().is_empty() => continue,
                            Ok(text) => Input::Json(text),
                            Err(_) => Input::Broken {
                                message: pick(lang, "本行不是 UTF-8 文字", "the line is not UTF-8 text").to_string(),
                                id: String::new(),
                            },
                        }
                    };
                    chunk.push(Row { number: line.number, input });
                }
            }
        }
        Ok(())
    }

    fn position(&self) -> u64 {
        match self {
            Source::Csv { records, .. } => records.bytes_read(),
            Source::Json(lines) => lines.bytes_read,
        }
    }
}

fn evaluate_row(context: &Context<'_>, row: &Row) -> Result_ {
    let policy = context.policy;
    let lang = context.lang;
    let mut facts = FactSet::empty(policy);
    let mut id = String::new();
    let mut case = Case::default();
    let mut carried = vec![Json::Null; context.carried.len()];
    let mut extra = Vec::new();
    let mut messages = Vec::new();
    // An empty column name: the whole row is at fault (it cannot be split, or is not a JSON object).
    let mut bad = |column: &str, message: String| {
        messages.push(match (lang, column) {
            (Lang::Zh, "") => format!("第 {} 行：{message}", row.number),
            (Lang::En, "") => format!("line {}: {message}", row.number),
            (Lang::Zh, _) => format!("第 {} 行，列 {column}：{message}", row.number),
            (Lang::En, _) => format!("line {}, column {column}: {message}", row.number),
        })
    };
    match &row.input {
        Input::Broken { message, id: first } => {
            if context.columns.first() == Some(&Column::Id) {
                id = first.clone();
            }
            bad("", message.clone());
        }
        Input::Csv(cells) => {
            for (column, cell) in context.columns.iter().zip(cells.iter()) {
                match column {
                    Column::Id => id = cell.trim().to_string(),
                    Column::Carried(i) => carried[*i] = Json::String(cell.clone()),
                    Column::Case(_) if cell.trim().is_empty() => {}
                    Column::Case(i) => {
                        if let Err(error) = case.set(*i, cell.trim().to_string()) {
                            bad(case::FIELDS[*i].1, case_message(&error, lang));
                        }
                    }
                    // An empty cell is an unknown fact, not an error: a clerk leaves blank what they do not know.
                    Column::Fact(_) if cell.trim().is_empty() => {}
                    Column::Fact(fact) => {
                        let def = &policy.facts()[*fact as usize];
                        match facts::coerce_cell(policy, def, cell.trim()) {
                            Ok(value) => facts.set(*fact, Some(value)),
                            Err(error) => bad(&def.name, error.render(lang)),
                        }
                    }
                }
            }
            if cells.len() != context.columns.len() {
                bad(
                    "",
                    match lang {
                        Lang::Zh => format!("本行有 {} 个单元格，表头有 {} 列", cells.len(), context.columns.len()),
                        Lang::En => {
                            format!("the row has {} cells, the header {} columns", cells.len(), context.columns.len())
                        }
                    },
                );
            }
        }
        Input::Json(text) => match serde_json::from_str::<Json>(text) {
            Ok(Json::Object(object)) => {
                for (key, value) in object {
                    if key == "id" {
                        id = match value {
                            Json::String(s) => s,
                            Json::Null => String::new(),
                            other => other.to_string(),
                        };
                        continue;
                    }
                    // The case block as a fact file writes it (`"case": {"number": …}`), or its fields as keys.
                    if key == "case" {
                        match case::read(value) {
                            Ok(read) => case = read,
                            Err(error) => bad(&key, case_message(&error, lang)),
                        }
                        continue;
                    }
                    if let Some(field) = case::field(&key).filter(|_| column_fact(policy, &key).is_none()) {
                        match value {
                            Json::Null => {}
                            Json::String(text) if text.trim().is_empty() => {}
                            Json::String(text) => {
                                if let Err(error) = case.set(field, text.trim().to_string()) {
                                    bad(&key, case_message(&error, lang));
                                }
                            }
                            _ => bad(&key, case_message(&case::CaseError::NotAString(key.clone()), lang)),
                        }
                        continue;
                    }
                    // Rows of a list of records (`"county": [{"county": "鹿城区", "rate": 96}, …]`), read as a
                    // fact file reads them; never carried through as if they were no fact.
                    let list_key = policy.facts().iter().find_map(|f| f.record.as_ref().filter(|r| r.list == key));
                    if let Some(record) = list_key {
                        let key_name = policy.enum_def(record.key).name.clone().unwrap_or_default();
                        bad(&key, facts::FactError::ListGivenAsOne { name: key.clone(), key: key_name }.render(lang));
                        continue;
                    }
                    if column_fact(policy, &key).is_none() && names_a_list(policy, &key) {
                        let rows = facts::json_to_raw(value).map(|raw| vec![(key.clone(), raw)]).unwrap_or_default();
                        match facts::records(policy, &rows) {
                            Ok(records) => {
                                for (name, raw) in records {
                                    let Some(fact) = column_fact(policy, &name) else { continue };
                                    match facts::coerce(policy, &policy.facts()[fact as usize], &raw) {
                                        Ok(value) => facts.set(fact, Some(value)),
                                        Err(error) => bad(&name, error.render(lang)),
                                    }
                                }
                            }
                            Err(error) => bad(&key, error.render(lang)),
                        }
                        continue;
                    }
                    // A key that is no fact is carried through, as a CSV column that is no fact is.
                    let Some(fact) = column_fact(policy, &key) else {
                        match context.carried.iter().position(|k| *k == key) {
                            Some(i) => carried[i] = value,
                            None => extra.push((key, value)),
                        }
                        continue;
                    };
                    let Some(raw) = json_to_raw(value) else { continue };
                    match facts::coerce(policy, &policy.facts()[fact as usize], &raw) {
                        Ok(value) => facts.set(fact, Some(value)),
                        Err(error) => bad(&key, error.render(lang)),
                    }
                }
            }
            Ok(_) => bad("", pick(lang, "本行不是 JSON 对象", "the line is not a JSON object").to_string()),
            Err(error) => bad(
                "",
                match lang {
                    Lang::Zh => format!("本行不是有效的 JSON（第 {} 列）", error.column()),
                    Lang::En => format!("the line is not valid JSON: {error}"),
                },
            ),
        },
    }
    let line = row.number;
    if !messages.is_empty() {
        return Result_ { id, line, case, carried, extra, status: Status::Error { messages } };
    }
    let mut env = Env::new(policy, &facts, context.as_of);
    let evaluation = env.evaluation();
    let rules = evaluation
        .rules
        .iter()
        .enumerate()
        .filter(|(_, r)| matches!(r.outcome, eval::Outcome::Fail | eval::Outcome::Refer))
        .map(|(i, _)| i)
        .collect();
    let (mut not_yet_due, mut behind, mut cannot_tell) = (Vec::new(), Vec::new(), Vec::new());
    if context.targets {
        for (i, (rule, result)) in policy.rules().iter().zip(&evaluation.rules).enumerate() {
            let status = crate::explain::targets::status(&mut env, rule, result);
            if RuleOutcome::of(result.outcome, status) == RuleOutcome::NotYetDue {
                not_yet_due.push(i);
                match status {
                    Some(crate::explain::targets::TargetStatus::Behind) => behind.push(i),
                    Some(crate::explain::targets::TargetStatus::CannotTell) => cannot_tell.push(i),
                    _ => {}
                }
            }
        }
    }
    let outputs = policy
        .outputs()
        .iter()
        .map(|&d| crate::explain::json_value(policy, policy.derived()[d as usize].ty, env.derived(d)))
        .collect();
    let status = Status::Done {
        verdict: evaluation.verdict,
        rules,
        missing: evaluation.missing,
        not_yet_due,
        behind,
        cannot_tell,
        approximate: evaluation.approximate,
        outputs,
    };
    Result_ { id, line, case, carried, extra, status }
}

fn case_message(error: &case::CaseError, lang: Lang) -> String {
    match lang {
        Lang::Zh => error.zh(),
        Lang::En => error.en(),
    }
}

/// `null` and an empty string are unknown facts.
fn json_to_raw(value: Json) -> Option<Raw> {
    Some(match value {
        Json::Null => return None,
        Json::String(s) if s.trim().is_empty() => return None,
        Json::Bool(b) => Raw::Bool(b),
        Json::Number(n) => Raw::Number(n.to_string()),
        Json::String(s) => Raw::Text(s),
        Json::Array(items) => Raw::List(items.into_iter().filter_map(json_to_raw).collect()),
        object @ Json::Object(_) => Raw::Text(object.to_string()),
    })
}

fn csv_cell(value: &Json) -> String {
    match value {
        Json::Null => String::new(),
        Json::String(s) => s.clone(),
        Json::Array(items) => items.iter().map(csv_cell).collect::<Vec<_>>().join(";"),
        other => other.to_string(),
    }
}

/// One output row as text, line break included; built on the worker threads so that the writing thread
/// only copies bytes.
fn render(context: &Context<'_>, format: Format, result: &Result_) -> String {
    let policy = context.policy;
    let rule_ids = |rules: &[usize]| -> Vec<&str> { rules.iter().map(|&i| policy.rules()[i].id.as_str()).collect() };
    let fact_names =
        |mask: &FactMask| -> Vec<&str> { mask.iter().map(|f| policy.facts()[f as usize].name.as_str()).collect() };
    let mut line = String::new();
    let number = result.line.to_string();
    let carried: Vec<std::borrow::Cow<'_, str>> = result
        .carried
        .iter()
        .map(|v| match v {
            Json::String(s) => s.as_str().into(),
            other => csv_cell(other).into(),
        })
        .collect();
    let carried = carried.iter().map(|c| c.as_ref());
    let case: Vec<&str> = context.case_fields.iter().map(|&i| result.case.get(i).unwrap_or("")).collect();
    match (format, &result.status) {
        (
            Format::Csv,
            Status::Done { verdict, rules, missing, approximate, not_yet_due, behind, cannot_tell, outputs },
        ) => {
            let (rules, missing) = (rule_ids(rules).join(";"), fact_names(missing).join(";"));
            let (not_yet_due, behind) = (rule_ids(not_yet_due).join(";"), rule_ids(behind).join(";"));
            let cannot_tell = rule_ids(cannot_tell).join(";");
            let outputs: Vec<String> = outputs.iter().map(csv_cell).collect();
            let fields = [result.id.as_str(), &number].into_iter().chain(case);
            // As in JSON: `true` only when the missing list may be larger than necessary.
            let approximate = if *approximate { "true" } else { "" };
            let fields = fields.chain([verdict.as_str(), &rules, &missing, approximate]);
            let targets = [not_yet_due.as_str(), behind.as_str(), cannot_tell.as_str()];
            let fields = fields.chain(context.targets.then_some(targets).into_iter().flatten());
            let fields = fields.chain(outputs.iter().map(String::as_str)).chain([""]).chain(carried);
            csv_line(&mut line, fields);
        }
        (Format::Csv, Status::Error { messages }) => {
            let message = messages.join("; ");
            let blanks = std::iter::repeat_n("", policy.outputs().len());
            let fields = [result.id.as_str(), &number].into_iter().chain(case).chain(["error", "", "", ""]);
            let fields = fields.chain(context.targets.then_some(["", "", ""]).into_iter().flatten()).chain(blanks);
            csv_line(&mut line, fields.chain([message.as_str()]).chain(carried));
        }
        (Format::Jsonl, status) => {
            let mut object = serde_json::Map::new();
            object.insert("id".into(), Json::String(result.id.clone()));
            object.insert("line".into(), Json::from(result.line));
            if !result.case.is_empty() {
                object.insert("case".into(), serde_json::to_value(&result.case).unwrap_or(Json::Null));
            }
            match status {
                Status::Done { verdict, rules, missing, not_yet_due, behind, cannot_tell, approximate, outputs } => {
                    object.insert("verdict".into(), Json::String(verdict.as_str().into()));
                    object.insert("rules".into(), Json::from(rule_ids(rules)));
                    object.insert("missing".into(), Json::from(fact_names(missing)));
                    if context.targets {
                        object.insert("not_yet_due".into(), Json::from(rule_ids(not_yet_due)));
                        object.insert("behind".into(), Json::from(rule_ids(behind)));
                        object.insert("cannot_tell".into(), Json::from(rule_ids(cannot_tell)));
                    }
                    // As in the JSON report: present only when the missing list may be larger than necessary.
                    if *approximate {
                        object.insert("missing_approximate".into(), Json::Bool(true));
                    }
                    let outputs = policy
                        .outputs()
                        .iter()
                        .zip(outputs)
                        .map(|(&d, v)| (policy.derived()[d as usize].name.clone(), v.clone()))
                        .collect();
                    object.insert("outputs".into(), Json::Object(outputs));
                }
                Status::Error { messages } => {
                    object.insert("verdict".into(), Json::String("error".into()));
                    object.insert("errors".into(), Json::from(messages.clone()));
                }
            }
            let mut kept: serde_json::Map<String, Json> = context
                .carried
                .iter()
                .zip(&result.carried)
                .filter(|(_, v)| !v.is_null())
                .map(|(k, v)| (k.clone(), v.clone()))
                .collect();
            kept.extend(result.extra.iter().cloned());
            if !kept.is_empty() {
                object.insert("carried".into(), Json::Object(kept));
            }
            line = Json::Object(object).to_string();
            line.push('\n');
        }
    }
    line
}

/// RFC 4180: a field is quoted only when it holds a comma, a quote or a line break; quotes are doubled. A
/// field a spreadsheet would run as a formula (`=…`, `+…`, `-…`, `@…`, a tab) gets a leading `'`; a plain
/// negative number is left as it is.
fn csv_line<'a>(line: &mut String, fields: impl Iterator<Item = &'a str>) {
    for (i, field) in fields.enumerate() {
        if i > 0 {
            line.push(',');
        }
        let risky = field.starts_with(['=', '+', '@', '\t', '\r', '＝', '＋', '－', '＠'])
            || field.starts_with('-') && field.trim().parse::<rust_decimal::Decimal>().is_err();
        let field: std::borrow::Cow<'_, str> = if risky { format!("'{field}").into() } else { field.into() };
        if field.contains([',', '"', '\n', '\r']) {
            line.push('"');
            line.push_str(&field.replace('"', "\"\""));
            line.push('"');
        } else {
            line.push_str(&field);
        }
    }
    line.push('\n');
}

/// Counts per verdict and per failing rule, kept as the rows stream past.
struct Summary {
    rows: u64,
    verdicts: BTreeMap<&'static str, u64>,
    errors: u64,
    failing: Vec<u64>,
    /// Rows whose missing list may be larger than necessary (the exact search ran out of work).
    approximate: u64,
}

const VERDICT_ORDER: [&str; 6] = ["pass", "refer", "fail", "undetermined", "not_applicable", "error"];

impl Summary {
    fn new(policy: &Policy) -> Summary {
        Summary {
            rows: 0,
            verdicts: BTreeMap::new(),
            errors: 0,
            failing: vec![0; policy.rules().len()],
            approximate: 0,
        }
    }

    fn add(&mut self, result: &Result_, stderr: &mut dyn Write, lang: Lang) {
        self.rows += 1;
        match &result.status {
            Status::Done { verdict, rules, approximate, .. } => {
                *self.verdicts.entry(verdict.as_str()).or_default() += 1;
                self.approximate += u64::from(*approximate);
                for &i in rules {
                    self.failing[i] += 1;
                }
            }
            Status::Error { messages } => {
                *self.verdicts.entry("error").or_default() += 1;
                self.errors += 1;
                if self.errors as usize <= ERRORS_SHOWN {
                    for message in messages {
                        let _ = writeln!(stderr, "{}{message}", pick(lang, "错误：", "error: "));
                    }
                }
            }
        }
    }

    fn undecided_or_failed(&self) -> bool {
        self.verdicts.iter().any(|(v, n)| *n > 0 && !matches!(*v, "pass" | "not_applicable"))
    }

    fn print(&self, policy: &Policy, stderr: &mut dyn Write, lang: Lang) {
        if self.errors as usize > ERRORS_SHOWN {
            let more = self.errors as usize - ERRORS_SHOWN;
            let _ = writeln!(
                stderr,
                "{}",
                match lang {
                    Lang::Zh => format!("……另有 {more} 个错误行，详见输出的 error 列"),
                    Lang::En => format!("… and {more} more error rows; see the output"),
                }
            );
        }
        let counts: Vec<String> =
            VERDICT_ORDER.iter().map(|v| format!("{v} {}", self.verdicts.get(v).copied().unwrap_or(0))).collect();
        let _ = match lang {
            Lang::Zh => writeln!(stderr, "共 {} 行：{}", self.rows, counts.join("，")),
            Lang::En => writeln!(stderr, "{} rows: {}", self.rows, counts.join(", ")),
        };
        if self.approximate > 0 {
            let n = self.approximate;
            let _ = match lang {
                Lang::Zh => {
                    writeln!(stderr, "其中 {n} 行情形较复杂，未能逐一排除：所列待补充事项中可能有并不影响结论的")
                }
                Lang::En => {
                    writeln!(stderr, "in {n} rows some listed missing facts may not in fact change the verdict")
                }
            };
        }
        let mut ranked: Vec<(usize, u64)> = self.failing.iter().copied().enumerate().filter(|(_, n)| *n > 0).collect();
        // Most frequent first; ties in the policy's order, so the summary is the same on every run.
        ranked.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
        if ranked.is_empty() {
            return;
        }
        let _ = writeln!(
            stderr,
            "{}",
            pick(lang, "最常见的不符合（或须报请研究）的规则：", "Most frequent failing or referred rules:")
        );
        for (i, n) in ranked.into_iter().take(5) {
            let _ = writeln!(stderr, "  {:<40} {n}", policy.rules()[i].id);
        }
    }
}
