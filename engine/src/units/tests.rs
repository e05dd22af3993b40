use super::*;
use proptest::prelude::*;
use std::cmp::Ordering::{Equal, Greater, Less};
use std::str::FromStr;

fn q(value: &str, unit: &str) -> Quantity {
    Quantity::new(Decimal::from_str(value).unwrap(), Unit::parse(unit).unwrap())
}

fn cmp(a: &Quantity, b: &Quantity) -> std::cmp::Ordering {
    a.cmp_exact(b).unwrap()
}

#[test]
fn wan_yuan_per_mu_equals_yuan_per_mu() {
    assert_eq!(cmp(&q("10", "万元/亩"), &q("100000", "元/亩")), Equal);
    assert_eq!(cmp(&q("10", "万元/亩"), &q("100000.01", "元/亩")), Less);
}

#[test]
fn mu_is_a_non_terminating_number_of_square_metres() {
    assert_eq!(cmp(&q("1", "亩"), &q("666.67", "m²")), Less);
    assert_eq!(cmp(&q("1", "亩"), &q("666.66", "m²")), Greater);
    assert_eq!(cmp(&q("3", "亩"), &q("2000", "平方米")), Equal);
    assert_eq!(cmp(&q("15", "亩"), &q("1", "公顷")), Equal);
    assert!(matches!(q("1", "亩").convert_exact(Unit::atom(Atom::SquareMetre)), Err(UnitError::Inexact { .. })));
    let mu = q("1000", "m²").convert_exact(Unit::atom(Atom::Mu)).unwrap();
    assert_eq!(mu.value, Decimal::from_str("1.5").unwrap());
    let (shown, exact) = q("1", "亩").convert_display(Unit::atom(Atom::SquareMetre)).unwrap();
    assert_eq!((shown.to_string(), exact), ("666.6667 m²".to_string(), false));
}

#[test]
fn percent_and_per_mille_are_scaled_pure_numbers() {
    assert_eq!(cmp(&q("25", "%"), &q("0.25", "1")), Equal);
    assert_eq!(cmp(&q("2", "‰"), &q("0.002", "1")), Equal);
    assert_eq!(cmp(&q("2", "‰"), &q("0.2", "%")), Equal);
    assert_eq!(q("25", "%").to_string(), "25%");
    assert_eq!(q("25", "%").add(&q("0.5", "1")).unwrap().to_string(), "75%");
}

#[test]
fn day_is_twenty_four_hours_but_month_is_its_own_dimension() {
    // How many hours a day counts is law, not arithmetic: 天 and 小时 are different dimensions.
    assert!(q("1", "天").cmp_exact(&q("24", "小时")).is_err());
    let err = q("1860", "元/月").cmp_exact(&q("15.2", "元/小时")).unwrap_err();
    assert!(matches!(err, UnitError::DimensionMismatch { .. }));
    assert!(err.to_string().contains("money/month"), "{err}");
    assert!(q("1", "元").add(&q("1", "m")).is_err());
}

#[test]
fn multiplication_and_division_track_units() {
    let ratio = q("500", "m²").div(&q("2000", "m²")).unwrap();
    assert!(ratio.unit.is_one() && ratio.dimension().is_dimensionless());
    assert_eq!(ratio.to_string(), "0.25");
    assert_eq!(q("10", "万元/亩").mul(&q("15", "亩")).unwrap().to_string(), "150 万元");
    assert_eq!(q("3", "万元").div(&q("2", "元")).unwrap().to_string(), "15000");
    let intensity = q("3000", "吨标准煤").div(&q("10000", "万元")).unwrap();
    assert_eq!(cmp(&intensity, &q("0.3", "吨标准煤/万元")), Equal);
    assert_eq!(q("1", "元").div(&q("0", "天")), Err(UnitError::DivisionByZero));
}

#[test]
fn sums_keep_an_exact_unit_when_one_exists() {
    assert_eq!(q("1", "亩").add(&q("1000", "m²")).unwrap().to_string(), "2.5 亩");
    assert_eq!(q("1000", "m²").add(&q("1", "亩")).unwrap().to_string(), "2.5 亩");
    assert_eq!(q("1", "万元").sub(&q("1", "元")).unwrap().to_string(), "0.9999 万元");
}

