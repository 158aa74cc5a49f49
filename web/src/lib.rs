//! The Weave web application that every `weaved start` serves (issue 16).
//!
//! It is the user's own node seen in a browser, like a desktop wallet: pages rendered
//! here as plain HTML with a little inline JavaScript (nothing is loaded from the
//! internet and there is no front-end build), signed with the node's key ring through
//! the client library, and a streaming gateway, `GET /media/{content_id}`, that serves
//! the plaintext of a content with HTTP `Range` so that a `<video>` element plays and
//! seeks.
//!
//! - [`WebSettings`] is the `[web]` section of `weaved.toml` (`enabled`, `address`,
//!   `keyring_backend`); [`start`] binds, writes the token and serves.
//! - Security: a random token in `<home>/web-token` (mode 0600) is printed as a
//!   ready-to-open URL; opening it sets a `SameSite=Strict`, `HttpOnly` cookie that
//!   every request needs, and every state-changing form carries the token too. Requests
//!   whose `Host` is not the app's own address, or whose `Origin` is another site's,
//!   are refused (see `security.rs`).
//! - `chain.rs` holds every call to the chain in a few small functions, so that the
//!   pages can be re-pointed when the client library's API moves.

#![allow(clippy::disallowed_methods)] // wall-clock time is fine outside the state machine

mod chain;
mod html;
mod media;
mod pages;
mod security;
mod words;

use std::{
    io::Write,
    net::{Ipv4Addr, SocketAddr},
    os::unix::fs::{OpenOptionsExt, PermissionsExt},
    path::{Path, PathBuf},
    sync::Arc,
};

use axum::{
    routing::{get, post},
    Router,
};
use rand_core::{OsRng, RngCore};
use serde::{Deserialize, Serialize};

/// The default address: loopback, port 8080.
pub const DEFAULT_ADDRESS: SocketAddr =
    SocketAddr::new(std::net::IpAddr::V4(Ipv4Addr::LOCALHOST), 8080);

/// The name of the token file under the home.
pub const TOKEN_FILE: &str = "web-token";

/// `[web]` in `weaved.toml`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct WebSettings {
    /// Whether `weaved start` serves the web application.
    pub enabled: bool,
    /// Where it listens; loopback by default.
    pub address: SocketAddr,
    /// The key ring the pages sign with: `test` or `file` (whose passphrase is read from
    /// `WEAVE_KEYRING_PASSPHRASE`). Empty: `test` if the home has a test key ring, else
    /// `file`.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub keyring_backend: String,
}

impl Default for WebSettings {
    fn default() -> Self {
        Self {
            enabled: true,
            address: DEFAULT_ADDRESS,
            keyring_backend: String::new(),
        }
    }
}

/// Why the web application could not start.
#[derive(Debug, thiserror::Error)]
pub enum WebError {
    /// The address is taken or not allowed.
    #[error("binding the web application to {address}: {source}")]
    Bind {
        /// The address.
        address: SocketAddr,
        /// Why.
        source: std::io::Error,
    },
    /// The token file could not be read or written.
    #[error("the web token file {path}: {source}")]
    Token {
        /// The file.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// A setting is wrong.
    #[error("[web] {0}")]
    Config(String),
}

/// What the web application needs from the node.
#[derive(Debug, Clone)]
pub struct WebContext {
    /// The node's home.
    pub home: PathBuf,
    /// The node's own gRPC endpoint, e.g. `http://127.0.0.1:9090`.
    pub grpc_url: String,
    /// The chain id transactions are signed for.
    pub chain_id: String,
    /// `[web]`.
    pub settings: WebSettings,
}

/// The running web application.
#[derive(Debug)]
pub struct Web {
    /// The ready-to-open URL, token included.
    pub url: String,
    /// The address it listens on.
    pub address: SocketAddr,
    task: tokio::task::JoinHandle<()>,
}

impl Web {
    /// Stops serving.
    pub fn stop(&self) {
        self.task.abort();
    }
}

/// The shared state of every handler.
pub(crate) struct Inner {
    pub(crate) node: chain::Node,
    pub(crate) token: String,
    pub(crate) guard: security::Guard,
    pub(crate) media: media::Gateway,
    pub(crate) flashes: pages::Flashes,
}

/// [`Inner`], shared.
pub(crate) type AppState = Arc<Inner>;

/// Reads `<home>/web-token`, or makes it (32 random bytes in hex, mode 0600).
pub fn load_or_create_token(home: &Path) -> Result<String, WebError> {
    let path = home.join(TOKEN_FILE);
    let err = |source| WebError::Token {
        path: path.clone(),
        source,
    };
    match std::fs::read_to_string(&path) {
        Ok(text) if text.trim().len() >= 32 => {
            std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600)).map_err(err)?;
            return Ok(text.trim().to_string());
        }
        Ok(_) => std::fs::remove_file(&path).map_err(err)?,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
        Err(e) => return Err(err(e)),
    }
    let mut bytes = [0u8; 32];
    OsRng.fill_bytes(&mut bytes);
    let token = hex::encode(bytes);
    let mut f = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(&path)
        .map_err(err)?;
    f.write_all(format!("{token}\n").as_bytes()).map_err(err)?;
    f.sync_all().map_err(err)?;
    Ok(token)
}

