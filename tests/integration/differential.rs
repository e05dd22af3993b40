//! `comply diff` checked against plain evaluation: every shipped and example policy is mutated the ways a
//! rule change goes wrong (an operator flipped, a constant moved one step, a date comparison made strict,
//! two table rows swapped), and whenever `diff` proves the two versions equivalent, both versions are
//! evaluated over generated cases and over every class of the changed rules' facts: no case may answer
//! differently. Where `diff` says they differ, a verdict change found by evaluation must show in some
//! region's verdicts (a background that leaves a scope rule failing would hide it), unless `diff` says
//! which unaffected rules no background could make pass.

use std::path::Path;

use comply::Rulebook;
use comply::diff::{Method, diff_policy, words};
use comply::eval::{self, Env, FactSet};
use comply::explain::Lang;
use comply::generate::{Generator, Rng, to_toml};
use comply::policy::Policy;
use jiff::civil::Date;

/// Mutations tried per policy file and generated cases per mutation; the file runs in seconds.
const MUTATIONS_PER_FILE: usize = 8;
const SAMPLES: u64 = 80;
/// Points of the class product tried per mutation.
const PRODUCT_CAP: usize = 4000;

fn files() -> Vec<String> {
    let root = env!("CARGO_MANIFEST_DIR");
    let mut out = Vec::new();
    for dir in ["rules", "examples/features"] {
        let mut names: Vec<String> = std::fs::read_dir(format!("{root}/{dir}"))
            .unwrap()
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.extension().is_some_and(|x| x == "rules"))
            .map(|p| p.display().to_string())
            .collect();
        names.sort();
        out.extend(names);
    }
    assert!(out.len() >= 6, "expected every shipped and example policy file, found {out:?}");
    out
}

fn load(path: &str, text: &str) -> Option<Rulebook> {
    let read_source = |rule_file: &str, source: &str| {
        let base = Path::new(rule_file).parent().unwrap_or(Path::new("."));
        std::fs::read_to_string(base.join(source)).map_err(|_| comply::check::SourceProblem::Outside)
    };
    Rulebook::from_texts(vec![(path.to_string(), text.to_string())], &read_source).ok()
}

/// The rule lines a mutation may touch: `require`/`when` conditions, table rows and dated figures, never a
/// comment or a quote.
fn code_part(line: &str) -> &str {
    line.split('#').next().unwrap_or("")
}

/// Every single-edit mutation of a rule text, with a description.
fn mutations(text: &str) -> Vec<(String, String)> {
    let lines: Vec<&str> = text.lines().collect();
    let mut out = Vec::new();
    let rebuild = |i: usize, new_line: String| {
        let mut copy: Vec<String> = lines.iter().map(|s| s.to_string()).collect();
        copy[i] = new_line;
        copy.join("\n") + "\n"
    };
    let mut in_table = false;
    let mut table_rows: Vec<usize> = Vec::new();
    for (i, line) in lines.iter().enumerate() {
        let code = code_part(line);
        let trimmed = code.trim_start();
        if trimmed.starts_with("table ") {
            in_table = true;
            table_rows.clear();
            continue;
        }
        if in_table {
            if trimmed.starts_with('}') {
                in_table = false;
                for pair in table_rows.windows(2) {
                    let mut copy: Vec<String> = lines.iter().map(|s| s.to_string()).collect();
                    copy.swap(pair[0], pair[1]);
                    out.push((format!("swap table rows {} and {}", pair[0] + 1, pair[1] + 1), copy.join("\n") + "\n"));
                }
            } else if trimmed.contains("=>") {
                table_rows.push(i);
            }
            continue;
        }
        let condition = trimmed.starts_with("require ") || trimmed.starts_with("when ");
        if condition {
            // Flip each comparison to its strict or non-strict twin, dropping the clause word that would
            // no longer match it (the checker rejects 以下 on `<`).
            for (from, to) in [(">=", ">"), ("<=", "<"), (" > ", " >= "), (" < ", " <= ")] {
                if let Some(at) = code.find(from) {
                    let mut changed = format!("{}{}{}", &code[..at], to, &code[at + from.len()..]);
                    if let (Some(open), Some(close)) = (changed.find('（'), changed.find('）'))
                        && open < close
                    {
                        changed.replace_range(open..close + '）'.len_utf8(), "");
                    }
                    let what = if code.contains("as_of") { "date comparison" } else { "operator" };
                    out.push((format!("line {}: {what} {from} -> {to}", i + 1), rebuild(i, changed)));
                }
            }
        }
        let figure = condition || trimmed.starts_with("param ") || trimmed.contains("=> ");
        if figure {
            // Move the first number written with a unit or alone one step of its last digit.
            if let Some((start, end)) = first_number(code) {
                let number = &code[start..end];
                let decimals = number.split('.').nth(1).map_or(0, str::len);
                if let Ok(value) = number.parse::<rust_decimal::Decimal>() {
                    let step = rust_decimal::Decimal::new(1, decimals as u32);
                    for moved in [value + step, value - step] {
                        if moved.is_sign_negative() {
                            continue;
                        }
                        let changed = format!("{}{}{}", &code[..start], moved, &code[end..]);
                        out.push((format!("line {}: {number} -> {moved}", i + 1), rebuild(i, changed)));
                    }
                }
            }
        }
    }
    out
}

