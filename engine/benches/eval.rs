//! Evaluation speed against the physical limit: each shipped policy's verdict-only path, its full
//! explained report, and the same policy hand-written in Rust (the baseline), over one fixed mix of cases.
//!
//! Run with `cargo bench --bench eval`. Divan prints one line per bench (time per evaluation: every
//! iteration decides the next case of the mix). It computes no ratios, so after it this file's `main`
//! measures the verdict-only and native paths again, interleaved round by round so that a noisy, shared
//! machine slows both alike, and prints the medians and the ratio verdict-only / native.
//! `COMPLY_BENCH_SUMMARY=0` skips that summary; `COMPLY_BENCH_ONLY_SUMMARY=1` runs only it.

use std::hint::black_box;
use std::time::{Duration, Instant};

use comply_engine::Rulebook;
use comply_engine::eval::{self, FactSet, Scratch, Verdict};
use comply_engine::explain::{self, Lang};
use comply_engine::facts::{self, Raw};
use comply_engine::policy::Policy;
use divan::Bencher;
use jiff::civil::{Date, date};
use rust_decimal::Decimal;

fn main() {
    let only_summary = std::env::var("COMPLY_BENCH_ONLY_SUMMARY").is_ok_and(|v| v == "1");
    if !only_summary {
        divan::main();
    }
    let is_test = std::env::args().any(|a| a == "--test" || a == "--list");
    if !is_test && std::env::var("COMPLY_BENCH_SUMMARY").map_or(true, |v| v != "0") {
        summary();
    }
}

// ---------------------------------------------------------------------------------------------------
// Cases: a fixed pseudo-random mix near each policy's thresholds, with some facts left unknown.

/// xorshift64*: a fixed seed gives the same mix on every run and machine.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
    fn chance(&mut self, percent: u64) -> bool {
        self.below(100) < percent
    }
    fn pick<T: Copy>(&mut self, items: &[T]) -> T {
        items[self.below(items.len() as u64) as usize]
    }
    /// `Some(value)` except `unknown_percent` of the time.
    fn maybe<T>(&mut self, unknown_percent: u64, value: impl FnOnce(&mut Rng) -> T) -> Option<T> {
        if self.chance(unknown_percent) { None } else { Some(value(self)) }
    }
}

const CASES: usize = 48;

fn dec(text: &str) -> Decimal {
    text.parse().unwrap()
}

fn bind(policy: &Policy, raw: Vec<(&str, Raw)>) -> FactSet {
    let raw: Vec<(String, Raw)> = raw.into_iter().map(|(n, r)| (n.to_string(), r)).collect();
    facts::bind(policy, &raw).unwrap()
}

fn num(d: Decimal) -> Raw {
    Raw::Number(d.to_string())
}

// ---------------------------------------------------------------------------------------------------
// minimum_wage, hand-written: the notice's three tiers and the two floors, with the engine's
// three-valued reading (an unknown fact leaves a floor undecided unless it cannot matter).

const COUNTIES: [&str; 12] = [
    "鹿城区",
    "龙湾区",
    "瓯海区",
    "浙南产业集聚区",
    "洞头区",
    "乐清市",
    "瑞安市",
    "永嘉县",
    "平阳县",
    "苍南县",
    "文成县",
    "泰顺县",
];

#[derive(Clone, Copy, PartialEq)]
enum Employment {
    FullTime,
    PartTime,
}

struct Wage {
    county: Option<u8>,
    subdistrict: Option<String>,
    employment: Option<Employment>,
    monthly_wage: Option<Decimal>,
    hourly_wage: Option<Decimal>,
}

struct WageTable {
    valid_from: Date,
    monthly: [Decimal; 3],
    hourly: [Decimal; 3],
}

impl WageTable {
    fn new() -> WageTable {
        WageTable {
            valid_from: date(2015, 11, 1),
            monthly: [dec("1860"), dec("1660"), dec("1530")],
            hourly: [dec("17"), dec("15.2"), dec("13.8")],
        }
    }
}

/// Kleene outcome of one rule: `None` unknown.
#[derive(Clone, Copy, PartialEq)]
enum Rule {
    Holds,
    Broken,
    Unknown,
}

/// `when applies require requires`: a requirement that holds passes whether or not the rule applies.
#[inline(always)]
fn rule(applies: Option<bool>, requires: Option<bool>) -> Rule {
    match (applies, requires) {
        (Some(false), _) | (_, Some(true)) => Rule::Holds,
        (Some(true), Some(false)) => Rule::Broken,
        _ => Rule::Unknown,
    }
}

