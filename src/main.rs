//! The `comply` binary: parses the command line and maps the result to an exit code.

use std::process::ExitCode;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let stdin = std::io::stdin();
    let mut stdin = stdin.lock();
    let mut stdout = std::io::stdout().lock();
    let mut stderr = std::io::stderr().lock();
    let mut io = comply::cli::Io { stdin: &mut stdin, stdout: &mut stdout, stderr: &mut stderr };
    ExitCode::from(comply::cli::run(&args, &mut io))
}