/// The first decimal number in a line that is not part of a name or a date.
fn first_number(code: &str) -> Option<(usize, usize)> {
    let bytes = code.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        let c = bytes[i];
        let prev_ok = i == 0 || !(bytes[i - 1].is_ascii_alphanumeric() || bytes[i - 1] == b'_' || bytes[i - 1] == b'-');
        if c.is_ascii_digit() && prev_ok {
            let start = i;
            while i < bytes.len() && (bytes[i].is_ascii_digit() || bytes[i] == b'.') {
                i += 1;
            }
            let next_is_dash = bytes.get(i) == Some(&b'-');
            if !next_is_dash && !code[start..i].ends_with('.') {
                return Some((start, i));
            }
        }
        i += 1;
    }
    None
}

/// Everything a case's answer shows: the verdict, each rule's outcome, each output's value.
fn answer(policy: &Policy, facts: &FactSet, as_of: Date) -> String {
    let evaluation = eval::kleene(policy, facts, as_of);
    let mut env = Env::new(policy, facts, as_of);
    let outputs: Vec<String> = policy.outputs().iter().map(|id| format!("{:?}", env.derived(*id))).collect();
    let rules: Vec<&str> = evaluation.rules.iter().map(|r| r.outcome.as_str()).collect();
    format!("{} {rules:?} {outputs:?}", evaluation.verdict.as_str())
}

/// A case where the two versions answer differently, found by evaluation alone.
fn first_difference(old: &Policy, new: &Policy, influenced: &[String]) -> Option<(String, bool)> {
    let try_case = |facts: &FactSet, as_of: Date| {
        let (a, b) = (answer(old, facts, as_of), answer(new, facts, as_of));
        (a != b).then(|| {
            let verdicts = eval::kleene(old, facts, as_of).verdict != eval::kleene(new, facts, as_of).verdict;
            (format!("old: {a}\nnew: {b}\n{}", to_toml(new, facts, Some(as_of))), verdicts)
        })
    };
    let mut verdict_difference = None;
    let mut any = None;
    let mut note = |found: Option<(String, bool)>| {
        if let Some((text, verdicts)) = found {
            if verdicts && verdict_difference.is_none() {
                verdict_difference = Some((text.clone(), true));
            }
            any.get_or_insert((text, verdicts));
        }
    };
    for policy in [old, new] {
        let generator = Generator::new(policy);
        for seed in 0..SAMPLES {
            let mut rng = Rng::new(seed);
            let as_of = generator.as_of(&mut rng);
            let facts = generator.fact_set(&mut rng, as_of);
            note(try_case(&facts, as_of));
        }
        // Every class of each fact the change can influence, around generated backgrounds.
        for seed in 0..1u64 {
            let mut rng = Rng::new(1000 + seed);
            for &as_of in generator.dates().iter().step_by(1 + generator.dates().len() / 3) {
                let background = generator.fact_set(&mut rng, as_of);
                for fact in influenced.iter().filter_map(|name| policy.fact_index(name)) {
                    let Some(classes) = policy.partition().classes(policy, fact, &background, as_of, &[]) else {
                        continue;
                    };
                    for class in classes.classes.into_iter().take(PRODUCT_CAP) {
                        let mut facts = background.clone();
                        facts.set(fact, Some(class.value));
                        note(try_case(&facts, as_of));
                    }
                }
            }
        }
    }
    verdict_difference.or(any)
}