#[inline(always)]
fn and(a: Option<bool>, b: Option<bool>) -> Option<bool> {
    match (a, b) {
        (Some(false), _) | (_, Some(false)) => Some(false),
        (Some(true), Some(true)) => Some(true),
        _ => None,
    }
}

#[inline(always)]
fn or(a: Option<bool>, b: Option<bool>) -> Option<bool> {
    match (a, b) {
        (Some(true), _) | (_, Some(true)) => Some(true),
        (Some(false), Some(false)) => Some(false),
        _ => None,
    }
}

fn not(a: Option<bool>) -> Option<bool> {
    a.map(|b| !b)
}

fn minimum_wage_native(t: &WageTable, c: &Wage, as_of: Date) -> Verdict {
    if as_of < t.valid_from {
        return Verdict::NotApplicable;
    }
    // 洞头区 is tier 2 except 灵昆街道 (tier 1).
    let tier = match c.county {
        Some(0..=3) => Some(0),
        Some(4) => c.subdistrict.as_deref().map(|s| if s == "灵昆街道" { 0 } else { 1 }),
        Some(5 | 6) => Some(1),
        Some(_) => Some(2),
        None => None,
    };
    let monthly = rule(
        c.employment.map(|e| e == Employment::FullTime),
        c.monthly_wage.zip(tier).map(|(w, t_)| w >= t.monthly[t_]),
    );
    let hourly =
        rule(c.employment.map(|e| e == Employment::PartTime), c.hourly_wage.zip(tier).map(|(w, t_)| w >= t.hourly[t_]));
    match (monthly, hourly) {
        (Rule::Broken, _) | (_, Rule::Broken) => Verdict::Fail,
        (Rule::Unknown, _) | (_, Rule::Unknown) => Verdict::Undetermined,
        _ => Verdict::Pass,
    }
}

fn wage_cases() -> Vec<Wage> {
    let mut rng = Rng(0x5EED_0001);
    (0..CASES)
        .map(|_| {
            let county = rng.maybe(5, rng_county);
            let subdistrict = if county == Some(4) {
                let s = rng.pick(&["灵昆街道", "东屏街道", "北岙街道"]).to_string();
                rng.maybe(25, |_| s)
            } else {
                None
            };
            let employment =
                rng.maybe(5, |rng| if rng.chance(70) { Employment::FullTime } else { Employment::PartTime });
            let monthly = rng.pick(&["1500", "1530", "1600", "1660", "1700", "1859.99", "1860", "2100", "3500"]);
            let hourly = rng.pick(&["12", "13.8", "14", "15.2", "16", "17", "18.5", "25"]);
            Wage {
                county,
                subdistrict,
                employment,
                monthly_wage: if employment != Some(Employment::PartTime) {
                    rng.maybe(10, |_| dec(monthly))
                } else {
                    None
                },
                hourly_wage: if employment != Some(Employment::FullTime) {
                    rng.maybe(10, |_| dec(hourly))
                } else {
                    None
                },
            }
        })
        .collect()
}

fn rng_county(rng: &mut Rng) -> u8 {
    rng.below(COUNTIES.len() as u64) as u8
}

fn wage_facts(policy: &Policy, c: &Wage) -> FactSet {
    let mut raw = Vec::new();
    if let Some(county) = c.county {
        raw.push(("county", Raw::Text(COUNTIES[county as usize].to_string())));
    }
    if let Some(s) = &c.subdistrict {
        raw.push(("subdistrict", Raw::Text(s.clone())));
    }
    if let Some(e) = c.employment {
        raw.push(("employment", Raw::Text(if e == Employment::FullTime { "full_time" } else { "part_time" }.into())));
    }
    if let Some(w) = c.monthly_wage {
        raw.push(("monthly_wage", num(w)));
    }
    if let Some(w) = c.hourly_wage {
        raw.push(("hourly_wage", num(w)));
    }
    bind(policy, raw)
}

// ---------------------------------------------------------------------------------------------------
// zero_land, hand-written: scope rules, then the eligibility and building rules, then the two
// case-by-case referrals, combined on the same lattice (not_applicable > fail > undetermined > refer > pass).

const KIND_NAMES: [&str; 5] = ["rebuild", "extension", "mezzanine", "add_storeys", "equipment_only"];
const REBUILD: u8 = 1;
const EXTENSION: u8 = 2;
const MEZZANINE: u8 = 4;
const ADD_STOREYS: u8 = 8;
const EQUIPMENT_ONLY: u8 = 16;

