//! A fact file that does not parse, in the reader's language. serde_json and toml_edit word their errors in
//! English; the ones a person typing a fact file meets are put into Chinese here, and every one is shown at
//! its line with a caret, so that even an unlisted one says where to look.

/// Where and why a fact file does not parse.
#[derive(Debug, Clone, PartialEq)]
pub struct SyntaxError {
    /// "JSON" or "TOML".
    pub format: &'static str,
    /// 1-based line and column (in characters), where the parser says.
    pub line: Option<usize>,
    pub column: Option<usize>,
    /// The parser's own words.
    pub en: String,
    /// The same in Chinese (a plain description where the parser's message is not one we know).
    pub zh: String,
    /// The line itself and a caret under the place.
    pub excerpt: Option<String>,
}

impl SyntaxError {
    pub fn json(text: &str, error: &serde_json::Error) -> SyntaxError {
        // serde_json appends " at line L column C"; the place is said separately here.
        let full = error.to_string();
        let en = full.rsplit_once(" at line ").map_or(full.as_str(), |(m, _)| m).to_string();
        // serde_json counts the column in bytes; a reader counts characters.
        let (line, column) = match error.line() {
            0 => (None, None),
            line => {
                let source = text.lines().nth(line - 1).unwrap_or("");
                let bytes = error.column().saturating_sub(1).min(source.len());
                let chars = source.char_indices().take_while(|&(i, _)| i < bytes).count();
                (Some(line), Some(chars + 1))
            }
        };
        SyntaxError {
            format: "JSON",
            zh: json_zh(&en),
            excerpt: line.zip(column).and_then(|(l, c)| excerpt(text, l, c)),
            line,
            column,
            en,
        }
    }

    pub fn toml(text: &str, error: &toml_edit::TomlError) -> SyntaxError {
        let en = error.message().trim().to_string();
        let place = error.span().map(|s| {
            let before = text.get(..s.start.min(text.len())).unwrap_or("");
            let line = before.matches('\n').count() + 1;
            let column = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
            (line, column)
        });
        SyntaxError {
            format: "TOML",
            line: place.map(|p| p.0),
            column: place.map(|p| p.1),
            zh: toml_zh(&en),
            excerpt: place.and_then(|(l, c)| excerpt(text, l, c)),
            en: en.replace('\n', "; "),
        }
    }
}

/// Line `line` of `text` with a caret under character `column` (both 1-based); wide characters take two
/// columns on a terminal, so the caret is indented by display width.
fn excerpt(text: &str, line: usize, column: usize) -> Option<String> {
    let source = text.lines().nth(line.checked_sub(1)?)?;
    let width: usize = source.chars().take(column.saturating_sub(1)).map(|c| if c.is_ascii() { 1 } else { 2 }).sum();
    let gutter = line.to_string();
    Some(format!("{gutter} │ {source}\n{} │ {}^", " ".repeat(gutter.len()), " ".repeat(width)))
}

/// serde_json's messages (its `ErrorCode`s) in Chinese.
fn json_zh(en: &str) -> String {
    let known = [
        ("EOF while parsing a list", "列表没有结束：缺少 ]"),
        ("EOF while parsing an object", "对象没有结束：缺少 }"),
        ("EOF while parsing a string", "字符串没有结束：缺少右引号 \""),
        ("EOF while parsing a value", "文件在取值之前就结束了"),
        ("expected `:`", "键后面应有冒号 :"),
        ("expected `,` or `]`", "列表各项之间应有逗号，或以 ] 结束"),
        ("expected `,` or `}`", "各项之间应有逗号，或以 } 结束"),
        ("expected ident", "此处应为 true、false 或 null"),
        ("expected value", "此处应为取值（数字、带引号的文字、true/false、列表或对象）"),
        ("expected `\"`", "此处应有引号 \""),
        ("invalid escape", "反斜杠转义写法无效"),
        ("invalid number", "数字写法无效"),
        ("number out of range", "数字超出范围"),
        ("invalid unicode code point", "无效的 Unicode 字符编码"),
        ("control character", "字符串中有控制字符（如未转义的换行或制表符）"),
        ("key must be a string", "键必须是带双引号的文字（多余的逗号也会引起此错误）"),
        ("lone leading surrogate", "无效的 Unicode 转义"),
        ("trailing comma", "最后一项后面多了逗号"),
        ("trailing characters", "内容结束后还有多余的字符"),
        ("unexpected end of hex escape", "\\u 转义不完整"),
        ("recursion limit exceeded", "嵌套层数过多"),
    ];
    known
        .iter()
        .find(|(prefix, _)| en.starts_with(prefix))
        .map_or_else(|| "此处不符合 JSON 语法".to_string(), |(_, zh)| zh.to_string())
}

/// toml_edit's messages in Chinese: the first line names what is wrong, the second what was expected.
fn toml_zh(en: &str) -> String {
    let first = en.lines().next().unwrap_or("");
    let known = [
        ("invalid string", "文字写法有误：文字要用双引号括起来，如 county = \"乐清市\""),
        ("invalid key", "键名写法有误：只用字母、数字、下划线和短横线，其他写法要加引号"),
        ("duplicate key", "同一个键写了两次"),
        ("invalid table header", "表头写法有误，如 [facts]"),
        ("invalid array", "列表写法有误，如 [\"甲\", \"乙\"]"),
        ("invalid inline table", "行内表写法有误，如 { a = 1 }"),
        ("expected newline", "此处应换行：一行只写一个“键 = 取值”（数字后写单位时，整个取值要加引号，如 \"12 人\"）"),
        ("invalid integer", "整数写法有误"),
        ("invalid float", "数字写法有误"),
        ("invalid number", "数字写法有误"),
        ("invalid date", "日期写法有误，如 2021-03-01"),
        ("invalid time", "时间写法有误"),
        ("invalid unquoted key", "键名写法有误"),
        ("invalid escape", "反斜杠转义写法无效"),
        ("expected `=`", "键后面应有等号 ="),
        ("unexpected", "此处不符合 TOML 语法"),
    ];
    known
        .iter()
        .find(|(prefix, _)| first.starts_with(prefix))
        .map_or_else(|| "此处不符合 TOML 语法".to_string(), |(_, zh)| zh.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_and_toml_errors_are_said_in_chinese_at_their_place() {
        let text = "{\"facts\": {\"县\": 1,, }}";
        let error = serde_json::from_str::<serde_json::Value>(text).map(|_| ()).unwrap_err();
        let syntax = SyntaxError::json(text, &error);
        assert_eq!(syntax.zh, "键必须是带双引号的文字（多余的逗号也会引起此错误）");
        assert_eq!(syntax.en, "key must be a string");
        // The caret is under the second comma: `县` is two columns wide.
        assert_eq!(syntax.column, Some(19));
        assert_eq!(syntax.excerpt.as_deref(), Some("1 │ {\"facts\": {\"县\": 1,, }}\n  │                    ^"));
        let text = "[facts]\nworkers = 12 人\n";
        let error = toml_edit::ImDocument::parse(text).map(|_| ()).unwrap_err();
        let syntax = SyntaxError::toml(text, &error);
        assert!(syntax.zh.starts_with("此处应换行"), "{}", syntax.zh);
        assert_eq!((syntax.line, syntax.column), (Some(2), Some(14)));
    }
}
