//! `comply ask` end to end: a script of answers piped in, the whole transcript snapshotted; and, over
//! generated firms, the promise that every question asked could still change the verdict.

use comply::Rulebook;
use comply::cli::ask::Interview;
use comply::eval::{self, FactValue, Verdict};
use comply::facts::{self, Raw};
use comply::policy::{Policy, Type};

const ZERO_LAND: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/rules/zero_land.rules");
const AS_OF: &str = "2021-03-01";

fn zero_land() -> Rulebook {
    Rulebook::load_path(std::path::Path::new(ZERO_LAND)).unwrap()
}

fn run(args: &[&str], stdin: &str) -> (u8, String, String) {
    let args: Vec<String> = args.iter().map(|s| s.to_string()).collect();
    let mut input = std::io::Cursor::new(stdin.as_bytes().to_vec());
    let (mut out, mut err) = (Vec::new(), Vec::new());
    let mut io = comply::cli::Io { stdin: &mut input, stdout: &mut out, stderr: &mut err };
    let code = comply::cli::run(&args, &mut io);
    (code, String::from_utf8(out).unwrap(), String::from_utf8(err).unwrap())
}

/// The lines a person would type for a firm described fact by fact: the interview decides the order, so
/// the script is found by running it with the firm as the oracle. A fact's text may hold several lines
/// (a bad answer, then a good one); the last line is the answer that counts; a fact not listed is "不知道".
fn script_for(policy: &Policy, firm: &[(&str, &str)], until_verdict: bool) -> String {
    let as_of = AS_OF.parse().unwrap();
    let mut interview = Interview::new(policy, as_of);
    if until_verdict {
        interview = interview.until_verdict();
    }
    let mut script = String::new();
    loop {
        let evaluation = interview.evaluate();
        let Some(fact) = interview.next_question(&evaluation) else { break };
        let def = &policy.facts()[fact as usize];
        match firm.iter().find(|(name, _)| *name == def.name) {
            Some((_, text)) => {
                script.push_str(text);
                script.push('\n');
                let last = text.lines().last().unwrap();
                let raw = match def.ty {
                    Type::Set(_) => Raw::List(last.split('、').map(|s| Raw::Text(s.to_string())).collect()),
                    // The numbered choice: `2` is the second listed value.
                    Type::Enum(id) => match last.parse::<usize>() {
                        Ok(n) => Raw::Text(policy.enum_def(id).values[n - 1].name.clone()),
                        Err(_) => Raw::Text(last.to_string()),
                    },
                    _ => Raw::Text(last.to_string()),
                };
                interview.answer(fact, facts::coerce(policy, def, &raw).unwrap());
            }
            None => {
                script.push_str("不知道\n");
                interview.skip(fact);
            }
        }
    }
    script
}

/// A firm that meets every condition, building an extension.
const QUALIFYING: &[(&str, &str)] = &[
    ("in_zone", "是"),
    ("industrial_enterprise", "是"),
    ("new_construction_land", "否"),
    ("project_kinds", "扩建"),
    ("real_estate_certificate", "是"),
    ("mu_grade", "A"),
    ("low_efficiency_rectification", "否"),
    ("tax_per_mu", "18.5"),
    ("use_conforms_to_plan", "是"),
    ("leases_idle_plant", "否"),
    ("commitment_letter", "是"),
    ("small_micro_park_or_split_title", "否"),
    ("binhai_village_industry", "否"),
    ("pollution_control_deficient", "否"),
    ("illegal_buildings", "否"),
    ("special_process", "否"),
    ("building_density", "45"),
    ("service_land_area", "1200"),
    ("total_land_area", "30000"),
    ("new_industry_demonstrated", "否"),
    ("service_floor_area", "6000"),
    ("total_floor_area", "42000"),
    // The approval routes: asked after the verdict, since they are what a firm most wants to know.
    ("encouraged_category", "是"),
    ("new_transformer_capacity", "400"),
    ("new_energy_consumption", "300"),
    ("energy_intensity", "0.3"),
    ("eia_document", "2"),
    ("park_planning_eia_done", "是"),
    ("pollutants_increase", "否"),
    ("sensitive_area", "否"),
    ("wastewater_to_sewer", "是"),
];