#[derive(Default)]
struct Project {
    in_zone: Option<bool>,
    industrial_enterprise: Option<bool>,
    new_construction_land: Option<bool>,
    project_kinds: Option<u8>,
    ground_floor_height: Option<Decimal>,
    /// 0 not appraised, 1 safe, 2 unsafe.
    structural_appraisal: Option<u8>,
    real_estate_certificate: Option<bool>,
    /// 0 A … 3 D.
    mu_grade: Option<u8>,
    low_efficiency_rectification: Option<bool>,
    /// 万元/亩
    tax_per_mu: Option<Decimal>,
    use_conforms_to_plan: Option<bool>,
    leases_idle_plant: Option<bool>,
    commitment_letter: Option<bool>,
    small_micro_park_or_split_title: Option<bool>,
    binhai_village_industry: Option<bool>,
    pollution_control_deficient: Option<bool>,
    environmental_acceptance_done: Option<bool>,
    illegal_buildings: Option<bool>,
    rectification_committed: Option<bool>,
    special_process: Option<bool>,
    /// %
    building_density: Option<Decimal>,
    service_land_area: Option<Decimal>,
    total_land_area: Option<Decimal>,
    new_industry_demonstrated: Option<bool>,
    service_floor_area: Option<Decimal>,
    total_floor_area: Option<Decimal>,
    /// 0 registration form, 1 report form, 2 report book.
    eia_document: Option<u8>,
    park_planning_eia_done: Option<bool>,
    pollutants_increase: Option<bool>,
    sensitive_area: Option<bool>,
    wastewater_to_sewer: Option<bool>,
}

struct ZeroLandLimits {
    from: Date,
    until: Date,
    six_m: Decimal,
    ten: Decimal,
    density_65: Decimal,
    share_7: Decimal,
    share_10: Decimal,
    share_25: Decimal,
}

impl ZeroLandLimits {
    fn new() -> ZeroLandLimits {
        ZeroLandLimits {
            from: date(2020, 1, 8),
            until: date(2022, 1, 7),
            six_m: dec("6"),
            ten: dec("10"),
            density_65: dec("65"),
            share_7: dec("0.07"),
            share_10: dec("0.10"),
            share_25: dec("0.25"),
        }
    }
}

fn zero_land_native(k: &ZeroLandLimits, p: &Project, as_of: Date) -> Verdict {
    if as_of < k.from || as_of > k.until {
        return Verdict::NotApplicable;
    }
    let has = |bits: u8| p.project_kinds.map(|s| s & bits != 0);
    // Scope: any broken scope rule makes the policy not applicable.
    let scope = [
        rule(Some(true), p.in_zone),
        rule(Some(true), p.industrial_enterprise),
        rule(Some(true), not(p.new_construction_land)),
    ];
    if scope.contains(&Rule::Broken) {
        return Verdict::NotApplicable;
    }
    let scope_open = scope.contains(&Rule::Unknown);
    let builds = p.project_kinds.map(|s| s & !EQUIPMENT_ONLY != 0);
    let share = |a: Option<Decimal>, b: Option<Decimal>| match (a, b) {
        (Some(a), Some(b)) if !b.is_zero() => a.checked_div(b),
        _ => None,
    };
    let land_share = share(p.service_land_area, p.total_land_area);
    let floor_share = share(p.service_floor_area, p.total_floor_area);
    let commitment_scope = or(
        p.eia_document.map(|d| d == 0),
        and(
            and(p.eia_document.map(|d| d == 1), p.park_planning_eia_done),
            and(and(not(p.pollutants_increase), not(p.sensitive_area)), p.wastewater_to_sewer),
        ),
    );
    let fails = [
        rule(has(MEZZANINE), p.ground_floor_height.map(|h| h > k.six_m)),
        rule(Some(true), p.real_estate_certificate),
        rule(Some(true), p.mu_grade.map(|g| g <= 1)),
        rule(Some(true), not(p.low_efficiency_rectification)),
        rule(Some(true), p.tax_per_mu.map(|t| t > k.ten)),
        rule(Some(true), p.use_conforms_to_plan),
        rule(Some(true), not(p.leases_idle_plant)),
        rule(Some(true), p.commitment_letter),
        rule(has(ADD_STOREYS), p.structural_appraisal.map(|a| a == 1)),
        rule(and(builds, p.special_process), p.building_density.map(|d| d <= k.density_65)),
        rule(
            builds,
            or(
                land_share.map(|s| s <= k.share_7),
                and(p.new_industry_demonstrated, land_share.map(|s| s <= k.share_10)),
            ),
        ),
        rule(builds, floor_share.map(|s| s <= k.share_25)),
        rule(and(commitment_scope, p.pollution_control_deficient), p.environmental_acceptance_done),
        rule(p.illegal_buildings, p.rectification_committed),
        rule(p.binhai_village_industry, has(REBUILD | EXTENSION | MEZZANINE | ADD_STOREYS)),
    ];
    if fails.contains(&Rule::Broken) {
        return if scope_open { Verdict::Undetermined } else { Verdict::Fail };
    }
    let fail_open = fails.contains(&Rule::Unknown);
    let refers = [
        rule(p.small_micro_park_or_split_title, not(has(REBUILD | EXTENSION | MEZZANINE))),
        rule(p.binhai_village_industry, not(has(REBUILD | EXTENSION | MEZZANINE | ADD_STOREYS))),
    ];
    if scope_open || fail_open {
        Verdict::Undetermined
    } else if refers.contains(&Rule::Broken) {
        Verdict::Refer
    } else if refers.contains(&Rule::Unknown) {
        Verdict::Undetermined
    } else {
        Verdict::Pass
    }
}

