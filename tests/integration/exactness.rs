//! The exact three-valued verdict (`eval::exact`), checked over generated cases of every shipped and
//! example policy against completions of the unknown facts, found independently of the refinement: each
//! unknown fact drawn at random, in random order, from its classes under the facts drawn before it.
//! (a) an undetermined verdict has two completions with different verdicts; (b) every listed fact is
//! pivotal in some completion; (c) a decided verdict is the verdict of every completion tried.

use crate::common;

use comply::eval::{self, FactMask, FactSet, Verdict};
use comply::generate::{Generator, Rng, to_toml};
use comply::policy::{FactId, Policy, Type};
use jiff::civil::Date;
use proptest::prelude::*;
use rust_decimal::Decimal;

const CASES: u64 = 60;
/// Completions tried per case and per listed fact.
const TRIES: usize = 60;

fn unknown(policy: &Policy, facts: &FactSet) -> Vec<FactId> {
    (0..policy.facts().len() as FactId)
        .filter(|f| facts.get(*f).is_none() && policy.facts()[*f as usize].ty != Type::Mixed)
        .collect()
}

/// One completion of `facts`: every fact in `open` given a value of one of its classes, in random order.
fn complete(
    policy: &Policy,
    facts: &FactSet,
    open: &[FactId],
    as_of: Date,
    g: &Generator<'_>,
    rng: &mut Rng,
) -> FactSet {
    let mut order = open.to_vec();
    for i in (1..order.len()).rev() {
        order.swap(i, rng.below(i + 1));
    }
    let mut out = facts.clone();
    for f in order {
        let value = match policy.partition().classes(policy, f, &out, as_of, &[]) {
            Some(classes) if !classes.classes.is_empty() && rng.chance(3, 4) => {
                rng.pick(&classes.classes).map(|c| c.value.clone())
            }
            _ => g.value(f, rng),
        };
        out.set(f, value);
    }
    out
}

/// Every completion of `open` over the classes (each fact's classes under the facts fixed before it), in
/// order, until `visit` returns true or `cap` completions were visited; whether `visit` returned true.
fn each_completion(
    policy: &Policy,
    facts: &mut FactSet,
    open: &[FactId],
    as_of: Date,
    cap: &mut usize,
    visit: &mut dyn FnMut(&FactSet) -> bool,
) -> bool {
    // Checked before the leaves too: once the cap is spent, no branch is walked any further (with many open
    // facts the tree above the leaves is itself exponential).
    if *cap == 0 {
        return false;
    }
    let Some((first, rest)) = open.split_first() else {
        *cap -= 1;
        return visit(facts);
    };
    // A fact without classes is left unknown; one with an empty list would otherwise end every branch
    // below it without a visit, and the search above it would never reach the cap.
    let classes = policy.partition().classes(policy, *first, facts, as_of, &[]).filter(|c| !c.classes.is_empty());
    let Some(classes) = classes else {
        return each_completion(policy, facts, rest, as_of, cap, visit);
    };
    for class in classes.classes {
        facts.set(*first, Some(class.value));
        if each_completion(policy, facts, rest, as_of, cap, visit) {
            facts.set(*first, None);
            return true;
        }
    }
    facts.set(*first, None);
    false
}

/// Completions visited exhaustively (in declaration order) before the random ones.
const EXHAUSTIVE: usize = 3000;

fn verdict(policy: &Policy, facts: &FactSet, as_of: Date) -> Verdict {
    eval::evaluate(policy, facts, as_of).verdict
}

/// Runs `check` over generated cases of one policy, adding failures; the number of cases that fell back
/// to the approximate answer (skipped: they claim nothing exact).
fn check_policy(name: &str, policy: &Policy, cases: u64, check: Check, failures: &mut Vec<String>) -> usize {
    let g = Generator::new(policy);
    let mut approximate = 0;
    for seed in 0..cases {
        let mut rng = Rng::new(seed);
        let as_of = g.as_of(&mut rng);
        let facts = g.fact_set(&mut rng, as_of);
        if eval::evaluate(policy, &facts, as_of).approximate {
            approximate += 1;
            continue;
        }
        if let Err(message) = check(&g, &facts, as_of, &mut Rng::new(seed ^ 0x5A5A)) {
            failures.push(format!(
                "{name}: {} seed {seed}: {message}\n{}",
                policy.id(),
                to_toml(policy, &facts, Some(as_of))
            ));
            if failures.len() >= 5 {
                break;
            }
        }
    }
    approximate
}

