//! Where a key or a value is written in a fact file, so that an error about it can show its line with a
//! caret. The reader (`read_file`) keeps values only; this finds them again from the text when one is wrong.

use std::ops::Range;

/// One step down into a fact file: a key of a table or an index into an array.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Step<'a> {
    Key(&'a str),
    Index(usize),
}

/// The byte range of the value at `path` (or of its key, when `key` is set and the last step is a key).
/// TOML is located exactly through its parser; JSON by scanning for the quoted keys in order, which finds the
/// place in any file written one key to a line and may miss in a file that repeats a key inside a string.
pub fn locate(name: &str, text: &str, path: &[Step<'_>], key: bool) -> Option<Range<usize>> {
    if name.to_ascii_lowercase().ends_with(".json") {
        locate_json(text, path, key)
    } else {
        locate_toml(text, path, key)
    }
}

fn locate_toml(text: &str, path: &[Step<'_>], key: bool) -> Option<Range<usize>> {
    use toml_edit::Item;
    let document = toml_edit::ImDocument::parse(text).ok()?;
    let (last, parents) = path.split_last()?;
    let mut item: &Item = document.as_item();
    for step in parents {
        item = match step {
            Step::Key(k) => item.get(*k)?,
            Step::Index(i) => item.get(*i)?,
        };
    }
    match (last, key) {
        (Step::Key(k), true) => item.as_table_like()?.key(k)?.span(),
        (Step::Key(k), false) => span_of(item.get(*k)?),
        (Step::Index(i), _) => span_of(item.get(*i)?),
    }
}

/// A table's span covers its whole body; a value's span is the value itself.
fn span_of(item: &toml_edit::Item) -> Option<Range<usize>> {
    match item {
        toml_edit::Item::Value(v) => v.span(),
        other => other.span(),
    }
}

fn locate_json(text: &str, path: &[Step<'_>], key: bool) -> Option<Range<usize>> {
    let mut at = 0;
    let mut found = None;
    for (n, step) in path.iter().enumerate() {
        let is_last = n + 1 == path.len();
        match step {
            Step::Key(k) => {
                let quoted = serde_json::to_string(k).ok()?;
                let start = at + text.get(at..)?.find(&quoted)?;
                at = start + quoted.len();
                found = Some(start..at);
                if is_last && !key {
                    found = Some(json_value_at(text, at)?);
                }
            }
            Step::Index(i) => {
                let open = at + text.get(at..)?.find('[')?;
                let mut item = json_value_at(text, open + 1)?;
                for _ in 0..*i {
                    let comma = item.end + text.get(item.end..)?.find(',')?;
                    item = json_value_at(text, comma + 1)?;
                }
                at = item.start;
                found = Some(item);
            }
        }
    }
    found
}

/// The value starting after `from` (skipping a colon and spaces): a string up to its closing quote, anything
/// else up to the next `,`, `]`, `}` or line end.
fn json_value_at(text: &str, from: usize) -> Option<Range<usize>> {
    let rest = text.get(from..)?;
    let skip = rest.find(|c: char| !(c.is_whitespace() || c == ':'))?;
    let start = from + skip;
    let body = text.get(start..)?;
    let len = if body.starts_with('"') {
        let mut escaped = false;
        let close = body.char_indices().skip(1).find(|&(_, c)| {
            let end = c == '"' && !escaped;
            escaped = c == '\\' && !escaped;
            end
        })?;
        close.0 + 1
    } else {
        let end = body.find([',', ']', '}', '\n']).unwrap_or(body.len());
        body.get(..end).map_or(0, |v| v.trim_end().len()).max(1)
    };
    Some(start..start + len)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(text: &str, range: Option<Range<usize>>) -> &str {
        range.and_then(|r| text.get(r)).unwrap_or("<none>")
    }

    #[test]
    fn finds_keys_values_and_array_items_in_toml_and_json() {
        let toml = "[facts]\nx = 1\n[expect]\nverdict = \"fial\"\nfailing = [\"a\", \"bb\"]\n";
        let json = "{\"facts\": {\"x\": 1},\n \"expect\": {\"verdict\": \"fial\",\n \"failing\": [\"a\", \"bb\"]}}";
        for (name, text) in [("c.toml", toml), ("c.json", json)] {
            let path = [Step::Key("expect"), Step::Key("verdict")];
            assert_eq!(at(text, locate(name, text, &path, false)), "\"fial\"", "{name}");
            assert_eq!(at(text, locate(name, text, &path, true)).trim_matches('"'), "verdict", "{name}");
            let item = [Step::Key("expect"), Step::Key("failing"), Step::Index(1)];
            assert_eq!(at(text, locate(name, text, &item, false)), "\"bb\"", "{name}");
            assert_eq!(locate(name, text, &[Step::Key("expect"), Step::Key("nope")], true), None, "{name}");
        }
    }
}
