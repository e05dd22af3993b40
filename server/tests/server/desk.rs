//! The case desk over a real socket: every route in `desk::ROUTES` refused to the unauthenticated and to
//! the wrong role, CSRF enforced on every form, hostile text shown escaped, a created case listed,
//! printed, verified; an edited verdict named by `records verify` and by the desk's banner. Each test
//! runs against SQLite and, when `COMPLY_TEST_POSTGRES` is set (always under `.ci/run`), PostgreSQL.

use std::net::SocketAddr;

use comply_records::testing::targets;
use comply_records::{Role, Store};
use comply_server::desk::{Access, ROUTES};
use comply_server::{AppState, Config, Limits, RuleSource, Running};

use crate::client::{Response, raw};

const CLERK: (&str, &str) = ("zhang_clerk", "clerk passphrase 2026");
const AUDITOR: (&str, &str) = ("li_auditor", "auditor passphrase 2026");

fn start(db: &str) -> Running {
    let mut store = Store::open(db).unwrap();
    store.add_user("setup", CLERK.0, Role::Clerk, CLERK.1).unwrap();
    store.add_user("setup", AUDITOR.0, Role::Auditor, AUDITOR.1).unwrap();
    drop(store);
    instance(db)
}

/// One more `comply serve` on the same store.
fn instance(db: &str) -> Running {
    let book = RuleSource::Embedded.load().unwrap();
    let state = AppState::with_logger(book, RuleSource::Embedded, Limits::default(), std::sync::Arc::new(|_: &str| {}));
    let desk = comply_server::desk::routes(state.clone(), db).unwrap();
    comply_server::start(Config::new("127.0.0.1:0".parse().unwrap(), state).with_routes(desk)).unwrap()
}

/// A browser's worth of state: its cookies.
#[derive(Default, Clone)]
struct Agent {
    cookies: Vec<(String, String)>,
}

impl Agent {
    fn send(&mut self, addr: SocketAddr, method: &str, path: &str, form: &[(&str, &str)]) -> Response {
        let body: String =
            form.iter().map(|(k, v)| format!("{}={}", encode(k), encode(v))).collect::<Vec<_>>().join("&");
        let cookies: Vec<String> = self.cookies.iter().map(|(k, v)| format!("{k}={v}")).collect();
        let mut head = format!(
            "{method} {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\nContent-Length: {}\r\n",
            body.len()
        );
        if method == "POST" {
            head.push_str("Content-Type: application/x-www-form-urlencoded\r\n");
        }
        if !cookies.is_empty() {
            head.push_str(&format!("Cookie: {}\r\n", cookies.join("; ")));
        }
        head.push_str("\r\n");
        let response =
            raw(addr, format!("{head}{body}").as_bytes()).unwrap_or_else(|| panic!("no response to {method} {path}"));
        for (name, value) in &response.headers {
            if name.eq_ignore_ascii_case("set-cookie") {
                let pair = value.split(';').next().unwrap_or("");
                if let Some((k, v)) = pair.split_once('=') {
                    self.cookies.retain(|(n, _)| n != k);
                    if !v.is_empty() {
                        self.cookies.push((k.to_string(), v.to_string()));
                    }
                }
                assert!(value.contains("HttpOnly") && value.contains("SameSite=Strict"), "{value}");
            }
        }
        response
    }

    fn get(&mut self, addr: SocketAddr, path: &str) -> Response {
        self.send(addr, "GET", path, &[])
    }

    fn login(addr: SocketAddr, (name, password): (&str, &str)) -> (Agent, String) {
        let mut agent = Agent::default();
        let form = agent.get(addr, "/desk/login");
        let token = hidden_value(&form.text(), "csrf");
        let done = agent.send(addr, "POST", "/desk/login", &[("csrf", &token), ("name", name), ("password", password)]);
        assert_eq!(done.status, 303, "{name} logs in: {}", done.text());
        let list = agent.get(addr, "/desk");
        assert_eq!(list.status, 200);
        let csrf = hidden_value(&list.text(), "csrf");
        (agent, csrf)
    }
}

