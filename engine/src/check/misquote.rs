//! A quote not found in its gazette text: the nearest passage of the text and what differs, in words, so
//! that a clerk sees 「少一“经”字」 instead of searching a hundred-page notice for the line.
//!
//! Both sides are compared normalised (`lints::normalise_quote`: no spaces or line breaks, half-width
//! punctuation), as the quote check itself compares them; the passage is shown as the gazette prints it.

/// A gazette text kept for quote matching: the normalised text, and for each of its characters where it
/// stands in the original (byte offset and 1-based line).
#[derive(Debug)]
pub(crate) struct SourceText {
    pub(crate) normalised: String,
    original: String,
    origin: Vec<(usize, u32)>,
}

impl SourceText {
    pub(crate) fn new(original: String) -> SourceText {
        let mut normalised = String::new();
        let mut origin = Vec::new();
        let mut line = 1;
        for (at, c) in original.char_indices() {
            if c == '\n' {
                line += 1;
            }
            if let Some(n) = super::lints::normalise_char(c) {
                normalised.push(n);
                origin.push((at, line));
            }
        }
        SourceText { normalised, original, origin }
    }
}

/// The passage of a source closest to a quote.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Nearest {
    /// 1-based lines of the passage's first and last character.
    pub(crate) lines: (u32, u32),
    /// The passage as printed, line breaks and spaces removed.
    pub(crate) passage: String,
    /// What the quote has in place of the source's text, run by run: (source's, quote's); one side may be
    /// empty (a character missing from the quote, or one added).
    pub(crate) changes: Vec<(String, String)>,
}

/// A character added or left out costs less than one replaced, so that of two equally short explanations the
/// one that keeps more of the quote's own characters wins (「少一“经”字」, not 「“须”应为“经”」 and a shift).
const INDEL: usize = 2;
const REPLACE: usize = 3;
/// Past this cost per character of the quote (half of it replaced), no passage is "near": the quote is
/// from elsewhere.
const MAX_COST_PER_CHAR: (usize, usize) = (3, 2);
/// Quotes longer than this are not aligned (a whole page pasted is not a slip of a character or two).
const MAX_QUOTE_CHARS: usize = 400;