#[test]
fn parse_and_display() {
    assert_eq!(Unit::parse("万元 / 亩").unwrap().to_string(), "万元/亩");
    assert_eq!(Unit::parse("吨标煤/万元").unwrap().to_string(), "吨标准煤/万元");
    assert_eq!(Unit::parse("m2").unwrap(), Unit::atom(Atom::SquareMetre));
    assert_eq!(Unit::parse("元/m²/年").unwrap().to_string(), "元/m²/年");
    assert_eq!(Unit::parse("元/m²/年").unwrap().dimension().describe_zh(), "金额/面积/年");
    assert_eq!(Unit::parse("万元/亩").unwrap().dimension().describe_en(), "money/area");
    assert_eq!(Unit::ONE.dimension().describe_zh(), "无单位（比例或计数）");
    assert_eq!(Unit::parse("m").unwrap().mul(Unit::parse("m").unwrap()).unwrap().to_string(), "m^2");
    assert_eq!(Unit::parse("m^2").unwrap().dimension(), Unit::parse("亩").unwrap().dimension());
    assert_eq!(q("8.20", "万元/亩").to_string(), "8.2 万元/亩");
    assert_eq!(q("1E3", "kVA").to_string(), "1000 kVA");
    for bad in ["", "元/", "m^0", "元/亩/月/年"] {
        assert!(Unit::parse(bad).is_err(), "{bad:?}");
    }
}

#[test]
fn unknown_units_suggest_the_closest_symbol() {
    match Unit::parse("万圆") {
        Err(UnitError::Unknown { text, suggestion }) => {
            assert_eq!(text, "万圆");
            assert_eq!(suggestion.as_deref(), Some("万元"));
        }
        other => panic!("{other:?}"),
    }
    assert!(Unit::parse("KVA").unwrap_err().to_string().contains("`kVA`"));
}

#[test]
fn every_symbol_round_trips() {
    for &atom in Atom::ALL {
        let unit = Unit::parse(atom.symbol()).unwrap();
        assert_eq!(unit, Unit::atom(atom));
        assert_eq!(Unit::parse(&unit.to_string()).unwrap(), unit);
    }
    for symbol in known_symbols() {
        assert!(Unit::parse(symbol).is_ok(), "{symbol}");
    }
}

/// The grammar lists the unit spellings so that a number never swallows the next word; it must list
/// exactly the spellings this module knows.
#[test]
fn the_grammar_lists_every_known_unit_spelling() {
    let grammar = include_str!("../../../grammar/comply.pest");
    let start = grammar.find("unit_atom = @{").unwrap();
    let rule = &grammar[start..start + grammar[start..].find('}').unwrap()];
    let mut in_grammar: Vec<&str> = rule.split('"').skip(1).step_by(2).collect();
    let mut known = known_symbols();
    in_grammar.sort_unstable();
    known.sort_unstable();
    assert_eq!(in_grammar, known);
}

#[test]
fn huge_values_report_overflow() {
    let big = Quantity::new(Decimal::MAX, Unit::atom(Atom::YiYuan));
    assert_eq!(big.cmp_exact(&q("1", "元")), Ok(Greater));
    assert_eq!(big.cmp_exact(&q("0.0000000000000000000001", "元")), Err(UnitError::Overflow));
    assert_eq!(big.convert_exact(Unit::atom(Atom::Yuan)), Err(UnitError::Overflow));
    assert_eq!(big.mul(&big), Err(UnitError::Overflow));
}

fn decimal() -> impl Strategy<Value = Decimal> {
    (-1_000_000_000_000i64..1_000_000_000_000, 0u32..6).prop_map(|(m, s)| Decimal::new(m, s))
}

fn area_unit() -> impl Strategy<Value = Unit> {
    prop::sample::select(vec![Atom::SquareMetre, Atom::Mu, Atom::Hectare]).prop_map(Unit::atom)
}

proptest! {
    #[test]
    fn comparing_in_wan_yuan_agrees_with_yuan(a in decimal(), b in decimal()) {
        let (wan, yuan) = (Unit::atom(Atom::WanYuan), Unit::atom(Atom::Yuan));
        let (qa, qb) = (Quantity::new(a, wan), Quantity::new(b, wan));
        let qa_yuan = qa.convert_exact(yuan).unwrap();
        prop_assert_eq!(qa_yuan.value, a * Decimal::from(10_000));
        prop_assert_eq!(qa_yuan.cmp_exact(&qb).unwrap(), a.cmp(&b));
        prop_assert_eq!(qa.cmp_exact(&qa_yuan).unwrap(), Equal);
    }

    #[test]
    fn adding_then_subtracting_is_identity(a in decimal(), b in decimal(), ua in area_unit(), ub in area_unit()) {
        let (qa, qb) = (Quantity::new(a, ua), Quantity::new(b, ub));
        let back = qa.add(&qb).unwrap().sub(&qb).unwrap();
        prop_assert_eq!(back.cmp_exact(&qa).unwrap(), Equal);
    }
}

