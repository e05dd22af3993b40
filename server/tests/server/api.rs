//! The JSON API over a real socket: every endpoint, the contract shared with the command line, the
//! security headers, the request log and the atomic reload.

use comply_engine::explain::{self, Lang, render};
use comply_engine::{Rulebook, facts};

use crate::client::{self, get, post_json, request};

const FAILING_WAGE: &str = r#"{"policy": "minimum_wage", "as_of": "2016-03-01",
  "facts": {"county": "洞头区", "subdistrict": "灵昆街道", "employment": "full_time", "monthly_wage": "1777 元/月"}}"#;

/// The report the command line would print for the same facts.
fn in_process(json: &str, lang: Lang) -> String {
    let book = Rulebook::embedded().expect("shipped packs");
    let file = facts::read_file("case.json", json).expect("valid");
    let policy = book.policy(file.policy.as_deref().expect("named")).expect("shipped");
    let bound = facts::bind(policy, &file.facts).expect("declared");
    let as_of = file.as_of.expect("dated").parse().expect("a date");
    let mut report = explain::report(policy, &bound, as_of, lang);
    report.case = file.case;
    render::json(&report)
}

#[test]
fn health_and_policy_list() {
    let server = client::start();
    let health = get(server.addr(), "/v1/health");
    assert_eq!(health.status, 200);
    assert_eq!(health.json()["status"], "ok");
    let list = get(server.addr(), "/v1/policies").json();
    let ids: Vec<&str> = list.as_array().expect("a list").iter().filter_map(|p| p["id"].as_str()).collect();
    assert!(ids.contains(&"minimum_wage") && ids.contains(&"zero_land"), "{ids:?}");
    let wage = list.as_array().expect("a list").iter().find(|p| p["id"] == "minimum_wage").expect("listed");
    assert_eq!(wage["valid_from"], "2015-11-01");
    assert!(wage["source"]["number"].as_str().is_some_and(|n| n.contains("58")), "{wage}");
}

#[test]
fn fact_sheet_lists_each_fact_with_its_choices_and_unit() {
    let server = client::start();
    let sheet = get(server.addr(), "/v1/policies/minimum_wage").json();
    let facts = sheet["facts"].as_array().expect("facts");
    let wage = facts.iter().find(|f| f["name"] == "monthly_wage").expect("monthly_wage");
    assert_eq!(wage["type"], "number");
    assert_eq!(wage["unit"], "元/月");
    let employment = facts.iter().find(|f| f["name"] == "employment").expect("employment");
    assert!(employment["choices"].as_array().is_some_and(|c| c.iter().any(|c| c["value"] == "part_time")));
    let missing = get(server.addr(), "/v1/policies/no_such_policy");
    assert_eq!(missing.status, 404);
    assert!(missing.json()["message"].as_str().is_some_and(|m| m.contains("no_such_policy")));
}

#[test]
fn check_returns_the_command_lines_json_report_in_both_languages() {
    let server = client::start();
    let zh = post_json(server.addr(), "/v1/check", FAILING_WAGE);
    assert_eq!(zh.status, 200);
    assert_eq!(zh.header("content-type"), Some("application/json; charset=utf-8"));
    assert_eq!(zh.text(), in_process(FAILING_WAGE, Lang::Zh));
    assert_eq!(zh.json()["verdict"], "fail");
    let en = post_json(server.addr(), "/v1/check?lang=en", FAILING_WAGE);
    assert_eq!(en.text(), in_process(FAILING_WAGE, Lang::En));
}

#[test]
fn check_carries_the_case_block_into_the_report() {
    let server = client::start();
    let with_case = FAILING_WAGE.replacen(
        "{\"policy\"",
        "{\"case\": {\"number\": \"温人社〔2016〕17号\", \"applicant\": \"温州某服装厂\"}, \"policy\"",
        1,
    );
    let response = post_json(server.addr(), "/v1/check", &with_case);
    assert_eq!(response.status, 200, "{}", response.text());
    let report = response.json();
    assert_eq!(report["case"]["number"], "温人社〔2016〕17号");
    assert_eq!(report["case"]["applicant"], "温州某服装厂");
    assert_eq!(response.text(), in_process(&with_case, Lang::Zh));
}

