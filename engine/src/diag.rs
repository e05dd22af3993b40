//! One diagnostic type for every stage that reads rule text: a stable code, a span, a message in plain
//! words and a help line. Rendering with the source line and a caret is kept behind `Sources::render`,
//! so the renderer crate can be swapped without touching the stages.

use codespan_reporting::diagnostic::{Diagnostic as Rendered, Label, Severity as RenderedSeverity};
use codespan_reporting::files::SimpleFiles;
use codespan_reporting::term::{self, Config, termcolor::NoColor};

/// A byte range in one loaded source file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, PartialOrd, Ord)]
pub struct Span {
    pub file: u32,
    pub start: u32,
    pub end: u32,
}

impl Span {
    pub fn new(file: u32, start: usize, end: usize) -> Span {
        Span { file, start: start as u32, end: end as u32 }
    }

    pub fn to(self, other: Span) -> Span {
        Span { file: self.file, start: self.start.min(other.start), end: self.end.max(other.end) }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Severity {
    Error,
    Warning,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diagnostic {
    pub code: &'static str,
    pub severity: Severity,
    pub message: String,
    pub span: Span,
    /// What the caret points at, in a few words.
    pub label: String,
    pub help: Option<String>,
    /// The same message, label and help in Chinese, for clerks who maintain the rule files.
    pub zh: Option<Box<[String; 3]>>,
}

impl Diagnostic {
    pub fn error(code: &'static str, span: Span, message: impl Into<String>) -> Diagnostic {
        Diagnostic {
            code,
            severity: Severity::Error,
            message: message.into(),
            span,
            label: String::new(),
            help: None,
            zh: None,
        }
    }

    pub fn warning(code: &'static str, span: Span, message: impl Into<String>) -> Diagnostic {
        Diagnostic { severity: Severity::Warning, ..Diagnostic::error(code, span, message) }
    }

    pub fn label(mut self, label: impl Into<String>) -> Diagnostic {
        self.label = label.into();
        self
    }

    pub fn help(mut self, help: impl Into<String>) -> Diagnostic {
        self.help = Some(help.into());
        self
    }

    /// The Chinese message, caret label and help.
    pub fn zh(mut self, message: impl Into<String>, label: impl Into<String>, help: impl Into<String>) -> Diagnostic {
        self.zh = Some(Box::new([message.into(), label.into(), help.into()]));
        self
    }

    /// Message, label and help in the reader's language (English where no Chinese was written).
    pub fn texts(&self, chinese: bool) -> (&str, &str, Option<&str>) {
        match (&self.zh, chinese) {
            (Some(zh), true) => (&zh[0], &zh[1], Some(zh[2].as_str()).filter(|h| !h.is_empty())),
            _ => (&self.message, &self.label, self.help.as_deref()),
        }
    }

    pub fn is_error(&self) -> bool {
        self.severity == Severity::Error
    }
}

/// The rule files that were read, so that spans can be shown as `file:line:column` with the line itself.
#[derive(Debug, Clone, Default)]
pub struct Sources {
    files: Vec<(String, String)>,
}

impl Sources {
    pub fn add(&mut self, name: impl Into<String>, text: impl Into<String>) -> u32 {
        self.files.push((name.into(), text.into()));
        (self.files.len() - 1) as u32
    }

    /// Every file as (name, text), in the order added.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &str)> {
        self.files.iter().map(|(n, t)| (n.as_str(), t.as_str()))
    }

    pub fn name(&self, file: u32) -> &str {
        self.files.get(file as usize).map_or("", |(name, _)| name)
    }

    pub fn text(&self, file: u32) -> &str {
        self.files.get(file as usize).map_or("", |(_, text)| text)
    }

    pub fn snippet(&self, span: Span) -> &str {
        self.text(span.file).get(span.start as usize..span.end as usize).unwrap_or("")
    }

    /// 1-based line and column (in characters) of a span's start.
    pub fn line_column(&self, span: Span) -> (usize, usize) {
        let text = self.text(span.file);
        let start = (span.start as usize).min(text.len());
        let before = text.get(..start).unwrap_or("");
        let line = before.matches('\n').count() + 1;
        let column = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
        (line, column)
    }

    /// Renders in English; `render_in` chooses the language.
    pub fn render(&self, diagnostics: &[Diagnostic]) -> String {
        self.render_in(diagnostics, false)
    }

    pub fn render_in(&self, diagnostics: &[Diagnostic], chinese: bool) -> String {
        let mut files = SimpleFiles::new();
        for (name, text) in &self.files {
            files.add(name.as_str(), text.as_str());
        }
        let config = Config::default();
        let mut out = NoColor::new(Vec::new());
        for diagnostic in diagnostics {
            let severity = match diagnostic.severity {
                Severity::Error => RenderedSeverity::Error,
                Severity::Warning => RenderedSeverity::Warning,
            };
            let (message, label, help) = diagnostic.texts(chinese);
            let mut rendered =
                Rendered::new(severity).with_code(diagnostic.code).with_message(message).with_labels(vec![
                    Label::primary(
                        diagnostic.span.file as usize,
                        diagnostic.span.start as usize..diagnostic.span.end as usize,
                    )
                    .with_message(label),
                ]);
            let mut notes = Vec::new();
            if let Some(help) = help {
                notes.push(format!("{}{help}", if chinese { "提示：" } else { "help: " }));
            }
            rendered = rendered.with_notes(notes);
            if term::emit(&mut out, &config, &files, &rendered).is_err() {
                // The span lies outside the file (it cannot, but a renderer failure must not lose the message).
                let fallback = format!(
                    "{}[{}]: {}\n",
                    if diagnostic.is_error() { "error" } else { "warning" },
                    diagnostic.code,
                    message
                );
                out.get_mut().extend_from_slice(fallback.as_bytes());
            }
        }
        String::from_utf8_lossy(&out.into_inner()).into_owned()
    }
}