#[test]
fn quotients_of_one_dimension_are_exact_and_percentages_multiply_as_numbers() {
    // 1400 m² of 30 亩 (20000 m²) is exactly 7%: dividing in m²/亩 first would round at the 28th digit.
    let share = q("1400", "m²").div(&q("30", "亩")).unwrap();
    assert_eq!(share.cmp_exact(&q("7", "%")).unwrap(), std::cmp::Ordering::Equal);
    assert_eq!(q("0.21", "亩").div(&q("3", "亩")).unwrap().cmp_exact(&q("7", "%")).unwrap(), std::cmp::Ordering::Equal);
    // 10% of 800 万元 is 80 万元, not 8000 万元·%.
    assert_eq!(q("800", "万元").mul(&q("10", "%")).unwrap().to_string(), "80 万元");
    assert_eq!(q("2", "‰").mul(&q("500", "吨")).unwrap().to_string(), "1 吨");
}

#[test]
fn target_document_units_convert_within_their_dimension() {
    assert_eq!(cmp(&q("1", "万平方米"), &q("10000", "m²")), Equal);
    assert_eq!(cmp(&q("1", "公里"), &q("1000", "m")), Equal);
    assert_eq!(cmp(&q("1.5", "万亿元"), &q("15000", "亿元")), Equal);
    assert_eq!(cmp(&q("2", "万人"), &q("20000", "人")), Equal);
    assert_eq!(cmp(&q("100", "名"), &q("100", "人")), Equal);
    assert_eq!(cmp(&q("15", "万户"), &q("150000", "户")), Equal);
    assert_eq!(cmp(&q("1", "万千瓦"), &q("10000", "千瓦")), Equal);
    // 医师 2.6 人/千人 is 2.6‰ of the population; 孕产妇死亡率 10/10万 is 0.01%.
    assert_eq!(cmp(&q("2.6", "人/千人"), &q("2.6", "‰")), Equal);
    assert_eq!(cmp(&q("10", "/10万"), &q("0.01", "%")), Equal);
    assert_eq!(q("10", "/10万").to_string(), "10/10万");
    assert_eq!(Unit::parse("1/10万").unwrap(), Unit::parse("/10万").unwrap());
    assert_eq!(q("350", "家").to_string(), "350 家");
}

#[test]
fn currencies_counts_and_percentage_points_are_never_mixed() {
    for (a, b) in [("亿美元", "亿元"), ("支", "个"), ("家", "个"), ("百分点", "%"), ("万人", "万元"), ("千瓦", "kVA")]
    {
        let err = q("3", a).cmp_exact(&q("3", b)).unwrap_err();
        assert!(matches!(err, UnitError::DimensionMismatch { .. }), "{a} vs {b}: {err}");
        assert!(q("3", a).add(&q("3", b)).is_err(), "{a} + {b}");
    }
    assert_eq!(Unit::parse("个百分点").unwrap(), Unit::parse("百分点").unwrap());
    assert!(Unit::parse("家").unwrap().is_whole_count());
    assert!(!Unit::parse("万人").unwrap().is_whole_count() && !Unit::parse("m²").unwrap().is_whole_count());
}

#[test]
fn suggestions_stay_within_one_dimension() {
    // 亿美金 is a currency of dollars: 亿美元, never 亿元.
    assert_eq!(suggest_unit("亿美金", None).as_deref(), Some("亿美元"));
    // Expected area: 平方英尺 is nearest to 平方米 among areas; nothing of another dimension is offered.
    let area = Unit::parse("m²").unwrap().dimension();
    let suggestion = suggest_unit("平方英尺", Some(area)).unwrap();
    assert_eq!(Unit::parse(&suggestion).unwrap().dimension(), area);
    // A money fact given in 万人: no money unit is "close enough" to offer, and 万元 is not offered.
    let money = Unit::parse("元").unwrap().dimension();
    assert_ne!(suggest_unit("万人次", Some(money)).as_deref(), Some("万元"));
    // Ending with a known unit fixes the dimension: 百公里 is a length, so 公顷 (an area) is never offered.
    let s = suggest_unit("百公里", None);
    assert!(s.is_none_or(|s| Unit::parse(&s).unwrap().dimension() == Unit::parse("m").unwrap().dimension()));
}