fn with(
    base: &[(&'static str, &'static str)],
    changes: &[(&'static str, &'static str)],
) -> Vec<(&'static str, &'static str)> {
    let mut firm: Vec<_> = base.iter().filter(|(n, _)| !changes.iter().any(|(c, _)| c == n)).copied().collect();
    firm.extend_from_slice(changes);
    firm
}

fn interview(firm: &[(&str, &str)], extra: &[&str]) -> (u8, String, String) {
    let book = zero_land();
    let script = script_for(book.policy("zero_land").unwrap(), firm, extra.contains(&"--until-verdict"));
    let mut args = vec!["ask", ZERO_LAND, "--policy", "zero_land", "--as-of", AS_OF];
    args.extend_from_slice(extra);
    run(&args, &script)
}

/// A passing interview goes on to the routes and ends with both decided (the routes are what a firm most
/// wants to know).
#[test]
fn qualifying_firm() {
    let (code, out, _) = interview(QUALIFYING, &[]);
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("结论：符合申请条件"), "{out}");
    let routes = out.split_once("\n结果：\n").map(|(_, r)| r).unwrap_or_default();
    assert!(routes.contains("能评方式") && routes.contains("环评方式") && !routes.contains("未知"), "{out}");
    insta::assert_snapshot!(out);
}

/// 一次性告知: a firm with three defects learns all three (and every remedy) in one interview.
#[test]
fn three_defects_are_told_at_once() {
    let firm = with(QUALIFYING, &[("mu_grade", "C"), ("leases_idle_plant", "是"), ("commitment_letter", "否")]);
    let (code, out, _) = interview(&firm, &[]);
    assert_eq!(code, 1);
    let fails = out.split_once("\n不符合（").map(|(_, f)| f).unwrap_or_default();
    assert!(fails.starts_with("3 项）"), "{out}");
    assert_eq!(out.matches("\n      整改要求：").count(), 3, "every remedy: {out}");
    insta::assert_snapshot!(out);
}

