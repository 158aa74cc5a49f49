//! The options every command shares: the home, the key ring backend, the output format
//! and where to reach a node; and resolving an address given on the command line.

use std::{
    net::{Ipv4Addr, Ipv6Addr, SocketAddr},
    path::{Path, PathBuf},
};

use anyhow::{anyhow, Context};
use weave_kernel::Address;

pub use crate::rpc::{DEFAULT_GRPC, DEFAULT_NODE};
use crate::{
    home::{ClientConfig, HomeLayout},
    keys::{Keyring, KeyringBackend},
};

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
    #[arg(long, short = 'o', global = true, value_enum, default_value = "text")]
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
///
/// As in every Cosmos CLI, `--node` is CometBFT's RPC (`tcp://` or `http://`); the
/// node's gRPC API, which most commands use, is `--grpc`. A flag given a URL that
/// answers the other protocol is an error that names the right flag, so that a script
/// written when `--node` meant gRPC fails instead of talking to the wrong node.
#[derive(Debug, Clone, Default, clap::Args)]
pub struct NodeOpts {
    /// CometBFT's RPC endpoint, e.g. `tcp://localhost:26657` (default: `[rpc] laddr` of
    /// `<home>/cometbft/config/config.toml` if present, else `http://127.0.0.1:26657`)
    #[arg(long, env = "WEAVE_NODE", value_name = "URL")]
    pub node: Option<String>,
    /// The node's gRPC endpoint, e.g. `http://127.0.0.1:9090` (default: `grpc_laddr` of
    /// `<home>/config/weaved.toml` if present, else `http://127.0.0.1:9090`)
    #[arg(long, env = "WEAVE_GRPC", value_name = "URL")]
    pub grpc: Option<String>,
}

/// `--height`, for the queries the node answers at past heights: those that read
/// single keys (balances, accounts, parameters), at any height the node still keeps.
/// A query command that reads single keys flattens it and sends its requests through
/// [`AtHeight::request`].
#[derive(Debug, Clone, Copy, Default, clap::Args)]
pub struct AtHeight {
    /// Query the state at this block height (gRPC metadata `x-cosmos-block-height`)
    /// instead of the latest.
    #[arg(long, value_name = "HEIGHT", value_parser = clap::value_parser!(u64).range(1..))]
    pub height: Option<u64>,
}

impl AtHeight {
    /// `request` carrying `--height` as `x-cosmos-block-height`, when given.
    pub fn request<T>(&self, request: T) -> tonic::Request<T> {
        let mut request = tonic::Request::new(request);
        if let Some(height) = self.height {
            request
                .metadata_mut()
                .insert(BLOCK_HEIGHT_HEADER, height.into());
        }
        request
    }
}

impl NodeOpts {
    /// The gRPC URL to dial: `--grpc`/`WEAVE_GRPC`, else the gRPC address in the home's
    /// `weaved.toml`, else [`DEFAULT_GRPC`]. A bare `host:port` gets `http://`.
    ///
    /// A `--grpc` that answers CometBFT's RPC, or a `--node` that answers gRPC, is an
    /// error naming the flag to use instead.
    pub fn url(&self, home: &Path) -> anyhow::Result<String> {
        if let Some(node) = &self.node {
            crate::rpc::check_rpc_flag(&rpc_url(node))?;
        }
        Ok(match &self.grpc {
            Some(grpc) => {
                let url = http_url(grpc);
                crate::rpc::check_grpc_flag(&url)?;
                url
            }
            None => match ClientConfig::load(home)? {
                Some(config) => format!("http://{}", dialable(config.grpc_laddr)),
                None => DEFAULT_GRPC.to_string(),
            },
        })
    }

