//! Oversized, malformed and hostile requests: each gets its status (or, for a client too slow to send
//! its headers, a closed connection), and the server keeps serving. Every read is bounded
//! (`client::READ_BOUND`), so a server that hangs fails the test rather than stalling it.

use std::io::Write;
use std::time::Duration;

use comply_server::{Limits, RuleSource};

use crate::client::{self, connect, get, post_json, raw, read_response, request};

fn still_serving(addr: std::net::SocketAddr) {
    assert_eq!(get(addr, "/v1/health").status, 200, "the server stopped serving");
    let report = post_json(
        addr,
        "/v1/check",
        r#"{"policy": "minimum_wage", "as_of": "2016-03-01", "facts": {"county": "鹿城区", "employment": "full_time", "monthly_wage": 2000}}"#,
    );
    assert_eq!(report.json()["verdict"], "pass");
}

#[test]
fn a_10_mb_body_gets_413_whether_declared_or_streamed() {
    let server = client::start();
    let big = vec![b'a'; 10 * 1024 * 1024];
    // Declared: refused from the header alone.
    let declared = request(server.addr(), "POST", "/v1/check", "application/json", &big);
    assert_eq!(declared.status, 413, "{}", declared.text());
    assert_eq!(declared.json()["error"], "too_large");
    // Streamed in chunks without a length: refused once the cap is passed.
    let mut stream = connect(server.addr());
    let head = "POST /v1/check HTTP/1.1\r\nHost: x\r\nConnection: close\r\nTransfer-Encoding: chunked\r\n\r\n";
    let _ = stream.write_all(head.as_bytes());
    let mut writer = stream.try_clone().expect("a second handle");
    let sender = std::thread::spawn(move || {
        for piece in big.chunks(64 * 1024) {
            if writer.write_all(format!("{:x}\r\n", piece.len()).as_bytes()).is_err()
                || writer.write_all(piece).is_err()
                || writer.write_all(b"\r\n").is_err()
            {
                return;
            }
        }
        let _ = writer.write_all(b"0\r\n\r\n");
    });
    let streamed = read_response(&mut stream).expect("a response");
    assert_eq!(streamed.status, 413, "{}", streamed.text());
    drop(stream);
    let _ = sender.join();
    // The page's form and a rule file have their own caps.
    let form = request(
        server.addr(),
        "POST",
        "/assess/minimum_wage",
        "application/x-www-form-urlencoded",
        &vec![b'a'; 1 << 20],
    );
    assert_eq!(form.status, 413);
    still_serving(server.addr());
}