/// The router, for [`start`] and the tests.
pub(crate) fn router(state: AppState) -> Router {
    Router::new()
        .route("/", get(pages::discover))
        .route("/content/{id}", get(pages::content))
        .route("/content/{id}/buy", post(pages::buy))
        .route("/wallet", get(pages::wallet))
        .route("/wallet/send", post(pages::send))
        .route("/account", post(pages::account_select))
        .route("/media/{id}", get(media::serve))
        .route("/media/{id}/status", get(media::status))
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            security::guard,
        ))
        .with_state(state)
}

/// Binds `[web] address`, writes the token file and serves the application in the
/// background. The returned [`Web`] holds the URL to print.
pub async fn start(ctx: WebContext) -> Result<Web, WebError> {
    let backend = chain::keyring_backend(&ctx.home, &ctx.settings.keyring_backend)
        .map_err(WebError::Config)?;
    let token = load_or_create_token(&ctx.home)?;
    let listener = tokio::net::TcpListener::bind(ctx.settings.address)
        .await
        .map_err(|source| WebError::Bind {
            address: ctx.settings.address,
            source,
        })?;
    let address = listener.local_addr().map_err(|source| WebError::Bind {
        address: ctx.settings.address,
        source,
    })?;
    let node = chain::Node::new(&ctx.home, &ctx.grpc_url, &ctx.chain_id, backend)
        .map_err(|e| WebError::Config(format!("{e:#}")))?;
    let media = media::Gateway::new(&ctx.home).map_err(|source| WebError::Token {
        path: ctx.home.join("data"),
        source,
    })?;
    let guard = security::Guard::new(address, &token);
    let url = format!("{}/?token={token}", guard.origin());
    let state = Arc::new(Inner {
        node,
        token,
        guard,
        media,
        flashes: pages::Flashes::default(),
    });
    let app = router(state);
    let task = tokio::spawn(async move {
        if let Err(e) = axum::serve(listener, app).await {
            tracing::error!(error = %e, "the web application stopped");
        }
    });
    Ok(Web { url, address, task })
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn the_token_is_made_once_with_mode_0600() {
        let home = tempfile::tempdir().unwrap();
        let a = load_or_create_token(home.path()).unwrap();
        let b = load_or_create_token(home.path()).unwrap();
        assert_eq!(a, b);
        assert_eq!(a.len(), 64);
        let mode = std::fs::metadata(home.path().join(TOKEN_FILE))
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o600);
    }

    /// One HTTP/1.1 request to the app on `port`: status, head and body.
    async fn request(port: u16, head_lines: &str, body: &str) -> (u16, String, String) {
        use tokio::io::{AsyncReadExt, AsyncWriteExt};
        let mut s = tokio::net::TcpStream::connect(("127.0.0.1", port))
            .await
            .unwrap();
        let len = body.len();
        s.write_all(
            format!("{head_lines}Connection: close\r\nContent-Length: {len}\r\n\r\n{body}")
                .as_bytes(),
        )
        .await
        .unwrap();
        let mut raw = Vec::new();
        s.read_to_end(&mut raw).await.unwrap();
        let text = String::from_utf8_lossy(&raw).to_string();
        let (head, body) = text.split_once("\r\n\r\n").unwrap();
        let status = head.split_whitespace().nth(1).unwrap().parse().unwrap();
        (status, head.to_string(), body.to_string())
    }

    #[tokio::test]
    async fn the_app_needs_its_token_and_origin_and_never_answers_a_blank_page() {
        let home = tempfile::tempdir().unwrap();
        let web = start(WebContext {
            home: home.path().to_path_buf(),
            // Nothing answers there: every chain call fails.
            grpc_url: "http://127.0.0.1:9".into(),
            chain_id: "test-1".into(),
            settings: WebSettings {
                address: "127.0.0.1:0".parse().unwrap(),
                keyring_backend: "test".into(),
                ..WebSettings::default()
            },
        })
        .await
        .unwrap();
        let port = web.address.port();
        let token = load_or_create_token(home.path()).unwrap();
        assert_eq!(web.url, format!("http://127.0.0.1:{port}/?token={token}"));
        let host = format!("Host: 127.0.0.1:{port}\r\n");

        // No token, a wrong one, another host: refused with a page that says why.
        let (status, _, body) = request(port, &format!("GET / HTTP/1.1\r\n{host}"), "").await;
        assert_eq!(status, 401);
        assert!(body.contains("web token"), "{body}");
        let (status, _, _) =
            request(port, &format!("GET /?token=nope HTTP/1.1\r\n{host}"), "").await;
        assert_eq!(status, 401);
        let (status, _, _) = request(
            port,
            &format!("GET / HTTP/1.1\r\nHost: rebound.example:{port}\r\n"),
            "",
        )
        .await;
        assert_eq!(status, 403);

        // The token URL sets the cookie and leaves the token out of the address bar.
        let (status, head, _) =
            request(port, &format!("GET /?token={token} HTTP/1.1\r\n{host}"), "").await;
        assert_eq!(status, 303, "{head}");
        assert!(
            head.contains(&format!(
                "weave_web_{port}={token}; Path=/; HttpOnly; SameSite=Strict"
            )),
            "{head}"
        );
        let cookie = format!("Cookie: weave_web_{port}={token}\r\n");

        // With the cookie: the page, whose failing chain call is shown in words.
        let (status, _, body) =
            request(port, &format!("GET / HTTP/1.1\r\n{host}{cookie}"), "").await;
        assert_eq!(status, 200);
        assert!(body.contains("id=\"flash-err\""), "{body}");
        assert!(body.contains("Reading the feed failed"), "{body}");
        // From another origin, even with the cookie: refused.
        let (status, _, _) = request(
            port,
            &format!("GET / HTTP/1.1\r\n{host}{cookie}Origin: http://evil.example\r\n"),
            "",
        )
        .await;
        assert_eq!(status, 403);
        // A form without the token, or without an Origin: refused.
        let origin = format!("Origin: http://127.0.0.1:{port}\r\n");
        let ctype = "Content-Type: application/x-www-form-urlencoded\r\n";
        let post = format!("POST /wallet/send HTTP/1.1\r\n{host}{cookie}{ctype}");
        let (status, _, _) = request(port, &format!("{post}{origin}"), "to=x&amount=1").await;
        assert_eq!(status, 403);
        let form = format!("token={token}&to=x&amount=1");
        let (status, _, _) = request(port, &post, &form).await;
        assert_eq!(status, 403);
        // With both, the action runs and fails in words (no key ring here).
        let (status, head, _) = request(port, &format!("{post}{origin}"), &form).await;
        assert_eq!(status, 303, "{head}");
        assert!(head.contains("location: /wallet?flash=1"), "{head}");
        let (status, _, body) = request(
            port,
            &format!("GET /wallet?flash=1 HTTP/1.1\r\n{host}{cookie}"),
            "",
        )
        .await;
        assert_eq!(status, 200);
        assert!(body.contains("Sending failed"), "{body}");
        // Paying through a channel spends: the address must carry the token too.
        let (status, _, body) = request(
            port,
            &format!("GET /media/1?channel=3 HTTP/1.1\r\n{host}{cookie}"),
            "",
        )
        .await;
        assert_eq!(status, 403);
        assert!(body.contains("needs the token"), "{body}");
        // The gateway without a key to open: a readable refusal, not a blank answer.
        let (status, _, body) = request(
            port,
            &format!("GET /media/1 HTTP/1.1\r\n{host}{cookie}"),
            "",
        )
        .await;
        assert_eq!(status, 403);
        assert!(body.contains("key ring"), "{body}");
        web.stop();
    }

    #[test]
    fn settings_default_to_loopback_8080_and_parse_a_port() {
        #[derive(Deserialize)]
        struct File {
            web: WebSettings,
        }
        let s: File = toml::from_str("[web]\naddress = \"127.0.0.1:18080\"\n").unwrap();
        assert!(s.web.enabled);
        assert_eq!(s.web.address.port(), 18080);
        assert_eq!(WebSettings::default().address, DEFAULT_ADDRESS);
        let off: File = toml::from_str("[web]\nenabled = false\n").unwrap();
        assert!(!off.web.enabled);
        assert!(toml::from_str::<File>("[web]\nport = 1\n").is_err());
    }
}