    /// CometBFT's RPC URL: `--node`/`WEAVE_NODE`, else `[rpc] laddr` of the home's
    /// CometBFT `config.toml`, else [`DEFAULT_NODE`]. `tcp://` becomes `http://`.
    pub fn rpc_url(&self, home: &Path) -> anyhow::Result<String> {
        if let Some(node) = &self.node {
            return Ok(rpc_url(node));
        }
        let config = HomeLayout::new(home).cometbft_config();
        if !config.is_file() {
            return Ok(DEFAULT_NODE.to_string());
        }
        let text = std::fs::read_to_string(&config)
            .with_context(|| format!("reading {}", config.display()))?;
        let doc: toml::Table =
            toml::from_str(&text).with_context(|| format!("parsing {}", config.display()))?;
        let laddr = doc
            .get("rpc")
            .and_then(|rpc| rpc.get("laddr"))
            .and_then(|l| l.as_str())
            .unwrap_or(DEFAULT_NODE);
        // A listen address on all interfaces is dialled on loopback.
        Ok(rpc_url(laddr)
            .replace("//0.0.0.0:", "//127.0.0.1:")
            .replace("//[::]:", "//[::1]:"))
    }
}

/// The gRPC metadata key (and REST header) that asks for the state at a height.
pub const BLOCK_HEIGHT_HEADER: &str = "x-cosmos-block-height";

/// A URL as given on the command line, with `http://` added to a bare `host:port`.
fn http_url(given: &str) -> String {
    if given.contains("://") {
        given.to_string()
    } else {
        format!("http://{given}")
    }
}

/// A CometBFT RPC address as HTTP dials it: `tcp://` is `http://`.
fn rpc_url(given: &str) -> String {
    match given.strip_prefix("tcp://") {
        Some(rest) => format!("http://{rest}"),
        None => http_url(given),
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
    fn grpc_url_falls_back_to_the_home_config() {
        let home = tempfile::tempdir().unwrap();
        let none = NodeOpts::default();
        assert_eq!(none.url(home.path()).unwrap(), DEFAULT_GRPC);
        assert_eq!(none.rpc_url(home.path()).unwrap(), DEFAULT_NODE);
        let layout = crate::home::HomeLayout::new(home.path());
        std::fs::create_dir_all(layout.config_file().parent().unwrap()).unwrap();
        // The node's file has more fields than a client reads.
        std::fs::write(
            layout.config_file(),
            "chain_id = \"c-1\"\nabci_laddr = \"127.0.0.1:26658\"\ngrpc_laddr = \"0.0.0.0:19090\"\nkeep_recent = 100\n",
        )
        .unwrap();
        assert_eq!(none.url(home.path()).unwrap(), "http://127.0.0.1:19090");
        std::fs::create_dir_all(layout.cometbft_config().parent().unwrap()).unwrap();
        std::fs::write(
            layout.cometbft_config(),
            "moniker = \"m\"\n[rpc]\n# where\nladdr = \"tcp://0.0.0.0:36657\"\n",
        )
        .unwrap();
        assert_eq!(none.rpc_url(home.path()).unwrap(), "http://127.0.0.1:36657");
        let given = NodeOpts {
            grpc: Some("https://node.example:443".into()),
            node: Some("tcp://node.example:26657".into()),
        };
        assert_eq!(given.url(home.path()).unwrap(), "https://node.example:443");
        assert_eq!(
            given.rpc_url(home.path()).unwrap(),
            "http://node.example:26657"
        );
        let bare = NodeOpts {
            grpc: Some("localhost:1".into()),
            ..NodeOpts::default()
        };
        assert_eq!(bare.url(home.path()).unwrap(), "http://localhost:1");
    }

    #[test]
    fn height_goes_into_the_request_metadata() {
        let at = AtHeight { height: Some(42) };
        let request = at.request(());
        assert_eq!(request.metadata().get(BLOCK_HEIGHT_HEADER).unwrap(), "42");
        let latest = AtHeight::default();
        assert!(latest
            .request(())
            .metadata()
            .get(BLOCK_HEIGHT_HEADER)
            .is_none());
    }
}
