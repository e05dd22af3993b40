//! Exact three-valued verdicts. Kleene propagation (`Env::decide`) is sound but not exact: a wage of
//! 1900 元/月 in 洞头区 meets both tiers the subdistrict could put it in, yet Kleene sees an unknown
//! minimum and answers `undetermined`. Exact means:
//!
//! - the verdict is decided when every completion of the unknown facts (every value each could take
//!   within its type, enum, set or sign) gives that verdict;
//! - `missing` lists exactly the facts that are pivotal: for some completion of the others, changing that
//!   fact alone changes the verdict.
//!
//! Only a Kleene `undetermined` is refined. The values of an unknown fact fall into finitely many classes
//! (`partition`): within a class no comparison, table or derived value can tell two values apart, so one
//! value per class stands for all. The refinement case-splits on the facts Kleene lists, one at a time,
//! re-running Kleene at every node (a node Kleene decides is a subtree of one verdict) and stopping as
//! soon as two verdicts are seen. A fact is pivotal when, with it left unknown, a split of the others
//! reaches a node where only it is open and its classes give different verdicts; a fact whose threshold
//! depends on the fact under test (the wage's minimum on the county) is split at the thresholds of every
//! class of that fact at once. A witness (two verdicts, a pivot) is a proof whatever the classes; a
//! conclusion from finding none is only a proof when every split used complete classes and the work
//! stayed within `BUDGET`. Otherwise the answer falls back to Kleene's, marked `approximate`, and the
//! report says the missing list may be larger than necessary.
//!
//! The same search settles a single rule (`rule_outcome`): a rule Kleene leaves unknown whose every
//! completion gives one outcome (the wage of 1600 元/月 below both tiers) is reported with that outcome,
//! so that a report never says a rule "does not affect the verdict" when it is what decides it.

use jiff::civil::Date;

use super::{Decision, Env, FactMask, FactSet, FactValue, Outcome, RuleResult, Scratch, Value, Verdict};
use crate::partition::Point;
use crate::policy::{FactId, Policy, RuleDef};

/// Kleene evaluations one refinement may spend (each is one `decide` of the case, about a microsecond
/// in a release build); past it the answer is Kleene's, marked approximate.
pub const BUDGET: usize = 2_000;

/// Refines a Kleene decision of `facts` to the exact one (see the module doc).
pub fn refine(policy: &Policy, facts: &FactSet, as_of: Date, kleene: Decision, scratch: &mut Scratch) -> Decision {
    refine_within(policy, facts, as_of, kleene, scratch, BUDGET)
}

/// `refine` with a budget of `budget` Kleene evaluations instead of `BUDGET` (the planner's probes).
pub fn refine_within(
    policy: &Policy,
    facts: &FactSet,
    as_of: Date,
    kleene: Decision,
    scratch: &mut Scratch,
    budget: usize,
) -> Decision {
    if kleene.verdict != Verdict::Undetermined {
        return kleene;
    }
    let mut search = Search { policy, rule: None, as_of, scratch, budget, inexact: false };
    let mut case = facts.clone();
    let mut seen = Seen::default();
    search.verdicts(&mut case, &mut seen);
    if seen.open || search.inexact {
        if seen.count() < 2 {
            // No second verdict found, but a class may have hidden one: Kleene's answer stands.
            return Decision { approximate: true, ..kleene };
        }
    } else if let Some(verdict) = seen.only() {
        return Decision { verdict, inapplicable: seen.inapplicable, missing: FactMask::EMPTY, approximate: false };
    }
    // Two completions differ: undetermined. Keep the pivotal facts.
    let mut missing = FactMask::EMPTY;
    let mut approximate = false;
    for fact in kleene.missing.iter() {
        search.inexact = false;
        let mut case = facts.clone();
        match search.pivotal(&mut case, fact) {
            Some(true) => missing.insert(fact),
            Some(false) if !search.inexact => {}
            _ => {
                missing.insert(fact);
                approximate = true;
            }
        }
    }
    Decision { verdict: Verdict::Undetermined, inapplicable: None, missing, approximate }
}

/// Kleene evaluations of one rule that `rule_outcome` may spend: a rule reads a few facts, so its search
/// is small; past this the rule stays unknown.
pub const RULE_BUDGET: usize = 200;

