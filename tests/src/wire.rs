//! HTTP/1.1 by hand, over a plain TCP stream: for requests no client
//! library would send (raw bytes in header values, several headers of one
//! name, stalled or trickled bodies, a `Host` of our choosing), and to see
//! exactly what the server answers.

use std::net::SocketAddr;
use std::time::Duration;

use serde_json::Value;
use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
use tokio::net::TcpStream;

/// How long any answer may take before the test calls it a hang.
pub const ANSWER_DEADLINE: Duration = Duration::from_secs(15);

/// A request, built header by header, written verbatim.
#[derive(Debug, Clone)]
pub struct WireRequest {
    pub method: String,
    pub target: String,
    pub version: String,
    /// Written in order, bytes as given (no validation, no folding).
    pub headers: Vec<(String, Vec<u8>)>,
    pub body: Vec<u8>,
    /// Add `Content-Length: <body length>` unless a header of that name (or
    /// `Transfer-Encoding`) is set.
    pub auto_length: bool,
}

impl WireRequest {
    /// A request with `Host` and `Connection: close` (the server closes the
    /// connection after answering, so the reply is read to its end).
    pub fn new(method: &str, target: &str, host: &str) -> Self {
        WireRequest {
            method: method.into(),
            target: target.into(),
            version: "HTTP/1.1".into(),
            headers: vec![
                ("Host".into(), host.as_bytes().to_vec()),
                ("Connection".into(), b"close".to_vec()),
            ],
            body: Vec::new(),
            auto_length: true,
        }
    }

    /// A POST to `/mcp` with the headers a good client sends.
    pub fn post(addr: SocketAddr, body: impl Into<Vec<u8>>) -> Self {
        WireRequest::new("POST", "/mcp", &addr.to_string())
            .set("Content-Type", "application/json")
            .set("Accept", "application/json, text/event-stream")
            .body(body)
    }

    /// Appends a header (several of one name are kept).
    pub fn add(mut self, name: &str, value: impl AsRef<[u8]>) -> Self {
        self.headers.push((name.into(), value.as_ref().to_vec()));
        self
    }

    /// Replaces every header of this name by one with `value`.
    pub fn set(self, name: &str, value: impl AsRef<[u8]>) -> Self {
        self.remove(name).add(name, value)
    }

    /// Removes every header of this name.
    pub fn remove(mut self, name: &str) -> Self {
        self.headers.retain(|(k, _)| !k.eq_ignore_ascii_case(name));
        self
    }

    pub fn body(mut self, body: impl Into<Vec<u8>>) -> Self {
        self.body = body.into();
        self
    }

    /// The head (request line and headers, through the blank line).
    pub fn head(&self) -> Vec<u8> {
        let mut out = format!("{} {} {}\r\n", self.method, self.target, self.version).into_bytes();
        let has_length = self.headers.iter().any(|(k, _)| {
            k.eq_ignore_ascii_case("content-length") || k.eq_ignore_ascii_case("transfer-encoding")
        });
        for (k, v) in &self.headers {
            out.extend_from_slice(k.as_bytes());
            out.extend_from_slice(b": ");
            out.extend_from_slice(v);
            out.extend_from_slice(b"\r\n");
        }
        if self.auto_length && !has_length {
            out.extend_from_slice(format!("Content-Length: {}\r\n", self.body.len()).as_bytes());
        }
        out.extend_from_slice(b"\r\n");
        out
    }

    /// The whole request.
    pub fn bytes(&self) -> Vec<u8> {
        let mut out = self.head();
        out.extend_from_slice(&self.body);
        out
    }

    /// Sends the request and reads the whole answer.
    pub async fn send(&self, addr: SocketAddr) -> WireReply {
        exchange(addr, &self.bytes()).await
    }
}

/// An answer as it came off the wire.
#[derive(Debug, Clone)]
pub struct WireReply {
    pub status: u16,
    /// Names in lower case, in the order received.
    pub headers: Vec<(String, String)>,
    /// The body, de-chunked.
    pub body: Vec<u8>,
}

impl WireReply {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// The body as JSON (`None` if empty or not JSON).
    pub fn json(&self) -> Option<Value> {
        serde_json::from_slice(&self.body).ok()
    }

    /// The JSON-RPC messages of the body: one JSON value, or the `data:`
    /// lines of an event stream.
    pub fn messages(&self) -> Vec<Value> {
        if self
            .header("content-type")
            .is_some_and(|t| t.starts_with("text/event-stream"))
        {
            return crate::sse_messages(&String::from_utf8_lossy(&self.body));
        }
        self.json().into_iter().collect()
    }

    /// The one JSON-RPC reply (the last message of a stream).
    pub fn reply(&self) -> Option<Value> {
        self.messages().pop()
    }

    /// `error.code` of the JSON-RPC reply.
    pub fn error_code(&self) -> Option<i64> {
        self.reply()?.pointer("/error/code")?.as_i64()
    }
}

