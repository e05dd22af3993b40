//! The question plan: which unknown facts can still change a case's answer, in the order to ask them. One
//! planner for `comply plan`, `comply ask`, `/v1/plan` and the self-assessment page; they only put it into
//! words.
//!
//! The questions are the facts the exact verdict lists as `missing` (each can change the verdict alone in
//! some completion, `eval::exact`), then, unless the case already fails or is out of scope, the facts an
//! unknown output waits for (an approval route is what a firm most wants to know), except a fact the
//! exact search proved cannot change the verdict. They are ranked:
//!
//! 1. verdict questions before output-only ones;
//! 2. a fact that only matters through another open fact comes after it. Fact A *gates* fact B when some
//!    answer to A makes B irrelevant while no answer to B makes A irrelevant (a county other than 洞头区
//!    drops the subdistrict; no subdistrict drops the county; a wage above both of 洞头区's tiers drops
//!    the subdistrict too). Relevance is the missing set after the answer, one probe per class of A
//!    (`partition`), refined by the exact search within a small budget per probe and per plan
//!    (`PROBE_BUDGET`), so the cost is bounded whatever the number of open facts. An answer that fails
//!    the case or puts it out of scope is not counted: it drops every other fact, which makes it a question
//!    to ask early, not one the others depend on. A question's depth is the longest chain of gates above
//!    it;
//! 3. then by the highest level of the verdict lattice among the rules it can settle (scope, then fail,
//!    then refer: whether the notice applies at all is asked first);
//! 4. then by how many open rules and outputs the answer can settle, more first;
//! 5. ties in the rule file's order of the facts.

use jiff::civil::Date;

use crate::eval::{self, Env, FactMask, FactSet, Outcome, Value, Verdict};
use crate::policy::{FactId, Level, Policy, RuleDef};