/// The outcome every completion of `facts` gives `rule`, when Kleene left it unknown and the search proves
/// there is one (`None` otherwise: the rule stays unknown). The search stops at the second outcome.
pub fn rule_outcome(
    policy: &Policy,
    rule: &RuleDef,
    facts: &FactSet,
    as_of: Date,
    kleene: RuleResult,
) -> Option<Outcome> {
    if kleene.outcome != Outcome::Unknown || kleene.missing.is_empty() {
        return None;
    }
    let mut scratch = Scratch::new();
    let mut search =
        Search { policy, rule: Some(rule), as_of, scratch: &mut scratch, budget: RULE_BUDGET, inexact: false };
    let mut seen = Seen::default();
    search.verdicts(&mut facts.clone(), &mut seen);
    if seen.open || search.inexact {
        return None;
    }
    Some(match seen.only()? {
        Verdict::Pass => Outcome::Pass,
        Verdict::NotApplicable => Outcome::Skipped,
        Verdict::Fail => match rule.consequence {
            crate::policy::Consequence::Fail { .. } | crate::policy::Consequence::NotApplicable => Outcome::Fail,
            crate::policy::Consequence::Refer { .. } => Outcome::Refer,
            crate::policy::Consequence::Warn => Outcome::Warn,
        },
        Verdict::Undetermined | Verdict::Refer => return None,
    })
}

/// The verdicts seen so far, and whether part of the space could not be explored at all.
#[derive(Debug, Default)]
struct Seen {
    verdicts: [bool; 5],
    inapplicable: Option<super::Inapplicable>,
    open: bool,
}

impl Seen {
    fn add(&mut self, d: &Decision) {
        self.verdicts[d.verdict as usize] = true;
        if d.inapplicable.is_some() {
            self.inapplicable = d.inapplicable;
        }
    }

    fn count(&self) -> usize {
        self.verdicts.iter().filter(|v| **v).count()
    }

    fn only(&self) -> Option<Verdict> {
        if self.count() != 1 {
            return None;
        }
        [Verdict::NotApplicable, Verdict::Fail, Verdict::Undetermined, Verdict::Refer, Verdict::Pass]
            .into_iter()
            .find(|v| self.verdicts[*v as usize])
    }
}

struct Search<'a> {
    policy: &'a Policy,
    /// The rule whose outcome is searched (`rule_outcome`), as a verdict: met is `Pass`, not applying is
    /// `NotApplicable`, its consequence is `Fail`; `None` searches the case's verdict.
    rule: Option<&'a RuleDef>,
    as_of: Date,
    scratch: &'a mut Scratch,
    budget: usize,
    inexact: bool,
}