/// Writes `request`, reads until the server closes the connection, and
/// parses the answer. Panics if no answer comes within [`ANSWER_DEADLINE`].
pub async fn exchange(addr: SocketAddr, request: &[u8]) -> WireReply {
    let mut stream = TcpStream::connect(addr).await.expect("connect");
    // The server may answer (and close) before reading everything, e.g. a
    // refused body: a failed write is then not the test's business.
    let _ = stream.write_all(request).await;
    read_reply(&mut stream).await
}

/// Reads an answer to its end (the connection closing) and parses it.
pub async fn read_reply(stream: &mut TcpStream) -> WireReply {
    let mut raw = Vec::new();
    let read = tokio::time::timeout(ANSWER_DEADLINE, async {
        let mut buf = [0u8; 16 * 1024];
        loop {
            match stream.read(&mut buf).await {
                Ok(0) | Err(_) => break,
                Ok(n) => raw.extend_from_slice(&buf[..n]),
            }
        }
    })
    .await;
    assert!(
        read.is_ok(),
        "no complete answer within {ANSWER_DEADLINE:?}; got so far: {:?}",
        String::from_utf8_lossy(&raw)
    );
    parse_reply(&raw)
}

/// Reads only an answer's head (status and headers), for streams that do
/// not end.
pub async fn read_head(stream: &mut TcpStream) -> WireReply {
    let mut raw = Vec::new();
    let read = tokio::time::timeout(ANSWER_DEADLINE, async {
        let mut byte = [0u8; 1];
        while !raw.ends_with(b"\r\n\r\n") {
            match stream.read(&mut byte).await {
                Ok(0) | Err(_) => break,
                Ok(_) => raw.push(byte[0]),
            }
        }
    })
    .await;
    assert!(read.is_ok(), "no answer head within {ANSWER_DEADLINE:?}");
    parse_reply(&raw)
}

/// Parses a raw HTTP/1.1 answer. Panics on anything that is not one.
pub fn parse_reply(raw: &[u8]) -> WireReply {
    let split = raw
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .unwrap_or_else(|| panic!("no HTTP answer: {:?}", String::from_utf8_lossy(raw)));
    let head = String::from_utf8_lossy(&raw[..split]).into_owned();
    let rest = &raw[split + 4..];
    let mut lines = head.split("\r\n");
    let status_line = lines.next().unwrap_or_default();
    let status = status_line
        .split(' ')
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| panic!("bad status line {status_line:?}"));
    let headers: Vec<(String, String)> = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(k, v)| (k.trim().to_ascii_lowercase(), v.trim().to_owned()))
        .collect();
    let chunked = headers
        .iter()
        .any(|(k, v)| k == "transfer-encoding" && v.eq_ignore_ascii_case("chunked"));
    let body = if chunked {
        dechunk(rest)
    } else if let Some(len) = headers
        .iter()
        .find(|(k, _)| k == "content-length")
        .and_then(|(_, v)| v.parse::<usize>().ok())
    {
        rest[..len.min(rest.len())].to_vec()
    } else {
        rest.to_vec()
    };
    WireReply {
        status,
        headers,
        body,
    }
}

fn dechunk(mut rest: &[u8]) -> Vec<u8> {
    let mut body = Vec::new();
    loop {
        let Some(end) = rest.windows(2).position(|w| w == b"\r\n") else {
            return body;
        };
        let size = std::str::from_utf8(&rest[..end])
            .ok()
            .and_then(|s| usize::from_str_radix(s.split(';').next().unwrap_or("").trim(), 16).ok())
            .unwrap_or(0);
        if size == 0 {
            return body;
        }
        let start = end + 2;
        let stop = (start + size).min(rest.len());
        body.extend_from_slice(&rest[start..stop]);
        rest = rest.get(stop + 2..).unwrap_or_default();
    }
}

/// `body` in chunked transfer encoding, `size` bytes a chunk.
pub fn chunked(body: &[u8], size: usize) -> Vec<u8> {
    let mut out = Vec::new();
    for piece in body.chunks(size.max(1)) {
        out.extend_from_slice(format!("{:x}\r\n", piece.len()).as_bytes());
        out.extend_from_slice(piece);
        out.extend_from_slice(b"\r\n");
    }
    out.extend_from_slice(b"0\r\n\r\n");
    out
}

/// The resident set size of this process (the server runs in it), from
/// `/proc/self/status`, in bytes.
pub fn rss_bytes() -> u64 {
    rss_from("/proc/self/status")
}

/// The resident set size of process `pid` (a server run as a child), in
/// bytes.
pub fn rss_of(pid: u32) -> u64 {
    rss_from(&format!("/proc/{pid}/status"))
}

fn rss_from(path: &str) -> u64 {
    let status = std::fs::read_to_string(path).expect("/proc/<pid>/status");
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<u64>().ok())
        .map(|kb| kb * 1024)
        .expect("VmRSS in /proc/self/status")
}