/// Runs `check` over generated cases of every shipped and example policy.
fn for_all(name: &str, check: Check) -> usize {
    let mut failures = Vec::new();
    let mut approximate = 0;
    for policy in common::shipped_and_example_policies() {
        approximate += check_policy(name, &policy, CASES, check, &mut failures);
    }
    assert!(failures.is_empty(), "{} counterexample(s):\n{}", failures.len(), failures.join("\n"));
    approximate
}

#[test]
fn an_undetermined_verdict_has_two_completions_that_differ() {
    let approximate = for_all("undetermined", undetermined_differs);
    // The budget is generous for the shipped policies: a fallback to Kleene is rare.
    assert!(approximate <= (CASES as usize) / 4, "{approximate} cases fell back to the approximate answer");
}

/// (a) An undetermined verdict has two completions with different verdicts.
fn undetermined_differs(g: &Generator<'_>, facts: &FactSet, as_of: Date, rng: &mut Rng) -> Result<(), String> {
    let p = g.policy;
    let ev = eval::evaluate(p, facts, as_of);
    if ev.verdict != Verdict::Undetermined {
        return Ok(());
    }
    let open = unknown(p, facts);
    let mut seen: Vec<Verdict> = Vec::new();
    let mut cap = EXHAUSTIVE;
    let found = each_completion(p, &mut facts.clone(), &open, as_of, &mut cap, &mut |case| {
        let v = verdict(p, case, as_of);
        if !seen.contains(&v) {
            seen.push(v);
        }
        seen.len() >= 2
    });
    // Every completion undetermined (a figure with no value in force): undetermined is the exact answer.
    if found || seen == [Verdict::Undetermined] {
        return Ok(());
    }
    for _ in 0..TRIES {
        let v = verdict(p, &complete(p, facts, &open, as_of, g, rng), as_of);
        if !seen.contains(&v) {
            seen.push(v);
        }
        if seen.len() >= 2 {
            return Ok(());
        }
    }
    Err(format!("undetermined, but every completion tried gives {seen:?}"))
}

#[test]
fn every_missing_fact_is_pivotal_in_some_completion() {
    for_all("pivotal", missing_is_pivotal);
}

/// (b) Every listed fact is pivotal in some completion of the others.
fn missing_is_pivotal(g: &Generator<'_>, facts: &FactSet, as_of: Date, rng: &mut Rng) -> Result<(), String> {
    let p = g.policy;
    let ev = eval::evaluate(p, facts, as_of);
    for fact in ev.missing.iter() {
        let others: Vec<FactId> = unknown(p, facts).into_iter().filter(|f| *f != fact).collect();
        let differs = |base: &FactSet| {
            let Some(classes) = p.partition().classes(p, fact, base, as_of, &[]) else { return true };
            let mut verdicts = classes.classes.iter().map(|c| {
                let mut case = base.clone();
                case.set(fact, Some(c.value.clone()));
                verdict(p, &case, as_of)
            });
            let first = verdicts.next();
            verdicts.any(|v| Some(v) != first)
        };
        let mut cap = EXHAUSTIVE;
        if each_completion(p, &mut facts.clone(), &others, as_of, &mut cap, &mut |base| differs(base)) {
            continue;
        }
        let pivotal = (0..TRIES).any(|_| {
            let base = complete(p, facts, &others, as_of, g, rng);
            let Some(classes) = p.partition().classes(p, fact, &base, as_of, &[]) else { return true };
            let mut verdicts = classes.classes.iter().map(|c| {
                let mut case = base.clone();
                case.set(fact, Some(c.value.clone()));
                verdict(p, &case, as_of)
            });
            let first = verdicts.next();
            verdicts.any(|v| Some(v) != first)
        });
        if !pivotal {
            return Err(format!(
                "`{}` is listed missing but no completion found where it alone changes the verdict",
                p.facts()[fact as usize].name
            ));
        }
    }
    Ok(())
}