/// `--resume` continues a saved interview: the answers in the file are kept, the next question is asked.
#[test]
fn a_saved_interview_is_resumed_and_its_answers_kept() {
    let dir = std::env::temp_dir().join(format!("comply-ask-resume-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let saved = dir.join("answers.toml");
    let path = saved.to_str().unwrap();
    let (_, first, _) =
        run(&["ask", ZERO_LAND, "--policy", "zero_land", "--as-of", AS_OF, "--save", path], "是\n是\n否\n");
    assert_eq!(first.matches("\n问题 ").count(), 4, "three answers, then the fourth question: {first}");
    // `--save` to the same file again keeps the three answers: they are not asked again.
    let (_, again, _) = run(&["ask", ZERO_LAND, "--policy", "zero_land", "--as-of", AS_OF, "--save", path], "");
    assert!(again.contains("接着") && again.contains("3 项回答"), "{again}");
    let (code, out, _) = run(&["ask", ZERO_LAND, "--resume", path], "扩建\n");
    assert_eq!(code, 1, "{out}");
    assert!(!out.contains("：项目是否位于"), "an answered question is not asked again: {out}");
    let text = std::fs::read_to_string(&saved).unwrap();
    assert!(text.contains("in_zone") && text.contains("project_kinds"), "{text}");
    insta::assert_snapshot!(out.replace(dir.to_str().unwrap(), "<dir>"));
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn an_unwritable_save_path_is_refused_before_the_first_question() {
    let (code, out, err) = run(
        &["ask", ZERO_LAND, "--policy", "zero_land", "--as-of", AS_OF, "--save", "/nonexistent/dir/a.toml"],
        "是\n",
    );
    assert_eq!(code, 2, "{err}");
    assert!(!out.contains("问题 1"), "{out}");
    assert!(err.contains("无法保存回答"), "{err}");
}

#[test]
fn fails_at_the_first_decisive_question() {
    let firm = with(QUALIFYING, &[("mu_grade", "C")]);
    let (code, out, _) = interview(&firm, &["--until-verdict"]);
    assert_eq!(code, 1);
    // The scope questions, the facts most rules wait for (project kinds, title, Binhai, EIA document), then
    // the grade decides: the interview stops there, and nothing about floor areas is asked.
    let asked = out.matches("\n问题 ").count();
    assert!(asked <= 8, "{out}");
    let last = out.rsplit("\n问题 ").next().unwrap_or_default();
    assert!(last.contains("“亩均论英雄”评价等级"), "the grade is the last question: {out}");
    assert!(!out.contains("建筑面积是多少"), "{out}");
    assert!(out.contains("结论：不符合申请条件"), "{out}");
    insta::assert_snapshot!(out);
}

#[test]
fn small_micro_park_extension_is_referred() {
    let firm = with(QUALIFYING, &[("small_micro_park_or_split_title", "是")]);
    let (code, out, _) = interview(&firm, &[]);
    assert_eq!(code, 1);
    assert!(out.contains("结论：报管委会“一事一议”"), "{out}");
    assert!(out.contains("[small_micro_park_case_by_case]"), "{out}");
    insta::assert_snapshot!(out);
}

#[test]
fn a_bad_answer_is_asked_again_and_nothing_is_lost() {
    let firm = with(QUALIFYING, &[("mu_grade", "E\n9\n2"), ("tax_per_mu", "很多\n18.5 公顷\n185000 元/亩")]);
    let (code, out, _) = interview(&firm, &[]);
    assert_eq!(code, 0, "{out}");
    assert_eq!(out.matches("请重新回答").count(), 4, "{out}");
    assert!(out.contains("→ B类"), "{out}");
    assert!(out.contains("→ 18.5 万元/亩"), "{out}");
    insta::assert_snapshot!(out);
}

#[test]
fn a_skipped_question_leaves_the_verdict_undetermined() {
    let firm: Vec<_> = QUALIFYING.iter().filter(|(n, _)| *n != "tax_per_mu").copied().collect();
    let (code, out, _) = interview(&firm, &[]);
    assert_eq!(code, 1);
    assert!(out.contains("→ 不知道（跳过）"), "{out}");
    assert!(out.contains("没有其他能改变结论的问题了"), "{out}");
    assert!(out.contains("结论：待补充材料"), "{out}");
    assert!(out.contains("  - 亩均税收\n"), "{out}");
    insta::assert_snapshot!(out);
}

#[test]
fn end_of_input_saves_a_fact_file_that_check_accepts() {
    let dir = std::env::temp_dir().join(format!("comply-ask-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let saved = dir.join("answers.toml");
    let path = saved.to_str().unwrap();
    // A few answers (one of them not a listed choice, so asked again), then the input ends mid-interview.
    let script = "是\ny\nn\n是\n2\n";
    let (code, out, err) = run(&["ask", ZERO_LAND, "--policy", "zero_land", "--as-of", AS_OF, "--save", path], script);
    assert_eq!(code, 1, "{out}");
    assert!(out.contains("输入结束，停止提问"), "{out}");
    assert!(err.contains("回答已保存到"), "{err}");
    let text = std::fs::read_to_string(&saved).unwrap();
    insta::assert_snapshot!(text);
    let (code, report, err) = run(&["check", ZERO_LAND, "--facts", path], "");
    assert_eq!(code, 1, "{err}");
    assert!(report.contains("结论：待补充材料"), "{report}");
    // The saved facts reproduce the interview's report exactly.
    let title = "工业企业“零土地”技改项目审批方式改革核查报告";
    let tail = out.split_once(&format!("\n\n{title}")).map(|(_, t)| format!("{title}{t}")).unwrap();
    assert_eq!(report, tail);
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn the_date_is_required() {
    let (code, _, err) = run(&["ask", ZERO_LAND, "--policy", "zero_land"], "是\n");
    assert_eq!(code, 2);
    assert!(err.contains("--as-of"), "{err}");
}

#[test]
fn english_interview() {
    let (code, out, _) =
        run(&["ask", ZERO_LAND, "--policy", "zero_land", "--as-of", AS_OF, "--lang", "en"], "yes\nskip\nno\n");
    assert_eq!(code, 1);
    assert!(out.contains("Question 1: Is the project inside"), "{out}");
    assert!(out.contains("→ don't know (skipped)"), "{out}");
}

/// A small deterministic generator (xorshift), so the firms are the same on every run.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

/// One generated firm: a value for each fact, or `None` when the firm does not know it. Figures are drawn
/// from around the thresholds the notice names, so that every branch is reached.
fn generate(policy: &Policy, rng: &mut Rng) -> Vec<Option<FactValue>> {
    const FIGURES: &[&str] =
        &["0", "1", "5.5", "6", "6.05", "7", "10", "10.01", "25", "65", "66", "300", "3000", "42000"];
    policy
        .facts()
        .iter()
        .map(|fact| {
            if rng.below(10) == 0 {
                return None;
            }
            let raw = match fact.ty {
                // Mostly the answer that keeps a firm in the running, so interviews go deep.
                Type::Bool => Raw::Bool(rng.below(3) != 0),
                Type::Enum(id) => {
                    let values = &policy.enum_def(id).values;
                    Raw::Text(values[rng.below(values.len() as u64) as usize].name.clone())
                }
                Type::Set(id) => {
                    let values = &policy.enum_def(id).values;
                    let mut chosen: Vec<Raw> = Vec::new();
                    for v in values {
                        if rng.below(3) == 0 {
                            chosen.push(Raw::Text(v.name.clone()));
                        }
                    }
                    if chosen.is_empty() {
                        chosen.push(Raw::Text(values[0].name.clone()));
                    }
                    Raw::List(chosen)
                }
                Type::Num(_) => Raw::Text(FIGURES[rng.below(FIGURES.len() as u64) as usize].to_string()),
                _ => Raw::Text("x".into()),
            };
            Some(facts::coerce(policy, fact, &raw).unwrap())
        })
        .collect()
}

#[test]
fn generated_firms_are_asked_only_what_can_change_the_verdict() {
    let book = zero_land();
    let policy = book.policy("zero_land").unwrap();
    let as_of = AS_OF.parse().unwrap();
    let mut rng = Rng(0x5eed_2020_0108);
    // Each question is one plan (a few hundred evaluations in a debug build): 250 firms keep the test
    // under half a minute; the property does not depend on the count.
    let firms = 250;
    let (mut total, mut most, mut decided) = (0usize, 0usize, 0usize);
    for n in 0..firms {
        let firm = generate(policy, &mut rng);
        let mut full = eval::FactSet::empty(policy);
        for (i, value) in firm.iter().enumerate() {
            full.set(i as u16, value.clone());
        }
        let truth = eval::evaluate(policy, &full, as_of);
        let mut interview = Interview::new(policy, as_of).until_verdict();
        let mut asked = Vec::new();
        loop {
            let evaluation = interview.evaluate();
            let Some(fact) = interview.next_question(&evaluation) else { break };
            // Recomputed independently of the interview's own evaluation.
            let now = eval::evaluate(policy, interview.facts(), as_of);
            assert!(
                now.missing.contains(fact),
                "firm {n}: `{}` asked but cannot change the verdict",
                policy.facts()[fact as usize].name
            );
            assert!(!asked.contains(&fact), "firm {n}: `{}` asked twice", policy.facts()[fact as usize].name);
            asked.push(fact);
            match &firm[fact as usize] {
                Some(value) => interview.answer(fact, value.clone()),
                None => interview.skip(fact),
            }
        }
        let end = interview.evaluate();
        // A verdict reached with fewer facts is the verdict of all of them: the interview stopped early only
        // where the rest could not matter.
        if end.verdict != Verdict::Undetermined {
            decided += 1;
            assert_eq!(
                end.verdict, truth.verdict,
                "firm {n}: the interview stopped on a verdict the full facts overturn"
            );
        } else {
            assert!(
                end.missing.iter().all(|f| firm[f as usize].is_none()),
                "firm {n}: undetermined although a known fact could still decide it"
            );
        }
        total += asked.len();
        most = most.max(asked.len());
    }
    let mean = total as f64 / firms as f64;
    eprintln!(
        "zero_land interviews over {firms} generated firms: {mean:.1} questions on average, at most {most} of {} facts; {decided} reached a verdict",
        policy.facts().len()
    );
    assert!(most < policy.facts().len(), "some interview asked about every fact");
    assert!(decided > firms / 2, "too few generated firms reached a verdict: {decided}");
}