#[test]
fn bad_facts_get_400_with_the_command_lines_wording() {
    let server = client::start();
    let bad = r#"{"policy": "minimum_wage", "as_of": "2016-03-01", "facts": {"monthly_wage": "abc"}}"#;
    let expected = {
        let book = Rulebook::embedded().expect("shipped");
        let file = facts::read_file("case.json", bad).expect("valid JSON");
        let error = facts::bind(book.policy("minimum_wage").expect("shipped"), &file.facts).expect_err("bad");
        (error.render(Lang::Zh), error.render(Lang::En))
    };
    let zh = post_json(server.addr(), "/v1/check", bad);
    assert_eq!(zh.status, 400);
    assert_eq!(zh.json()["error"], "bad_facts");
    assert_eq!(zh.json()["message"], expected.0.as_str());
    let en = post_json(server.addr(), "/v1/check?lang=en", bad);
    assert_eq!(en.json()["message"], expected.1.as_str());
    for (body, fragment) in [
        (r#"{"policy": "minimum_wage", "facts": {}}"#, "as_of"),
        (r#"{"policy": "nope", "as_of": "2016-03-01", "facts": {}}"#, "nope"),
        (r#"{"policy": "minimum_wage", "as_of": "2016-13-01", "facts": {}}"#, "2016-13-01"),
        (r#"{"policy": "minimum_wage", "as_of": "2016-03-01", "facts": {"wage": 1}}"#, "wage"),
        (r#"[1, 2]"#, ""),
        (r#"{"policy": "minimum_wage", "#, "JSON"),
    ] {
        let response = post_json(server.addr(), "/v1/check", body);
        assert_eq!(response.status, 400, "{body}: {}", response.text());
        assert!(response.json()["message"].as_str().is_some_and(|m| m.contains(fragment)), "{}", response.text());
    }
}

#[test]
fn plan_lists_the_open_questions_with_their_prompts() {
    let server = client::start();
    let body = r#"{"policy": "minimum_wage", "as_of": "2016-03-01", "facts": {"county": "鹿城区"}}"#;
    let plan = post_json(server.addr(), "/v1/plan", body).json();
    assert_eq!(plan["verdict"], "undetermined");
    let asked: Vec<&str> =
        plan["questions"].as_array().expect("a list").iter().filter_map(|q| q["fact"].as_str()).collect();
    assert!(asked.contains(&"employment"), "{plan}");
    assert!(!asked.contains(&"county"), "an answered fact is not asked again: {plan}");
    let employment =
        plan["questions"].as_array().expect("a list").iter().find(|q| q["fact"] == "employment").expect("asked");
    assert!(employment["choices"].as_array().is_some_and(|c| c.len() == 2), "{employment}");
    let decided = post_json(server.addr(), "/v1/plan", FAILING_WAGE).json();
    assert_eq!(decided["verdict"], "fail");
    assert_eq!(decided["questions"].as_array().map(Vec::len), Some(0));
}

#[test]
fn lint_checks_a_posted_rule_file_and_reads_sources_only_from_the_shipped_texts() {
    let server = client::start();
    let shipped = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../rules/minimum_wage.rules"))
        .expect("shipped pack");
    let ok = request(server.addr(), "POST", "/v1/lint", "text/plain", shipped.as_bytes()).json();
    assert_eq!(ok["ok"], true, "{ok}");
    assert_eq!(ok["policies"], serde_json::json!(["minimum_wage"]));
    // The same file pointed at a file of the server's own disk: not read, so its quotes are not found.
    let escaped = shipped.replace("sources/gazette_2015_10.txt", "../../../../etc/passwd");
    let refused = request(server.addr(), "POST", "/v1/lint", "text/plain", escaped.as_bytes()).json();
    assert_eq!(refused["ok"], false, "{refused}");
    assert!(refused["diagnostics"].as_array().is_some_and(|d| !d.is_empty()));
    let broken = request(server.addr(), "POST", "/v1/lint?lang=en", "text/plain", b"policy broken {").json();
    assert_eq!(broken["ok"], false);
    assert!(broken["rendered"].as_str().is_some_and(|r| r.contains("expected")), "{broken}");
}

#[test]
fn openapi_document_covers_every_endpoint_and_the_report_contract() {
    let server = client::start();
    let spec = get(server.addr(), "/v1/openapi.json").json();
    for path in ["/v1/health", "/v1/policies", "/v1/policies/{id}", "/v1/check", "/v1/plan", "/v1/lint", "/v1/batch"] {
        assert!(spec["paths"][path].is_object(), "{path} missing from the OpenAPI document");
    }
    // The documented report has exactly the keys a real report has.
    let report = post_json(server.addr(), "/v1/check", FAILING_WAGE).json();
    // `reason` is left out of a report that needs none.
    let mut real: std::collections::BTreeSet<String> = report.as_object().expect("an object").keys().cloned().collect();
    real.insert("reason".to_string());
    // So is `case`, in a fact file without a `[case]` block.
    real.insert("case".to_string());
    let documented: std::collections::BTreeSet<String> = spec["components"]["schemas"]["ReportDoc"]["properties"]
        .as_object()
        .expect("documented")
        .keys()
        .cloned()
        .collect();
    assert_eq!(real, documented);
}

#[test]
fn every_response_carries_the_security_headers() {
    let server = client::start();
    for path in ["/", "/v1/health", "/v1/nowhere", "/static/app.css", "/assess/minimum_wage"] {
        let response = get(server.addr(), path);
        let csp = response.header("content-security-policy").unwrap_or_default();
        assert!(csp.contains("default-src 'none'") && csp.contains("script-src 'self'"), "{path}: {csp}");
        assert!(!csp.contains("unsafe-inline"), "{path}: {csp}");
        assert_eq!(response.header("x-content-type-options"), Some("nosniff"), "{path}");
        assert_eq!(response.header("x-frame-options"), Some("DENY"), "{path}");
    }
    assert_eq!(get(server.addr(), "/v1/nowhere").status, 404);
}

#[test]
fn the_request_log_is_structured_and_holds_no_fact_values() {
    let server = client::start();
    post_json(server.addr(), "/v1/check", FAILING_WAGE);
    let form =
        "lang=zh&as_of=2016-03-01&shown=monthly_wage&a%3Acounty=%E6%B4%9E%E5%A4%B4%E5%8C%BA&q%3Amonthly_wage=1777";
    request(server.addr(), "POST", "/assess/minimum_wage", "application/x-www-form-urlencoded", form.as_bytes());
    let lines = server.log_lines();
    let requests: Vec<serde_json::Value> =
        lines.iter().map(|l| serde_json::from_str(l).expect("each line is JSON")).collect();
    assert!(requests.iter().any(|r| r["path"] == "/v1/check" && r["status"] == 200), "{lines:?}");
    assert!(requests.iter().any(|r| r["path"] == "/assess/minimum_wage"), "{lines:?}");
    for line in &lines {
        assert!(!line.contains("1777") && !line.contains("洞头"), "a fact value reached the log: {line}");
    }
}

#[test]
fn sighup_reloads_the_rules_atomically_and_a_broken_file_keeps_the_old_ones() {
    let dir = std::env::temp_dir().join(format!("comply-server-reload-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(dir.join("sources")).expect("a folder");
    let root = concat!(env!("CARGO_MANIFEST_DIR"), "/../rules");
    let original = std::fs::read_to_string(format!("{root}/minimum_wage.rules")).expect("shipped");
    std::fs::copy(format!("{root}/sources/gazette_2015_10.txt"), dir.join("sources/gazette_2015_10.txt"))
        .expect("copied");
    std::fs::write(dir.join("minimum_wage.rules"), &original).expect("written");
    let server = client::start_with(comply_server::Limits::default(), comply_server::RuleSource::Path(dir.clone()));
    let ids = |server: &client::Server| -> Vec<String> {
        get(server.addr(), "/v1/policies")
            .json()
            .as_array()
            .map(|l| l.iter().filter_map(|p| p["id"].as_str().map(str::to_string)).collect())
            .unwrap_or_default()
    };
    assert_eq!(ids(&server), ["minimum_wage"]);
    let hangup = |expected_reloads: usize| {
        let status = std::process::Command::new("kill")
            .args(["-HUP", &std::process::id().to_string()])
            .status()
            .expect("kill runs");
        assert!(status.success());
        // Wait (bounded) for this server's reload to be logged.
        for _ in 0..200 {
            let reloads = server.log_lines().iter().filter(|l| l.contains("\"reload\"")).count();
            if reloads >= expected_reloads {
                return;
            }
            std::thread::sleep(std::time::Duration::from_millis(25));
        }
        panic!("no reload logged: {:?}", server.log_lines());
    };
    std::fs::write(dir.join("minimum_wage.rules"), original.replace("policy minimum_wage", "policy minimum_wage_v2"))
        .expect("written");
    hangup(1);
    assert_eq!(ids(&server), ["minimum_wage_v2"]);
    std::fs::write(dir.join("minimum_wage.rules"), "policy broken {").expect("written");
    hangup(2);
    assert_eq!(ids(&server), ["minimum_wage_v2"], "a broken rule file must not replace working rules");
    assert!(server.log_lines().iter().any(|l| l.contains("\"ok\":false")));
    let _ = std::fs::remove_dir_all(&dir);
}
