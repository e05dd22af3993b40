//! The command line's own words in the reader's language (issue #11): `--help`, clap's errors (an unknown
//! flag, a missing value, a bad choice) and the syntax errors of JSON and TOML fact files are Chinese unless
//! `--lang en` is given, like everything else the commands print.

use crate::common::comply_with_input;

fn run(args: &[&str]) -> (u8, String, String) {
    let out = comply_with_input(args, "");
    (out.code, out.stdout, out.stderr)
}

/// Lines holding an English sentence: three or more English words in a row. The Chinese help may name
/// `--facts`, `<FACTS>`, `TOML`, `JSON Lines` or `utf-8`, but must not explain in English.
fn english_sentences(text: &str) -> Vec<String> {
    let is_word = |token: &str| {
        let word = token.trim_end_matches([',', '.', ';', ':']);
        !word.is_empty() && word.chars().all(|c| c.is_ascii_alphabetic() || c == '\'')
    };
    text.lines()
        .filter(|line| {
            let mut run = 0;
            line.split_whitespace().any(|token| {
                run = if is_word(token) { run + 1 } else { 0 };
                run >= 3
            })
        })
        .map(str::to_string)
        .collect()
}

#[test]
fn help_is_in_chinese_unless_lang_en() {
    let (code, top, _) = run(&["--help"]);
    assert_eq!(code, 0);
    assert!(top.contains("用法：comply") && top.contains("显示帮助"), "{top}");
    assert_eq!(english_sentences(&top), Vec::<String>::new(), "{top}");
    insta::assert_snapshot!("help_top_zh", top);
    let (code, check, _) = run(&["check", "--help"]);
    assert_eq!(code, 0);
    assert_eq!(english_sentences(&check), Vec::<String>::new(), "{check}");
    insta::assert_snapshot!("help_check_zh", check);
    for command in ["lint", "facts", "clauses", "ask", "plan", "batch", "test", "diff", "serve", "records", "users"] {
        let (code, help, _) = run(&[command, "--help"]);
        assert_eq!(code, 0, "{command}");
        assert_eq!(english_sentences(&help), Vec::<String>::new(), "{command}: {help}");
    }
    let (code, english, _) = run(&["check", "--help", "--lang", "en"]);
    assert_eq!(code, 0);
    assert!(english.contains("Usage: comply check") && english.contains("The case's facts"), "{english}");
}

#[test]
fn unknown_flag_is_refused_in_chinese() {
    let (code, stdout, stderr) = run(&["check", "--fact", "case.toml"]);
    assert_eq!(code, 2);
    assert_eq!(stdout, "");
    assert!(stderr.contains("是否指 '--facts'"), "{stderr}");
    insta::assert_snapshot!(stderr);
    let (code, _, stderr) = run(&["check", "--fact", "case.toml", "--lang", "en"]);
    assert_eq!(code, 2);
    assert!(stderr.contains("unexpected argument '--fact'"), "{stderr}");
}

#[test]
fn missing_value_and_bad_choice_are_refused_in_chinese() {
    let (code, _, stderr) = run(&["check", "--facts"]);
    assert_eq!(code, 2);
    assert_eq!(stderr, "错误：选项 '--facts <FACTS>' 缺少取值\n\n更多信息请加 --help 查看帮助。\n");
    let (code, _, stderr) = run(&["check", "--facts", "x.toml", "--format", "jsn"]);
    assert_eq!(code, 2);
    assert!(stderr.contains("取值 'jsn' 无效；可选：text、json、html"), "{stderr}");
    assert!(stderr.contains("是否指 'json'？"), "{stderr}");
    let (code, _, stderr) = run(&["test", "--cases", "many"]);
    assert_eq!(code, 2);
    assert!(stderr.contains("取值 'many' 无效（应为非负整数，如 500）"), "{stderr}");
    let (code, _, stderr) = run(&["chek"]);
    assert_eq!(code, 2);
    assert!(stderr.contains("无法识别的命令 'chek'") && stderr.contains("是否指命令 'check'"), "{stderr}");
}

#[test]
fn json_syntax_errors_are_in_chinese() {
    let dir = std::env::temp_dir().join(format!("comply-json-zh-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("case.json");
    std::fs::write(&path, "{\"policy\": \"minimum_wage\",\n \"facts\": {\"county\": \"乐清市\",, }}\n").unwrap();
    let (code, _, stderr) = run(&["check", "--facts", path.to_str().unwrap(), "--as-of", "2016-03-01"]);
    std::fs::remove_dir_all(&dir).unwrap();
    assert_eq!(code, 2);
    assert_eq!(
        stderr,
        "事实文件格式错误（JSON，第 2 行第 28 列）：键必须是带双引号的文字（多余的逗号也会引起此错误）\n\
         2 │  \"facts\": {\"county\": \"乐清市\",, }}\n  │                               ^\n"
    );
}