/// The passage of `source` nearest to `quote` (fewest characters inserted, removed or replaced), or `None`
/// when even the nearest differs in more than half of the quote.
pub(crate) fn nearest(source: &SourceText, quote: &str) -> Option<Nearest> {
    let quote: Vec<char> = super::lints::normalise_quote(quote).chars().collect();
    let text: Vec<char> = source.normalised.chars().collect();
    if quote.is_empty() || quote.len() > MAX_QUOTE_CHARS || text.is_empty() {
        return None;
    }
    // First pass, one column at a time: where the best passage ends (semi-global edit distance, a passage
    // may start anywhere for free).
    let m = quote.len();
    let cost = |a: char, b: char| if a == b { 0 } else { REPLACE };
    let mut column: Vec<usize> = (0..=m).map(|i| i * INDEL).collect();
    let mut best = (usize::MAX, 0, false);
    for (j, &c) in text.iter().enumerate() {
        let mut diagonal = column[0];
        column[0] = 0;
        for i in 1..=m {
            let substitute = diagonal + cost(quote[i - 1], c);
            diagonal = column[i];
            column[i] = substitute.min(column[i] + INDEL).min(column[i - 1] + INDEL);
        }
        // Of passages that cost the same, the first whose last character is the quote's own: the quote
        // then ends where the passage does (「…批准」, not 「…政府」 with 「准」 added).
        let ends_alike = quote[m - 1] == c;
        if column[m] < best.0 || (column[m] == best.0 && ends_alike && !best.2) {
            best = (column[m], j + 1, ends_alike);
        }
    }
    let (distance, end, _) = best;
    if distance * MAX_COST_PER_CHAR.1 > m * MAX_COST_PER_CHAR.0 {
        return None;
    }
    // Second pass over a window that must hold the passage, with the whole table kept to read it back.
    let start = end.saturating_sub(m + distance / INDEL);
    let window = &text[start..end];
    let n = window.len();
    let mut table = vec![vec![0usize; n + 1]; m + 1];
    for (i, row) in table.iter_mut().enumerate() {
        row[0] = i * INDEL;
    }
    for i in 1..=m {
        for j in 1..=n {
            let substitute = table[i - 1][j - 1] + cost(quote[i - 1], window[j - 1]);
            table[i][j] = substitute.min(table[i - 1][j] + INDEL).min(table[i][j - 1] + INDEL);
        }
    }
    // The passage must end at the window's end; it starts wherever the cheapest alignment reaches row 0.
    let (mut i, mut j) = (m, n);
    let mut ops: Vec<(Option<char>, Option<char>)> = Vec::new();
    while i > 0 {
        let here = table[i][j];
        if j > 0 && here == table[i - 1][j - 1] + cost(quote[i - 1], window[j - 1]) {
            ops.push((Some(window[j - 1]), Some(quote[i - 1])));
            i -= 1;
            j -= 1;
        } else if j > 0 && here == table[i][j - 1] + INDEL {
            ops.push((Some(window[j - 1]), None));
            j -= 1;
        } else {
            ops.push((None, Some(quote[i - 1])));
            i -= 1;
        }
    }
    ops.reverse();
    // A changed digit takes the whole number with it: 「“12”应为“10”」, not 「“2”应为“0”」.
    let mut changed: Vec<bool> = ops.iter().map(|(a, b)| a.is_none() || a != b).collect();
    let numeric =
        |op: &(Option<char>, Option<char>)| [op.0, op.1].into_iter().flatten().any(|c| c.is_ascii_digit() || c == '.');
    let mut widened = true;
    while widened {
        widened = false;
        for k in 0..ops.len() {
            let beside_change = (k > 0 && changed[k - 1] && numeric(&ops[k - 1]))
                || (k + 1 < ops.len() && changed[k + 1] && numeric(&ops[k + 1]));
            if !changed[k] && numeric(&ops[k]) && beside_change {
                changed[k] = true;
                widened = true;
            }
        }
    }
    let mut changes: Vec<(String, String)> = Vec::new();
    let mut open = false;
    for ((source_char, quote_char), changed) in ops.into_iter().zip(changed) {
        if !changed {
            open = false;
            continue;
        }
        if !open {
            changes.push((String::new(), String::new()));
            open = true;
        }
        if let Some(change) = changes.last_mut() {
            change.0.extend(source_char);
            change.1.extend(quote_char);
        }
    }
    let first = start + j;
    let last = end.checked_sub(1)?;
    let (from, first_line) = *source.origin.get(first)?;
    let (to, last_line) = *source.origin.get(last)?;
    let to = to + source.original.get(to..)?.chars().next()?.len_utf8();
    let passage = source.original.get(from..to)?.split_whitespace().collect();
    Some(Nearest { lines: (first_line, last_line), passage, changes })
}

/// How many changes are spelt out; the rest are counted.
const MAX_CHANGES: usize = 3;

/// 「少一“经”字」「多“的”字」「“12”应为“10”」, joined by `；`.
pub(crate) fn changes_zh(changes: &[(String, String)]) -> String {
    let mut parts: Vec<String> = changes
        .iter()
        .take(MAX_CHANGES)
        .map(|(source, quote)| match (source.is_empty(), quote.is_empty()) {
            (false, true) => format!("少{}“{source}”{}", count_zh(source), chars_word(source)),
            (true, false) => format!("多{}“{quote}”{}", count_zh(quote), chars_word(quote)),
            _ => format!("“{quote}”应为“{source}”"),
        })
        .collect();
    if changes.len() > MAX_CHANGES {
        parts.push(format!("另有 {} 处不同", changes.len() - MAX_CHANGES));
    }
    parts.join("；")
}

pub(crate) fn changes_en(changes: &[(String, String)]) -> String {
    let mut parts: Vec<String> = changes
        .iter()
        .take(MAX_CHANGES)
        .map(|(source, quote)| match (source.is_empty(), quote.is_empty()) {
            (false, true) => format!("“{source}” is missing"),
            (true, false) => format!("“{quote}” is added"),
            _ => format!("“{quote}” where the source has “{source}”"),
        })
        .collect();
    if changes.len() > MAX_CHANGES {
        parts.push(format!("{} more difference(s)", changes.len() - MAX_CHANGES));
    }
    parts.join("; ")
}

