//! Load on `/v1/check` over loopback at 1, 16 and 256 concurrent keep-alive clients: throughput, p50 and
//! p99 latency, and the process's resident memory over a long run. The baseline is the same work done
//! in-process (read the JSON fact file, bind, evaluate, explain, render the JSON report) in the same run,
//! so the figures read as the cost of HTTP over `comply check`'s own path.
//!
//! `cargo bench -p comply-server --bench load` (set `LOAD_SECONDS` for longer phases; default 3).

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use comply_engine::explain::{self, Lang, render};
use comply_engine::{Rulebook, facts};
use comply_server::{AppState, Config, Limits, RuleSource};

/// Cases near the thresholds: every tier, both kinds of employment, passes, failures, an unknown fact.
fn cases() -> Vec<String> {
    let rows = [
        ("鹿城区", "", "full_time", "monthly_wage", "2000"),
        ("洞头区", "灵昆街道", "full_time", "monthly_wage", "1700"),
        ("洞头区", "", "full_time", "monthly_wage", "1900"),
        ("乐清市", "", "part_time", "hourly_wage", "15.2"),
        ("泰顺县", "", "full_time", "monthly_wage", "1529"),
        ("瑞安市", "", "part_time", "hourly_wage", "13"),
        ("文成县", "", "full_time", "monthly_wage", ""),
        ("龙湾区", "", "full_time", "monthly_wage", "1860"),
    ];
    rows.iter()
        .map(|(county, sub, employment, wage_fact, wage)| {
            let mut facts = serde_json::json!({"county": county, "employment": employment});
            if !sub.is_empty() {
                facts["subdistrict"] = serde_json::json!(sub);
            }
            if !wage.is_empty() {
                facts[*wage_fact] = serde_json::json!(wage);
            }
            serde_json::json!({"policy": "minimum_wage", "as_of": "2016-03-01", "facts": facts}).to_string()
        })
        .collect()
}

fn in_process(book: &Rulebook, body: &str) -> String {
    let file = facts::read_file("request.json", body).expect("valid");
    let policy = book.policy("minimum_wage").expect("shipped");
    let bound = facts::bind(policy, &file.facts).expect("declared");
    let as_of = file.as_of.expect("dated").parse().expect("a date");
    render::json(&explain::report(policy, &bound, as_of, Lang::Zh))
}

fn rss_kib() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines().find(|l| l.starts_with("VmRSS:")).and_then(|l| l.split_whitespace().nth(1)?.parse().ok())
        })
        .unwrap_or(0)
}

/// One keep-alive connection sending `POST /v1/check` until `stop`; returns each request's latency, or
/// with `record` off only their number (so the long run's memory is the server's, not the latencies').
fn client(
    addr: SocketAddr,
    bodies: Arc<Vec<String>>,
    offset: usize,
    stop: Arc<AtomicBool>,
    record: bool,
) -> (Vec<Duration>, usize) {
    let mut stream = TcpStream::connect(addr).expect("connects");
    stream.set_nodelay(true).expect("nodelay");
    let mut latencies = Vec::new();
    let mut count = 0usize;
    let mut buf = vec![0u8; 64 * 1024];
    let mut i = offset;
    while !stop.load(Ordering::Relaxed) {
        let body = &bodies[i % bodies.len()];
        i += 1;
        let request = format!(
            "POST /v1/check HTTP/1.1\r\nHost: bench\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n{body}",
            body.len()
        );
        let started = Instant::now();
        stream.write_all(request.as_bytes()).expect("sent");
        let mut got = 0usize;
        let total = loop {
            let n = stream.read(&mut buf[got..]).expect("read");
            assert!(n > 0, "the server closed the connection");
            got += n;
            if let Some(end) = buf[..got].windows(4).position(|w| w == b"\r\n\r\n") {
                let head = String::from_utf8_lossy(&buf[..end]).to_ascii_lowercase();
                assert!(head.starts_with("http/1.1 200"), "{head}");
                let length: usize = head
                    .lines()
                    .find_map(|l| l.strip_prefix("content-length:").and_then(|v| v.trim().parse().ok()))
                    .expect("a length");
                break end + 4 + length;
            }
        };
        while got < total {
            let n = stream.read(&mut buf[got..]).expect("read");
            assert!(n > 0, "the server closed the connection");
            got += n;
        }
        count += 1;
        if record {
            latencies.push(started.elapsed());
        }
    }
    (latencies, count)
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    sorted[((sorted.len() as f64 - 1.0) * p).round() as usize]
}

