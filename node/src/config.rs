//! The node's own configuration, `<home>/config/weaved.toml`. The layout of the home
//! directory is the client library's [`HomeLayout`] (clients read the same file for the
//! chain id and the gRPC address).

use std::net::SocketAddr;

use anyhow::Context;
use serde::{Deserialize, Serialize};
use weave_client::home::HomeLayout;

/// `weaved.toml`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct NodeConfig {
    /// The chain id, as in the genesis.
    pub(crate) chain_id: String,
    /// Where the ABCI server listens for CometBFT.
    pub(crate) abci_laddr: SocketAddr,
    /// Where the gRPC API listens.
    pub(crate) grpc_laddr: SocketAddr,
    /// CometBFT's RPC endpoint, used to broadcast and to read blocks.
    pub(crate) cometbft_rpc: String,
    /// How many committed versions of state stay readable for historical queries.
    pub(crate) keep_recent: u64,
    /// The slice sidecar.
    #[serde(default)]
    pub(crate) sidecar: crate::sidecar::SidecarSettings,
    /// The web application (`weave-web`).
    #[serde(default)]
    pub(crate) web: weave_web::WebSettings,
}

impl Default for NodeConfig {
    fn default() -> Self {
        Self {
            chain_id: "weave-local".into(),
            abci_laddr: SocketAddr::from(([127, 0, 0, 1], 26658)),
            grpc_laddr: SocketAddr::from(([127, 0, 0, 1], 9090)),
            cometbft_rpc: "http://127.0.0.1:26657".into(),
            keep_recent: 100,
            sidecar: crate::sidecar::SidecarSettings::default(),
            web: weave_web::WebSettings::default(),
        }
    }
}

impl NodeConfig {
    pub(crate) fn load(layout: &HomeLayout) -> anyhow::Result<Self> {
        let path = layout.config_file();
        let text = std::fs::read_to_string(&path)
            .with_context(|| format!("reading {} (run `weaved init` first)", path.display()))?;
        toml::from_str(&text).with_context(|| format!("parsing {}", path.display()))
    }

    pub(crate) fn save(&self, layout: &HomeLayout) -> anyhow::Result<()> {
        let path = layout.config_file();
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir)?;
        }
        let text = toml::to_string_pretty(self)?;
        std::fs::write(&path, text).with_context(|| format!("writing {}", path.display()))
    }
}
