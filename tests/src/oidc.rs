//! A real OpenID provider on 127.0.0.1 for the OAuth tests: `oidc-provider`
//! (a certified implementation) on Node 22, both installed by
//! `scripts/peers oidc` under `target/peers` (once), run from
//! `tests/oidc/provider.mjs`.

use std::io::{BufRead as _, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::Mutex;

use serde_json::Value;

/// A running provider; stopped (by its PID) when dropped.
pub struct Provider {
    pub issuer: String,
    child: Child,
}

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("workspace root")
        .to_owned()
}

/// One installer at a time per test binary (the script also locks).
static INSTALL: Mutex<()> = Mutex::new(());

/// The peers' env file, as `KEY=VALUE` pairs.
fn peers_env() -> Vec<(String, String)> {
    let _one = INSTALL.lock().unwrap_or_else(|p| p.into_inner());
    let status = Command::new(root().join("scripts/peers"))
        .args(["-q", "node22", "oidc"])
        .status()
        .expect("run scripts/peers");
    assert!(status.success(), "scripts/peers oidc failed");
    let env = std::fs::read_to_string(root().join("target/peers/env")).expect("peers env");
    env.lines()
        .filter_map(|l| l.strip_prefix("export "))
        .filter_map(|l| l.split_once('='))
        .map(|(k, v)| (k.to_owned(), v.trim_matches('"').to_owned()))
        .collect()
}

impl Provider {
    /// Starts a provider on a free port and waits for its issuer line.
    pub fn start() -> Provider {
        let env = peers_env();
        let get = |key: &str| {
            env.iter()
                .find(|(k, _)| k == key)
                .map(|(_, v)| v.clone())
                .unwrap_or_else(|| panic!("{key} in target/peers/env"))
        };
        let node = Path::new(&get("MCP_PEERS_NODE22_BIN")).join("node");
        let mut child = Command::new(node)
            .arg(root().join("tests/oidc/provider.mjs"))
            .env("PORT", "0")
            .env("MCP_PEERS_OIDC_DIR", get("MCP_PEERS_OIDC_DIR"))
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("start the OIDC provider");
        let stdout = child.stdout.take().expect("provider stdout");
        let mut lines = BufReader::new(stdout).lines();
        let issuer = loop {
            match lines.next() {
                Some(Ok(line)) => {
                    if let Some(issuer) = line.strip_prefix("OIDC issuer: ") {
                        break issuer.trim().to_owned();
                    }
                }
                _ => {
                    let _ = child.kill();
                    panic!("the OIDC provider exited before printing its issuer");
                }
            }
        };
        // Keep draining its stdout so it never blocks on a full pipe.
        std::thread::spawn(move || for _ in lines {});
        Provider { issuer, child }
    }

    /// An access token by client credentials for `resource`, with `scope`.
    pub async fn token(&self, resource: &str, scope: &str) -> String {
        self.client_credentials(&[("scope", scope), ("resource", resource)])
            .await
    }

    /// An opaque access token (no resource), as `mcp-tests`.
    pub async fn opaque_token(&self) -> String {
        self.client_credentials(&[]).await
    }

    async fn client_credentials(&self, form: &[(&str, &str)]) -> String {
        let mut form = form.to_vec();
        form.push(("grant_type", "client_credentials"));
        let request = reqwest::Client::new()
            .post(format!("{}/token", self.issuer))
            .basic_auth("mcp-tests", Some("mcp-tests-secret"))
            .form(&form);
        let reply = json(request).await;
        reply["access_token"]
            .as_str()
            .unwrap_or_else(|| panic!("no access token: {reply}"))
            .to_owned()
    }

    /// Replaces the provider's signing key; the new key id.
    pub async fn rotate(&self) -> String {
        let reply = json(reqwest::Client::new().post(format!("{}/test/rotate", self.issuer))).await;
        reply["kid"].as_str().expect("kid").to_owned()
    }

    /// The current signing key: its id and PKCS#8 PEM (test-only), to sign
    /// tokens the provider would not issue (expired, another issuer …).
    pub async fn signing_key(&self) -> (String, String) {
        let url = format!("{}/test/signing-key", self.issuer);
        let reply = json(reqwest::Client::new().get(url)).await;
        (
            reply["kid"].as_str().expect("kid").to_owned(),
            reply["pem"].as_str().expect("pem").to_owned(),
        )
    }
}

/// Sends `request` and reads its JSON answer.
async fn json(request: reqwest::RequestBuilder) -> Value {
    request
        .send()
        .await
        .expect("the provider answers")
        .json()
        .await
        .expect("JSON from the provider")
}

impl Drop for Provider {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