/// An eligible extension, then a few facts changed or left out: most cases pass or fail on one rule.
fn project_cases() -> Vec<Project> {
    let mut rng = Rng(0x5EED_0002);
    (0..CASES)
        .map(|_| {
            let mut p = Project {
                in_zone: Some(true),
                industrial_enterprise: Some(true),
                new_construction_land: Some(false),
                project_kinds: Some(EXTENSION),
                ground_floor_height: Some(dec("6.5")),
                structural_appraisal: Some(1),
                real_estate_certificate: Some(true),
                mu_grade: Some(1),
                low_efficiency_rectification: Some(false),
                tax_per_mu: Some(dec("15")),
                use_conforms_to_plan: Some(true),
                leases_idle_plant: Some(false),
                commitment_letter: Some(true),
                small_micro_park_or_split_title: Some(false),
                binhai_village_industry: Some(false),
                pollution_control_deficient: Some(false),
                environmental_acceptance_done: None,
                illegal_buildings: Some(false),
                rectification_committed: None,
                special_process: Some(false),
                building_density: Some(dec("55")),
                service_land_area: Some(dec("600")),
                total_land_area: Some(dec("10000")),
                new_industry_demonstrated: Some(false),
                service_floor_area: Some(dec("2400")),
                total_floor_area: Some(dec("12000")),
                eia_document: Some(0),
                park_planning_eia_done: Some(true),
                pollutants_increase: Some(false),
                sensitive_area: Some(false),
                wastewater_to_sewer: Some(true),
            };
            for _ in 0..rng.below(3) {
                match rng.below(16) {
                    0 => p.in_zone = rng.maybe(30, |rng| rng.chance(50)),
                    1 => p.new_construction_land = rng.maybe(30, |rng| rng.chance(30)),
                    2 => p.project_kinds = Some(rng.pick(&[REBUILD, MEZZANINE, ADD_STOREYS, EQUIPMENT_ONLY, 3, 12])),
                    3 => p.ground_floor_height = rng.maybe(20, |rng| dec(rng.pick(&["5.5", "6", "6.05", "7"]))),
                    4 => p.structural_appraisal = rng.maybe(20, |rng| rng.pick(&[0, 1, 2])),
                    5 => p.mu_grade = rng.maybe(20, |rng| rng.pick(&[0, 1, 2, 3])),
                    6 => p.tax_per_mu = rng.maybe(30, |rng| dec(rng.pick(&["8", "10", "10.01", "30"]))),
                    7 => p.real_estate_certificate = rng.maybe(20, |rng| rng.chance(60)),
                    8 => p.leases_idle_plant = rng.maybe(20, |rng| rng.chance(40)),
                    9 => p.small_micro_park_or_split_title = rng.maybe(20, |_| true),
                    10 => p.binhai_village_industry = rng.maybe(20, |_| true),
                    11 => {
                        p.special_process = Some(true);
                        p.building_density = rng.maybe(20, |rng| dec(rng.pick(&["60", "65", "66"])));
                    }
                    12 => {
                        p.service_land_area = rng.maybe(20, |rng| dec(rng.pick(&["700", "800", "1000", "1100"])));
                        p.new_industry_demonstrated = rng.maybe(20, |rng| rng.chance(50));
                    }
                    13 => p.service_floor_area = rng.maybe(20, |rng| dec(rng.pick(&["2400", "3000", "3200"]))),
                    14 => {
                        p.pollution_control_deficient = Some(true);
                        p.environmental_acceptance_done = rng.maybe(30, |rng| rng.chance(50));
                        p.eia_document = rng.maybe(20, |rng| rng.pick(&[0, 1, 2]));
                    }
                    _ => {
                        p.illegal_buildings = Some(true);
                        p.rectification_committed = rng.maybe(30, |rng| rng.chance(50));
                    }
                }
            }
            p
        })
        .collect()
}

