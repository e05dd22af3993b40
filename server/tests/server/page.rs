//! The self-assessment page driven end to end in headless Chromium through chromedriver's WebDriver API
//! (spoken directly with the test's own HTTP client). Each step is photographed at a phone's width (360 px)
//! and a desktop's (1280 px) into `target/browser-screenshots/`. `.ci/run` installs Debian's `chromium`
//! and `chromium-driver`.

use std::collections::BTreeMap;
use std::net::{SocketAddr, TcpListener};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use comply_engine::facts::{self, Raw};
use serde_json::{Value, json};

use crate::client::{self, request};

const ELEMENT: &str = "element-6066-11e4-a52e-4f735466cecf";

fn artefacts() -> PathBuf {
    let dir = PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../target/browser-screenshots"));
    let _ = std::fs::create_dir_all(&dir);
    dir
}

struct Browser {
    driver: Child,
    addr: SocketAddr,
    session: String,
    profile: PathBuf,
}

impl Browser {
    fn start() -> Browser {
        let port = TcpListener::bind("127.0.0.1:0").and_then(|l| l.local_addr()).expect("a free port").port();
        let driver = Command::new("chromedriver")
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("chromedriver runs (install chromium and chromium-driver; .ci/run does)");
        let addr: SocketAddr = format!("127.0.0.1:{port}").parse().expect("an address");
        let mut ready = false;
        for _ in 0..200 {
            if std::net::TcpStream::connect(addr).is_ok() {
                ready = true;
                break;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        assert!(ready, "chromedriver did not start");
        let profile = std::env::temp_dir().join(format!("comply-chromium-{}-{port}", std::process::id()));
        let capabilities = json!({"capabilities": {"alwaysMatch": {
            "browserName": "chrome",
            "goog:chromeOptions": {
                "binary": "/usr/bin/chromium",
                "args": ["--headless=new", "--no-sandbox", "--disable-gpu", "--no-first-run",
                         "--disable-background-networking", "--disable-component-update", "--disable-sync",
                         "--disable-dev-shm-usage", "--hide-scrollbars", "--window-size=1280,900",
                         format!("--user-data-dir={}", profile.display())]
            }
        }}});
        let mut browser = Browser { driver, addr, session: String::new(), profile };
        let created = browser.call("POST", "/session", &capabilities);
        browser.session = created["sessionId"].as_str().expect("a session").to_string();
        browser
    }

    fn call(&self, method: &str, path: &str, body: &Value) -> Value {
        let path = if self.session.is_empty() { path.to_string() } else { format!("/session/{}{path}", self.session) };
        let body = if method == "GET" || method == "DELETE" { Vec::new() } else { body.to_string().into_bytes() };
        let response = request(self.addr, method, &path, "application/json", &body);
        let json = response.json();
        assert!(response.status < 400, "WebDriver {method} {path}: {json}");
        json["value"].clone()
    }

    fn goto(&self, url: &str) {
        self.call("POST", "/url", &json!({"url": url}));
    }

    fn find_all(&self, css: &str) -> Vec<String> {
        let found = self.call("POST", "/elements", &json!({"using": "css selector", "value": css}));
        found
            .as_array()
            .map(|a| a.iter().filter_map(|e| e[ELEMENT].as_str().map(str::to_string)).collect())
            .unwrap_or_default()
    }

    fn find(&self, css: &str) -> String {
        self.find_all(css).into_iter().next().unwrap_or_else(|| panic!("no element {css} in:\n{}", self.body_text()))
    }

    fn click(&self, css: &str) {
        let element = self.find(css);
        self.call("POST", &format!("/element/{element}/click"), &json!({}));
    }

    /// Clicks a button that submits a form and waits (bounded) until the next page has loaded.
    fn submit(&self, css: &str) {
        self.script("document.documentElement.dataset.left = 'yes'");
        self.click(css);
        for _ in 0..400 {
            let loaded = self.script(
                "return document.readyState === 'complete' && document.documentElement.dataset.left === undefined",
            );
            if loaded.as_bool() == Some(true) {
                return;
            }
            std::thread::sleep(Duration::from_millis(25));
        }
        panic!("the page after {css} did not load");
    }

    fn type_into(&self, css: &str, text: &str) {
        let element = self.find(css);
        self.call("POST", &format!("/element/{element}/clear"), &json!({}));
        self.call("POST", &format!("/element/{element}/value"), &json!({"text": text}));
    }

    fn text(&self, css: &str) -> String {
        let element = self.find(css);
        self.call("GET", &format!("/element/{element}/text"), &json!({})).as_str().unwrap_or_default().to_string()
    }

    fn body_text(&self) -> String {
        self.find_all("body")
            .first()
            .map(|b| {
                self.call("GET", &format!("/element/{b}/text"), &json!({})).as_str().unwrap_or_default().to_string()
            })
            .unwrap_or_default()
    }

    fn script(&self, script: &str) -> Value {
        self.call("POST", "/execute/sync", &json!({"script": script, "args": []}))
    }

    fn cdp(&self, cmd: &str, params: Value) -> Value {
        self.call("POST", "/goog/cdp/execute", &json!({"cmd": cmd, "params": params}))
    }

    /// The whole page at `width` CSS pixels, as a phone or a desktop shows it.
    fn screenshot(&self, name: &str, width: u32) {
        let mobile = width < 600;
        self.cdp(
            "Emulation.setDeviceMetricsOverride",
            json!({"width": width, "height": 800, "deviceScaleFactor": 1, "mobile": mobile}),
        );
        let height =
            self.script("return document.documentElement.scrollHeight").as_u64().unwrap_or(800).clamp(400, 8000);
        self.cdp(
            "Emulation.setDeviceMetricsOverride",
            json!({"width": width, "height": height, "deviceScaleFactor": 1, "mobile": mobile}),
        );
        let shot = self.cdp("Page.captureScreenshot", json!({"format": "png"}));
        let png = base64(shot["data"].as_str().expect("image data"));
        assert!(png.starts_with(b"\x89PNG"), "not a PNG");
        let file = artefacts().join(format!("{name}-{}.png", if mobile { "phone" } else { "desktop" }));
        std::fs::write(&file, png).expect("screenshot written");
        // Whatever the width, nothing may stick out sideways.
        let overflow =
            self.script("return document.documentElement.scrollWidth - document.documentElement.clientWidth");
        assert_eq!(overflow.as_i64(), Some(0), "{name} scrolls sideways at {width} px");
        self.cdp("Emulation.clearDeviceMetricsOverride", json!({}));
    }

    fn both_widths(&self, name: &str) {
        self.screenshot(name, 360);
        self.screenshot(name, 1280);
    }

    /// The facts the current screen asks, in order.
    fn shown(&self) -> Vec<String> {
        let shown = self.script("return Array.from(document.querySelectorAll('input[name=shown]')).map(e => e.value)");
        shown.as_array().map(|a| a.iter().filter_map(|v| v.as_str().map(str::to_string)).collect()).unwrap_or_default()
    }
}

impl Drop for Browser {
    fn drop(&mut self) {
        if !self.session.is_empty() {
            let _ = request(self.addr, "DELETE", &format!("/session/{}", self.session), "", b"");
        }
        let _ = self.driver.kill();
        let _ = self.driver.wait();
        let _ = std::fs::remove_dir_all(&self.profile);
    }
}

fn base64(text: &str) -> Vec<u8> {
    let value = |c: u8| -> Option<u32> {
        Some(match c {
            b'A'..=b'Z' => c - b'A',
            b'a'..=b'z' => c - b'a' + 26,
            b'0'..=b'9' => c - b'0' + 52,
            b'+' => 62,
            b'/' => 63,
            _ => return None,
        } as u32)
    };
    let digits: Vec<u32> = text.bytes().filter_map(value).collect();
    let mut out = Vec::with_capacity(digits.len() * 3 / 4);
    for chunk in digits.chunks(4) {
        let n = chunk.iter().enumerate().fold(0u32, |n, (i, d)| n | d << (18 - 6 * i));
        out.extend_from_slice(&n.to_be_bytes()[1..chunk.len()]);
    }
    out
}

/// A fact file's answers as the page's inputs take them: one text, or several ticked values.
fn answers_of(path: &str) -> (String, BTreeMap<String, Vec<String>>) {
    let text = std::fs::read_to_string(format!("{}/../{path}", env!("CARGO_MANIFEST_DIR"))).expect("example");
    let file = facts::read_file(path, &text).expect("a fact file");
    let answers = file
        .facts
        .into_iter()
        .map(|(name, raw)| {
            let values = match raw {
                Raw::Bool(b) => vec![b.to_string()],
                Raw::Number(n) | Raw::Text(n) => vec![n],
                Raw::List(items) => items
                    .into_iter()
                    .filter_map(|i| match i {
                        Raw::Text(t) | Raw::Number(t) => Some(t),
                        _ => None,
                    })
                    .collect(),
                Raw::Records(_) => panic!("{path}: the page answers one fact per screen, not rows of records"),
            };
            (name, values)
        })
        .collect();
    (file.as_of.expect("dated"), answers)
}

/// Answers every screen from `answers` until the report shows; returns the facts asked, screen by screen.
fn answer_through(
    browser: &Browser,
    name: &str,
    as_of: &str,
    answers: &BTreeMap<String, Vec<String>>,
) -> Vec<Vec<String>> {
    browser.type_into("#q-as_of", as_of);
    let mut screens = Vec::new();
    for step in 1..=40 {
        if !browser.find_all("#report").is_empty() {
            return screens;
        }
        let shown = browser.shown();
        for fact in &shown {
            let values =
                answers.get(fact).unwrap_or_else(|| panic!("the page asks {fact}, which the case does not answer"));
            let inputs =
                browser.find_all(&format!("input[name='q:{fact}'][type=radio], input[name='q:{fact}'][type=checkbox]"));
            if inputs.is_empty() {
                browser.type_into(&format!("#q-{fact}"), &values[0]);
            } else {
                for value in values {
                    browser.click(&format!("input[name='q:{fact}'][value='{value}']"));
                }
            }
        }
        if step <= 2 {
            browser.both_widths(&format!("{name}-{step:02}-questions"));
        }
        screens.push(shown);
        browser.submit("button[value=next]");
    }
    panic!("no report after 40 screens: {screens:?}");
}

#[test]
fn a_zero_land_firm_answers_its_way_to_pass_with_both_routes_and_prints_the_whole_report() {
    let _one = crate::BROWSER.lock().unwrap_or_else(|e| e.into_inner());
    let server = client::start();
    let browser = Browser::start();
    browser.goto(&format!("http://{}/", server.addr()));
    assert!(browser.body_text().contains("零土地"), "{}", browser.body_text());
    browser.both_widths("zero_land-00-policies");
    browser.submit("a[href='/assess/zero_land']");
    browser.both_widths("zero_land-01-start");
    let (as_of, answers) = answers_of("examples/zero_land/eligible_extension.toml");
    let screens = answer_through(&browser, "zero_land", &as_of, &answers);
    assert!(screens.iter().all(|s| !s.is_empty() && s.len() <= 3), "{screens:?}");
    let asked: Vec<&String> = screens.iter().flatten().collect();
    let mut unique = asked.clone();
    unique.dedup();
    assert_eq!(asked.len(), unique.len(), "a question was asked twice: {asked:?}");
    browser.both_widths("zero_land-09-report");
    assert_eq!(browser.text("#report #verdict"), "符合");
    let outputs = browser.text("#outputs");
    assert!(outputs.contains("能评方式") && outputs.contains("环评方式"), "{outputs}");
    assert!(!outputs.contains("未知"), "a route is still open: {outputs}");
    // The print button is there with script; the print view holds the whole report, every rule included.
    assert_eq!(browser.find_all("#print:not([hidden])").len(), 1);
    let pdf = browser.call("POST", "/print", &json!({"orientation": "portrait", "background": true}));
    let pdf = base64(pdf.as_str().expect("a PDF"));
    let file = artefacts().join("zero_land-10-print.pdf");
    std::fs::write(&file, &pdf).expect("written");
    let text = Command::new("pdftotext")
        .args(["-layout"])
        .arg(&file)
        .arg("-")
        .output()
        .expect("pdftotext runs (poppler-utils)");
    let printed = String::from_utf8_lossy(&text.stdout).split_whitespace().collect::<String>();
    let report = client::post_json(
        server.addr(),
        "/v1/check",
        &serde_json::to_string(&json!({"policy": "zero_land", "as_of": as_of, "facts": answers_json(&answers)}))
            .expect("json"),
    )
    .json();
    assert_eq!(report["verdict"], "pass");
    let book = comply_engine::Rulebook::embedded().expect("shipped");
    let policy = book.policy("zero_land").expect("shipped");
    for rule in policy.rules() {
        let title: String = rule.title.zh.split_whitespace().collect();
        assert!(printed.contains(&title), "the printed report lacks the rule {title}");
    }
    assert!(printed.contains("能评方式") && printed.contains("环评方式"));
    assert!(!printed.contains("继续") && !printed.contains("打印报告"), "buttons are printed");
    browser.cdp("Emulation.setEmulatedMedia", json!({"media": "print"}));
    browser.both_widths("zero_land-10-print-view");
    browser.cdp("Emulation.setEmulatedMedia", json!({"media": ""}));
    // The download is a fact file `comply check` reads to the same verdict.
    let downloaded = download_answers(&browser, server.addr());
    let file = facts::read_file("answers.toml", &downloaded).expect("a fact file");
    let bound = facts::bind(policy, &file.facts).expect("valid facts");
    let again = comply_engine::explain::report(
        policy,
        &bound,
        file.as_of.expect("dated").parse().expect("a date"),
        comply_engine::explain::Lang::Zh,
    );
    assert_eq!(again.verdict.as_str(), "pass");
}

fn answers_json(answers: &BTreeMap<String, Vec<String>>) -> Value {
    let book = comply_engine::Rulebook::embedded().expect("shipped");
    let policy = book.policy("zero_land").expect("shipped");
    answers
        .iter()
        .map(|(name, values)| {
            let is_set = policy
                .fact_index(name)
                .is_some_and(|id| matches!(policy.facts()[id as usize].ty, comply_engine::policy::Type::Set(_)));
            let value = if is_set { json!(values) } else { json!(values[0]) };
            (name.clone(), value)
        })
        .collect::<serde_json::Map<String, Value>>()
        .into()
}

/// The download form's fields posted as the browser would post them.
fn download_answers(browser: &Browser, addr: SocketAddr) -> String {
    let body =
        browser.script("return new URLSearchParams(new FormData(document.getElementById('download'))).toString()");
    let response = request(
        addr,
        "POST",
        "/assess/zero_land/facts.toml",
        "application/x-www-form-urlencoded",
        body.as_str().unwrap_or_default().as_bytes(),
    );
    assert_eq!(response.status, 200);
    assert!(response.header("content-disposition").is_some_and(|d| d.contains("attachment")));
    response.text()
}

#[test]
fn a_bad_answer_is_asked_again_with_the_message_beside_the_field() {
    let _one = crate::BROWSER.lock().unwrap_or_else(|e| e.into_inner());
    let server = client::start();
    let browser = Browser::start();
    browser.goto(&format!("http://{}/assess/minimum_wage", server.addr()));
    browser.type_into("#q-as_of", "2016-03-01");
    // Answer whatever is asked until the wage is; then give a wage that is not a figure.
    for _ in 0..6 {
        if browser.shown().iter().any(|f| f == "monthly_wage") {
            break;
        }
        for fact in browser.shown() {
            match fact.as_str() {
                "county" => browser.click("input[name='q:county'][value='鹿城区']"),
                "employment" => browser.click("input[name='q:employment'][value='full_time']"),
                other => panic!("unexpected question {other}"),
            }
        }
        browser.submit("button[value=next]");
    }
    browser.type_into("#q-monthly_wage", "一千八");
    browser.submit("button[value=next]");
    let field = browser.text(".field.has-error");
    assert!(field.contains("月工资") || field.contains("monthly_wage"), "{field}");
    let message = browser.text(".field.has-error .error");
    assert!(message.contains("一千八"), "the message names what was given: {message}");
    let described = browser.script("return document.getElementById('q-monthly_wage').getAttribute('aria-describedby')");
    assert!(described.as_str().is_some_and(|d| d.contains("e-monthly_wage")), "{described}");
    assert_eq!(browser.script("return document.activeElement.id").as_str(), Some("q-monthly_wage"));
    browser.both_widths("minimum_wage-bad-answer");
    // Corrected, the interview goes on to a verdict.
    browser.type_into("#q-monthly_wage", "2000");
    browser.submit("button[value=next]");
    assert!(browser.find_all(".field.has-error").is_empty());
    assert!(!browser.find_all("#report").is_empty(), "{}", browser.body_text());
    assert_eq!(browser.text("#report #verdict"), "符合");
    // The English switch keeps the answers and redraws the report in English.
    browser.submit("button.switch");
    assert_eq!(browser.text("#report #verdict"), "meets the conditions");
    browser.both_widths("minimum_wage-report-en");
}

#[test]
fn a_dongtou_worker_is_decided_without_being_asked_the_subdistrict() {
    let _one = crate::BROWSER.lock().unwrap_or_else(|e| e.into_inner());
    let server = client::start();
    let browser = Browser::start();
    browser.goto(&format!("http://{}/assess/minimum_wage", server.addr()));
    let answers: BTreeMap<String, Vec<String>> =
        [("county", "洞头区"), ("employment", "full_time"), ("monthly_wage", "1900")]
            .into_iter()
            .map(|(k, v)| (k.to_string(), vec![v.to_string()]))
            .collect();
    let screens = answer_through(&browser, "dongtou", "2016-03-01", &answers);
    assert!(screens.iter().flatten().all(|f| f != "subdistrict"), "{screens:?}");
    assert_eq!(browser.text("#report #verdict"), "符合");
    browser.both_widths("dongtou-report");
}

/// The example pack that declares how many hours a day and days a month count (`convert … by "…"`).
fn hourly_by_law() -> client::Server {
    let rules = concat!(env!("CARGO_MANIFEST_DIR"), "/../examples/features/hourly_by_law.rules");
    client::start_with(comply_server::Limits::default(), comply_server::RuleSource::Path(rules.into()))
}

/// A daily wage typed into an hourly question is read by the law the pack cites, and the report on the page
/// says so under 按规定换算, as the text report does: 18.75 元/小时 never appears unexplained.
#[test]
fn a_daily_wage_on_the_page_is_converted_with_the_law_named() {
    let _one = crate::BROWSER.lock().unwrap_or_else(|e| e.into_inner());
    let server = hourly_by_law();
    let browser = Browser::start();
    browser.goto(&format!("http://{}/assess/hourly_by_law", server.addr()));
    let answers: BTreeMap<String, Vec<String>> = [("piece_rate", "false"), ("hourly_wage", "150 元/天")]
        .into_iter()
        .map(|(k, v)| (k.to_string(), vec![v.to_string()]))
        .collect();
    answer_through(&browser, "hourly_by_law", "2020-06-01", &answers);
    assert_eq!(browser.text("#report #verdict"), "符合");
    let report = browser.text("#report");
    assert!(report.contains("按规定换算"), "{report}");
    assert!(
        report.contains(
            "小时工资：给出 150 元/天，按“1 天 = 8 小时”（《国务院关于职工工作时间的规定》第三条）折合 18.75 元/小时"
        ),
        "{report}"
    );
    browser.both_widths("hourly_by_law-report");
}

/// The interview with plain form posts and no browser: every answer rides in the page, the server keeps
/// nothing, and a tampered hidden answer is not trusted but asked again.
#[test]
fn the_interview_works_with_plain_form_posts_and_trusts_no_hidden_field() {
    let server = client::start();
    let post = |body: &str| {
        request(server.addr(), "POST", "/assess/minimum_wage", "application/x-www-form-urlencoded", body.as_bytes())
    };
    let start = client::get(server.addr(), "/assess/minimum_wage");
    assert_eq!(start.status, 200);
    assert!(start.text().contains("name=\"q:county\"") && !start.text().contains("name=\"q:subdistrict\""));
    let first = post(
        "first=1&lang=zh&as_of=2016-03-01&shown=county&shown=employment&q%3Acounty=%E9%B9%BF%E5%9F%8E%E5%8C%BA&q%3Aemployment=full_time&action=next",
    );
    assert_eq!(first.status, 200);
    let page = first.text();
    assert!(page.contains("name=\"a:county\" value=\"鹿城区\""), "the answer is carried in the page");
    assert!(page.contains("name=\"q:monthly_wage\""), "{page}");
    let done = post(
        "lang=zh&as_of=2016-03-01&a%3Acounty=%E9%B9%BF%E5%9F%8E%E5%8C%BA&a%3Aemployment=full_time&shown=monthly_wage&q%3Amonthly_wage=2000&action=next",
    );
    assert!(done.text().contains("id=\"report\""), "{}", done.text());
    assert!(done.text().contains("<span class=\"verdict-pass\" id=\"verdict\">符合</span>"));
    // A hidden answer that is not a valid value is dropped, and its question comes back.
    let tampered = post(
        "lang=zh&as_of=2016-03-01&a%3Acounty=%E9%B9%BF%E5%9F%8E%E5%8C%BA&a%3Aemployment=full_time&a%3Amonthly_wage=lots&action=next",
    );
    assert!(tampered.text().contains("name=\"q:monthly_wage\""), "{}", tampered.text());
    assert!(!tampered.text().contains("value=\"lots\""));
}

/// The same without a browser: the posted answer 150 元/天 comes back as a report with the conversion and
/// its law, and `/v1/check` carries the same line in its JSON.
#[test]
fn a_daily_wage_is_converted_with_the_law_named_in_the_form_and_the_api() {
    let server = hourly_by_law();
    let done = request(
        server.addr(),
        "POST",
        "/assess/hourly_by_law",
        "application/x-www-form-urlencoded",
        "lang=zh&as_of=2020-06-01&a%3Apiece_rate=false&a%3Ahourly_wage=150%20%E5%85%83%2F%E5%A4%A9&action=next"
            .as_bytes(),
    );
    let page = done.text();
    assert!(page.contains("id=\"report\""), "{page}");
    assert!(page.contains("<h2>按规定换算</h2>"), "{page}");
    assert!(
        page.contains("给出 150 元/天，按“1 天 = 8 小时”（《国务院关于职工工作时间的规定》第三条）折合 18.75 元/小时"),
        "{page}"
    );
    let check = client::post_json(
        server.addr(),
        "/v1/check",
        r#"{"policy": "hourly_by_law", "as_of": "2020-06-01", "facts": {"piece_rate": false, "hourly_wage": "150 元/天"}}"#,
    );
    assert_eq!(check.status, 200, "{}", check.text());
    let json = check.json();
    assert_eq!(json["verdict"], "pass");
    assert_eq!(json["conversions"][0]["given"], "150 元/天", "{json}");
    assert!(
        json["conversions"][0]["text"].as_str().unwrap_or("").contains("《国务院关于职工工作时间的规定》第三条"),
        "{json}"
    );
}
