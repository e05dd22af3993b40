//! A plain HTTP/1.1 client over a blocking socket, so the tests can also send what no well-behaved
//! client would (a trickle, a flood of headers, bytes that are not UTF-8). Every read is bounded by a
//! timeout, so a server that stops answering fails a test instead of hanging it.

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use comply_server::{AppState, Config, Limits, RuleSource, Running};

pub const READ_BOUND: Duration = Duration::from_secs(20);

pub struct Server {
    pub running: Running,
    pub log: Arc<Mutex<Vec<String>>>,
}

impl Server {
    pub fn addr(&self) -> SocketAddr {
        self.running.addr
    }

    pub fn log_lines(&self) -> Vec<String> {
        self.log.lock().map(|l| l.clone()).unwrap_or_default()
    }
}

pub fn start_with(limits: Limits, source: RuleSource) -> Server {
    let book = source.load().expect("the rules load");
    let log = Arc::new(Mutex::new(Vec::new()));
    let sink = Arc::clone(&log);
    let logger: comply_server::Logger = Arc::new(move |line: &str| {
        if let Ok(mut lines) = sink.lock() {
            lines.push(line.to_string());
        }
    });
    let state = AppState::with_logger(book, source, limits, logger);
    let addr = "127.0.0.1:0".parse().expect("an address");
    let running = comply_server::start(Config::new(addr, state)).expect("the server starts");
    Server { running, log }
}

pub fn start() -> Server {
    start_with(Limits::default(), RuleSource::Embedded)
}

#[derive(Debug)]
pub struct Response {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Response {
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }

    pub fn json(&self) -> serde_json::Value {
        serde_json::from_slice(&self.body).unwrap_or_else(|e| panic!("not JSON ({e}): {}", self.text()))
    }

    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(n, _)| n.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str())
    }
}

pub fn connect(addr: SocketAddr) -> TcpStream {
    let stream = TcpStream::connect(addr).expect("connects");
    stream.set_read_timeout(Some(READ_BOUND)).expect("a timeout");
    stream.set_write_timeout(Some(READ_BOUND)).expect("a timeout");
    stream
}

/// Sends raw bytes as they are and reads the whole response (the server closes: `Connection: close`).
pub fn raw(addr: SocketAddr, bytes: &[u8]) -> Option<Response> {
    let mut stream = connect(addr);
    let _ = stream.write_all(bytes);
    read_response(&mut stream)
}

pub fn request(addr: SocketAddr, method: &str, path: &str, content_type: &str, body: &[u8]) -> Response {
    let mut head =
        format!("{method} {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\nContent-Length: {}\r\n", body.len());
    if !content_type.is_empty() {
        head.push_str(&format!("Content-Type: {content_type}\r\n"));
    }
    head.push_str("\r\n");
    let mut bytes = head.into_bytes();
    bytes.extend_from_slice(body);
    raw(addr, &bytes).unwrap_or_else(|| panic!("no response to {method} {path}"))
}

pub fn get(addr: SocketAddr, path: &str) -> Response {
    request(addr, "GET", path, "", b"")
}

pub fn post_json(addr: SocketAddr, path: &str, body: &str) -> Response {
    request(addr, "POST", path, "application/json", body.as_bytes())
}

/// Reads until the server closes; `None` when it closed without a status line.
pub fn read_response(stream: &mut TcpStream) -> Option<Response> {
    let mut all = Vec::new();
    let mut buf = [0u8; 16384];
    loop {
        match stream.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => {
                all.extend_from_slice(&buf[..n]);
                // A peer that keeps the connection open (chromedriver) is done once its declared length arrived.
                if complete(&all) {
                    break;
                }
            }
            Err(e) if e.kind() == std::io::ErrorKind::ConnectionReset => break,
            Err(e) => panic!("reading the response: {e}"),
        }
    }
    parse(&all)
}

fn complete(all: &[u8]) -> bool {
    let Some(end) = all.windows(4).position(|w| w == b"\r\n\r\n") else { return false };
    let head = String::from_utf8_lossy(&all[..end]).to_ascii_lowercase();
    let length =
        head.lines().find_map(|l| l.strip_prefix("content-length:").and_then(|v| v.trim().parse::<usize>().ok()));
    length.is_some_and(|n| all.len() >= end + 4 + n)
}

fn parse(all: &[u8]) -> Option<Response> {
    let end = all.windows(4).position(|w| w == b"\r\n\r\n")?;
    let head = String::from_utf8_lossy(&all[..end]);
    let mut lines = head.split("\r\n");
    let status = lines.next()?.split(' ').nth(1)?.parse().ok()?;
    let headers: Vec<(String, String)> =
        lines.filter_map(|l| l.split_once(':').map(|(n, v)| (n.trim().to_string(), v.trim().to_string()))).collect();
    let mut body = all[end + 4..].to_vec();
    let chunked = headers.iter().any(|(n, v)| n.eq_ignore_ascii_case("transfer-encoding") && v.contains("chunked"));
    if chunked {
        body = dechunk(&body);
    }
    Some(Response { status, headers, body })
}

fn dechunk(mut data: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    while let Some(line_end) = data.windows(2).position(|w| w == b"\r\n") {
        let size = usize::from_str_radix(String::from_utf8_lossy(&data[..line_end]).trim(), 16).unwrap_or(0);
        if size == 0 {
            break;
        }
        let start = line_end + 2;
        let stop = (start + size).min(data.len());
        out.extend_from_slice(&data[start..stop]);
        data = &data[(stop + 2).min(data.len())..];
    }
    out
}