fn project_facts(policy: &Policy, p: &Project) -> FactSet {
    let mut raw: Vec<(&str, Raw)> = Vec::new();
    let boolean = |name, v: Option<bool>, raw: &mut Vec<(&str, Raw)>| {
        if let Some(b) = v {
            raw.push((name, Raw::Bool(b)));
        }
    };
    boolean("in_zone", p.in_zone, &mut raw);
    boolean("industrial_enterprise", p.industrial_enterprise, &mut raw);
    boolean("new_construction_land", p.new_construction_land, &mut raw);
    boolean("real_estate_certificate", p.real_estate_certificate, &mut raw);
    boolean("low_efficiency_rectification", p.low_efficiency_rectification, &mut raw);
    boolean("use_conforms_to_plan", p.use_conforms_to_plan, &mut raw);
    boolean("leases_idle_plant", p.leases_idle_plant, &mut raw);
    boolean("commitment_letter", p.commitment_letter, &mut raw);
    boolean("small_micro_park_or_split_title", p.small_micro_park_or_split_title, &mut raw);
    boolean("binhai_village_industry", p.binhai_village_industry, &mut raw);
    boolean("pollution_control_deficient", p.pollution_control_deficient, &mut raw);
    boolean("environmental_acceptance_done", p.environmental_acceptance_done, &mut raw);
    boolean("illegal_buildings", p.illegal_buildings, &mut raw);
    boolean("rectification_committed", p.rectification_committed, &mut raw);
    boolean("special_process", p.special_process, &mut raw);
    boolean("new_industry_demonstrated", p.new_industry_demonstrated, &mut raw);
    boolean("park_planning_eia_done", p.park_planning_eia_done, &mut raw);
    boolean("pollutants_increase", p.pollutants_increase, &mut raw);
    boolean("sensitive_area", p.sensitive_area, &mut raw);
    boolean("wastewater_to_sewer", p.wastewater_to_sewer, &mut raw);
    let quantities = [
        ("ground_floor_height", p.ground_floor_height),
        ("tax_per_mu", p.tax_per_mu),
        ("building_density", p.building_density),
        ("service_land_area", p.service_land_area),
        ("total_land_area", p.total_land_area),
        ("service_floor_area", p.service_floor_area),
        ("total_floor_area", p.total_floor_area),
    ];
    for (name, value) in quantities {
        if let Some(v) = value {
            raw.push((name, num(v)));
        }
    }
    if let Some(kinds) = p.project_kinds {
        let items = (0..5).filter(|i| kinds & (1 << i) != 0).map(|i| Raw::Text(KIND_NAMES[i].into())).collect();
        raw.push(("project_kinds", Raw::List(items)));
    }
    let enums = [
        ("structural_appraisal", p.structural_appraisal, &["not_appraised", "safe", "unsafe"][..]),
        ("mu_grade", p.mu_grade, &["A", "B", "C", "D"][..]),
        ("eia_document", p.eia_document, &["registration_form", "report_form", "report_book"][..]),
    ];
    for (name, value, names) in enums {
        if let Some(v) = value {
            raw.push((name, Raw::Text(names[v as usize].into())));
        }
    }
    bind(policy, raw)
}

// ---------------------------------------------------------------------------------------------------
// Fixtures shared by the benches and the summary.

struct Fixture<N> {
    policy: Policy,
    as_of: Date,
    facts: Vec<FactSet>,
    native: Vec<N>,
}

fn book() -> Rulebook {
    Rulebook::embedded().unwrap()
}

fn wage_fixture() -> Fixture<Wage> {
    let policy = book().policy("minimum_wage").unwrap().clone();
    let native = wage_cases();
    let facts = native.iter().map(|c| wage_facts(&policy, c)).collect();
    let fixture = Fixture { policy, as_of: date(2016, 3, 1), facts, native };
    let table = WageTable::new();
    fixture.assert_agrees(|c, as_of| minimum_wage_native(&table, c, as_of));
    fixture
}