#[test]
fn a_decided_verdict_holds_for_every_completion() {
    for_all("decided", decided_holds);
}

#[test]
fn a_rule_decided_regardless_of_its_missing_facts_holds_for_every_completion() {
    for_all("rule", refined_rules_hold);
}

/// (d) A rule the refinement decided although Kleene left it unknown (`missing` then names the facts it is
/// decided regardless of) has that outcome in every completion tried.
fn refined_rules_hold(g: &Generator<'_>, facts: &FactSet, as_of: Date, rng: &mut Rng) -> Result<(), String> {
    let p = g.policy;
    let ev = eval::evaluate(p, facts, as_of);
    let refined: Vec<(usize, eval::Outcome)> = ev
        .rules
        .iter()
        .enumerate()
        .filter(|(_, r)| r.outcome != eval::Outcome::Unknown && !r.missing.is_empty())
        .map(|(i, r)| (i, r.outcome))
        .collect();
    if refined.is_empty() {
        return Ok(());
    }
    let open = unknown(p, facts);
    for _ in 0..TRIES / 2 {
        let case = complete(p, facts, &open, as_of, g, rng);
        let now = eval::kleene(p, &case, as_of);
        for (i, outcome) in &refined {
            if now.rules[*i].outcome != *outcome {
                return Err(format!(
                    "rule `{}` reported {outcome:?} regardless, but a completion gives {:?}:\n{}",
                    p.rules()[*i].id,
                    now.rules[*i].outcome,
                    to_toml(p, &case, Some(as_of))
                ));
            }
        }
    }
    Ok(())
}

/// (c) A decided verdict is the verdict of every completion: exhaustively over the classes while there
/// are few, then sampled.
fn decided_holds(g: &Generator<'_>, facts: &FactSet, as_of: Date, rng: &mut Rng) -> Result<(), String> {
    let p = g.policy;
    let ev = eval::evaluate(p, facts, as_of);
    if ev.verdict == Verdict::Undetermined {
        return Ok(());
    }
    let open = unknown(p, facts);
    let mut differing = None;
    let mut cap = EXHAUSTIVE;
    each_completion(p, &mut facts.clone(), &open, as_of, &mut cap, &mut |case| {
        let v = verdict(p, case, as_of);
        if v != ev.verdict {
            differing = Some((v, case.clone()));
        }
        differing.is_some()
    });
    for _ in 0..TRIES / 2 {
        if differing.is_some() {
            break;
        }
        let case = complete(p, facts, &open, as_of, g, rng);
        let v = verdict(p, &case, as_of);
        if v != ev.verdict {
            differing = Some((v, case));
        }
    }
    match differing {
        Some((v, case)) => {
            Err(format!("decided {:?}, but a completion gives {v:?}:\n{}", ev.verdict, to_toml(p, &case, Some(as_of))))
        }
        None => Ok(()),
    }
}