impl Search<'_> {
    fn kleene(&mut self, facts: &FactSet) -> Option<Decision> {
        if self.budget == 0 {
            self.inexact = true;
            return None;
        }
        self.budget -= 1;
        let mut env = Env::with_scratch(self.policy, facts, self.as_of, self.scratch);
        let decision = match self.rule {
            None => env.decide(),
            Some(rule) => {
                let result = env.rule(rule);
                let verdict = match result.outcome {
                    Outcome::Pass => Verdict::Pass,
                    Outcome::Skipped => Verdict::NotApplicable,
                    Outcome::Fail | Outcome::Refer | Outcome::Warn => Verdict::Fail,
                    Outcome::Unknown => Verdict::Undetermined,
                };
                // A met requirement passes whether or not the rule applies, yet a completion where it does
                // not apply is `skipped`: while `when` is open, this node is not one outcome, so split on it.
                let unknown_when = match (&rule.applies, result.outcome) {
                    (Some(condition), Outcome::Pass) => match env.eval(condition) {
                        Value::Unknown { facts, .. } => Some(facts),
                        _ => None,
                    },
                    _ => None,
                };
                match unknown_when {
                    Some(missing) => {
                        Decision { verdict: Verdict::Undetermined, inapplicable: None, missing, approximate: false }
                    }
                    None => Decision { verdict, inapplicable: None, missing: result.missing, approximate: false },
                }
            }
        };
        env.release(self.scratch);
        Some(decision)
    }

    /// One value per class of `fact` given `facts`; with `open`, also at the thresholds the fact takes under
    /// each of `open`'s values (the fact under test, left unknown). `None` when the fact has no finite
    /// partition (a large set).
    fn split(
        &mut self,
        fact: FactId,
        facts: &FactSet,
        open: Option<(FactId, &[FactValue])>,
    ) -> Option<(Vec<FactValue>, bool)> {
        let partition = self.policy.partition();
        let mut also: Vec<Point> = Vec::new();
        let mut complete = partition.solvable(fact);
        for target in partition.targets.iter().filter(|t| t.fact == fact) {
            let mut without = facts.clone();
            without.set(fact, None);
            if let Some(p) = crate::partition::Partition::threshold(self.policy, target, &without, self.as_of) {
                also.push(p);
                continue;
            }
            let Some((other, values)) = open else {
                complete = false;
                continue;
            };
            for value in values {
                without.set(other, Some(value.clone()));
                match crate::partition::Partition::threshold(self.policy, target, &without, self.as_of) {
                    Some(p) => also.push(p),
                    None => complete = false,
                }
            }
        }
        let classes = partition.constant_classes(fact, &also)?;
        Some((classes.into_iter().map(|c| c.value).collect(), complete))
    }

    /// Picks the next fact to split among `candidates`: the first whose classes are complete, else the first
    /// with any classes (the search is then inexact).
    fn choose(
        &mut self,
        candidates: &[FactId],
        facts: &FactSet,
        open: Option<(FactId, &[FactValue])>,
    ) -> Option<(FactId, Vec<FactValue>)> {
        let mut fallback = None;
        for &fact in candidates {
            match self.split(fact, facts, open) {
                Some((values, true)) => return Some((fact, values)),
                Some((values, false)) if fallback.is_none() => fallback = Some((fact, values)),
                _ => {}
            }
        }
        if fallback.is_some() {
            self.inexact = true;
        }
        fallback
    }

    /// Adds the verdicts of the completions of `facts` to `seen`, stopping at two.
    fn verdicts(&mut self, facts: &mut FactSet, seen: &mut Seen) {
        let Some(d) = self.kleene(facts) else {
            seen.open = true;
            return;
        };
        if d.verdict != Verdict::Undetermined {
            seen.add(&d);
            return;
        }
        let candidates: Vec<FactId> = d.missing.iter().collect();
        if candidates.is_empty() {
            // Undetermined with nothing missing: a value is undefined (no figure in force), whatever the facts.
            seen.add(&d);
            return;
        }
        let Some((fact, values)) = self.choose(&candidates, facts, None) else {
            seen.open = true;
            return;
        };
        // Look at every class with Kleene first: two decided classes that differ settle it without descending.
        let mut undecided = Vec::new();
        for value in values {
            facts.set(fact, Some(value.clone()));
            match self.kleene(facts) {
                Some(child) if child.verdict != Verdict::Undetermined => seen.add(&child),
                Some(_) => undecided.push(value),
                None => seen.open = true,
            }
            if seen.count() >= 2 {
                facts.set(fact, None);
                return;
            }
        }
        for value in undecided {
            facts.set(fact, Some(value));
            self.verdicts(facts, seen);
            if seen.count() >= 2 || seen.open {
                break;
            }
        }
        facts.set(fact, None);
    }

    /// Whether `fact` is pivotal below `facts` (it is unknown there): `None` when the budget ran out.
    fn pivotal(&mut self, facts: &mut FactSet, fact: FactId) -> Option<bool> {
        let d = self.kleene(facts)?;
        if d.verdict != Verdict::Undetermined || !d.missing.contains(fact) {
            return Some(false);
        }
        let own = match self.split(fact, facts, None) {
            Some((values, complete)) => {
                self.inexact |= !complete && d.missing.iter().all(|f| f == fact);
                values
            }
            None => return None,
        };
        let others: Vec<FactId> = d.missing.iter().filter(|f| *f != fact).collect();
        if others.is_empty() {
            // Only this fact is open: it is pivotal when its classes give different verdicts.
            let mut seen = Seen::default();
            for value in own {
                facts.set(fact, Some(value));
                let child = self.kleene(facts)?;
                seen.add(&child);
                if seen.count() >= 2 {
                    facts.set(fact, None);
                    return Some(true);
                }
            }
            facts.set(fact, None);
            return Some(false);
        }
        let (next, values) = self.choose(&others, facts, Some((fact, &own)))?;
        for value in values {
            facts.set(next, Some(value));
            if self.pivotal(facts, fact)? {
                facts.set(next, None);
                return Some(true);
            }
        }
        facts.set(next, None);
        Some(false)
    }
}
