//! `comply batch`: every row of a CSV or JSON Lines file checked against one policy, one output row per
//! input row, and a summary on standard error. Rows are read in chunks and each chunk is evaluated in
//! parallel, so memory stays flat however long the file is and the output keeps the input's order.

use std::collections::BTreeMap;
use std::fs::File;
use std::io::{BufRead, BufReader, IsTerminal, Write};
use std::path::PathBuf;

use clap::ValueEnum;
use jiff::civil::Date;
use rayon::prelude::*;
use serde_json::Value as Json;

use super::{
    EXIT_BAD_INPUT, EXIT_OK, EXIT_VERDICT, Failure, Io, LangArg, Outcome, find_policy, load_rules, required_date,
};
use crate::eval::{self, Env, FactMask, FactSet, Verdict};
use crate::explain::{Lang, pick};
use crate::facts::{self, FactError, Raw};
use crate::policy::{FactId, Policy};

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

#[derive(Debug, clap::Args)]
pub struct Args {
    /// A rule file or a folder of *.rules files (default: the shipped packs).
    rules: Option<PathBuf>,
    /// The policy every row is checked against.
    #[arg(long)]
    policy: String,
    /// The rows: CSV (`.csv`, header = fact names, optional `id` column) or JSON Lines (`.jsonl`, `.json`).
    #[arg(long)]
    input: PathBuf,
    /// The date to evaluate on, YYYY-MM-DD (required: the verdicts never depend on the clock).
    #[arg(long = "as-of")]
    as_of: Option<String>,
    /// Where to write the results (default: standard output).
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
}

/// One input row, as read, before it meets the policy.
enum Input {
    Csv(csv::StringRecord),
    Json(String),
    /// The reader could not even split the row into cells.
    Broken(String),
}

struct Row {
    /// 1-based: the record number in a CSV file (header not counted), the line number in JSON Lines.
    number: u64,
    input: Input,
}

enum Result_ {
    Done { id: String, verdict: Verdict, rules: Vec<usize>, missing: FactMask, outputs: Vec<Json> },
    Error { id: String, messages: Vec<String> },
}

/// Everything a row's evaluation reads; shared by the worker threads.
struct Context<'p> {
    policy: &'p Policy,
    as_of: Date,
    columns: Vec<Column>,
    lang: Lang,
}

