//! Shared by the property tests: every policy the engine's invariants are checked over.

use comply::Rulebook;
use comply::policy::Policy;

/// The shipped packs and the example policies under `examples/`.
pub fn shipped_and_example_policies() -> Vec<Policy> {
    let mut out: Vec<Policy> = Rulebook::embedded().unwrap().policies().to_vec();
    let examples = std::path::Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/examples"));
    let book =
        Rulebook::load_path(examples).unwrap_or_else(|e| panic!("the example policies must load:\n{}", e.render()));
    out.extend(book.policies().iter().cloned());
    assert!(out.len() >= 8, "expected the shipped and example policies, found {}", out.len());
    out
}

/// What a command printed and how it exited.
pub struct Output {
    pub code: u8,
    pub stdout: String,
    pub stderr: String,
}

/// Runs the real command line in-process with `stdin` as its input.
pub fn comply_with_input(args: &[&str], stdin: &str) -> Output {
    comply_with_bytes(args, stdin.as_bytes())
}

/// The same with input that need not be text (GBK, stray bytes); output that is not UTF-8 is shown lossily.
pub fn comply_with_bytes(args: &[&str], stdin: &[u8]) -> Output {
    let args: Vec<String> = args.iter().map(|s| s.to_string()).collect();
    let mut input = stdin;
    let (mut stdout, mut stderr) = (Vec::new(), Vec::new());
    let code =
        comply::cli::run(&args, &mut comply::cli::Io { stdin: &mut input, stdout: &mut stdout, stderr: &mut stderr });
    Output {
        code,
        stdout: String::from_utf8_lossy(&stdout).into_owned(),
        stderr: String::from_utf8_lossy(&stderr).into_owned(),
    }
}

/// `PROPTEST_CASES` when set (the long fuzz run), otherwise `default`: a config that sets `cases` itself
/// would ignore the variable.
pub fn proptest_cases(default: u32) -> u32 {
    std::env::var("PROPTEST_CASES").ok().and_then(|c| c.parse().ok()).unwrap_or(default)
}

/// A scratch folder of files a test writes (a rule file, a case), removed when the test ends, passed or not.
pub struct Scratch(pub std::path::PathBuf);

impl Scratch {
    pub fn new(tag: &str, files: &[(&str, &str)]) -> Scratch {
        let dir = std::env::temp_dir().join(format!("comply-{tag}-{}", std::process::id()));
        for (name, text) in files {
            let path = dir.join(name);
            std::fs::create_dir_all(path.parent().unwrap_or(&dir)).unwrap();
            std::fs::write(path, text).unwrap();
        }
        Scratch(dir)
    }

    /// A file's path, as the command line takes it.
    pub fn path(&self, name: &str) -> String {
        self.0.join(name).to_string_lossy().into_owned()
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}