/// The verdict so far and the questions that can still change the answer, most useful first.
#[derive(Debug, Clone, PartialEq)]
pub struct Plan {
    pub verdict: Verdict,
    /// The exact search ran out of work: some questions may not in fact be able to change the verdict.
    pub approximate: bool,
    pub questions: Vec<Question>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Question {
    pub fact: FactId,
    /// The rules (by id) and outputs (by name) whose outcome the answer can settle.
    pub why: Vec<String>,
    /// The open facts this one is asked after, because it only matters through them.
    pub after: Vec<FactId>,
    /// Only an output waits for it; the verdict does not depend on it.
    pub output_only: bool,
}

/// The plan for `facts` on `as_of`, leaving out facts the applicant said they cannot answer (`skipped`).
pub fn plan(policy: &Policy, facts: &FactSet, as_of: Date, skipped: &[FactId]) -> Plan {
    plan_for(policy, facts, as_of, skipped, true)
}

/// The plan for the verdict alone (`ask --until-verdict`): no output's facts, and the ranking ignores the
/// outputs too, so a fact a route waits for does not jump ahead of the one that decides the case.
pub fn verdict_plan(policy: &Policy, facts: &FactSet, as_of: Date, skipped: &[FactId]) -> Plan {
    plan_for(policy, facts, as_of, skipped, false)
}

fn plan_for(policy: &Policy, facts: &FactSet, as_of: Date, skipped: &[FactId], outputs: bool) -> Plan {
    let evaluation = eval::evaluate(policy, facts, as_of);
    let asked = |f: &FactId| !skipped.contains(f) && facts.get(*f).is_none();
    let mut wanted: Vec<(FactId, Vec<String>, bool)> = Vec::new();
    let mut levels: Vec<Option<Level>> = Vec::new();
    for id in evaluation.missing.iter().filter(asked) {
        let open: Vec<&RuleDef> = policy
            .rules()
            .iter()
            .zip(&evaluation.rules)
            .filter(|(_, r)| r.outcome == Outcome::Unknown && r.missing.contains(id))
            .map(|(rule, _)| rule)
            .collect();
        levels.push(open.iter().filter_map(|rule| rule.consequence.level()).min());
        wanted.push((id, open.iter().map(|rule| rule.id.clone()).collect(), false));
    }
    // A fact Kleene waited for but the exact search proved cannot change the verdict (the subdistrict of a
    // 洞头区 wage above both tiers) is not asked merely to name an output (the tier): the answer no longer
    // matters to the applicant. Facts only an output reads (an approval route's) are asked.
    let settled = eval::kleene(policy, facts, as_of).missing.difference(evaluation.missing);
    if outputs && reports_outputs(evaluation.verdict) {
        let mut env = Env::new(policy, facts, as_of);
        for output in policy.outputs() {
            let Value::Unknown { facts: waiting, .. } = env.derived(*output) else { continue };
            let name = &policy.derived()[*output as usize].name;
            for id in waiting.iter().filter(asked).filter(|f| !settled.contains(*f)) {
                match wanted.iter_mut().find(|(f, _, _)| *f == id) {
                    Some((_, why, _)) => why.push(name.clone()),
                    None => {
                        levels.push(None);
                        wanted.push((id, vec![name.clone()], true));
                    }
                }
            }
        }
    }
    let ids: Vec<FactId> = wanted.iter().map(|(f, _, _)| *f).collect();
    let gates = gates(policy, facts, as_of, &ids, outputs);
    let depth = depths(&gates);
    let mut questions: Vec<((usize, Option<Level>), Question)> = wanted
        .into_iter()
        .enumerate()
        .map(|(i, (fact, why, output_only))| {
            let after = ids.iter().enumerate().filter(|(a, _)| gates[*a][i]).map(|(_, f)| *f).collect();
            ((depth[i], levels.get(i).copied().flatten()), Question { fact, why, after, output_only })
        })
        .collect();
    questions.sort_by_key(|((depth, level), q)| {
        (q.output_only, *depth, level.is_none(), *level, std::cmp::Reverse(q.why.len()), q.fact)
    });
    Plan {
        verdict: evaluation.verdict,
        approximate: evaluation.approximate,
        questions: questions.into_iter().map(|(_, q)| q).collect(),
    }
}

/// Where a case fails or is out of scope its outputs (the approval routes) do not apply.
fn reports_outputs(verdict: Verdict) -> bool {
    !matches!(verdict, Verdict::Fail | Verdict::NotApplicable)
}

/// Kleene evaluations all the probes of one plan may spend refining their answers; past it the probes
/// are Kleene's alone (a gate Kleene cannot see is then missed, never invented).
const PROBE_BUDGET: usize = 600;
/// The share of it one probe may spend.
const PER_PROBE: usize = 40;

/// The open facts of a case: the verdict's missing facts (refined while `budget` lasts) and those an
/// unknown output waits for; `None` when the case fails or is out of scope.
fn open(policy: &Policy, facts: &FactSet, as_of: Date, outputs: bool, budget: &mut usize) -> Option<FactMask> {
    let mut env = Env::new(policy, facts, as_of);
    let evaluation = env.kleene_evaluation();
    let mut decision = eval::Decision {
        verdict: evaluation.verdict,
        inapplicable: evaluation.inapplicable,
        missing: evaluation.missing,
        approximate: false,
    };
    if evaluation.verdict == Verdict::Undetermined && *budget > 0 {
        let spend = PER_PROBE.min(*budget);
        *budget -= spend;
        decision = eval::exact::refine_within(policy, facts, as_of, decision, &mut eval::Scratch::new(), spend);
    }
    // As in `plan`: a fact proved unable to change the verdict is not asked for an output.
    let settled = evaluation.missing.difference(decision.missing);
    if !reports_outputs(decision.verdict) {
        return None;
    }
    let mut open = decision.missing;
    for output in policy.outputs().iter().filter(|_| outputs) {
        if let Value::Unknown { facts: waiting, .. } = env.derived(*output) {
            open = open.union(waiting.difference(settled));
        }
    }
    Some(open)
}

/// How many rules fail (or refer) by Kleene: a probe that adds one has answered with a failure.
fn failures(policy: &Policy, facts: &FactSet, as_of: Date) -> usize {
    let evaluation = eval::kleene(policy, facts, as_of);
    evaluation.rules.iter().filter(|r| matches!(r.outcome, Outcome::Fail | Outcome::Refer)).count()
}

/// `gates[a][b]`: `ids[a]` gates `ids[b]` (see the module doc).
fn gates(policy: &Policy, facts: &FactSet, as_of: Date, ids: &[FactId], outputs: bool) -> Vec<Vec<bool>> {
    // drops[a][b]: some answer to ids[a] leaves ids[b] irrelevant.
    let mut drops = vec![vec![false; ids.len()]; ids.len()];
    let mut budget = PROBE_BUDGET;
    let failed = failures(policy, facts, as_of);
    for (a, &fact) in ids.iter().enumerate() {
        let Some(classes) = policy.partition().classes(policy, fact, facts, as_of, &[]) else { continue };
        let mut probe = facts.clone();
        for class in classes.classes {
            probe.set(fact, Some(class.value));
            // An answer that fails the case or puts it out of scope makes every other fact irrelevant: that
            // is a question worth asking early (the lattice level sees to it), not a dependency.
            if failures(policy, &probe, as_of) > failed {
                continue;
            }
            let Some(open) = open(policy, &probe, as_of, outputs, &mut budget) else { continue };
            for (b, &other) in ids.iter().enumerate() {
                drops[a][b] |= b != a && !open.contains(other);
            }
        }
    }
    (0..ids.len()).map(|a| (0..ids.len()).map(|b| drops[a][b] && !drops[b][a]).collect()).collect()
}

/// The longest chain of gates above each question (a cycle, which the asymmetry makes rare, is cut after
/// as many rounds as there are questions).
fn depths(gates: &[Vec<bool>]) -> Vec<usize> {
    let n = gates.len();
    let mut depth = vec![0usize; n];
    for _ in 0..n {
        let mut changed = false;
        for b in 0..n {
            let deepest = (0..n).filter(|a| gates[*a][b]).map(|a| depth[a] + 1).max().unwrap_or(0);
            if deepest > depth[b] {
                depth[b] = deepest.min(n);
                changed = true;
            }
        }
        if !changed {
            break;
        }
    }
    depth
}