/// The cases of issue #10: decided whatever the subdistrict or county, and nothing listed missing.
#[test]
fn the_wage_decides_where_the_tier_does_not_matter() {
    let book = comply::Rulebook::embedded().unwrap();
    let policy = book.policy("minimum_wage").unwrap();
    let as_of: Date = "2016-03-01".parse().unwrap();
    let case = |facts: &[(&str, &str)]| {
        let text: String = facts.iter().map(|(k, v)| format!("{k} = \"{v}\"\n")).collect();
        let raw = comply::facts::read_file("case.toml", &format!("[facts]\n{text}")).unwrap();
        let facts = comply::facts::bind(policy, &raw.facts).unwrap();
        eval::evaluate(policy, &facts, as_of)
    };
    let expect = [
        (vec![("county", "洞头区"), ("employment", "full_time"), ("monthly_wage", "1900 元/月")], Verdict::Pass),
        (vec![("county", "洞头区"), ("employment", "full_time"), ("monthly_wage", "1600 元/月")], Verdict::Fail),
        (vec![("employment", "part_time"), ("hourly_wage", "17 元/小时")], Verdict::Pass),
        (vec![("employment", "full_time"), ("monthly_wage", "1000 元/月")], Verdict::Fail),
    ];
    for (facts, verdict) in expect {
        let ev = case(&facts);
        assert_eq!((ev.verdict, ev.missing, ev.approximate), (verdict, FactMask::EMPTY, false), "{facts:?}");
    }
    // The report does not call the deciding rule "not affecting the verdict": it fails (or is met) whatever
    // the subdistrict is.
    let floor = policy.rules().iter().position(|r| r.id == "monthly_floor").unwrap();
    let below = case(&[("county", "洞头区"), ("employment", "full_time"), ("monthly_wage", "1600 元/月")]);
    assert_eq!(below.rules[floor].outcome, eval::Outcome::Fail);
    let above = case(&[("county", "洞头区"), ("employment", "full_time"), ("monthly_wage", "1900 元/月")]);
    assert_eq!(above.rules[floor].outcome, eval::Outcome::Pass);
    // Between the tiers the subdistrict decides: it alone is missing.
    let ev = case(&[("county", "洞头区"), ("employment", "full_time"), ("monthly_wage", "1700 元/月")]);
    assert_eq!(ev.verdict, Verdict::Undetermined);
    let names: Vec<&str> = ev.missing.iter().map(|f| policy.facts()[f as usize].name.as_str()).collect();
    assert_eq!(names, ["subdistrict"]);
}

/// A rule whose `when` and `require` share a comparison can never fail: nothing is missing, whatever the
/// fact is.
#[test]
fn a_rule_that_cannot_fail_lists_nothing() {
    let text = generated_policy(&[("w >= 1860 元/月（不低于）", "w >= 1860 元/月（不低于） or b", "")]);
    let book = crate::fuzz::load(&text).unwrap_or_else(|e| panic!("{}", e.render()));
    let policy = &book.policies()[0];
    let as_of: Date = "2022-01-01".parse().unwrap();
    let ev = eval::evaluate(policy, &FactSet::empty(policy), as_of);
    assert_eq!((ev.verdict, ev.missing, ev.approximate), (Verdict::Pass, FactMask::EMPTY, false));
    // Kleene alone leaves it open: the refinement is what decides it.
    assert_eq!(eval::kleene(policy, &FactSet::empty(policy), as_of).verdict, Verdict::Undetermined);
}

/// `examples/batch/payroll.csv`: every 洞头区 row without a subdistrict is decided wherever the wage is at
/// least the higher tier's minimum or below the lower one's, and undetermined (missing the subdistrict
/// alone) only between them.
#[test]
fn payroll_rows_in_dongtou_without_a_subdistrict_are_decided_by_the_wage() {
    let input = concat!(env!("CARGO_MANIFEST_DIR"), "/examples/batch/payroll.csv");
    let rules = concat!(env!("CARGO_MANIFEST_DIR"), "/rules");
    let args = ["batch", rules, "--policy", "minimum_wage", "--as-of", "2016-03-01", "--input", input];
    let out = common::comply_with_input(&args, "");
    let text = std::fs::read_to_string(input).unwrap();
    let mut checked = 0;
    for (row, result) in text.lines().skip(1).zip(out.stdout.lines().skip(1)) {
        let cells: Vec<&str> = row.split(',').collect();
        if cells[1] != "洞头区" || !cells[2].is_empty() {
            continue;
        }
        let (wage, low, high) = match cells[3] {
            "全日制" => (cells[4], "1660", "1860"),
            _ => (cells[5], "15.2", "17"),
        };
        let [wage, low, high]: [Decimal; 3] = [wage, low, high].map(|d| d.parse().unwrap());
        let expected = if wage >= high {
            ",pass,,"
        } else if wage < low {
            ",fail,"
        } else {
            ",undetermined,,subdistrict,"
        };
        assert!(result.contains(expected), "{row} gives {result}, expected {expected}");
        checked += 1;
    }
    assert!(checked >= 4, "the example has four such rows, found {checked}");
}