/// 「一」 before a single character (少一“经”字); a longer run is counted after it (少“经批准”三字).
fn count_zh(run: &str) -> &'static str {
    if run.chars().count() == 1 { "一" } else { "" }
}

fn chars_word(run: &str) -> String {
    const NUMERALS: [&str; 11] = ["", "一", "两", "三", "四", "五", "六", "七", "八", "九", "十"];
    match run.chars().count() {
        1 => "字".into(),
        n => NUMERALS.get(n).map_or_else(|| format!("{n}字"), |w| format!("{w}字")),
    }
}

/// 「第 12 行」 or 「第 12–13 行」.
pub(crate) fn lines_zh(lines: (u32, u32)) -> String {
    if lines.0 == lines.1 { format!("第 {} 行", lines.0) } else { format!("第 {}–{} 行", lines.0, lines.1) }
}

pub(crate) fn lines_en(lines: (u32, u32)) -> String {
    if lines.0 == lines.1 { format!("line {}", lines.0) } else { format!("lines {}–{}", lines.0, lines.1) }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn source(text: &str) -> SourceText {
        SourceText::new(text.to_string())
    }

    #[test]
    fn a_missing_character_is_named_with_its_line() {
        let text = "一、总则\n二、项目须经区政府批准，\n方可实施。\n三、附则";
        let found = nearest(&source(text), "项目须区政府批准，方可实施").unwrap();
        assert_eq!(found.lines, (2, 3));
        assert_eq!(found.passage, "项目须经区政府批准，方可实施");
        assert_eq!(changes_zh(&found.changes), "少一“经”字");
        assert_eq!(changes_en(&found.changes), "“经” is missing");
    }

    #[test]
    fn replaced_and_added_runs_read_as_words() {
        let found = nearest(&source("亩均税收不低于10万元的企业"), "亩均税收不低于12万元的的企业").unwrap();
        assert_eq!(changes_zh(&found.changes), "“12”应为“10”；多一“的”字");
        let found = nearest(&source("须经区政府批准"), "须区政府准").unwrap();
        assert_eq!(changes_zh(&found.changes), "少一“经”字；少一“批”字");
        let found = nearest(&source("甲乙丙丁戊己庚辛"), "甲乙戊己庚辛").unwrap();
        assert_eq!(changes_zh(&found.changes), "少“丙丁”两字");
    }

    proptest::proptest! {
        /// What the message says differs is exactly what differs: the passage with the named runs replaced
        /// has the quote's length, and a quote with one character left out is one slip, not a rewrite.
        #[test]
        fn the_named_changes_account_for_the_difference(
            source in "[甲乙丙丁戊己庚辛壬癸子丑寅卯辰巳午未申酉戌亥]{20,60}",
            start in 0usize..10,
            len in 8usize..16,
            cut in 1usize..7,
        ) {
            let chars: Vec<char> = source.chars().collect();
            let passage: Vec<char> = chars.iter().copied().skip(start).take(len).collect();
            proptest::prop_assume!(passage.len() == len);
            let quote: String = passage.iter().enumerate().filter(|(i, _)| *i != cut).map(|(_, c)| *c).collect();
            proptest::prop_assume!(!source.contains(&quote));
            let found = nearest(&SourceText::new(source.clone()), &quote).unwrap();
            let count = |s: &str| s.chars().count();
            let removed: usize = found.changes.iter().map(|c| count(&c.0)).sum();
            let added: usize = found.changes.iter().map(|c| count(&c.1)).sum();
            proptest::prop_assert!(!found.changes.is_empty());
            proptest::prop_assert_eq!(count(&found.passage) - removed + added, count(&quote));
            proptest::prop_assert!(removed + added <= 2, "{:?}", found);
        }
    }

    #[test]
    fn a_quote_from_elsewhere_has_no_nearest_passage() {
        assert_eq!(nearest(&source("市区1860元/月"), "非全日制工作的最低小时工资标准"), None);
    }
}
