//! The command line's own words — `--help`, usage and clap's errors — in the reader's language. The commands
//! speak Chinese unless `--lang en` is given, so the help that explains them and the error that refuses a
//! mistyped flag must too. The English texts are the doc comments on the `Args` structs; the Chinese ones are
//! kept here, keyed by command and argument, and a test walks the whole command tree so none is missing.

use clap::error::{ContextKind, ContextValue, ErrorKind};
use clap::{Command, CommandFactory};

use crate::explain::Lang;

/// The reader's language as the raw arguments say it: help and clap's errors are written before the
/// arguments are parsed, so `--lang` is looked for by hand (Chinese unless it says `en`).
pub fn lang_of(args: &[String]) -> Lang {
    let mut args = args.iter().map(String::as_str);
    while let Some(arg) = args.next() {
        match arg {
            "--" => break,
            "--lang" if args.next() == Some("en") => return Lang::En,
            "--lang=en" => return Lang::En,
            _ => {}
        }
    }
    Lang::Zh
}

/// `comply --lang en check …` as `comply check --lang en …`: `--lang` belongs to each command, but a reader
/// naturally writes it first, and `comply --lang en --help` asks for the overview in English (the language
/// was already read by `lang_of`, so with no command after it the option is dropped).
pub fn lang_after_command(args: &[String]) -> Vec<String> {
    let mut out: Vec<String> = Vec::with_capacity(args.len());
    let mut lang: Vec<String> = Vec::new();
    let mut iter = args.iter();
    while let Some(arg) = iter.next() {
        match arg.as_str() {
            "--lang" if lang.is_empty() => {
                lang.push(arg.clone());
                lang.extend(iter.next().cloned());
            }
            a if a.starts_with("--lang=") && lang.is_empty() => lang.push(arg.clone()),
            a if !a.starts_with('-') => {
                out.push(arg.clone());
                out.append(&mut lang);
                out.extend(iter.cloned());
                return out;
            }
            _ => out.push(arg.clone()),
        }
    }
    out
}

/// The command tree with its help in `lang`.
pub fn command(lang: Lang) -> Command {
    let mut command = super::Cli::command();
    match lang {
        Lang::En => command,
        Lang::Zh => {
            // Built first, so that clap's own `--help`, `--version` and `help` exist and are reworded too.
            command.build();
            chinese(command, "")
        }
    }
}

const TEMPLATE: &str = "{before-help}{about-with-newline}\n用法：{usage}\n\n{all-args}{after-help}";

fn chinese(command: Command, path: &str) -> Command {
    let mut command = command.help_template(TEMPLATE).subcommand_help_heading("命令").subcommand_value_name("命令");
    if let Some(about) = about_zh(path) {
        command = command.about(about).long_about(None);
    }
    if path == "batch" {
        command = command.after_help(super::batch::EXIT_CODES_ZH).after_long_help(None);
    }
    let ids: Vec<String> = command.get_arguments().map(|a| a.get_id().to_string()).collect();
    for id in ids {
        command = command.mut_arg(&id, |arg| {
            let heading = if arg.is_positional() { "参数" } else { "选项" };
            let Some(help) = arg_zh(path, &id) else { return arg.help_heading(heading) };
            // Defaults and choices are said in Chinese inside the help, not in clap's English brackets.
            let mut notes = Vec::new();
            let defaults: Vec<String> =
                arg.get_default_values().iter().map(|v| v.to_string_lossy().into_owned()).collect();
            if !defaults.is_empty() && !arg.is_hide_default_value_set() {
                notes.push(format!("默认：{}", defaults.join("、")));
            }
            let choices: Vec<String> = arg
                .get_possible_values()
                .iter()
                .filter(|v| !v.is_hide_set())
                .map(|v| match value_zh(v.get_name()) {
                    Some(what) => format!("{}（{what}）", v.get_name()),
                    None => v.get_name().to_string(),
                })
                .collect();
            if !choices.is_empty() {
                notes.push(format!("可选：{}", choices.join("、")));
            }
            let help = if notes.is_empty() { help.to_string() } else { format!("{help}。{}", notes.join("；")) };
            arg.help_heading(heading).help(help).long_help(None).hide_default_value(true).hide_possible_values(true)
        });
    }
    let names: Vec<String> = command.get_subcommands().map(|s| s.get_name().to_string()).collect();
    for name in names {
        let sub = if path.is_empty() { name.clone() } else { format!("{path} {name}") };
        command = command.mut_subcommand(&name, |s| chinese(s, &sub));
    }
    command
}