pub fn run(args: Args, io: &mut Io<'_>) -> Outcome {
    let lang: Lang = args.lang.into();
    let book = load_rules(args.rules.as_ref(), lang)?;
    let policy = find_policy(&book, &args.policy, lang)?;
    let as_of = required_date(args.as_of.as_deref(), lang)?;

    let name = args.input.display().to_string();
    let extension = args.input.extension().and_then(|e| e.to_str()).map(str::to_ascii_lowercase);
    let json_lines = match extension.as_deref() {
        Some("csv") => false,
        Some("jsonl" | "json" | "ndjson") => true,
        _ => {
            return Err(Failure(match lang {
                Lang::Zh => format!("无法判断输入文件 `{name}` 的格式：文件名应以 .csv、.jsonl 或 .json 结尾"),
                Lang::En => format!("cannot tell the format of `{name}`: the name must end in .csv, .jsonl or .json"),
            }));
        }
    };
    let unreadable = |e: std::io::Error| {
        Failure(match lang {
            Lang::Zh => format!("无法读取输入文件 `{name}`：{e}"),
            Lang::En => format!("cannot read the input file `{name}`: {e}"),
        })
    };
    let file = File::open(&args.input).map_err(unreadable)?;
    let size = file.metadata().map(|m| m.len()).unwrap_or(0);

    let mut output_file;
    let sink: &mut dyn Write = match &args.output {
        Some(path) => {
            output_file = std::io::BufWriter::new(File::create(path).map_err(|e| {
                Failure(match lang {
                    Lang::Zh => format!("无法写入输出文件 `{}`：{e}", path.display()),
                    Lang::En => format!("cannot write the output file `{}`: {e}", path.display()),
                })
            })?);
            &mut output_file
        }
        None => &mut *io.stdout,
    };

    let mut source = if json_lines {
        Source::Json { reader: BufReader::new(file), line: 0, bytes: 0 }
    } else {
        let mut reader = csv::ReaderBuilder::new().flexible(true).from_reader(BufReader::new(file));
        let header = reader.headers().map_err(|e| Failure(csv_failure(&name, &e, lang)))?.clone();
        Source::Csv { reader, header, record: 0 }
    };
    let columns = match &source {
        Source::Csv { header, .. } => header_columns(policy, header, lang)?,
        Source::Json { .. } => Vec::new(),
    };
    let context = Context { policy, as_of, columns, lang };

    let mut sink = std::io::BufWriter::with_capacity(1 << 16, sink);
    if args.format == Format::Csv {
        let mut names = vec!["id".to_string(), "verdict".into(), "rules".into(), "missing".into()];
        names.extend(policy.outputs().iter().map(|&d| policy.derived()[d as usize].name.clone()));
        names.push("error".into());
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
    let mut chunk: Vec<Row> = Vec::with_capacity(CHUNK_ROWS);
    source.fill(&mut chunk, CHUNK_ROWS, lang).map_err(unreadable)?;
    while !chunk.is_empty() {
        // The next chunk is read while this one is evaluated and rendered on the other core; `collect` on an
        // indexed parallel iterator keeps the input order. Two chunks at most are ever held.
        let mut next: Vec<Row> = Vec::with_capacity(CHUNK_ROWS);
        let (read, results) = rayon::join(
            || source.fill(&mut next, CHUNK_ROWS, lang),
            || -> Vec<(Result_, String)> {
                chunk
                    .par_iter()
                    .map(|row| {
                        let result = evaluate_row(&context, row);
                        let line = render(policy, args.format, &result);
                        (result, line)
                    })
                    .collect()
            },
        );
        read.map_err(unreadable)?;
        for (result, line) in &results {
            summary.add(result, io.stderr, lang);
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
    summary.print(policy, io.stderr, lang);
    Ok(if summary.errors > 0 {
        EXIT_BAD_INPUT
    } else if summary.undecided_or_failed() {
        EXIT_VERDICT
    } else {
        EXIT_OK
    })
}

fn csv_failure(name: &str, error: &csv::Error, lang: Lang) -> String {
    match lang {
        Lang::Zh => format!("无法读取 CSV 文件 `{name}`：{error}"),
        Lang::En => format!("cannot read the CSV file `{name}`: {error}"),
    }
}

fn write_failure(error: &std::io::Error, lang: Lang) -> Failure {
    Failure(match lang {
        Lang::Zh => format!("写出结果失败：{error}"),
        Lang::En => format!("cannot write the results: {error}"),
    })
}

/// Maps the header to facts. An unknown column is a mistake in the whole file, not in a row: it is
/// reported once, before any row is evaluated.
fn header_columns(policy: &Policy, header: &csv::StringRecord, lang: Lang) -> Result<Vec<Column>, Failure> {
    let mut columns = Vec::with_capacity(header.len());
    let mut problems = Vec::new();
    for (i, name) in header.iter().enumerate() {
        // Spreadsheet exports often start with a byte-order mark.
        let name = if i == 0 { name.trim_start_matches('\u{feff}') } else { name }.trim();
        let column = if name == "id" {
            Column::Id
        } else if let Some(fact) = policy.fact_index(name) {
            Column::Fact(fact)
        } else {
            let names: Vec<String> = policy.facts().iter().map(|f| f.name.clone()).collect();
            problems.push(
                FactError::Undeclared {
                    name: name.to_string(),
                    policy: policy.id().to_string(),
                    suggestion: crate::check::did_you_mean(name, &names),
                }
                .render(lang),
            );
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
    if problems.is_empty() {
        return Ok(columns);
    }
    let head = match lang {
        Lang::Zh => "CSV 表头有误，未处理任何行：",
        Lang::En => "the CSV header is wrong; no row was processed:",
    };
    Err(Failure(format!("{head}\n  {}", problems.join("\n  "))))
}

enum Source {
    Csv { reader: csv::Reader<BufReader<File>>, header: csv::StringRecord, record: u64 },
    Json { reader: BufReader<File>, line: u64, bytes: u64 },
}

impl Source {
    /// Reads up to `limit` rows. A row the reader cannot split becomes a broken row, never a lost one.
    fn fill(&mut self, chunk: &mut Vec<Row>, limit: usize, lang: Lang) -> std::io::Result<()> {
        match self {
            Source::Csv { reader, header, record } => {
                let width = header.len();
                while chunk.len() < limit {
                    let mut cells = csv::StringRecord::new();
                    let input = match reader.read_record(&mut cells) {
                        Ok(false) => break,
                        Ok(true) if cells.len() == width => Input::Csv(cells),
                        Ok(true) => Input::Broken(match lang {
                            Lang::Zh => format!("本行有 {} 个单元格，表头有 {width} 列", cells.len()),
                            Lang::En => format!("the row has {} cells, the header {width} columns", cells.len()),
                        }),
                        Err(error) => match error.into_kind() {
                            csv::ErrorKind::Io(e) => return Err(e),
                            csv::ErrorKind::Utf8 { .. } => Input::Broken(
                                pick(lang, "本行不是 UTF-8 文字", "the row is not UTF-8 text").to_string(),
                            ),
                            other => Input::Broken(format!("{other:?}")),
                        },
                    };
                    *record += 1;
                    chunk.push(Row { number: *record, input });
                }
            }
            Source::Json { reader, line, bytes } => {
                let mut buffer = Vec::new();
                while chunk.len() < limit {
                    buffer.clear();
                    let read = reader.read_until(b'\n', &mut buffer)?;
                    if read == 0 {
                        break;
                    }
                    *line += 1;
                    *bytes += read as u64;
                    let input = match String::from_utf8(std::mem::take(&mut buffer)) {
                        Ok(text) if text.trim().is_empty() => continue,
                        Ok(text) => Input::Json(text),
                        Err(_) => {
                            Input::Broken(pick(lang, "本行不是 UTF-8 文字", "the line is not UTF-8 text").to_string())
                        }
                    };
                    chunk.push(Row { number: *line, input });
                }
            }
        }
        Ok(())
    }

    fn position(&self) -> u64 {
        match self {
            Source::Csv { reader, .. } => reader.position().byte(),
            Source::Json { bytes, .. } => *bytes,
        }
    }
}

fn evaluate_row(context: &Context<'_>, row: &Row) -> Result_ {
    let policy = context.policy;
    let lang = context.lang;
    let mut facts = FactSet::empty(policy);
    let mut id = None;
    let mut messages = Vec::new();
    // An empty column name: the whole row is at fault (it cannot be split, or is not a JSON object).
    let mut bad = |column: &str, message: String| {
        messages.push(match (lang, column) {
            (Lang::Zh, "") => format!("第 {} 行：{message}", row.number),
            (Lang::En, "") => format!("row {}: {message}", row.number),
            (Lang::Zh, _) => format!("第 {} 行，列 {column}：{message}", row.number),
            (Lang::En, _) => format!("row {}, column {column}: {message}", row.number),
        })
    };
    match &row.input {
        Input::Broken(message) => bad("", message.clone()),
        Input::Csv(cells) => {
            for (column, cell) in context.columns.iter().zip(cells.iter()) {
                let cell = cell.trim();
                match column {
                    Column::Id => id = Some(cell.to_string()).filter(|c| !c.is_empty()),
                    // An empty cell is an unknown fact, not an error: a clerk leaves blank what they do not know.
                    Column::Fact(_) if cell.is_empty() => {}
                    Column::Fact(fact) => {
                        let def = &policy.facts()[*fact as usize];
                        match facts::coerce_cell(policy, def, cell) {
                            Ok(value) => facts.set(*fact, Some(value)),
                            Err(error) => bad(&def.name, error.render(lang)),
                        }
                    }
                }
            }
        }
        Input::Json(text) => match serde_json::from_str::<Json>(text) {
            Ok(Json::Object(object)) => {
                for (key, value) in object {
                    if key == "id" {
                        id = match value {
                            Json::String(s) => Some(s),
                            Json::Null => None,
                            other => Some(other.to_string()),
                        };
                        continue;
                    }
                    let Some(fact) = policy.fact_index(&key) else {
                        let names: Vec<String> = policy.facts().iter().map(|f| f.name.clone()).collect();
                        let error = FactError::Undeclared {
                            suggestion: crate::check::did_you_mean(&key, &names),
                            name: key.clone(),
                            policy: policy.id().to_string(),
                        };
                        bad(&key, error.render(lang));
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
            Err(error) => bad("", format!("JSON: {error}")),
        },
    }
    let id = id.unwrap_or_else(|| row.number.to_string());
    if !messages.is_empty() {
        return Result_::Error { id, messages };
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
    let outputs = policy
        .outputs()
        .iter()
        .map(|&d| crate::explain::json_value(policy, policy.derived()[d as usize].ty, env.derived(d)))
        .collect();
    Result_::Done { id, verdict: evaluation.verdict, rules, missing: evaluation.missing, outputs }
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
fn render(policy: &Policy, format: Format, result: &Result_) -> String {
    let rule_ids = |rules: &[usize]| -> Vec<&str> { rules.iter().map(|&i| policy.rules()[i].id.as_str()).collect() };
    let fact_names =
        |mask: &FactMask| -> Vec<&str> { mask.iter().map(|f| policy.facts()[f as usize].name.as_str()).collect() };
    let mut line = String::new();
    match (format, result) {
        (Format::Csv, Result_::Done { id, verdict, rules, missing, outputs }) => {
            let (rules, missing) = (rule_ids(rules).join(";"), fact_names(missing).join(";"));
            let outputs: Vec<String> = outputs.iter().map(csv_cell).collect();
            let fields = [id.as_str(), verdict.as_str(), &rules, &missing];
            csv_line(&mut line, fields.into_iter().chain(outputs.iter().map(String::as_str)).chain([""]));
        }
        (Format::Csv, Result_::Error { id, messages }) => {
            let message = messages.join("; ");
            let blanks = std::iter::repeat_n("", policy.outputs().len());
            csv_line(&mut line, [id.as_str(), "error", "", ""].into_iter().chain(blanks).chain([message.as_str()]));
        }
        (Format::Jsonl, result) => {
            let mut object = serde_json::Map::new();
            match result {
                Result_::Done { id, verdict, rules, missing, outputs } => {
                    object.insert("id".into(), Json::String(id.clone()));
                    object.insert("verdict".into(), Json::String(verdict.as_str().into()));
                    object.insert("rules".into(), Json::from(rule_ids(rules)));
                    object.insert("missing".into(), Json::from(fact_names(missing)));
                    let outputs = policy
                        .outputs()
                        .iter()
                        .zip(outputs)
                        .map(|(&d, v)| (policy.derived()[d as usize].name.clone(), v.clone()))
                        .collect();
                    object.insert("outputs".into(), Json::Object(outputs));
                }
                Result_::Error { id, messages } => {
                    object.insert("id".into(), Json::String(id.clone()));
                    object.insert("verdict".into(), Json::String("error".into()));
                    object.insert("errors".into(), Json::from(messages.clone()));
                }
            }
            line = Json::Object(object).to_string();
            line.push('\n');
        }
    }
    line
}

/// RFC 4180: a field is quoted only when it holds a comma, a quote or a line break; quotes are doubled.
fn csv_line<'a>(line: &mut String, fields: impl Iterator<Item = &'a str>) {
    for (i, field) in fields.enumerate() {
        if i > 0 {
            line.push(',');
        }
        if field.contains([',', '"', '\n', '\r']) {
            line.push('"');
            line.push_str(&field.replace('"', "\"\""));
            line.push('"');
        } else {
            line.push_str(field);
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
}

const VERDICT_ORDER: [&str; 6] = ["pass", "refer", "fail", "undetermined", "not_applicable", "error"];

impl Summary {
    fn new(policy: &Policy) -> Summary {
        Summary { rows: 0, verdicts: BTreeMap::new(), errors: 0, failing: vec![0; policy.rules().len()] }
    }

    fn add(&mut self, result: &Result_, stderr: &mut dyn Write, lang: Lang) {
        self.rows += 1;
        match result {
            Result_::Done { verdict, rules, .. } => {
                *self.verdicts.entry(verdict.as_str()).or_default() += 1;
                for &i in rules {
                    self.failing[i] += 1;
                }
            }
            Result_::Error { messages, .. } => {
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
