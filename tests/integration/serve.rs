//! `comply serve`'s `/v1/batch` over a real socket: it runs the command line's own batch, so its rows are
//! byte for byte those of `comply batch` (the rest of the server is tested in its own crate).

use std::io::{Read, Write};

use comply::cli::{self, Io};

fn cli_batch(format: &str) -> Vec<u8> {
    let args: Vec<String> = [
        "batch",
        "--policy",
        "minimum_wage",
        "--as-of",
        "2016-03-01",
        "--input",
        "examples/batch/payroll.csv",
        "--format",
        format,
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    let (mut stdin, mut stdout, mut stderr) = (std::io::empty(), Vec::new(), Vec::new());
    let mut io = Io { stdin: &mut stdin, stdout: &mut stdout, stderr: &mut stderr };
    cli::run(&args, &mut io);
    stdout
}

/// Posts `body` and returns the status and the (de-chunked) body; every read is bounded.
fn post(addr: std::net::SocketAddr, path: &str, body: &[u8]) -> (u16, Vec<u8>) {
    let mut stream = std::net::TcpStream::connect(addr).expect("connects");
    stream.set_read_timeout(Some(std::time::Duration::from_secs(30))).expect("a timeout");
    let head =
        format!("POST {path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\nContent-Length: {}\r\n\r\n", body.len());
    stream.write_all(head.as_bytes()).expect("sent");
    stream.write_all(body).expect("sent");
    let mut all = Vec::new();
    stream.read_to_end(&mut all).expect("read");
    let end = all.windows(4).position(|w| w == b"\r\n\r\n").expect("a head");
    let head = String::from_utf8_lossy(&all[..end]).to_ascii_lowercase();
    let status = head[9..12].parse().expect("a status");
    let mut rest = &all[end + 4..];
    if !head.contains("transfer-encoding: chunked") {
        return (status, rest.to_vec());
    }
    let mut out = Vec::new();
    while let Some(line) = rest.windows(2).position(|w| w == b"\r\n") {
        let size = usize::from_str_radix(String::from_utf8_lossy(&rest[..line]).trim(), 16).expect("a chunk size");
        if size == 0 {
            break;
        }
        out.extend_from_slice(&rest[line + 2..line + 2 + size]);
        rest = &rest[line + 4 + size..];
    }
    (status, out)
}

#[test]
fn batch_over_http_gives_the_command_lines_rows() {
    let book = comply::Rulebook::embedded().expect("shipped");
    let state = comply_server::AppState::with_logger(
        book,
        comply_server::RuleSource::Embedded,
        comply_server::Limits::default(),
        std::sync::Arc::new(|_: &str| {}),
    )
    .with_batch(cli::serve::batch_runner(None));
    let server =
        comply_server::start(comply_server::Config::new("127.0.0.1:0".parse().expect("addr"), state)).expect("starts");
    let payroll = std::fs::read("examples/batch/payroll.csv").expect("shipped example");
    let (status, rows) = post(server.addr, "/v1/batch?policy=minimum_wage&as_of=2016-03-01", &payroll);
    assert_eq!(status, 200);
    assert_eq!(String::from_utf8_lossy(&rows), String::from_utf8_lossy(&cli_batch("csv")));
    assert_eq!(rows.iter().filter(|&&b| b == b'\n').count(), payroll.iter().filter(|&&b| b == b'\n').count());
    let (status, error) = post(server.addr, "/v1/batch?policy=nope&as_of=2016-03-01", &payroll);
    assert_eq!(status, 400, "{}", String::from_utf8_lossy(&error));
    let (status, _) = post(server.addr, "/v1/batch?policy=minimum_wage&as_of=someday", &payroll);
    assert_eq!(status, 400);
}