fn about_zh(path: &str) -> Option<&'static str> {
    Some(match path {
        "" => "按依据公报条文编写的规则文件核对事实，并说明每一个结论的理由",
        "check" => "按政策核对一个案件的事实，并说明结论",
        "lint" => "对规则文件做全部静态检查（不需要事实）",
        "facts" => "列出一项政策的申请材料清单和事实清单：申请人须提供什么",
        "clauses" => "列出规则文件的条款对照表（哪些条款已编码、哪些未编码及原因），或用 --write 改写 rules/README.md",
        "ask" => "逐项询问申请人，只问仍可能改变结论的事实，最后说明结论",
        "plan" => "列出目前的结论，以及仍可能改变结论的问题（按应问的先后排列）",
        "batch" => "逐行核对 CSV 或 JSON Lines 文件，并汇总各行结论",
        "test" => "运行规则文件旁保存的测试用例及其声明的性质",
        "diff" => "比较规则文件的两个版本：哪些案件的结论会不同",
        "serve" => "提供 HTTP 接口和自助评估网页",
        "records" => "核验、重放、重算或导出已保存的决定记录",
        "records verify" => "沿哈希链逐条核验，指出第一条核验不通过的记录",
        "records replay" => "按每条记录所用的规则集重新评估，列出报告会不同的记录",
        "records rerun" => "列出新规则下结论会不同的已决案件",
        "records export" => "以 CSV 或 JSON Lines 导出全部记录（含哈希）",
        "users" => "管理案件工作台的工作人员账号",
        "users add" => "新建工作人员账号；密码从标准输入读取",
        "users list" => "列出工作人员账号及其角色",
        // Every command with subcommands has clap's `help` among them.
        _ if path == "help" || path.ends_with(" help") => "显示本帮助，或指定命令的帮助",
        _ => return None,
    })
}