/// One rule per `(when, require, consequence)`; the facts of `fuzz` (a number, a wage, a yes/no, a
/// choice of three, a set of two) and a minimum that depends on the choice, so that comparisons against
/// computed thresholds are exercised as 洞头区's tiers are.
fn generated_policy(rules: &[(&str, &str, &str)]) -> String {
    let mut text = format!(
        "policy p {{\n  title \"示例\" en \"Example\"\n  source {{ title \"示例通知\" number none issuer \"示例局\" signed 2021-01-01 }}\n  \
         in_force from 2021-01-01\n{}  let floor = (if k = 甲 then 1860 元/月 else 1660 元/月)\n",
        crate::fuzz::FACTS
    );
    for (i, (when, require, otherwise)) in rules.iter().enumerate() {
        let when = if when.is_empty() { String::new() } else { format!(" when {when}") };
        text.push_str(&format!(
            "  rule r{i} {{ title \"规则{i}\" clause \"{i}\"{when} require {require} {otherwise} }}\n"
        ));
    }
    text.push_str("}\n");
    text
}

fn generated_rule() -> impl Strategy<Value = (String, String, String)> {
    let require = prop_oneof![
        crate::fuzz::condition(2),
        Just("w >= floor".to_string()),
        crate::fuzz::condition(1).prop_map(|c| format!("(w >= floor or {c})")),
    ];
    let when = prop_oneof![Just(String::new()), crate::fuzz::condition(1)];
    let otherwise = prop_oneof![
        Just(String::new()),
        Just("otherwise refer \"示例局\"".to_string()),
        Just("otherwise not_applicable".to_string()),
    ];
    (when, require, otherwise)
}

proptest! {
    #![proptest_config(ProptestConfig { cases: common::proptest_cases(24), failure_persistence: None, ..ProptestConfig::default() })]

    /// The three exactness properties over generated policies of up to four rules.
    #[test]
    fn exactness_holds_on_generated_policies(rules in proptest::collection::vec(generated_rule(), 1..5)) {
        let rules: Vec<(&str, &str, &str)> = rules.iter().map(|(a, b, c)| (a.as_str(), b.as_str(), c.as_str())).collect();
        let text = generated_policy(&rules);
        let book = crate::fuzz::load(&text).map_err(|e| TestCaseError::fail(format!("{}\n{text}", e.render())))?;
        let mut failures = Vec::new();
        for policy in book.policies() {
            for (name, check) in [
                ("undetermined", undetermined_differs as Check),
                ("pivotal", missing_is_pivotal),
                ("decided", decided_holds),
                ("rule", refined_rules_hold),
            ] {
                check_policy(name, policy, 16, check, &mut failures);
            }
        }
        prop_assert!(failures.is_empty(), "{}\n{text}", failures.join("\n"));
    }
}

