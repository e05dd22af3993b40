//! Reading batch input so that nothing is lost or moved: the encoding is detected (UTF-8, or GBK/GB18030 as
//! Excel on a Chinese Windows saves CSV) or given, physical lines are read with a length cap, and a CSV
//! record is split here rather than by a streaming parser, so that a stray quote makes one error row
//! instead of swallowing every row after it. Each row keeps the spreadsheet line number it starts on.

use std::collections::VecDeque;
use std::io::{BufRead, Read};

/// A physical line longer than this is an error row, and the rest of it is skipped: memory stays bounded
/// whatever the file holds.
pub const MAX_LINE_BYTES: usize = 1 << 20;

/// A quoted cell may span lines (RFC 4180), but a record that has not closed its quote within this many
/// lines is taken to be a stray quote: its first line becomes an error row and reading resumes after it.
pub const MAX_RECORD_LINES: usize = 50;

/// Bytes looked at to tell UTF-8 from GBK.
const SNIFF_BYTES: usize = 64 * 1024;

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Encoding {
    #[value(name = "utf-8", alias = "utf8")]
    Utf8,
    /// GBK and GB2312 are read as their superset GB18030.
    #[value(name = "gbk", alias = "gb18030", alias = "gb2312")]
    Gbk,
}

/// What the sniffing found.
pub enum Detected {
    Utf8,
    Gbk,
    Neither,
}

/// Looks at the start of the input without consuming it.
pub fn detect(reader: &mut dyn BufRead) -> std::io::Result<(Vec<u8>, Detected)> {
    let mut sample = Vec::with_capacity(SNIFF_BYTES);
    reader.take(SNIFF_BYTES as u64).read_to_end(&mut sample)?;
    // Judge whole lines only: the sample may end inside a character.
    let judged = match sample.iter().rposition(|&b| b == b'\n') {
        Some(end) if sample.len() == SNIFF_BYTES => &sample[..=end],
        _ => &sample[..],
    };
    let detected = match std::str::from_utf8(judged) {
        Ok(_) => Detected::Utf8,
        Err(e) if e.error_len().is_none() => Detected::Utf8,
        Err(_) => match encoding_rs::GB18030.decode_without_bom_handling_and_without_replacement(judged) {
            Some(_) => Detected::Gbk,
            None => Detected::Neither,
        },
    };
    Ok((sample, detected))
}

/// GB18030 bytes in, UTF-8 bytes out, streaming.
pub struct Transcode<R> {
    inner: R,
    decoder: encoding_rs::Decoder,
    raw: Vec<u8>,
    decoded: String,
    pos: usize,
    done: bool,
}

impl<R: Read> Transcode<R> {
    pub fn gbk(inner: R) -> Transcode<R> {
        Transcode {
            inner,
            decoder: encoding_rs::GB18030.new_decoder_without_bom_handling(),
            raw: vec![0; 16 * 1024],
            decoded: String::new(),
            pos: 0,
            done: false,
        }
    }
}

impl<R: Read> Read for Transcode<R> {
    fn read(&mut self, out: &mut [u8]) -> std::io::Result<usize> {
        while self.pos >= self.decoded.len() {
            if self.done {
                return Ok(0);
            }
            let n = self.inner.read(&mut self.raw)?;
            let last = n == 0;
            self.decoded.clear();
            self.pos = 0;
            let room = self.decoder.max_utf8_buffer_length(n).unwrap_or(4 * n + 16);
            self.decoded.reserve(room);
            let (_, _, _) = self.decoder.decode_to_string(&self.raw[..n], &mut self.decoded, last);
            self.done = last;
        }
        let available = &self.decoded.as_bytes()[self.pos..];
        let n = available.len().min(out.len());
        out[..n].copy_from_slice(&available[..n]);
        self.pos += n;
        Ok(n)
    }
}

/// One physical line, without its line break.
pub struct Line {
    pub bytes: Vec<u8>,
    /// 1-based spreadsheet line number.
    pub number: u64,
    /// The line was longer than `MAX_LINE_BYTES`; only its start is kept.
    pub truncated: bool,
}

/// Physical lines of a reader, each at most `MAX_LINE_BYTES`, counted from 1.
pub struct Lines<'r> {
    reader: Box<dyn BufRead + 'r>,
    number: u64,
    pub bytes_read: u64,
}