fn main() {
    let seconds: u64 = std::env::var("LOAD_SECONDS").ok().and_then(|s| s.parse().ok()).unwrap_or(3);
    let book = Rulebook::embedded().expect("shipped packs");
    let bodies = Arc::new(cases());
    // The baseline: the same requests evaluated in-process, one thread.
    let mut count = 0u64;
    let started = Instant::now();
    while started.elapsed() < Duration::from_secs(seconds) {
        for body in bodies.iter() {
            std::hint::black_box(in_process(&book, body));
            count += 1;
        }
    }
    let baseline = started.elapsed() / count as u32;
    println!(
        "in-process check (read, bind, explain, JSON), one thread: {:.1} µs per case, {:.0} per second",
        baseline.as_secs_f64() * 1e6,
        1.0 / baseline.as_secs_f64()
    );

    let limits = Limits { connections: 4096, ..Limits::default() };
    let state = AppState::with_logger(book, RuleSource::Embedded, limits, Arc::new(|_: &str| {}));
    let server = comply_server::start(Config::new("127.0.0.1:0".parse().expect("addr"), state)).expect("starts");
    let rss_start = rss_kib();
    println!();
    println!("| clients | requests/s | p50 | p99 | p50 / in-process | throughput / in-process (1 thread) |");
    println!("|---:|---:|---:|---:|---:|---:|");
    for clients in [1usize, 16, 256] {
        let stop = Arc::new(AtomicBool::new(false));
        let handles: Vec<_> = (0..clients)
            .map(|c| {
                let (bodies, stop) = (Arc::clone(&bodies), Arc::clone(&stop));
                let addr = server.addr;
                std::thread::spawn(move || client(addr, bodies, c, stop, true))
            })
            .collect();
        let began = Instant::now();
        std::thread::sleep(Duration::from_secs(seconds));
        stop.store(true, Ordering::Relaxed);
        let mut all: Vec<Duration> = handles.into_iter().flat_map(|h| h.join().expect("a client").0).collect();
        let elapsed = began.elapsed();
        all.sort();
        let throughput = all.len() as f64 / elapsed.as_secs_f64();
        let (p50, p99) = (percentile(&all, 0.5), percentile(&all, 0.99));
        println!(
            "| {clients} | {throughput:.0} | {:.0} µs | {:.0} µs | {:.1}× | {:.2} |",
            p50.as_secs_f64() * 1e6,
            p99.as_secs_f64() * 1e6,
            p50.as_secs_f64() / baseline.as_secs_f64(),
            throughput * baseline.as_secs_f64(),
        );
    }
    // Memory over a long run at 16 clients: sampled once per phase.
    println!();
    let phases = 8;
    let mut samples = vec![rss_start];
    let stop = Arc::new(AtomicBool::new(false));
    let handles: Vec<_> = (0..16)
        .map(|c| {
            let (bodies, stop) = (Arc::clone(&bodies), Arc::clone(&stop));
            let addr = server.addr;
            std::thread::spawn(move || client(addr, bodies, c, stop, false))
        })
        .collect();
    for _ in 0..phases {
        std::thread::sleep(Duration::from_secs(seconds));
        samples.push(rss_kib());
    }
    stop.store(true, Ordering::Relaxed);
    let requests: usize = handles.into_iter().map(|h| h.join().expect("a client").1).sum();
    let shown: Vec<String> = samples.iter().map(|k| format!("{:.1}", *k as f64 / 1024.0)).collect();
    println!(
        "resident memory (MiB) over {requests} requests in {}s at 16 clients: {}",
        phases as u64 * seconds,
        shown.join(" → ")
    );
}