/// The Chinese help of an argument: first for this command, then for the argument wherever it appears.
fn arg_zh(path: &str, id: &str) -> Option<&'static str> {
    let own = match (path, id) {
        ("check", "facts") => "案件的事实文件：TOML；文件名以 .json 结尾时为 JSON",
        ("check", "policy") | ("facts", "policy") => "政策编号（优先于事实文件中的 policy）",
        ("check", "as_of") => "按哪一天的规定评估，格式 YYYY-MM-DD（优先于事实文件中的 as_of）",
        ("check", "format") => "报告格式",
        ("facts", "format") => "申请材料清单和事实清单的格式",
        ("check", "db") => "把决定存入此记录库（SQLite 文件或 postgres:// 地址）",
        ("check", "case_no") => "案号",
        ("check", "applicant") => "申请人",
        ("check", "credit_code") => "统一社会信用代码",
        ("check", "actor") => "作出决定的人（默认：当前登录名）",
        ("check", "corrects") => "本决定更正第 N 号记录",
        ("ask", "policy") => "按哪项政策评估",
        ("ask", "as_of") | ("batch", "as_of") => "按哪一天的规定评估，格式 YYYY-MM-DD（必填：结论不随系统时钟变化）",
        ("ask", "save") => {
            "每答一题就把答案写入此事实文件（TOML），中断也不丢失；`comply check --facts 文件` 可直接读取"
        }
        ("ask", "resume") => {
            "继续一次已保存的问答：保留此事实文件中的答案，接着问下一题（未另行指定时沿用其中的政策和日期）；除非 --save 另指文件，答案仍写回此文件"
        }
        ("ask", "until_verdict") => "结论一经确定即停止提问（快速模式），而不是问到每一条件和每一审批方式都确定",
        ("plan", "facts") => "目前已知的事实：TOML；文件名以 .json 结尾时为 JSON",
        ("plan", "policy") => "政策编号（优先于事实文件中的 policy）",
        ("plan", "as_of") => "按哪一天的规定评估，格式 YYYY-MM-DD（优先于事实文件中的 as_of）",
        ("plan", "format") => "输出格式",
        ("batch", "policy") => "每一行按哪项政策核对",
        ("batch", "input") => {
            "要核对的行：CSV（.csv；表头为事实名或其中文名称，可有 id 列，其他列原样带到结果中）或 JSON Lines（.jsonl、.json）；`-` 表示从标准输入读取"
        }
        ("batch", "input_format") => "文件名看不出格式时指明输入格式（标准输入默认按 CSV 读取）",
        ("batch", "encoding") => "输入的文字编码（默认自动识别：UTF-8，或中文 Excel 保存 CSV 时用的 GBK/GB18030）",
        ("batch", "output") => {
            "结果写到哪里（默认：标准输出）；先写在旁边的临时文件，结束时再改名；不能与输入是同一个文件"
        }
        ("batch", "format") => "结果的格式",
        ("test", "rules") => {
            "规则文件或存放 *.rules 的文件夹（默认：随程序提供的规则包）；用例从其旁边的 tests/ 文件夹读取"
        }
        ("test", "cases") => "每条声明的性质生成多少个用例",
        ("test", "seed") => "生成用例的随机种子（种子相同，用例相同）",
        ("clauses", "write") => "就地改写此 Markdown 文件（rules/README.md）中标记的条款对照表，而不是打印",
        ("diff", "old") => "修改前的规则文件或文件夹",
        ("diff", "new") => "修改后的规则文件或文件夹",
        ("diff", "policy") => "只比较这一项政策",
        ("diff", "as_of") => "只比较这一天（默认：任一版本或任一带日期的数额发生变化的每一天）",
        ("diff", "cases") => "用两个版本重放此文件夹中的事实文件，列出结论改变的文件",
        ("serve", "rules") => "规则文件或存放 *.rules 的文件夹（默认：随程序提供的规则包）；收到 SIGHUP 时重新加载",
        ("serve", "addr") => "监听的地址",
        ("serve", "db") => {
            "案件工作台（/desk）使用的记录库（SQLite 文件或 postgres:// 地址）；不给出则不提供工作台。工作人员账号用 `comply users add` 建立"
        }
        ("serve", "lang") => "启动信息所用的语言",
        ("records replay", "case") => "只重放此案号，或一条记录（#N）",
        ("records rerun", "rules") => "新的规则文件或文件夹",
        ("records rerun", "case") => "只看此案号，或一条记录（#N）",
        ("records export", "format") => "导出格式",
        ("records export", "output") => "写到此文件，而不是标准输出",
        ("users add", "name") => "登录名",
        ("users add", "role") => "角色",
        ("users add", "by") => "由谁建立此账号（默认：当前登录名）；记入哈希链",
        (_, "subcommand") if path == "help" || path.ends_with(" help") => "要查看帮助的命令",
        _ => "",
    };
    if !own.is_empty() {
        return Some(own);
    }
    Some(match id {
        "rules" => "规则文件或存放 *.rules 的文件夹（默认：随程序提供的规则包）",
        "lang" => "输出所用的语言",
        "db" => "记录库（SQLite 文件或 postgres:// 地址）",
        "max_file_bytes" => {
            "读取的规则文件、事实文件或所引公报原文的最大字节数（默认 4 MiB）；只读普通文件，设备文件和管道一律拒绝"
        }
        "help" => "显示帮助",
        "version" => "显示版本",
        _ => return None,
    })
}

/// What a choice of a `--format`, `--encoding` or `--role` means, where its name does not say it.
fn value_zh(value: &str) -> Option<&'static str> {
    Some(match value {
        "zh" => "中文",
        "en" => "英文",
        "text" => "文字报告",
        "json" => "JSON 数据",
        "html" => "可打印签字的 A4 HTML 文档，无脚本，不取外部资源",
        "gbk" => "GBK 和 GB2312 均按其超集 GB18030 读取",
        "clerk" => "经办人",
        "auditor" => "审计人员",
        _ => return None,
    })
}