fn zero_land_fixture() -> Fixture<Project> {
    let policy = book().policy("zero_land").unwrap().clone();
    let native = project_cases();
    let facts = native.iter().map(|p| project_facts(&policy, p)).collect();
    let fixture = Fixture { policy, as_of: date(2020, 6, 1), facts, native };
    let limits = ZeroLandLimits::new();
    fixture.assert_agrees(|p, as_of| zero_land_native(&limits, p, as_of));
    fixture
}

impl<N> Fixture<N> {
    /// The baseline is only a baseline if it decides every case the way the engine does. It is written as
    /// Kleene propagation, so it is compared with Kleene's verdict; where Kleene decides, the exact verdict
    /// is the same (the refinement only runs on an undetermined case).
    fn assert_agrees(&self, native: impl Fn(&N, Date) -> Verdict) {
        let mut scratch = Scratch::new();
        for (i, (facts, case)) in self.facts.iter().zip(&self.native).enumerate() {
            let kleene = eval::decide_kleene(&self.policy, facts, self.as_of, &mut scratch).verdict;
            assert_eq!(kleene, native(case, self.as_of), "{} case {i}: engine and baseline disagree", self.policy.id());
            if kleene != Verdict::Undetermined {
                assert_eq!(eval::evaluate(&self.policy, facts, self.as_of).verdict, kleene);
            }
        }
    }

    /// The cases Kleene decides (`true`) or leaves undetermined (`false`), with their baselines.
    fn split(&self, decided: bool) -> (Vec<&FactSet>, Vec<&N>) {
        let mut scratch = Scratch::new();
        self.facts
            .iter()
            .zip(&self.native)
            .filter(|(f, _)| {
                (eval::decide_kleene(&self.policy, f, self.as_of, &mut scratch).verdict != Verdict::Undetermined)
                    == decided
            })
            .unzip()
    }

    fn mix(&self) -> String {
        let mut counts = std::collections::BTreeMap::new();
        for facts in &self.facts {
            *counts.entry(eval::evaluate(&self.policy, facts, self.as_of).verdict.as_str()).or_insert(0) += 1;
        }
        counts.iter().map(|(v, n)| format!("{n} {v}")).collect::<Vec<_>>().join(", ")
    }
}

/// Each iteration decides the next case of the mix, so divan's time is the mean time per evaluation.
fn cycle<T, R>(bencher: Bencher, items: &[T], mut f: impl FnMut(&T) -> R) {
    let mut i = 0;
    bencher.bench_local(|| {
        i += 1;
        if i == items.len() {
            i = 0;
        }
        f(black_box(&items[i]))
    });
}

#[divan::bench_group(name = "minimum_wage")]
mod minimum_wage {
    use super::*;

    #[divan::bench]
    fn verdict_only(bencher: Bencher) {
        let fx = wage_fixture();
        let mut scratch = Scratch::new();
        cycle(bencher, &fx.facts, |f| eval::verdict_only(&fx.policy, f, fx.as_of, &mut scratch));
    }

    #[divan::bench]
    fn explained(bencher: Bencher) {
        let fx = wage_fixture();
        cycle(bencher, &fx.facts, |f| explain::explained(&fx.policy, f, fx.as_of).atoms.len());
    }

    #[divan::bench]
    fn full_report(bencher: Bencher) {
        let fx = wage_fixture();
        cycle(bencher, &fx.facts, |f| {
            explain::render::text(&explain::report(&fx.policy, f, fx.as_of, Lang::Zh), Lang::Zh)
        });
    }

    #[divan::bench]
    fn evaluate(bencher: Bencher) {
        let fx = wage_fixture();
        cycle(bencher, &fx.facts, |f| eval::evaluate(&fx.policy, f, fx.as_of));
    }

    /// The cases Kleene leaves undetermined, refined to the exact verdict (`decide`).
    #[divan::bench]
    fn refined(bencher: Bencher) {
        let fx = wage_fixture();
        let (open, _) = fx.split(false);
        let mut scratch = Scratch::new();
        cycle(bencher, &open, |f| eval::decide(&fx.policy, f, fx.as_of, &mut scratch));
    }

    /// The same undetermined cases with Kleene alone: what the refinement adds is `refined` minus this.
    #[divan::bench]
    fn undetermined_kleene(bencher: Bencher) {
        let fx = wage_fixture();
        let (open, _) = fx.split(false);
        let mut scratch = Scratch::new();
        cycle(bencher, &open, |f| eval::decide_kleene(&fx.policy, f, fx.as_of, &mut scratch));
    }

