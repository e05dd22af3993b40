//! Engine properties over every shipped policy and every example policy, on fact sets generated from
//! each policy's schema (`comply::generate`): biased to the thresholds, the enum values and unknowns.
//! A failure prints the smallest fact file (facts removed one at a time while it still fails) to
//! reproduce it with `comply check`.

use crate::common;

use comply::eval::{self, Evaluation, FactMask, FactSet, Inapplicable, Outcome, Verdict};
use comply::explain::{self, Lang, render};
use comply::generate::{Generator, Rng, to_toml, unit_variant};
use comply::policy::{Consequence, FactId, Policy, Property, Type};
use jiff::civil::Date;

/// Cases per policy and property; the whole file runs in a few seconds in a debug build.
const CASES: u64 = 200;

fn policies() -> Vec<Policy> {
    common::shipped_and_example_policies()
}

/// Removes facts one at a time while `still_fails` holds, so the counterexample names only what matters.
fn shrink(facts: &FactSet, still_fails: impl Fn(&FactSet) -> bool) -> FactSet {
    let mut best = facts.clone();
    for i in 0..best.values.len() {
        if best.values[i].is_some() {
            let mut trial = best.clone();
            trial.values[i] = None;
            if still_fails(&trial) {
                best = trial;
            }
        }
    }
    best
}

