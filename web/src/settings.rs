//! `[web]` in `weaved.toml`, what the application needs from the node, and its token.

use std::{
    io::Write,
    net::{Ipv4Addr, SocketAddr},
    os::unix::fs::{OpenOptionsExt, PermissionsExt},
    path::{Path, PathBuf},
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
    /// The key ring the pages sign with: `test` or `file` (whose passphrase the Unlock
    /// page asks for once and the node keeps in memory; `WEAVE_KEYRING_PASSPHRASE` at
    /// start gives it ahead, for scripts). Empty: `test` if the home has a test key ring,
    /// else `file`.
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
    /// CometBFT's RPC, e.g. `http://127.0.0.1:26657` (transaction history, earnings).
    pub rpc_url: String,
    /// The chain id transactions are signed for.
    pub chain_id: String,
    /// `[web]`.
    pub settings: WebSettings,
}

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
}