    #[divan::bench]
    fn native(bencher: Bencher) {
        let fx = wage_fixture();
        let table = WageTable::new();
        cycle(bencher, &fx.native, |c| minimum_wage_native(&table, c, fx.as_of));
    }
}

#[divan::bench_group(name = "zero_land")]
mod zero_land {
    use super::*;

    #[divan::bench]
    fn verdict_only(bencher: Bencher) {
        let fx = zero_land_fixture();
        let mut scratch = Scratch::new();
        cycle(bencher, &fx.facts, |f| eval::verdict_only(&fx.policy, f, fx.as_of, &mut scratch));
    }

    #[divan::bench]
    fn explained(bencher: Bencher) {
        let fx = zero_land_fixture();
        cycle(bencher, &fx.facts, |f| explain::explained(&fx.policy, f, fx.as_of).atoms.len());
    }

    #[divan::bench]
    fn full_report(bencher: Bencher) {
        let fx = zero_land_fixture();
        cycle(bencher, &fx.facts, |f| {
            explain::render::text(&explain::report(&fx.policy, f, fx.as_of, Lang::Zh), Lang::Zh)
        });
    }

    #[divan::bench]
    fn evaluate(bencher: Bencher) {
        let fx = zero_land_fixture();
        cycle(bencher, &fx.facts, |f| eval::evaluate(&fx.policy, f, fx.as_of));
    }

    /// The cases Kleene leaves undetermined, refined to the exact verdict (`decide`).
    #[divan::bench]
    fn refined(bencher: Bencher) {
        let fx = zero_land_fixture();
        let (open, _) = fx.split(false);
        let mut scratch = Scratch::new();
        cycle(bencher, &open, |f| eval::decide(&fx.policy, f, fx.as_of, &mut scratch));
    }

    /// The same undetermined cases with Kleene alone: what the refinement adds is `refined` minus this.
    #[divan::bench]
    fn undetermined_kleene(bencher: Bencher) {
        let fx = zero_land_fixture();
        let (open, _) = fx.split(false);
        let mut scratch = Scratch::new();
        cycle(bencher, &open, |f| eval::decide_kleene(&fx.policy, f, fx.as_of, &mut scratch));
    }

    #[divan::bench]
    fn native(bencher: Bencher) {
        let fx = zero_land_fixture();
        let limits = ZeroLandLimits::new();
        cycle(bencher, &fx.native, |p| zero_land_native(&limits, p, fx.as_of));
    }
}

/// Parsing and checking every shipped pack, as `comply` does at start-up.
#[divan::bench]
fn load_all_packs() -> Rulebook {
    book()
}

// ---------------------------------------------------------------------------------------------------
// The ratio summary.

/// Median nanoseconds per evaluation of `f` over `rounds` rounds, each timing enough passes over the mix
/// to last about a millisecond; the paths given are interleaved round by round.
fn interleaved_medians(paths: &mut [&mut dyn FnMut()], cases: usize, rounds: usize) -> Vec<f64> {
    let mut passes = vec![1u32; paths.len()];
    // Calibrate: passes per round for about 1 ms.
    for (path, n) in paths.iter_mut().zip(&mut passes) {
        loop {
            let start = Instant::now();
            for _ in 0..*n {
                path();
            }
            if start.elapsed() >= Duration::from_millis(1) {
                break;
            }
            *n *= 2;
        }
    }
    let mut samples = vec![Vec::with_capacity(rounds); paths.len()];
    for _ in 0..rounds {
        for ((path, n), out) in paths.iter_mut().zip(&passes).zip(&mut samples) {
            let start = Instant::now();
            for _ in 0..*n {
                path();
            }
            out.push(start.elapsed().as_nanos() as f64 / (f64::from(*n) * cases as f64));
        }
    }
    samples
        .into_iter()
        .map(|mut s| {
            s.sort_by(f64::total_cmp);
            s[s.len() / 2]
        })
        .collect()
}