/// Runs `check` over generated cases of every policy; collects the failures (shrunk) and fails once.
fn for_all(name: &str, check: impl Fn(&Generator<'_>, &FactSet, Date, &mut Rng) -> Result<(), String>) {
    let mut failures = Vec::new();
    let mut ran = 0;
    for policy in policies() {
        let generator = Generator::new(&policy);
        for seed in 0..CASES {
            let mut rng = Rng::new(seed);
            let as_of = generator.as_of(&mut rng);
            let facts = generator.fact_set(&mut rng, as_of);
            ran += 1;
            if let Err(message) = check(&generator, &facts, as_of, &mut Rng::new(seed ^ 0xA5A5)) {
                let small = shrink(&facts, |f| check(&generator, f, as_of, &mut Rng::new(seed ^ 0xA5A5)).is_err());
                let again = check(&generator, &small, as_of, &mut Rng::new(seed ^ 0xA5A5)).err().unwrap_or(message);
                failures.push(format!(
                    "{name}: policy {} seed {seed}: {again}\n{}",
                    policy.id(),
                    to_toml(&policy, &small, Some(as_of))
                ));
                if failures.len() >= 5 {
                    break;
                }
            }
        }
    }
    assert!(ran >= 3 * CASES, "too few cases ran: {ran}");
    assert!(failures.is_empty(), "{} counterexample(s):\n{}", failures.len(), failures.join("\n"));
}

fn level(c: &Consequence) -> Option<usize> {
    match c {
        Consequence::NotApplicable => Some(0),
        Consequence::Fail { .. } => Some(1),
        Consequence::Refer { .. } => Some(2),
        Consequence::Warn => None,
    }
}

const LEVEL_VERDICT: [Verdict; 3] = [Verdict::NotApplicable, Verdict::Fail, Verdict::Refer];

/// The documented precedence, written independently of `eval::combine`: an unknown rule may still turn
/// out either way, so the verdict is decided exactly when the worst and the best completions agree.
fn oracle(policy: &Policy, ev: &Evaluation) -> (Verdict, FactMask) {
    if matches!(ev.inapplicable, Some(Inapplicable::BeforeInForce | Inapplicable::AfterExpiry)) {
        return (Verdict::NotApplicable, FactMask::EMPTY);
    }
    let mut failed = [false; 3];
    let mut unknown = [false; 3];
    let mut missing = [FactMask::EMPTY; 3];
    for (rule, result) in policy.rules().iter().zip(&ev.rules) {
        let Some(l) = level(&rule.consequence) else { continue };
        match result.outcome {
            Outcome::Fail | Outcome::Refer => failed[l] = true,
            Outcome::Unknown => {
                unknown[l] = true;
                missing[l] = missing[l].union(result.missing);
            }
            _ => {}
        }
    }
    let worst = (0..3).find(|l| failed[*l] || unknown[*l]).map_or(Verdict::Pass, |l| LEVEL_VERDICT[l]);
    let best = (0..3).find(|l| failed[*l]).map_or(Verdict::Pass, |l| LEVEL_VERDICT[l]);
    if worst == best {
        return (worst, FactMask::EMPTY);
    }
    // Undetermined: the facts of the unknown rules above the first level a decided failure settles (an
    // unknown rule on that level or below cannot move the verdict).
    let mask = (0..3).take_while(|l| !failed[*l]).fold(FactMask::EMPTY, |m, l| m.union(missing[l]));
    (Verdict::Undetermined, mask)
}

#[test]
fn deterministic_evaluation_and_reports() {
    for_all("determinism", |g, facts, as_of, _| {
        let (a, b) = (eval::evaluate(g.policy, facts, as_of), eval::evaluate(g.policy, &facts.clone(), as_of));
        if a != b {
            return Err(format!("two evaluations differ: {a:?} vs {b:?}"));
        }
        for lang in [Lang::Zh, Lang::En] {
            let (r1, r2) =
                (explain::report(g.policy, facts, as_of, lang), explain::report(g.policy, facts, as_of, lang));
            if render::text(&r1, lang) != render::text(&r2, lang) || render::json(&r1) != render::json(&r2) {
                return Err("two renderings of the same case differ".into());
            }
            if r1.verdict != a.verdict {
                return Err(format!("report says {:?} but evaluation {:?}", r1.verdict, a.verdict));
            }
        }
        Ok(())
    });
}

#[test]
fn verdict_follows_the_documented_precedence() {
    // The lattice over the rules' results is Kleene's verdict; the exact refinement is checked in `exactness`.
    for_all("precedence", |g, facts, as_of, _| {
        let ev = eval::kleene(g.policy, facts, as_of);
        for (rule, result) in g.policy.rules().iter().zip(&ev.rules) {
            let allowed = match (&rule.consequence, result.outcome) {
                (_, Outcome::Pass | Outcome::Unknown | Outcome::Skipped) => true,
                (Consequence::Fail { .. } | Consequence::NotApplicable, o) => o == Outcome::Fail,
                (Consequence::Refer { .. }, o) => o == Outcome::Refer,
                (Consequence::Warn, o) => o == Outcome::Warn,
            };
            if !allowed {
                return Err(format!("rule {} has outcome {:?} for {:?}", rule.id, result.outcome, rule.consequence));
            }
        }
        let (verdict, missing) = oracle(g.policy, &ev);
        if verdict != ev.verdict {
            return Err(format!("verdict {:?}, precedence gives {verdict:?}", ev.verdict));
        }
        if missing != ev.missing {
            let names = |m: FactMask| m.iter().map(|f| g.policy.facts()[f as usize].name.clone()).collect::<Vec<_>>();
            return Err(format!("missing {:?}, precedence gives {:?}", names(ev.missing), names(missing)));
        }
        Ok(())
    });
}

#[test]
fn every_fail_names_the_values_compared() {
    // A fail Kleene decides is explained by a failing rule; a fail only the exact refinement finds (every
    // completion fails) has no single failing rule to point at yet.
    for_all("explained fail", |g, facts, as_of, _| {
        let ev = eval::kleene(g.policy, facts, as_of);
        if ev.verdict != Verdict::Fail {
            return Ok(());
        }
        for lang in [Lang::Zh, Lang::En] {
            let report = explain::report(g.policy, facts, as_of, lang);
            let explained = report.rules.iter().zip(g.policy.rules()).any(|(r, def)| {
                r.outcome == explain::RuleOutcome::Fail
                    && matches!(def.consequence, Consequence::Fail { .. })
                    && !r.details.is_empty()
                    && !r.explanation.trim().is_empty()
            });
            if !explained {
                return Err(format!("verdict fail ({lang:?}) but no failing rule explains the values compared"));
            }
        }
        Ok(())
    });
}

fn unknown_facts(g: &Generator<'_>, facts: &FactSet) -> Vec<FactId> {
    (0..g.policy.facts().len() as FactId)
        .filter(|f| facts.get(*f).is_none() && g.policy.facts()[*f as usize].ty != Type::Mixed)
        .collect()
}

#[test]
fn missing_facts_are_exactly_the_ones_that_matter() {
    for_all("missing facts", |g, facts, as_of, rng| {
        let ev = eval::evaluate(g.policy, facts, as_of);
        if ev.verdict == Verdict::Undetermined {
            // Filling every listed fact decides the verdict, unless what is left is undefined arithmetic
            // (a division by zero, a parameter with no value in force), which no fact can fix.
            for _ in 0..4 {
                let mut filled = facts.clone();
                for f in ev.missing.iter() {
                    filled.set(f, g.value(f, rng));
                }
                let after = eval::evaluate(g.policy, &filled, as_of);
                let undefined = after.rules.iter().any(|r| r.outcome == Outcome::Unknown && r.undefined.is_some());
                if after.verdict == Verdict::Undetermined && !(undefined && after.missing.is_empty()) {
                    return Err(format!(
                        "undetermined, missing {:?}; with those filled still undetermined, missing {:?}",
                        names(g, ev.missing),
                        names(g, after.missing)
                    ));
                }
            }
            // A fact not listed changes nothing: still undetermined, on the same facts.
            let unlisted: Vec<FactId> =
                unknown_facts(g, facts).into_iter().filter(|f| !ev.missing.contains(*f)).collect();
            let mut filled = facts.clone();
            for f in &unlisted {
                filled.set(*f, g.value(*f, rng));
            }
            let after = eval::evaluate(g.policy, &filled, as_of);
            if after.verdict != Verdict::Undetermined || after.missing != ev.missing {
                return Err(format!(
                    "undetermined on {:?}; filling unlisted facts gave {:?} on {:?}",
                    names(g, ev.missing),
                    after.verdict,
                    names(g, after.missing)
                ));
            }
        } else {
            // A decided verdict stands whatever the unknown facts turn out to be: one at a time, and all.
            let unknown = unknown_facts(g, facts);
            let mut all = facts.clone();
            for f in &unknown {
                let value = g.value(*f, rng);
                let mut one = facts.clone();
                one.set(*f, value.clone());
                all.set(*f, value);
                let after = eval::evaluate(g.policy, &one, as_of);
                if after.verdict != ev.verdict {
                    return Err(format!(
                        "decided {:?}, but giving {} a value makes it {:?}",
                        ev.verdict,
                        g.policy.facts()[*f as usize].name,
                        after.verdict
                    ));
                }
            }
            let after = eval::evaluate(g.policy, &all, as_of);
            if after.verdict != ev.verdict {
                return Err(format!(
                    "decided {:?}, but filling every unknown fact gives {:?}",
                    ev.verdict, after.verdict
                ));
            }
        }
        Ok(())
    });
}

fn names(g: &Generator<'_>, m: FactMask) -> Vec<String> {
    m.iter().map(|f| g.policy.facts()[f as usize].name.clone()).collect()
}

#[test]
fn the_same_facts_in_other_units_give_the_same_answer() {
    for_all("unit invariance", |g, facts, as_of, rng| {
        let mut variant = facts.clone();
        for (i, def) in g.policy.facts().iter().enumerate() {
            if let Some(v) = facts.get(i as FactId) {
                variant.set(i as FactId, Some(unit_variant(v, def.whole, rng)));
            }
        }
        let (a, b) = (eval::evaluate(g.policy, facts, as_of), eval::evaluate(g.policy, &variant, as_of));
        let outcomes = |e: &Evaluation| e.rules.iter().map(|r| r.outcome).collect::<Vec<_>>();
        if a.verdict != b.verdict || outcomes(&a) != outcomes(&b) {
            let changed: Vec<String> = g
                .policy
                .rules()
                .iter()
                .zip(a.rules.iter().zip(&b.rules))
                .filter(|(_, (x, y))| x.outcome != y.outcome)
                .map(|(r, (x, y))| format!("{} {:?} -> {:?}", r.id, x.outcome, y.outcome))
                .collect();
            return Err(format!(
                "verdict {:?} becomes {:?} in other units ({}); variant:\n{}",
                a.verdict,
                b.verdict,
                changed.join(", "),
                to_toml(g.policy, &variant, Some(as_of))
            ));
        }
        // The fact file a report or `comply diff` prints reads back to the same answer.
        let text = to_toml(g.policy, &variant, Some(as_of));
        let file = comply::facts::read_file("case.toml", &text).map_err(|e| format!("{e:?}\n{text}"))?;
        let bound = comply::facts::bind(g.policy, &file.facts).map_err(|e| format!("{e:?}\n{text}"))?;
        let c = eval::evaluate(g.policy, &bound, as_of);
        if c.verdict != a.verdict || outcomes(&c) != outcomes(&a) {
            return Err(format!("the fact file round trip changes {:?} to {:?}:\n{text}", a.verdict, c.verdict));
        }
        Ok(())
    });
}

#[test]
fn declared_monotonicity_holds() {
    let mut checked = 0;
    for policy in policies() {
        for property in policy.properties() {
            checked += 1;
            let counterexamples = comply::generate::check_property(&policy, *property, CASES as usize, 7);
            let (fact, word) = match property {
                Property::Increasing(f) => (*f, "increasing"),
                Property::Decreasing(f) => (*f, "decreasing"),
            };
            assert!(
                counterexamples.is_empty(),
                "policy {}: property {word} {} fails:\n{}",
                policy.id(),
                policy.facts()[fact as usize].name,
                counterexamples.iter().map(|c| c.to_string()).collect::<Vec<_>>().join("\n")
            );
        }
    }
    assert!(checked >= 2, "the shipped packs declare monotonicity properties; found {checked}");
}

/// The monotonicity check of an ordered enum can fail: a rule that reads the grade against its order
/// (「一级以下」 required) is caught when the property claims that a better grade never hurts.
#[test]
fn a_grade_property_against_the_order_is_caught() {
    let text = r#"
policy grades {
  title "等级" en "Grades"
  source { title "示例通知" number none issuer "示例局" signed 2021-01-01 }
  in_force from 2021-01-01
  enum grade ordered { 未定级, 一级, 二级乙等, 二级甲等 }
  fact hospital: grade { label "医院等级" }
  rule r { title "一级以下" clause "一" require hospital <= 一级（以下） }
  property increasing hospital
}
"#;
    let no_sources =
        |_: &str, _: &str| Err(comply::check::SourceProblem::Read(comply::limits::ReadProblem::Io("none".into())));
    let book = comply::Rulebook::from_texts(vec![("grades.rules".to_string(), text.to_string())], &no_sources)
        .unwrap_or_else(|e| panic!("{}", e.render()));
    let policy = book.policy("grades").expect("policy");
    let property = policy.properties()[0];
    let found = comply::generate::check_property(policy, property, CASES as usize, 7);
    let first = found.first().expect("a better grade that fails must be found");
    // Before: a grade that passes (未定级 or 一级); after: a better one that fails.
    assert!(["未定级", "一级"].contains(&first.before.as_str()), "{first}");
    assert!(["二级乙等", "二级甲等"].contains(&first.after.as_str()), "{first}");
}