type Check = fn(&Generator<'_>, &FactSet, Date, &mut Rng) -> Result<(), String>;

/// Where the exact search runs out of work the batch says so, never silently: the JSONL row carries
/// `missing_approximate` and the summary counts the rows.
#[test]
fn batch_says_when_a_missing_list_may_be_larger_than_necessary() {
    let dir = std::env::temp_dir().join(format!("comply-exact-batch-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let input = dir.join("rows.jsonl");
    // examples/features/equipment_subsidy/undetermined_missing_facts.toml as one row.
    let row = r#"{"id": "A1", "registered_here": true, "industry": "制造业", "energy_intensity": 0.42, "fatalities": 0, "acceptance_done": true, "acceptance_date": "2021-11-30", "project_kinds": ["数字化改造"], "equipment_investment": 700, "revenue": 1.2, "digital_plan_filed": true, "new_jobs": 40}"#;
    std::fs::write(&input, format!("{row}\n")).unwrap();
    let rules = concat!(env!("CARGO_MANIFEST_DIR"), "/examples/features");
    let args = [
        "batch",
        rules,
        "--policy",
        "equipment_subsidy",
        "--as-of",
        "2022-01-10",
        "--input",
        input.to_str().unwrap(),
        "--format",
        "jsonl",
    ];
    let out = common::comply_with_input(&args, "");
    assert!(out.stdout.contains("\"missing_approximate\":true"), "{}", out.stdout);
    assert!(out.stderr.contains("其中 1 行情形较复杂"), "{}", out.stderr);
    // CSV output carries the same flag in a column of its own: `true` here, empty where the list is exact.
    let csv = common::comply_with_input(&args[..args.len() - 2], "");
    let lines: Vec<&str> = csv.stdout.lines().collect();
    let header: Vec<&str> = lines[0].split(',').collect();
    let column = header.iter().position(|c| *c == "missing_approximate").expect("a missing_approximate column");
    assert_eq!(header[column - 1], "missing", "{}", lines[0]);
    assert_eq!(lines[1].split(',').nth(column), Some("true"), "{}", csv.stdout);
    std::fs::remove_dir_all(&dir).unwrap();
}

/// A rule the refinement decided reads as decided: the sentence that the subdistrict does not matter, and no
/// open comparison (「尚无法比较」) beneath a ✓ that would read as doubt on the signed report.
#[test]
fn a_refined_rule_shows_no_open_comparison() {
    let dir = std::env::temp_dir().join(format!("comply-refined-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let facts = dir.join("dongtou.toml");
    std::fs::write(
        &facts,
        "policy = \"minimum_wage\"\nas_of = \"2016-03-01\"\n[facts]\ncounty = \"洞头区\"\nemployment = \"full_time\"\nmonthly_wage = 1900\n",
    )
    .unwrap();
    let out = common::comply_with_input(&["check", "--facts", facts.to_str().unwrap()], "");
    std::fs::remove_dir_all(&dir).unwrap();
    assert_eq!(out.code, 0, "{}{}", out.stdout, out.stderr);
    assert!(out.stdout.contains("无论洞头区所在街道（乡镇）如何填写，本条结果都相同"), "{}", out.stdout);
    assert!(!out.stdout.contains("尚无法比较"), "{}", out.stdout);
}

/// A rule the refinement decided still shows the wage it compared, against every minimum the subdistrict could
/// select, so the clerk sees why the subdistrict does not matter (1900 clears both tiers; 1600 clears neither).
#[test]
fn a_refined_rule_names_the_wage_against_each_possible_minimum() {
    let dir = std::env::temp_dir().join(format!("comply-refined-tiers-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let check = |wage: &str, lang: &str| {
        let facts = dir.join(format!("dongtou-{wage}.toml"));
        std::fs::write(
            &facts,
            format!("policy = \"minimum_wage\"\nas_of = \"2016-03-01\"\n[facts]\ncounty = \"洞头区\"\nemployment = \"full_time\"\nmonthly_wage = {wage}\n"),
        )
        .unwrap();
        common::comply_with_input(&["check", "--facts", facts.to_str().unwrap(), "--lang", lang], "")
    };
    let (pass, fail, en) = (check("1900", "zh"), check("1600", "zh"), check("1900", "en"));
    std::fs::remove_dir_all(&dir).unwrap();
    assert_eq!((pass.code, fail.code), (0, 1), "{}{}", pass.stdout, fail.stdout);
    assert!(
        pass.stdout.contains("✓ 月工资 1900 元/月，达到 最低月工资标准的每一可能取值（1660 元/月、1860 元/月）"),
        "{}",
        pass.stdout
    );
    assert!(
        fail.stdout.contains("✗ 月工资 1600 元/月，未达到 最低月工资标准的任一可能取值（1660 元/月、1860 元/月）"),
        "{}",
        fail.stdout
    );
    assert!(
        en.stdout.contains(
            "Monthly wage 1900 元/月, reaches each possible value of Monthly minimum wage (1660 元/月, 1860 元/月)"
        ),
        "{}",
        en.stdout
    );
    for out in [&pass, &fail] {
        assert!(!out.stdout.contains("尚无法比较"), "{}", out.stdout);
    }
}