fn summary() {
    const ROUNDS: usize = 101;
    println!();
    println!("ratio summary: median ns per evaluation, {ROUNDS} interleaved rounds of ~1 ms each, one thread");
    println!(
        "{:<14} {:>10} {:>10} {:>10} {:>10} {:>12} {:>10}  mix",
        "policy", "native", "verdict", "evaluate", "explained", "report text", "verdict/native"
    );

    fn row<N>(fx: &Fixture<N>, native: &mut dyn FnMut(&N, Date) -> Verdict) {
        let mut scratch = Scratch::new();
        let n = fx.facts.len();
        let mut verdict = || {
            for f in &fx.facts {
                black_box(eval::verdict_only(&fx.policy, black_box(f), fx.as_of, &mut scratch));
            }
        };
        let mut evaluate = || {
            for f in &fx.facts {
                black_box(eval::evaluate(&fx.policy, black_box(f), fx.as_of));
            }
        };
        let mut explained = || {
            for f in &fx.facts {
                black_box(explain::explained(&fx.policy, black_box(f), fx.as_of).atoms.len());
            }
        };
        let mut report = || {
            for f in &fx.facts {
                let r = explain::report(&fx.policy, black_box(f), fx.as_of, Lang::Zh);
                black_box(explain::render::text(&r, Lang::Zh));
            }
        };
        let mut baseline = || {
            for c in &fx.native {
                black_box(native(black_box(c), fx.as_of));
            }
        };
        let m = interleaved_medians(
            &mut [&mut baseline, &mut verdict, &mut evaluate, &mut explained, &mut report],
            n,
            ROUNDS,
        );
        println!(
            "{:<14} {:>10.1} {:>10.1} {:>10.1} {:>10.1} {:>12.1} {:>10.2}x  {}",
            fx.policy.id(),
            m[0],
            m[1],
            m[2],
            m[3],
            m[4],
            m[1] / m[0],
            fx.mix()
        );
    }

    let table = WageTable::new();
    let (wage, land) = (wage_fixture(), zero_land_fixture());
    row(&wage, &mut |c, d| minimum_wage_native(&table, c, d));
    let limits = ZeroLandLimits::new();
    row(&land, &mut |p, d| zero_land_native(&limits, p, d));

    println!();
    println!("exact refinement: median ns per case over the cases Kleene decides and over those it leaves open;");
    println!("`kleene` is the path before the refinement (decide_kleene), `exact` the path now (decide)");
    println!(
        "{:<14} {:<13} {:>6} {:>10} {:>10} {:>10} {:>13} {:>13} {:>11}",
        "policy", "cases", "count", "native", "kleene", "exact", "kleene/native", "exact/native", "exact/kleene"
    );
    split_rows(&wage, &mut |c, d| minimum_wage_native(&table, c, d));
    split_rows(&land, &mut |p, d| zero_land_native(&limits, p, d));

    /// The decided path is the one that must not get slower: `exact/native` against `kleene/native` in the
    /// same run. On the open cases `exact/kleene` is the cost of the refinement.
    fn split_rows<N>(fx: &Fixture<N>, native: &mut dyn FnMut(&N, Date) -> Verdict) {
        for (decided, name) in [(true, "decided"), (false, "undetermined")] {
            let (facts, cases) = fx.split(decided);
            if facts.is_empty() {
                continue;
            }
            let mut baseline = || {
                for c in &cases {
                    black_box(native(black_box(c), fx.as_of));
                }
            };
            type Decide = fn(&Policy, &FactSet, Date, &mut Scratch) -> eval::Decision;
            let facts = &facts;
            let path = |decide: Decide| {
                let mut scratch = Scratch::new();
                move || {
                    for f in facts {
                        black_box(decide(&fx.policy, black_box(f), fx.as_of, &mut scratch));
                    }
                }
            };
            let (mut kleene, mut exact) = (path(eval::decide_kleene), path(eval::decide));
            let (mut exact_again, mut kleene_again) = (path(eval::decide), path(eval::decide_kleene));
            // Each path is timed twice a round, before and after the other, so neither gains from its place.
            let m = interleaved_medians(
                &mut [&mut baseline, &mut kleene, &mut exact, &mut exact_again, &mut kleene_again],
                facts.len(),
                101,
            );
            let m = [m[0], (m[1] + m[4]) / 2.0, (m[2] + m[3]) / 2.0];
            println!(
                "{:<14} {:<13} {:>6} {:>10.1} {:>10.1} {:>10.1} {:>12.2}x {:>12.2}x {:>10.2}x",
                fx.policy.id(),
                name,
                facts.len(),
                m[0],
                m[1],
                m[2],
                m[1] / m[0],
                m[2] / m[0],
                m[2] / m[1]
            );
        }
    }

    let mut load = || {
        black_box(book());
    };
    let m = interleaved_medians(&mut [&mut load], 1, 31);
    println!("load and check all shipped packs: {:.3} ms (median of 31)", m[0] / 1e6);
}