impl<'r> Lines<'r> {
    pub fn new(reader: Box<dyn BufRead + 'r>) -> Lines<'r> {
        Lines { reader, number: 0, bytes_read: 0 }
    }

    pub fn next_line(&mut self) -> std::io::Result<Option<Line>> {
        let mut bytes = Vec::new();
        let mut truncated = false;
        let mut any = false;
        loop {
            let buffer = self.reader.fill_buf()?;
            if buffer.is_empty() {
                break;
            }
            any = true;
            let (chunk, found) = match buffer.iter().position(|&b| b == b'\n') {
                Some(i) => (&buffer[..i], Some(i)),
                None => (buffer, None),
            };
            let room = MAX_LINE_BYTES.saturating_sub(bytes.len());
            if chunk.len() > room {
                truncated = true;
            }
            bytes.extend_from_slice(&chunk[..chunk.len().min(room)]);
            let consumed = found.map_or(buffer.len(), |i| i + 1);
            self.reader.consume(consumed);
            self.bytes_read += consumed as u64;
            if found.is_some() {
                break;
            }
        }
        if !any {
            return Ok(None);
        }
        if bytes.last() == Some(&b'\r') {
            bytes.pop();
        }
        self.number += 1;
        Ok(Some(Line { bytes, number: self.number, truncated }))
    }
}

/// A CSV record as split here: its cells, or why it could not be split, and the line it starts on.
pub enum Record {
    Cells(Vec<String>),
    Broken { problem: Problem, first_cell: String },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Problem {
    NotUtf8,
    UnbalancedQuote,
    LineTooLong,
}

/// Splits CSV text into records, one physical line at a time, with a stray quote contained to its line.
pub struct CsvRecords<'r> {
    lines: Lines<'r>,
    pending: VecDeque<Line>,
}

impl<'r> CsvRecords<'r> {
    pub fn new(lines: Lines<'r>) -> CsvRecords<'r> {
        CsvRecords { lines, pending: VecDeque::new() }
    }

    pub fn bytes_read(&self) -> u64 {
        self.lines.bytes_read
    }

    fn line(&mut self) -> std::io::Result<Option<Line>> {
        match self.pending.pop_front() {
            Some(line) => Ok(Some(line)),
            None => self.lines.next_line(),
        }
    }

    /// The next record and its first line number; `width` is the header's, to tell a real multi-line cell
    /// from a quote that was never closed. Blank lines are skipped.
    pub fn next_record(&mut self, width: Option<usize>) -> std::io::Result<Option<(u64, Record)>> {
        let first = loop {
            match self.line()? {
                None => return Ok(None),
                Some(line) if line.bytes.iter().all(|b| b.is_ascii_whitespace()) && !line.truncated => continue,
                Some(line) => break line,
            }
        };
        let number = first.number;
        if first.truncated {
            return Ok(Some((number, broken(&first.bytes, Problem::LineTooLong))));
        }
        let mut text = first.bytes.clone();
        let mut taken = vec![];
        while quotes_open(&text) {
            match self.line()? {
                Some(line) if taken.len() + 1 < MAX_RECORD_LINES && !line.truncated => {
                    text.push(b'\n');
                    text.extend_from_slice(&line.bytes);
                    taken.push(line);
                }
                other => {
                    // Never closed: the first line alone is the bad row; the lines after it are read again.
                    if let Some(line) = other {
                        taken.push(line);
                    }
                    self.requeue(taken);
                    return Ok(Some((number, broken(&first.bytes, Problem::UnbalancedQuote))));
                }
            }
        }
        let Ok(text) = String::from_utf8(text) else {
            self.requeue(taken);
            return Ok(Some((number, broken(&first.bytes, Problem::NotUtf8))));
        };
        let cells = split(&text);
        // A quote that spans lines but leaves a ragged record was a stray quote, not a multi-line cell.
        if !taken.is_empty() && width.is_some_and(|w| cells.len() != w) {
            self.requeue(taken);
            return Ok(Some((number, broken(&first.bytes, Problem::UnbalancedQuote))));
        }
        Ok(Some((number, Record::Cells(cells))))
    }

    fn requeue(&mut self, taken: Vec<Line>) {
        for line in taken.into_iter().rev() {
            self.pending.push_front(line);
        }
    }
}

fn broken(line: &[u8], problem: Problem) -> Record {
    // The id is usually the first cell: keep it so that the error row can be found again.
    let text = String::from_utf8_lossy(line);
    let first = text.split(',').next().unwrap_or("").trim().trim_matches('"').to_string();
    Record::Broken { problem, first_cell: first }
}

/// Doubled quotes inside a quoted cell keep the count even, so an odd count means a quote is still open.
fn quotes_open(text: &[u8]) -> bool {
    text.iter().filter(|&&b| b == b'"').count() % 2 == 1
}

/// RFC 4180 cells of one record whose quotes are balanced.
pub fn split(text: &str) -> Vec<String> {
    let mut cells = Vec::new();
    let mut cell = String::new();
    let mut quoted = false;
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match (c, quoted) {
            ('"', true) if chars.peek() == Some(&'"') => {
                cell.push('"');
                chars.next();
            }
            ('"', true) => quoted = false,
            ('"', false) => quoted = true,
            (',', false) => cells.push(std::mem::take(&mut cell)),
            (c, _) => cell.push(c),
        }
    }
    cells.push(cell);
    cells
}

#[cfg(test)]
mod tests {
    use super::*;

    fn records(text: &str, width: usize) -> Vec<(u64, Result<Vec<String>, Problem>)> {
        let lines = Lines::new(Box::new(std::io::Cursor::new(text.as_bytes().to_vec())));
        let mut csv = CsvRecords::new(lines);
        let mut out = Vec::new();
        while let Some((n, r)) = csv.next_record(Some(width)).unwrap() {
            out.push((
                n,
                match r {
                    Record::Cells(c) => Ok(c),
                    Record::Broken { problem, .. } => Err(problem),
                },
            ));
        }
        out
    }

    #[test]
    fn a_stray_quote_is_one_bad_row_and_the_rows_after_it_are_read() {
        let text = "a,b\n1,x\n2,\"oops\n3,y\n4,z\n";
        let got = records(text, 2);
        assert_eq!(got.len(), 5, "the header and four rows");
        assert_eq!(got[2], (3, Err(Problem::UnbalancedQuote)));
        assert_eq!(got[3], (4, Ok(vec!["3".to_string(), "y".to_string()])));
    }

    #[test]
    fn a_quoted_cell_may_span_lines() {
        let got = records("a,b\n1,\"two\nlines\"\n2,\"say \"\"hi\"\"\"\n", 2);
        assert_eq!(got[1], (2, Ok(vec!["1".to_string(), "two\nlines".to_string()])));
        assert_eq!(got[2], (4, Ok(vec!["2".to_string(), "say \"hi\"".to_string()])));
    }
}
