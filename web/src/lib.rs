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
