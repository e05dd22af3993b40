//! The verdict-only path (`eval::decide`) against the full evaluation and the explained report, over
//! generated fact sets for every shipped and example policy; and the fast path's promise that a warm
//! `Scratch` makes deciding a case allocate nothing.
//!
//! The cases come from `comply::generate` (values at, just above and just below each constant a fact is
//! compared with, enum and set values, unknowns), which reaches the boundaries a uniform generator
//! would almost never hit; the evaluation date is drawn around the validity period's edges.

use crate::common;

use comply::Rulebook;
use comply::eval::{self, Scratch};
use comply::explain::{self, Lang};
use comply::generate::{Generator, Rng, to_toml};
use comply::policy::Policy;
use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;

/// Cases per policy: the file runs in a few seconds in a debug build.
const CASES: u64 = 1500;

/// Counts this thread's allocations, so that tests running in parallel do not disturb the count.
struct Counting;

thread_local! {
    static ALLOCATIONS: Cell<usize> = const { Cell::new(0) };
}

unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        ALLOCATIONS.with(|c| c.set(c.get() + 1));
        unsafe { System.alloc(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        unsafe { System.dealloc(ptr, layout) }
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        ALLOCATIONS.with(|c| c.set(c.get() + 1));
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

fn allocations() -> usize {
    ALLOCATIONS.with(Cell::get)
}

fn shipped() -> Vec<Policy> {
    Rulebook::embedded().unwrap().policies().to_vec()
}

fn all_policies() -> Vec<Policy> {
    common::shipped_and_example_policies()
}

#[test]
fn verdict_only_agrees_with_the_full_evaluation_and_the_report() {
    let policies = all_policies();
    let ids: Vec<&str> = policies.iter().map(|p| p.id()).collect();
    for id in ["minimum_wage", "zero_land"] {
        assert!(ids.contains(&id), "shipped policy {id} missing from {ids:?}");
    }
    // One scratch for every policy: it must carry nothing from one case or policy to the next.
    let mut scratch = Scratch::new();
    let mut failures = Vec::new();
    let mut verdicts = std::collections::BTreeMap::new();
    for policy in &policies {
        let generator = Generator::new(policy);
        for seed in 0..CASES {
            let mut rng = Rng::new(seed);
            let as_of = generator.as_of(&mut rng);
            let facts = generator.fact_set(&mut rng, as_of);
            let fast = eval::decide(policy, &facts, as_of, &mut scratch);
            let full = eval::evaluate(policy, &facts, as_of);
            let report = explain::report(policy, &facts, as_of, Lang::En);
            let fast_missing: Vec<String> =
                fast.missing.iter().map(|f| policy.facts()[f as usize].name.clone()).collect();
            let agrees = fast.verdict == full.verdict
                && fast.missing == full.missing
                && fast.inapplicable == full.inapplicable
                && report.verdict == fast.verdict
                && report.missing == fast_missing;
            *verdicts.entry(fast.verdict.as_str()).or_insert(0) += 1;
            if !agrees && failures.len() < 5 {
                failures.push(format!(
                    "policy {} seed {seed}: fast {:?} / {:?} / {fast_missing:?}, full {:?} / {:?}, report {:?} / {:?}
{}",
                    policy.id(),
                    fast.verdict,
                    fast.inapplicable,
                    full.verdict,
                    full.inapplicable,
                    report.verdict,
                    report.missing,
                    to_toml(policy, &facts, Some(as_of))
                ));
            }
        }
    }
    assert!(failures.is_empty(), "verdict-only and full evaluation disagree:\n{}", failures.join("\n"));
    // The generator must exercise the lattice, or agreement proves little.
    for verdict in ["pass", "fail", "undetermined", "not_applicable"] {
        assert!(verdicts.get(verdict).copied().unwrap_or(0) > 0, "no generated case was {verdict}: {verdicts:?}");
    }
}

#[test]
fn a_warm_scratch_decides_without_allocating() {
    let policies = shipped();
    let mut scratch = Scratch::new();
    for policy in &policies {
        let generator = Generator::new(policy);
        let cases: Vec<_> = (0..300)
            .map(|seed| {
                let mut rng = Rng::new(seed);
                let as_of = generator.as_of(&mut rng);
                (generator.fact_set(&mut rng, as_of), as_of)
            })
            .collect();
        // Warm up: the scratch grows to the largest policy once.
        for (facts, as_of) in &cases {
            eval::decide(policy, facts, *as_of, &mut scratch);
        }
        // The decided path allocates nothing; the exact refinement of an undetermined case copies the case
        // it splits, so only the cases Kleene decides are counted here.
        let decided: Vec<_> = cases
            .iter()
            .filter(|(facts, as_of)| {
                eval::decide_kleene(policy, facts, *as_of, &mut scratch).verdict != eval::Verdict::Undetermined
            })
            .collect();
        assert!(decided.len() >= cases.len() / 3, "policy {}: too few decided cases", policy.id());
        let before = allocations();
        for (facts, as_of) in &decided {
            std::hint::black_box(eval::decide(policy, facts, *as_of, &mut scratch));
        }
        let allocated = allocations() - before;
        assert_eq!(
            allocated,
            0,
            "policy {}: deciding {} cases allocated {allocated} times",
            policy.id(),
            decided.len()
        );
    }
}

#[test]
fn the_evaluation_order_lists_each_deciding_rule_once_by_level() {
    for policy in shipped() {
        let mut seen = vec![false; policy.rules().len()];
        let mut last_level = 0;
        for &i in policy.eval_order() {
            let rule = &policy.rules()[i as usize];
            assert!(!std::mem::replace(&mut seen[i as usize], true), "{}: rule {} twice", policy.id(), rule.id);
            let level = match rule.consequence {
                comply::policy::Consequence::NotApplicable => 0,
                comply::policy::Consequence::Fail { .. } => 1,
                comply::policy::Consequence::Refer { .. } => 2,
                comply::policy::Consequence::Warn => {
                    panic!("{}: warning {} in the evaluation order", policy.id(), rule.id)
                }
            };
            assert!(level >= last_level, "{}: rule {} out of level order", policy.id(), rule.id);
            last_level = level;
        }
        let deciding = policy.rules().iter().filter(|r| r.consequence != comply::policy::Consequence::Warn).count();
        assert_eq!(policy.eval_order().len(), deciding, "{}: every deciding rule is ordered", policy.id());
    }
}
