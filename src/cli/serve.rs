//! `comply serve`: the HTTP API and the self-assessment page (crate `comply-server`).

use std::net::SocketAddr;
use std::path::PathBuf;

use super::{EXIT_OK, Failure, Io, LangArg, Outcome, load_rules};
use crate::explain::Lang;

#[derive(Debug, clap::Args)]
pub struct Args {
    /// A rule file or a folder of *.rules files (default: the shipped packs). SIGHUP reloads it.
    rules: Option<PathBuf>,
    /// The address to listen on.
    #[arg(long, default_value = "127.0.0.1:8080")]
    addr: SocketAddr,
    /// The records database of the bureau's case desk at /desk (a SQLite file or a postgres:// URL); without
    /// it the desk is not served. Staff accounts: `comply users add`.
    #[arg(long)]
    db: Option<String>,
    /// The language of start-up messages.
    #[arg(long, value_enum, default_value_t)]
    lang: LangArg,
}

pub fn run(args: Args, io: &mut Io<'_>) -> Outcome {
    let lang: Lang = args.lang.into();
    let book = load_rules(args.rules.as_ref(), lang)?;
    let source = match args.rules.clone() {
        Some(path) => comply_server::RuleSource::Path(path),
        None => comply_server::RuleSource::Embedded,
    };
    // The request log reaches stderr through this thread: `io.stderr` is held locked by it for the whole run.
    let (lines, log) = std::sync::mpsc::channel::<String>();
    let logger: comply_server::Logger = std::sync::Arc::new(move |line: &str| {
        let _ = lines.send(line.to_string());
    });
    let state = comply_server::AppState::with_logger(book, source, comply_server::Limits::default(), logger)
        .with_batch(batch_runner(args.rules.clone()));
    let mut config = comply_server::Config::new(args.addr, state.clone());
    if let Some(db) = &args.db {
        let desk = comply_server::desk::routes(state, db).map_err(|e| Failure(e.render(lang)))?;
        config = config.with_routes(desk);
    }
    let running = comply_server::start(config).map_err(|e| Failure(e.to_string()))?;
    let _ = match lang {
        Lang::Zh => writeln!(io.stderr, "comply serve：请在浏览器中打开 http://{}/", running.addr),
        Lang::En => writeln!(io.stderr, "comply serve: open http://{}/ in a browser", running.addr),
    };
    for line in log {
        let _ = writeln!(io.stderr, "{line}");
    }
    drop(running);
    Ok(EXIT_OK)
}

/// `/v1/batch` runs `comply batch` itself over the upload, so the API and the command line cannot disagree
/// on a row. Its summary (standard error) is not sent: the rows are the answer.
pub fn batch_runner(rules: Option<PathBuf>) -> comply_server::batch::Runner {
    std::sync::Arc::new(move |job, mut input, mut output| {
        let mut args: Vec<String> = vec!["batch".into()];
        if let Some(rules) = &rules {
            args.push(rules.display().to_string());
        }
        let lang = if job.lang == Lang::En { "en" } else { "zh" };
        for (flag, value) in [
            ("--policy", job.policy.as_str()),
            ("--as-of", job.as_of.as_str()),
            ("--input", "-"),
            ("--input-format", job.format),
            ("--format", job.format),
            ("--lang", lang),
        ] {
            args.push(flag.into());
            args.push(value.into());
        }
        let mut summary = std::io::sink();
        let mut io = Io { stdin: &mut *input, stdout: &mut *output, stderr: &mut summary };
        super::run(&args, &mut io)
    })
}
