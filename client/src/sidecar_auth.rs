//! The token that guards a node's local sidecar API (`weave.sidecar.v1.Sidecar`).
//!
//! `weaved start` makes a random token once and keeps it in `<home>/config/sidecar-token`
//! (mode 0600). Every call to the sidecar API must carry it in the
//! [`SIDECAR_TOKEN_HEADER`] metadata header, so only a process that can read the node's
//! home — its operator — can add files, fetch content or read the node's vouchers.
//! [`local_sidecar`] builds a client that reads the token from the home and attaches it.

use std::{
    io,
    os::unix::fs::PermissionsExt,
    path::{Path, PathBuf},
};

use anyhow::Context;
use rand_core::{OsRng, RngCore};
use tonic::{
    metadata::{Ascii, MetadataValue},
    service::{interceptor::InterceptedService, Interceptor},
    transport::Channel,
    Request, Status,
};
use weave_proto::weave::sidecar::v1::sidecar_client::SidecarClient;

use crate::keys::write_atomic;

/// The gRPC metadata header that carries the token.
pub const SIDECAR_TOKEN_HEADER: &str = "x-weave-sidecar-token";

/// The token file's name in `<home>/config`.
pub const SIDECAR_TOKEN_FILE: &str = "sidecar-token";

/// `<home>/config/sidecar-token`.
pub fn token_path(home: &Path) -> PathBuf {
    home.join("config").join(SIDECAR_TOKEN_FILE)
}

/// The environment variable naming a token file to use instead of the home's.
pub const SIDECAR_TOKEN_FILE_ENV: &str = "WEAVE_SIDECAR_TOKEN_FILE";

/// The token in `path`, if the file exists.
pub fn read_token_file(path: &Path) -> anyhow::Result<Option<String>> {
    match std::fs::read_to_string(path) {
        Ok(text) => {
            let token = text.trim().to_string();
            anyhow::ensure!(!token.is_empty(), "{} is empty", path.display());
            Ok(Some(token))
        }
        Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(e).with_context(|| format!("reading {}", path.display())),
    }
}

/// The home's token, if it has one.
pub fn read_token(home: &Path) -> anyhow::Result<Option<String>> {
    read_token_file(&token_path(home))
}

/// The home's token: read, or made (32 random bytes, hex) and written with mode 0600
/// when missing. A token file readable by others is made owner-only again.
pub fn load_or_create_token(home: &Path) -> anyhow::Result<String> {
    let path = token_path(home);
    if let Some(token) = read_token(home)? {
        let mode = std::fs::metadata(&path)
            .with_context(|| format!("reading {}", path.display()))?
            .permissions()
            .mode();
        if mode & 0o077 != 0 {
            std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600))
                .with_context(|| format!("making {} owner-only", path.display()))?;
        }
        return Ok(token);
    }
    let mut bytes = [0u8; 32];
    OsRng.fill_bytes(&mut bytes);
    let token = hex::encode(bytes);
    let dir = home.join("config");
    std::fs::create_dir_all(&dir).with_context(|| format!("creating {}", dir.display()))?;
    write_atomic(&dir, SIDECAR_TOKEN_FILE, token.as_bytes())?;
    Ok(token)
}

/// Attaches the token to every call (none if the home has no token: the node then
/// refuses the call and says why).
#[derive(Debug, Clone, Default)]
pub struct SidecarToken(Option<MetadataValue<Ascii>>);

impl SidecarToken {
    /// The token of the node whose home is `home`, or the one in the file that
    /// [`SIDECAR_TOKEN_FILE_ENV`] names (a client whose `--home` holds only its keys,
    /// driving a node whose home is elsewhere); an unreadable or missing token file
    /// gives no token.
    pub fn from_home(home: &Path) -> Self {
        let read = match std::env::var_os(SIDECAR_TOKEN_FILE_ENV) {
            Some(file) => read_token_file(Path::new(&file)),
            None => read_token(home),
        };
        match read {
            Ok(Some(t)) => Self::new(&t),
            Ok(None) => Self(None),
            Err(e) => {
                tracing::warn!(error = %format!("{e:#}"), "no sidecar token");
                Self(None)
            }
        }
    }

    /// This token.
    pub fn new(token: &str) -> Self {
        Self(token.parse().ok())
    }
}

impl Interceptor for SidecarToken {
    fn call(&mut self, mut request: Request<()>) -> Result<Request<()>, Status> {
        if let Some(token) = &self.0 {
            request
                .metadata_mut()
                .insert(SIDECAR_TOKEN_HEADER, token.clone());
        }
        Ok(request)
    }
}

/// A sidecar API client that sends the token.
pub type LocalSidecar = SidecarClient<InterceptedService<Channel, SidecarToken>>;

/// A client of the sidecar API of the node whose home is `home`, over `channel`.
pub fn local_sidecar(channel: Channel, home: &Path) -> LocalSidecar {
    SidecarClient::with_interceptor(channel, SidecarToken::from_home(home))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn token_is_made_once_owner_only() {
        let home = tempfile::tempdir().expect("tempdir");
        assert!(read_token(home.path()).expect("read").is_none());
        let a = load_or_create_token(home.path()).expect("create");
        assert_eq!(a.len(), 64);
        let mode = std::fs::metadata(token_path(home.path()))
            .expect("file")
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o600);
        std::fs::set_permissions(
            token_path(home.path()),
            std::fs::Permissions::from_mode(0o644),
        )
        .expect("chmod");
        assert_eq!(load_or_create_token(home.path()).expect("again"), a);
        let mode = std::fs::metadata(token_path(home.path()))
            .expect("file")
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o600);
        assert_eq!(read_token(home.path()).expect("read"), Some(a.clone()));

        let request = SidecarToken::from_home(home.path())
            .call(Request::new(()))
            .expect("intercept");
        assert_eq!(
            request
                .metadata()
                .get(SIDECAR_TOKEN_HEADER)
                .and_then(|v| v.to_str().ok()),
            Some(a.as_str())
        );
        let bare = SidecarToken::from_home(&home.path().join("elsewhere"))
            .call(Request::new(()))
            .expect("intercept");
        assert!(bare.metadata().get(SIDECAR_TOKEN_HEADER).is_none());
    }
}
