//! A real `redis-server` on 127.0.0.1 for the replica tests, from Debian's
//! packages unpacked by `scripts/peers redis` (once).

use std::io::{BufRead as _, BufReader, Read as _, Write as _};
use std::net::TcpListener;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// A running Redis; stopped (by its PID) when dropped.
pub struct RedisServer {
    pub port: u16,
    child: Option<Child>,
}

/// `$MCP_PEERS_REDIS_SERVER` when set (peers installed elsewhere, e.g. a
/// shared checkout's), else the one `scripts/peers redis` unpacks here.
fn binary() -> std::path::PathBuf {
    if let Some(server) = std::env::var_os("MCP_PEERS_REDIS_SERVER") {
        return server.into();
    }
    let root = Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("root")
        .to_owned();
    let status = Command::new(root.join("scripts/peers"))
        .args(["-q", "redis"])
        .status()
        .expect("run scripts/peers");
    assert!(status.success(), "scripts/peers redis failed");
    root.join("target/peers/bin/redis-server")
}

impl RedisServer {
    /// Starts one on a free port, without persistence.
    pub fn start() -> RedisServer {
        // The port is free when chosen, but a server another test starts
        // meanwhile may take it first: redis then exits, and the port
        // answers in HTTP. So the port is chosen again.
        for _ in 0..10 {
            let port = TcpListener::bind("127.0.0.1:0")
                .and_then(|l| l.local_addr())
                .expect("a free port")
                .port();
            let mut server = RedisServer { port, child: None };
            if server.try_resume() {
                return server;
            }
        }
        panic!("redis-server found no free port in 10 tries");
    }

    /// `redis://127.0.0.1:<port>/0`.
    pub fn url(&self) -> String {
        format!("redis://127.0.0.1:{}/0", self.port)
    }

    /// Stops it (an outage); [`resume`](Self::resume) starts it again on
    /// the same port, empty.
    pub fn stop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    pub fn resume(&mut self) {
        assert!(
            self.try_resume(),
            "redis-server could not listen on port {} again",
            self.port
        );
    }

    /// Starts it on its port: false when redis exits instead (the port was
    /// taken), true once redis itself answers there.
    fn try_resume(&mut self) -> bool {
        let mut child = Command::new(binary())
            .args(["--bind", "127.0.0.1", "--port", &self.port.to_string()])
            .args(["--save", "", "--appendonly", "no"])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("redis-server starts");
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            if matches!(child.try_wait(), Ok(Some(_))) {
                return false;
            }
            if self.answers_ping() {
                self.child = Some(child);
                return true;
            }
            assert!(Instant::now() < deadline, "redis-server did not listen");
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// Whether what listens on the port is a Redis (`PING` answered `+PONG`).
    fn answers_ping(&self) -> bool {
        let Ok(mut stream) = std::net::TcpStream::connect(("127.0.0.1", self.port)) else {
            return false;
        };
        let mut reply = [0; 7];
        stream
            .set_read_timeout(Some(Duration::from_secs(1)))
            .is_ok()
            && stream.write_all(b"PING\r\n").is_ok()
            && stream.read_exact(&mut reply).is_ok()
            && &reply == b"+PONG\r\n"
    }

    /// How many scripts it has run (`EVAL` and `EVALSHA`, from `INFO
    /// commandstats`): every store operation is one.
    pub fn scripts_run(&self) -> u64 {
        let mut stream = std::net::TcpStream::connect(("127.0.0.1", self.port)).expect("connects");
        stream
            .write_all(b"*2\r\n$4\r\nINFO\r\n$12\r\ncommandstats\r\n")
            .expect("writes");
        let mut reader = BufReader::new(stream);
        let mut header = String::new();
        reader.read_line(&mut header).expect("reads");
        let len: usize = header
            .trim_end()
            .strip_prefix('$')
            .and_then(|n| n.parse().ok())
            .unwrap_or_else(|| panic!("a bulk reply, not {header:?}"));
        let mut info = vec![0; len];
        reader.read_exact(&mut info).expect("reads");
        String::from_utf8_lossy(&info)
            .lines()
            .filter(|l| l.starts_with("cmdstat_eval:") || l.starts_with("cmdstat_evalsha:"))
            .filter_map(|l| {
                l.split_once("calls=")?
                    .1
                    .split(',')
                    .next()?
                    .parse::<u64>()
                    .ok()
            })
            .sum()
    }
}

impl Drop for RedisServer {
    fn drop(&mut self) {
        self.stop();
    }
}