#[test]
fn invalid_utf8_gets_400() {
    let server = client::start();
    let mut body = br#"{"policy": "minimum_wage", "as_of": "2016-03-01", "facts": {"county": ""#.to_vec();
    body.extend_from_slice(&[0xff, 0xfe, 0xc3]);
    body.extend_from_slice(br#""}}"#);
    for path in ["/v1/check", "/v1/plan", "/v1/lint"] {
        let response = request(server.addr(), "POST", path, "application/json", &body);
        assert_eq!(response.status, 400, "{path}: {}", response.text());
        assert_eq!(response.json()["error"], "bad_request");
        assert!(response.json()["message"].as_str().is_some_and(|m| m.contains("UTF-8")));
    }
    let form = request(
        server.addr(),
        "POST",
        "/assess/minimum_wage",
        "application/x-www-form-urlencoded",
        b"as_of=%ff%fe&lang=zh",
    );
    assert!((400..500).contains(&form.status), "{}", form.status);
    still_serving(server.addr());
}

#[test]
fn json_nested_10000_deep_gets_400_without_overflowing_the_stack() {
    let server = client::start();
    let deep_array = format!("{}{}", "[".repeat(10_000), "]".repeat(10_000));
    let deep_fact = format!(
        r#"{{"policy": "minimum_wage", "as_of": "2016-03-01", "facts": {{"county": {}{}}}}}"#,
        "{\"a\":".repeat(10_000),
        "1".to_string() + &"}".repeat(10_000)
    );
    for body in [deep_array, deep_fact] {
        let response = post_json(server.addr(), "/v1/check", &body);
        assert_eq!(response.status, 400, "{}", response.text());
        assert_eq!(response.json()["error"], "bad_facts");
    }
    still_serving(server.addr());
}

#[test]
fn a_header_flood_gets_431() {
    let server = client::start();
    let mut many = String::from("GET /v1/health HTTP/1.1\r\nHost: x\r\nConnection: close\r\n");
    for i in 0..10_000 {
        many.push_str(&format!("X-Flood-{i}: {i}\r\n"));
    }
    many.push_str("\r\n");
    let flood = raw(server.addr(), many.as_bytes()).expect("a response");
    assert_eq!(flood.status, 431);
    let one_long = format!("GET /v1/health HTTP/1.1\r\nHost: x\r\nX-Long: {}\r\n\r\n", "a".repeat(200_000));
    let long = raw(server.addr(), one_long.as_bytes()).expect("a response");
    assert_eq!(long.status, 431);
    still_serving(server.addr());
}

#[test]
fn slow_clients_are_cut_off_and_do_not_hold_up_others() {
    let limits = Limits {
        header_timeout: Duration::from_millis(500),
        request_timeout: Duration::from_millis(500),
        ..Limits::default()
    };
    let server = client::start_with(limits, RuleSource::Embedded);
    // Headers trickled and never finished: the connection is closed without a response.
    let mut slow_head = connect(server.addr());
    let _ = slow_head.write_all(b"GET /v1/health HTTP/1.1\r\nHost: x\r\n");
    // Meanwhile the server answers everyone else.
    still_serving(server.addr());
    let cut = read_response(&mut slow_head);
    assert!(cut.as_ref().is_none_or(|r| r.status == 408), "{cut:?}");
    // Headers sent, body trickled: 408 with a JSON error.
    let mut slow_body = connect(server.addr());
    let _ = slow_body.write_all(
        b"POST /v1/check HTTP/1.1\r\nHost: x\r\nConnection: close\r\nContent-Length: 200\r\n\r\n{\"policy\"",
    );
    let mut trickle = slow_body.try_clone().expect("a second handle");
    let trickler = std::thread::spawn(move || {
        for _ in 0..40 {
            std::thread::sleep(Duration::from_millis(100));
            if trickle.write_all(b" ").is_err() {
                return;
            }
        }
    });
    let timed_out = read_response(&mut slow_body).expect("a response");
    assert_eq!(timed_out.status, 408, "{}", timed_out.text());
    assert_eq!(timed_out.json()["error"], "timeout");
    let _ = trickler.join();
    still_serving(server.addr());
}

#[test]
fn batch_uploads_beyond_the_limit_get_503_at_once() {
    let limits = Limits { batch_uploads: 1, ..Limits::default() };
    let book = RuleSource::Embedded.load().expect("shipped");
    // A runner that echoes its input: the first upload holds the one slot while its body is still coming.
    let runner: comply_server::batch::Runner = std::sync::Arc::new(|_job, mut input, mut output| {
        let _ = std::io::copy(&mut input, &mut output);
        0
    });
    let state =
        comply_server::AppState::with_logger(book, RuleSource::Embedded, limits, std::sync::Arc::new(|_: &str| {}))
            .with_batch(runner);
    let server =
        comply_server::start(comply_server::Config::new("127.0.0.1:0".parse().expect("addr"), state)).expect("starts");
    let mut first = connect(server.addr);
    let _ = first.write_all(b"POST /v1/batch?policy=minimum_wage&as_of=2016-03-01 HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\nid,county\r\n");
    // Wait (bounded) until the first upload holds the slot: its response has begun.
    let mut head = [0u8; 12];
    std::io::Read::read_exact(&mut first, &mut head).expect("the first upload is answered");
    assert_eq!(&head, b"HTTP/1.1 200");
    let second = request(server.addr, "POST", "/v1/batch?policy=minimum_wage&as_of=2016-03-01", "text/csv", b"id\n1\n");
    assert_eq!(second.status, 503, "{}", second.text());
    assert_eq!(second.json()["error"], "busy");
    drop(first);
    assert_eq!(get(server.addr, "/v1/health").status, 200);
}