fn encode(text: &str) -> String {
    text.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => (b as char).to_string(),
            b' ' => "+".to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

fn hidden_value(page: &str, name: &str) -> String {
    let marker = format!("name=\"{name}\" value=\"");
    let start = page.find(&marker).unwrap_or_else(|| panic!("no {name} field in:\n{page}")) + marker.len();
    page[start..].split('"').next().unwrap().to_string()
}

fn concrete(path: &str) -> String {
    path.replace("{policy}", "minimum_wage").replace("{seq}", "3")
}

const CASE: &[(&str, &str)] = &[
    ("as_of", "2016-03-01"),
    ("f:county", "洞头区"),
    ("f:subdistrict", "灵昆街道"),
    ("f:employment", "full_time"),
    ("f:monthly_wage", "1700"),
];

fn create_case(agent: &mut Agent, addr: SocketAddr, csrf: &str, case_no: &str, applicant: &str) -> Response {
    let mut form: Vec<(&str, &str)> =
        vec![("csrf", csrf), ("case_no", case_no), ("applicant", applicant), ("credit_code", "91330300MA2H12345X")];
    form.extend_from_slice(CASE);
    agent.send(addr, "POST", "/desk/new/minimum_wage", &form)
}

#[test]
fn every_desk_route_refuses_the_unauthenticated_and_the_wrong_role() {
    for db in targets("desk_access") {
        let server = start(&db);
        let addr = server.addr;
        let (mut clerk, clerk_csrf) = Agent::login(addr, CLERK);
        let (mut auditor, auditor_csrf) = Agent::login(addr, AUDITOR);
        // A case, so that `/desk/case/{seq}` names one (records 1–4 are the two users and two logins).
        let created = create_case(&mut clerk, addr, &clerk_csrf, "A-1", "甲公司");
        assert_eq!(created.status, 303, "{}", created.text());
        let location = created.headers.iter().find(|(n, _)| n.eq_ignore_ascii_case("location")).unwrap().1.clone();
        let seq = location.rsplit('/').next().unwrap().to_string();
        assert!(ROUTES.len() >= 10);
        for route in ROUTES {
            let path = concrete(route.path).replace("/case/3", &format!("/case/{seq}"));
            let mut stranger = Agent::default();
            let anonymous = stranger.send(addr, route.method, &path, &[("csrf", "guess")]);
            if route.access == Access::Public {
                assert_ne!(anonymous.status, 500, "{} {path}", route.method);
                continue;
            }
            assert_eq!(anonymous.status, 303, "{} {path} without a session: {}", route.method, anonymous.text());
            assert!(!anonymous.text().contains("甲公司"));
            for (agent, csrf, role) in
                [(&mut clerk, &clerk_csrf, Role::Clerk), (&mut auditor, &auditor_csrf, Role::Auditor)]
            {
                let allowed = match route.access {
                    Access::Clerk => role == Role::Clerk,
                    Access::Auditor => role == Role::Auditor,
                    _ => true,
                };
                if route.method == "POST" {
                    // Without the session's CSRF token a form post is refused, whoever sends it.
                    let forged = agent.send(addr, "POST", &path, &[("csrf", "forged")]);
                    assert_eq!(forged.status, 403, "POST {path} with a forged token as {role:?}");
                }
                if route.path == "/desk/logout" {
                    continue;
                }
                let response = agent.send(addr, route.method, &path, &[("csrf", csrf)]);
                if allowed {
                    assert!(
                        response.status < 400 || response.status == 422,
                        "{} {path} as {role:?}: {}",
                        route.method,
                        response.status
                    );
                } else {
                    assert_eq!(response.status, 403, "{} {path} as {role:?} must be refused", route.method);
                    assert!(!response.text().contains("甲公司"));
                }
            }
        }
        // Logging out ends the session.
        let out = clerk.send(addr, "POST", "/desk/logout", &[("csrf", &clerk_csrf)]);
        assert_eq!(out.status, 303);
        assert_eq!(clerk.get(addr, "/desk").status, 303);
    }
}

#[test]
fn wrong_passwords_are_throttled_and_a_forged_login_form_is_refused() {
    let db = comply_records::testing::sqlite_target("desk_throttle");
    let server = start(&db);
    let addr = server.addr;
    let mut agent = Agent::default();
    // Each form comes with a fresh token (and cookie), as a browser would post it.
    let mut token = hidden_value(&agent.get(addr, "/desk/login").text(), "csrf");
    let mut statuses = Vec::new();
    for _ in 0..7 {
        let response = agent.send(
            addr,
            "POST",
            "/desk/login",
            &[("csrf", &token), ("name", CLERK.0), ("password", "wrong password!!")],
        );
        statuses.push(response.status);
        token = hidden_value(&response.text(), "csrf");
    }
    assert_eq!(statuses, [401, 401, 401, 401, 401, 429, 429]);
    // Even the right password waits while the name is locked; another name is not locked.
    let locked = agent.send(addr, "POST", "/desk/login", &[("csrf", &token), ("name", CLERK.0), ("password", CLERK.1)]);
    assert_eq!(locked.status, 429);
    assert!(locked.text().contains("登录失败次数过多"), "{}", locked.text());
    let token = hidden_value(&locked.text(), "csrf");
    // A login posted from elsewhere carries no matching cookie.
    let mut other = Agent::default();
    let forged =
        other.send(addr, "POST", "/desk/login", &[("csrf", &token), ("name", AUDITOR.0), ("password", AUDITOR.1)]);
    assert_eq!(forged.status, 403);
}

#[test]
fn instances_on_one_store_share_sessions_and_lockouts() {
    for db in targets("desk_instances") {
        let first = start(&db);
        let second = instance(&db);
        let (mut clerk, csrf) = Agent::login(first.addr, CLERK);
        // The session opened on one instance works on the other, and ends on both.
        assert_eq!(clerk.get(second.addr, "/desk").status, 200);
        let created = create_case(&mut clerk, second.addr, &csrf, "B-1", "乙公司");
        assert_eq!(created.status, 303, "{}", created.text());
        assert!(clerk.get(first.addr, "/desk").text().contains("B-1"));
        assert_eq!(clerk.send(second.addr, "POST", "/desk/logout", &[("csrf", &csrf)]).status, 303);
        let mut stale = Agent { cookies: vec![("desk_session".into(), "0".repeat(64))] };
        assert_eq!(stale.get(first.addr, "/desk").status, 303);
        // Five failures on one instance lock the name on the other.
        let mut agent = Agent::default();
        for addr in [first.addr, second.addr, first.addr, second.addr, first.addr] {
            let token = hidden_value(&agent.get(addr, "/desk/login").text(), "csrf");
            let failed = agent.send(
                addr,
                "POST",
                "/desk/login",
                &[("csrf", &token), ("name", AUDITOR.0), ("password", "not the password")],
            );
            assert_eq!(failed.status, 401);
        }
        let token = hidden_value(&agent.get(second.addr, "/desk/login").text(), "csrf");
        let locked = agent.send(
            second.addr,
            "POST",
            "/desk/login",
            &[("csrf", &token), ("name", AUDITOR.0), ("password", AUDITOR.1)],
        );
        assert_eq!(locked.status, 429, "{db}");
    }
}

#[test]
fn a_case_from_the_desk_is_listed_escaped_verified_and_tampering_is_named() {
    let hostile = "<script>alert('x')</script>\"><img src=x onerror=alert(1)>'; DROP TABLE records;--";
    for db in targets("desk_case") {
        let server = start(&db);
        let addr = server.addr;
        let (mut clerk, csrf) = Agent::login(addr, CLERK);
        let created = create_case(&mut clerk, addr, &csrf, "温人社〔2026〕17号", hostile);
        assert_eq!(created.status, 303, "{}", created.text());
        let bad = create_case(&mut clerk, addr, &csrf, hostile, hostile);
        assert_eq!(bad.status, 303, "a hostile 案号 is stored as text");
        let refused = clerk.send(
            addr,
            "POST",
            "/desk/new/minimum_wage",
            &[("csrf", &csrf), ("case_no", "X"), ("credit_code", hostile), ("as_of", "2016-03-01")],
        );
        assert_eq!(refused.status, 422);
        for page in
            [&refused.text(), &clerk.get(addr, "/desk").text(), &clerk.get(addr, "/desk?applicant=%3Cscript").text()]
        {
            assert!(!page.contains("<script>alert"), "unescaped:\n{page}");
            assert!(!page.contains("<img src=x"), "unescaped:\n{page}");
        }
        let list = clerk.get(addr, "/desk?case_no=%E6%B8%A9%E4%BA%BA%E7%A4%BE");
        assert!(list.text().contains("温人社〔2026〕17号"), "{}", list.text());
        assert!(list.text().contains("&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;"));
        let location = created.headers.iter().find(|(n, _)| n.eq_ignore_ascii_case("location")).unwrap().1.clone();
        let file = clerk.get(addr, &location).text();
        assert!(file.contains("id=\"print\""), "the case file prints");
        assert!(file.contains("1860"), "the report shows the standard: {file}");
        assert!(file.contains("记录哈希链完整"), "{file}");
        let seq: i64 = location.rsplit('/').next().unwrap().parse().unwrap();
        let mut store = Store::open(&db).unwrap();
        assert!(store.verify().unwrap().ok());
        let mut conn = comply_records::db::connect(&db).unwrap();
        conn.execute("UPDATE records SET verdict = 'pass' WHERE seq = $1", &[seq.into()]).unwrap();
        let report = store.verify().unwrap();
        assert_eq!(report.problems[0].seq, seq);
        let (mut auditor, auditor_csrf) = Agent::login(addr, AUDITOR);
        let verified = auditor.send(addr, "POST", "/desk/verify", &[("csrf", &auditor_csrf)]).text();
        assert!(verified.contains(&format!("记录 #{seq}（案号 温人社〔2026〕17号）未通过校验")), "{verified}");
        assert!(auditor.get(addr, "/desk").text().contains("记录哈希链校验失败"));
    }
}

/// A WebDriver session on Debian's chromedriver and headless Chromium: the desk as a clerk uses it.
mod browser {
    use std::net::{SocketAddr, TcpListener};
    use std::process::{Child, Command, Stdio};
    use std::time::{Duration, Instant};

    use std::io::{BufRead, BufReader, Read, Write};

    use serde_json::{Value, json};

    /// chromedriver keeps connections open, so a response is read by its Content-Length, not to the end.
    fn request(addr: SocketAddr, method: &str, path: &str, body: &[u8]) -> Option<(u16, Vec<u8>)> {
        let mut stream = std::net::TcpStream::connect(addr).ok()?;
        stream.set_read_timeout(Some(Duration::from_secs(60))).ok()?;
        let head = format!(
            "{method} {path} HTTP/1.1\r\nHost: {addr}\r\nContent-Type: application/json; charset=utf-8\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
            body.len()
        );
        stream.write_all(head.as_bytes()).ok()?;
        stream.write_all(body).ok()?;
        let mut reader = BufReader::new(stream);
        let mut line = String::new();
        reader.read_line(&mut line).ok()?;
        let status = line.split(' ').nth(1)?.parse().ok()?;
        let mut length = 0usize;
        loop {
            line.clear();
            reader.read_line(&mut line).ok()?;
            if line.trim().is_empty() {
                break;
            }
            if let Some((name, value)) = line.split_once(':')
                && name.eq_ignore_ascii_case("content-length")
            {
                length = value.trim().parse().ok()?;
            }
        }
        let mut out = vec![0u8; length];
        reader.read_exact(&mut out).ok()?;
        Some((status, out))
    }

    pub struct Browser {
        driver: Child,
        addr: SocketAddr,
        session: String,
        profile: std::path::PathBuf,
    }

    impl Drop for Browser {
        fn drop(&mut self) {
            let _ = request(self.addr, "DELETE", &format!("/session/{}", self.session), b"");
            let _ = self.driver.kill();
            let _ = self.driver.wait();
            let _ = std::fs::remove_dir_all(&self.profile);
        }
    }

    fn free_port() -> u16 {
        TcpListener::bind("127.0.0.1:0").and_then(|l| l.local_addr()).map(|a| a.port()).unwrap()
    }

    impl Browser {
        /// None when chromedriver is not installed (`.ci/run` installs it, so CI always runs this).
        pub fn start() -> Option<Browser> {
            let port = free_port();
            let driver = Command::new("chromedriver")
                .arg(format!("--port={port}"))
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .spawn()
                .ok()?;
            let addr: SocketAddr = format!("127.0.0.1:{port}").parse().unwrap();
            let started = Instant::now();
            while std::net::TcpStream::connect(addr).is_err() {
                assert!(started.elapsed() < Duration::from_secs(20), "chromedriver did not start");
                std::thread::sleep(Duration::from_millis(50));
            }
            let profile = comply_records::testing::temp_dir("chromiumprofile");
            let capabilities = json!({"capabilities": {"alwaysMatch": {"browserName": "chrome", "goog:chromeOptions": {
                "binary": "/usr/bin/chromium",
                "args": ["--headless=new", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking",
                         "--disable-component-update", "--disable-sync", "--window-size=1200,1800",
                         format!("--user-data-dir={}", profile.display())]
            }}}});
            let mut browser = Browser { driver, addr, session: String::new(), profile };
            let created = browser.call("POST", "/session", &capabilities);
            browser.session =
                created["sessionId"].as_str().unwrap_or_else(|| panic!("no session: {created}")).to_string();
            Some(browser)
        }

        fn call(&self, method: &str, path: &str, body: &Value) -> Value {
            let body = if method == "GET" { String::new() } else { body.to_string() };
            let (status, response) = request(self.addr, method, path, body.as_bytes())
                .unwrap_or_else(|| panic!("chromedriver: no answer to {path}"));
            let value: Value = serde_json::from_slice(&response).unwrap_or(Value::Null);
            assert!(status < 400, "{method} {path}: {value}");
            value["value"].clone()
        }

        fn at(&self, path: &str) -> String {
            format!("/session/{}{path}", self.session)
        }

        pub fn go(&self, url: &str) {
            self.call("POST", &self.at("/url"), &json!({"url": url}));
        }

        fn element(&self, css: &str) -> String {
            let found = self.call("POST", &self.at("/element"), &json!({"using": "css selector", "value": css}));
            found
                .as_object()
                .and_then(|o| o.values().next())
                .and_then(Value::as_str)
                .unwrap_or_else(|| panic!("no {css}"))
                .to_string()
        }

        pub fn type_into(&self, css: &str, text: &str) {
            let id = self.element(css);
            self.call("POST", &self.at(&format!("/element/{id}/value")), &json!({"text": text}));
        }

        pub fn click(&self, css: &str) {
            let id = self.element(css);
            self.call("POST", &self.at(&format!("/element/{id}/click")), &json!({}));
        }

        pub fn source(&self) -> String {
            self.call("GET", &self.at("/source"), &Value::Null).as_str().unwrap_or("").to_string()
        }

        /// Waits for a navigation started by a click to land (a form post answers after an argon2id check
        /// and an fsync, and chromedriver may return from the click before that).
        pub fn wait_for(&self, done: impl Fn(&str) -> bool) -> String {
            let started = Instant::now();
            loop {
                let url = self.url();
                if done(&url) || started.elapsed() > Duration::from_secs(20) {
                    return url;
                }
                std::thread::sleep(Duration::from_millis(50));
            }
        }

        pub fn url(&self) -> String {
            self.call("GET", &self.at("/url"), &Value::Null).as_str().unwrap_or("").to_string()
        }

        pub fn screenshot(&self, path: &std::path::Path) {
            let png = self.call("GET", &self.at("/screenshot"), &Value::Null);
            std::fs::write(path, decode(png.as_str().unwrap_or(""))).unwrap();
        }

        /// The page as Chromium prints it (A4), as PDF bytes.
        pub fn print(&self) -> Vec<u8> {
            let pdf = self.call("POST", &self.at("/print"), &json!({"background": false}));
            decode(pdf.as_str().unwrap_or(""))
        }
    }

    fn decode(text: &str) -> Vec<u8> {
        let value = |c: u8| match c {
            b'A'..=b'Z' => Some(c - b'A'),
            b'a'..=b'z' => Some(c - b'a' + 26),
            b'0'..=b'9' => Some(c - b'0' + 52),
            b'+' => Some(62),
            b'/' => Some(63),
            _ => None,
        };
        let digits: Vec<u8> = text.bytes().filter_map(value).collect();
        let mut out = Vec::with_capacity(digits.len() * 3 / 4);
        for chunk in digits.chunks(4) {
            let n = chunk.iter().enumerate().fold(0u32, |acc, (i, d)| acc | (u32::from(*d) << (18 - 6 * i)));
            let bytes = n.to_be_bytes();
            out.extend_from_slice(&bytes[1..chunk.len()]);
        }
        out
    }
}

#[test]
fn a_case_created_in_the_browser_is_listed_printed_and_verified_and_an_edit_is_named() {
    let _one = crate::BROWSER.lock().unwrap_or_else(|e| e.into_inner());
    let Some(browser) = browser::Browser::start() else {
        assert!(std::env::var_os("CI").is_none(), "chromedriver is required under CI (.ci/run installs it)");
        eprintln!("chromedriver is not installed: the browser test is skipped");
        return;
    };
    let db = comply_records::testing::sqlite_target("desk_browser");
    let server = start(&db);
    let base = format!("http://{}", server.addr);
    let shots = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../target/desk-screenshots");
    let _ = std::fs::create_dir_all(&shots);
    browser.go(&format!("{base}/desk"));
    assert!(browser.url().ends_with("/desk/login"), "the desk asks for a login first: {}", browser.url());
    browser.screenshot(&shots.join("1-login.png"));
    browser.type_into("#name", CLERK.0);
    browser.type_into("#password", CLERK.1);
    browser.click("#login");
    let url = browser.wait_for(|u| u.ends_with("/desk"));
    assert!(url.ends_with("/desk"), "{url}\n{}", browser.source());
    browser.click("a[href='/desk/new']");
    browser.wait_for(|u| u.ends_with("/desk/new"));
    browser.click("a[href='/desk/new/minimum_wage']");
    browser.wait_for(|u| u.ends_with("/desk/new/minimum_wage"));
    browser.type_into("#case_no", "温人社〔2026〕17号");
    browser.type_into("#applicant", "温州灵昆服饰有限公司<b>");
    browser.type_into("#credit_code", "91330300MA2H12345X");
    browser.type_into("#as_of", "2016-03-01");
    browser.click("input[name='f:county'][value='洞头区']");
    browser.click("input[name='f:subdistrict'][value='灵昆街道']");
    browser.click("input[name='f:employment'][value='full_time']");
    browser.type_into("input[name='f:monthly_wage']", "1700");
    browser.screenshot(&shots.join("2-new-case.png"));
    browser.click("#create");
    let case_url = browser.wait_for(|u| u.contains("/desk/case/"));
    assert!(case_url.contains("/desk/case/"), "{case_url}\n{}", browser.source());
    let file = browser.source();
    assert!(file.contains("温州灵昆服饰有限公司&lt;b&gt;"), "shown escaped");
    assert!(file.contains("不符合") && file.contains("1860"), "{file}");
    browser.screenshot(&shots.join("3-case-file.png"));
    let pdf = browser.print();
    assert!(pdf.starts_with(b"%PDF"), "the case file prints");
    std::fs::write(shots.join("4-case-file.pdf"), &pdf).unwrap();
    if let Ok(out) =
        std::process::Command::new("pdftotext").args([shots.join("4-case-file.pdf").to_str().unwrap(), "-"]).output()
    {
        let text = String::from_utf8_lossy(&out.stdout);
        assert!(text.contains("温人社〔2026〕17号"), "the printout names the case:\n{text}");
        assert!(!text.contains("退出登录"), "the printout leaves out the page's controls:\n{text}");
    }
    browser.go(&format!("{base}/desk?case_no=17"));
    let list = browser.source();
    assert!(list.contains("温人社〔2026〕17号"), "the case is in the list");
    assert!(list.contains("记录哈希链完整"));
    browser.screenshot(&shots.join("5-list.png"));
    // Verified, then edited in SQLite directly: `records verify` (this function) names it.
    let seq: i64 = case_url.rsplit('/').next().unwrap().parse().unwrap();
    let mut store = Store::open(&db).unwrap();
    assert!(store.verify().unwrap().ok());
    let conn = rusqlite::Connection::open(&db).unwrap();
    conn.execute("UPDATE records SET verdict = 'pass' WHERE seq = ?1", [seq]).unwrap();
    let report = store.verify().unwrap();
    assert_eq!(
        report.problems[0].render(comply_engine::explain::Lang::Zh),
        format!("记录 #{seq}（案号 温人社〔2026〕17号）未通过校验：内容与其哈希不符：记录在写入后被改动过")
    );
}