/// clap's message for a mistake on the command line, in `lang`. Help and the version are clap's own
/// rendering of the (already translated) command; errors are put into words here from their kind and context.
pub fn error_text(error: &clap::Error, lang: Lang) -> String {
    let words = matches!(
        error.kind(),
        ErrorKind::DisplayHelp | ErrorKind::DisplayVersion | ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand
    );
    if lang == Lang::En {
        return error.render().to_string();
    }
    if words {
        return headings_zh(&error.render().to_string());
    }
    let get = |kind: ContextKind| error.get(kind).map(context_text).unwrap_or_default();
    let (arg, value) = (get(ContextKind::InvalidArg), get(ContextKind::InvalidValue));
    let valid = get(ContextKind::ValidValue);
    let choices = if valid.is_empty() { String::new() } else { format!("；可选：{valid}") };
    let message = match error.kind() {
        ErrorKind::UnknownArgument => format!("无法识别的选项 '{arg}'"),
        ErrorKind::InvalidSubcommand => format!("无法识别的命令 '{}'", get(ContextKind::InvalidSubcommand)),
        ErrorKind::InvalidValue if value.is_empty() => format!("选项 '{arg}' 缺少取值{choices}"),
        ErrorKind::InvalidValue => format!("选项 '{arg}' 的取值 '{value}' 无效{choices}"),
        ErrorKind::ValueValidation => format!("选项 '{arg}' 的取值 '{value}' 无效（应为{}）", expected_zh(&arg)),
        ErrorKind::MissingRequiredArgument => format!("缺少必需的参数：{arg}"),
        ErrorKind::MissingSubcommand => "缺少命令".to_string(),
        ErrorKind::NoEquals => format!("选项 '{arg}' 的取值须用 = 连接"),
        ErrorKind::TooManyValues => format!("'{arg}' 的取值过多：'{value}'"),
        ErrorKind::TooFewValues | ErrorKind::WrongNumberOfValues => format!("'{arg}' 的取值个数不对"),
        ErrorKind::ArgumentConflict => {
            let prior = get(ContextKind::PriorArg);
            if prior.is_empty() || prior == arg {
                format!("选项 '{arg}' 只能给一次")
            } else {
                format!("选项 '{arg}' 不能与 '{prior}' 同时使用")
            }
        }
        ErrorKind::InvalidUtf8 => "命令行参数不是有效的 UTF-8 文字".to_string(),
        _ => "命令行参数有误".to_string(),
    };
    let mut out = format!("错误：{message}\n");
    let mut tips: Vec<String> = [
        (ContextKind::SuggestedArg, "是否指 '{}'？"),
        (ContextKind::SuggestedSubcommand, "是否指命令 '{}'？"),
        (ContextKind::SuggestedValue, "是否指 '{}'？"),
    ]
    .into_iter()
    .filter_map(|(kind, template)| {
        let v = get(kind);
        (!v.is_empty()).then(|| template.replace("{}", &v))
    })
    .collect();
    // clap words these two tips as English sentences; what they say is known from their shape.
    if let Some(ContextValue::StyledStrs(suggested)) = error.get(ContextKind::Suggested) {
        for tip in suggested.iter().map(|s| s.to_string()) {
            if tip.contains("as a value") {
                tips.push(format!("如要把 '{arg}' 作为取值，请写成 '-- {arg}'"));
            } else if let Some(exists) = tip.strip_suffix(" exists") {
                tips.push(format!("{exists} 可用"));
            }
        }
    }
    for tip in tips {
        out.push_str(&format!("\n  提示：{tip}\n"));
    }
    let usage = get(ContextKind::Usage);
    if let Some(at) = usage.find("comply") {
        out.push_str(&format!("\n用法：{}\n", headings_zh(usage[at..].trim_end())));
    }
    out.push_str("\n更多信息请加 --help 查看帮助。\n");
    out
}

