//! The options every command shares: the home, the key ring backend, the output format
//! and where to reach a node; and resolving an address given on the command line.

use std::{
    net::{Ipv4Addr, Ipv6Addr, SocketAddr},
    path::{Path, PathBuf},
};

use anyhow::anyhow;
use weave_kernel::Address;

use crate::{
    home::ClientConfig,
    keys::{Keyring, KeyringBackend},
};

/// The gRPC endpoint used when neither `--node`, `WEAVE_NODE` nor the home's
/// `weaved.toml` names one.
pub const DEFAULT_NODE: &str = "http://127.0.0.1:9090";

/// Global options shared by every command.
#[derive(Debug, Clone, clap::Args)]
pub struct GlobalOpts {
    /// The node's home directory (config, data, keys, CometBFT home).
    #[arg(long, global = true, env = "WEAVE_HOME", default_value_os_t = default_home())]
    pub home: PathBuf,
    /// Where keys are kept: `file` (encrypted with a passphrase) or `test` (plaintext,
    /// for scripts and tests).
    #[arg(
        long,
        global = true,
        value_enum,
        default_value = "file",
        env = "WEAVE_KEYRING_BACKEND"
    )]
    pub keyring_backend: KeyringBackend,
    /// Output format.
    #[arg(long, global = true, value_enum, default_value = "text")]
    pub output: OutputFormat,
}

impl GlobalOpts {
    /// Whether results are printed as one JSON document.
    pub fn json(&self) -> bool {
        self.output == OutputFormat::Json
    }
}

/// How commands print their results.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum OutputFormat {
    /// Human-readable text.
    Text,
    /// One JSON document, for scripts.
    Json,
}

/// `~/.weave`.
fn default_home() -> PathBuf {
    std::env::var_os("HOME")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("."))
        .join(".weave")
}

/// Where to reach a node: shared by every client command.
#[derive(Debug, Clone, clap::Args)]
pub struct NodeOpts {
    /// The node's gRPC endpoint, e.g. `http://127.0.0.1:9090` (default: `grpc_laddr` of
    /// `<home>/config/weaved.toml` if present, else `http://127.0.0.1:9090`)
    #[arg(long, env = "WEAVE_NODE", value_name = "URL")]
    pub node: Option<String>,
}

impl NodeOpts {
    /// The gRPC URL to dial: `--node`/`WEAVE_NODE`, else the gRPC address in the home's
    /// `weaved.toml`, else [`DEFAULT_NODE`]. A bare `host:port` gets `http://`.
    pub fn url(&self, home: &Path) -> anyhow::Result<String> {
        Ok(match &self.node {
            Some(node) if node.contains("://") => node.clone(),
            Some(node) => format!("http://{node}"),
            None => match ClientConfig::load(home)? {
                Some(config) => format!("http://{}", dialable(config.grpc_laddr)),
                None => DEFAULT_NODE.to_string(),
            },
        })
    }
}

/// A listen address as a client dials it: an unspecified IP (`0.0.0.0`, `::`) becomes
/// loopback.
fn dialable(mut addr: SocketAddr) -> SocketAddr {
    if addr.ip().is_unspecified() {
        addr.set_ip(if addr.is_ipv4() {
            Ipv4Addr::LOCALHOST.into()
        } else {
            Ipv6Addr::LOCALHOST.into()
        });
    }
    addr
}

/// An account address given on the command line: a bech32 address, or the name of a
/// key in the key ring (whose public part is read without a passphrase).
pub fn resolve_address(arg: &str, g: &GlobalOpts) -> anyhow::Result<Address> {
    match arg.parse::<Address>() {
        Ok(address) => Ok(address),
        Err(parse_error) => {
            let keyring = Keyring::open(&g.home, g.keyring_backend)?;
            keyring.show(arg).map(|info| info.address).map_err(|_| {
                anyhow!(
                    "{arg:?} is neither an address nor a key in the {} key ring: {parse_error}",
                    g.keyring_backend
                )
            })
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn node_url_falls_back_to_the_home_config() {
        let home = tempfile::tempdir().unwrap();
        let none = NodeOpts { node: None };
        assert_eq!(none.url(home.path()).unwrap(), DEFAULT_NODE);
        let layout = crate::home::HomeLayout::new(home.path());
        std::fs::create_dir_all(layout.config_file().parent().unwrap()).unwrap();
        // The node's file has more fields than a client reads.
        std::fs::write(
            layout.config_file(),
            "chain_id = \"c-1\"\nabci_laddr = \"127.0.0.1:26658\"\ngrpc_laddr = \"0.0.0.0:19090\"\nkeep_recent = 100\n",
        )
        .unwrap();
        assert_eq!(none.url(home.path()).unwrap(), "http://127.0.0.1:19090");
        let given = NodeOpts {
            node: Some("https://node.example:443".into()),
        };
        assert_eq!(given.url(home.path()).unwrap(), "https://node.example:443");
        let bare = NodeOpts {
            node: Some("localhost:1".into()),
        };
        assert_eq!(bare.url(home.path()).unwrap(), "http://localhost:1");
    }
}