#[test]
fn diff_never_proves_a_changed_answer_equivalent() {
    let mut failures = Vec::new();
    let (mut proved, mut tried) = (0, 0);
    for path in files() {
        let text = std::fs::read_to_string(&path).unwrap();
        let original = load(&path, &text).unwrap_or_else(|| panic!("{path} loads"));
        let mutations = mutations(&text);
        let stride = (mutations.len() / MUTATIONS_PER_FILE).max(1);
        for (what, mutated) in mutations.into_iter().step_by(stride).take(MUTATIONS_PER_FILE) {
            let Some(changed) = load(&path, &mutated) else { continue };
            for new in changed.policies() {
                let Some(old) = original.policy(new.id()) else { continue };
                tried += 1;
                let report = diff_policy(old, new, None);
                let exhaustive = matches!(report.method, Method::Exhaustive { .. } | Method::Identical);
                let found = first_difference(old, new, &report.influenced);
                match (&found, report.equivalent(), exhaustive) {
                    (Some((case, _)), true, true) => failures.push(format!(
                        "{path} ({what}): diff says exhaustive and equivalent, but a case differs:\n{case}"
                    )),
                    // Unless diff said which unaffected rules it could not make pass.
                    (Some((case, true)), false, true)
                        if report.background_unmet.is_empty()
                            && !report.regions.iter().any(|r| r.verdicts.0 != r.verdicts.1) =>
                    {
                        failures.push(format!(
                            "{path} ({what}): a verdict changes, but every region diff reports keeps its verdict \
                             (other facts held: {}):\n{case}",
                            report
                                .background
                                .iter()
                                .map(|(f, v)| format!("{f} = {v:?}"))
                                .collect::<Vec<_>>()
                                .join(", ")
                        ))
                    }
                    _ => {}
                }
                proved += usize::from(exhaustive && report.equivalent());
            }
        }
    }
    assert!(tried >= 40, "too few mutations loaded: {tried}");
    assert!(failures.is_empty(), "{} failure(s) over {tried} mutations:\n{}", failures.len(), failures.join("\n\n"));
    // Some mutations are equivalent (a constant moved where no case can tell), so the proof path is exercised.
    assert!(proved > 0, "no mutation was proved equivalent over {tried}");
}

#[test]
fn the_day_itself_is_where_a_strict_date_comparison_differs() {
    let path = format!("{}/examples/features/subsidy.rules", env!("CARGO_MANIFEST_DIR"));
    let text = std::fs::read_to_string(&path).unwrap();
    let strict = text.replace("acceptance_date <= as_of", "acceptance_date < as_of");
    assert_ne!(text, strict);
    let (old, new) = (load(&path, &text).unwrap(), load(&path, &strict).unwrap());
    let (old, new) = (&old.policies()[0], &new.policies()[0]);
    let report = diff_policy(old, new, None);
    assert!(!report.equivalent());
    let region = report.regions.iter().find(|r| r.verdicts == ("pass".to_string(), "fail".to_string()));
    let region = region.unwrap_or_else(|| panic!("no pass → fail region: {:#?}", report.regions));
    let conditions: Vec<String> = region.conditions.iter().map(|c| words::condition(c, new, Lang::En)).collect();
    assert!(conditions.iter().any(|c| c == "acceptance_date = as_of"), "{conditions:?}");
    // The scope rule needs two facts together: the background satisfies both.
    assert!(
        report.background.iter().any(|(f, v)| f == "registered_here" && *v == eval::FactValue::Bool(true)),
        "{:?}",
        report.background
    );
    assert!(report.background_unmet.is_empty(), "{:?}", report.background_unmet);
}