/// The words clap writes itself around the translated texts: the `[OPTIONS]` of a usage line and the colon
/// after a heading.
fn headings_zh(text: &str) -> String {
    text.replace("[OPTIONS]", "[选项]")
        .replace("\n命令:\n", "\n命令：\n")
        .replace("\n参数:\n", "\n参数：\n")
        .replace("\n选项:\n", "\n选项：\n")
}

/// What a typed option's value must look like, for the options clap parses into numbers.
fn expected_zh(arg: &str) -> &'static str {
    if arg.starts_with("--cases") || arg.starts_with("--seed") || arg.starts_with("--max-file-bytes") {
        "非负整数，如 500"
    } else if arg.starts_with("--corrects") {
        "记录编号，如 12"
    } else if arg.starts_with("--addr") {
        "地址和端口，如 127.0.0.1:8080"
    } else {
        "所需格式"
    }
}

fn context_text(value: &ContextValue) -> String {
    match value {
        ContextValue::None => String::new(),
        ContextValue::Bool(b) => b.to_string(),
        ContextValue::String(s) => s.clone(),
        ContextValue::Strings(items) => items.join("、"),
        ContextValue::StyledStr(s) => s.to_string(),
        ContextValue::StyledStrs(items) => items.iter().map(|s| s.to_string()).collect::<Vec<_>>().join("、"),
        ContextValue::Number(n) => n.to_string(),
        _ => String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every command and every argument that says anything in English says it in Chinese too.
    #[test]
    fn every_help_text_has_a_chinese_one() {
        fn walk(english: &Command, chinese: &Command, path: &str, missing: &mut Vec<String>) {
            let cjk = |s: &str| s.chars().any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c));
            if english.get_about().is_some() && !chinese.get_about().is_some_and(|a| cjk(&a.to_string())) {
                missing.push(format!("about of `{path}`"));
            }
            for arg in chinese.get_arguments() {
                if !arg.get_help().is_some_and(|h| cjk(&h.to_string())) {
                    missing.push(format!("`{path}` {}", arg.get_id()));
                }
            }
            for sub in chinese.get_subcommands() {
                let name = sub.get_name();
                let sub_path = if path.is_empty() { name.to_string() } else { format!("{path} {name}") };
                // `help help …` mirrors the tree for completion only; it prints nothing of its own.
                let mirror = path == "help" || path.ends_with(" help");
                if let (Some(en), false) = (english.find_subcommand(name), mirror) {
                    walk(en, sub, &sub_path, missing);
                }
            }
        }
        let mut english = command(Lang::En);
        english.build();
        let mut missing = Vec::new();
        walk(&english, &command(Lang::Zh), "", &mut missing);
        assert!(missing.is_empty(), "no Chinese help for: {missing:#?}");
    }

    #[test]
    fn lang_before_the_command_is_moved_after_it() {
        let args = |a: &[&str]| a.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        assert_eq!(lang_after_command(&args(&["--lang", "en", "check", "x"])), args(&["check", "--lang", "en", "x"]));
        assert_eq!(lang_after_command(&args(&["--lang=en", "lint"])), args(&["lint", "--lang=en"]));
        assert_eq!(lang_after_command(&args(&["--lang", "en", "--help"])), args(&["--help"]));
        assert_eq!(lang_after_command(&args(&["check", "--lang", "en"])), args(&["check", "--lang", "en"]));
    }

    #[test]
    fn lang_is_chinese_unless_en_is_asked_for() {
        let args = |a: &[&str]| a.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        assert_eq!(lang_of(&args(&["check", "--lang", "en"])), Lang::En);
        assert_eq!(lang_of(&args(&["check", "--lang=en"])), Lang::En);
        assert_eq!(lang_of(&args(&["check", "--lang", "zh"])), Lang::Zh);
        assert_eq!(lang_of(&args(&["check", "--", "--lang", "en"])), Lang::Zh);
        assert_eq!(lang_of(&args(&["check"])), Lang::Zh);
    }
}
