//! Every bound on what a rule file or a fact file may make comply do, in one place (named in the README).
//! Rule files and fact files come from people who are not programmers and, in CI, from strangers: no input
//! may overflow a stack, take unbounded memory or hang a command, so each recursion and each read stops at
//! a stated limit with a diagnostic instead.

/// Brackets, `if`, `not` and minus signs nested inside one another in one expression, counted before the
/// grammar runs (the parser recurses on them). The shipped packs need at most 6.
pub const MAX_NESTING: usize = 50;

/// Operands in one chain of `+ - * /` (a sum of 2,000 terms would be a tree 2,000 deep).
pub const MAX_TERMS: usize = 100;

/// Depth of an expression as the checker and the evaluator walk it, counting through the derived values
/// and tables it uses: every pass that recurses over expressions stays within this on any thread.
pub const MAX_DEPTH: usize = 200;

/// Largest rule file, fact file or cited source text read, in bytes, unless a command is given
/// `--max-file-bytes`. The shipped packs are under 40 KiB and their gazette texts under 130 KiB.
pub const MAX_FILE_BYTES: u64 = 4 << 20;

/// How much of a file to read: at most `limit` bytes, and only from a regular file (a device such as
/// `/dev/zero` or a FIFO would never end).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ReadLimit {
    pub max_bytes: u64,
}

impl Default for ReadLimit {
    fn default() -> ReadLimit {
        ReadLimit { max_bytes: MAX_FILE_BYTES }
    }
}

/// Why a file was not read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ReadProblem {
    #[error("{0}")]
    Io(String),
    #[error("it is not a regular file")]
    NotAFile,
    #[error("it is larger than {limit} bytes")]
    TooLarge { limit: u64 },
    #[error("it is not UTF-8 text")]
    NotText,
}

impl ReadProblem {
    pub fn zh(&self) -> String {
        match self {
            ReadProblem::Io(e) => e.clone(),
            ReadProblem::NotAFile => "不是普通文件（设备、管道等不能读取）".to_string(),
            ReadProblem::TooLarge { limit } => {
                format!("文件超过 {limit} 字节的上限（可用 --max-file-bytes 调整）")
            }
            ReadProblem::NotText => "不是 UTF-8 文字".to_string(),
        }
    }

    pub fn en(&self) -> String {
        match self {
            ReadProblem::TooLarge { limit } => {
                format!("it is larger than the limit of {limit} bytes (--max-file-bytes changes it)")
            }
            other => other.to_string(),
        }
    }
}

/// Reads a regular file of at most `limit.max_bytes` bytes as text, opening it without blocking on a FIFO.
pub fn read_text(path: &std::path::Path, limit: ReadLimit) -> Result<String, ReadProblem> {
    use std::io::Read;
    // Checked before opening: opening a FIFO for reading waits for a writer that may never come.
    let meta = std::fs::metadata(path).map_err(|e| ReadProblem::Io(e.to_string()))?;
    if !meta.is_file() {
        return Err(ReadProblem::NotAFile);
    }
    let file = std::fs::File::open(path).map_err(|e| ReadProblem::Io(e.to_string()))?;
    let mut bytes = Vec::new();
    // One byte more than allowed tells a file at the limit from one over it, whatever the metadata said.
    file.take(limit.max_bytes.saturating_add(1)).read_to_end(&mut bytes).map_err(|e| ReadProblem::Io(e.to_string()))?;
    if bytes.len() as u64 > limit.max_bytes {
        return Err(ReadProblem::TooLarge { limit: limit.max_bytes });
    }
    String::from_utf8(bytes).map_err(|_| ReadProblem::NotText)
}
