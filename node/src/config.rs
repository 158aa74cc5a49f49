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
    /// Metrics and health for operators (`[telemetry]`).
    #[serde(default)]
    pub(crate) telemetry: TelemetrySettings,
    /// The web application (`weave-web`).
    #[serde(default)]
    pub(crate) web: weave_web::WebSettings,
}

/// `[telemetry]`: the operators' HTTP endpoint, `GET /metrics` and `GET /health`
/// (see `crate::ops`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub(crate) struct TelemetrySettings {
    /// Serve the endpoint at all.
    pub(crate) enabled: bool,
    /// Where it listens.
    pub(crate) laddr: SocketAddr,
    /// `/health` and the gRPC health service turn unhealthy when the last block this
    /// node committed is older than this many seconds.
    pub(crate) max_block_age_secs: u64,
}

/// The endpoint's default address: loopback, below the ports CometBFT (266xx) and the
/// localnet (26600 + 10 per node) use.
pub(crate) const DEFAULT_TELEMETRY_LADDR: SocketAddr =
    SocketAddr::new(std::net::IpAddr::V4(std::net::Ipv4Addr::LOCALHOST), 26590);

impl Default for TelemetrySettings {
    fn default() -> Self {
        Self {
            enabled: true,
            laddr: DEFAULT_TELEMETRY_LADDR,
            max_block_age_secs: 60,
        }
    }
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
            telemetry: TelemetrySettings::default(),
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn telemetry_defaults_and_an_off_switch() {
        // A weaved.toml written before [telemetry] existed gets the defaults.
        let mut old = toml::Value::try_from(NodeConfig::default()).expect("toml");
        old.as_table_mut().expect("table").remove("telemetry");
        let old = toml::to_string(&old).expect("old text");
        let parsed: NodeConfig = toml::from_str(&old).expect("old file");
        assert_eq!(parsed.telemetry, TelemetrySettings::default());
        assert!(parsed.telemetry.enabled);

        let text = format!("{old}\n[telemetry]\nenabled = false\nladdr = \"0.0.0.0:9464\"\n");
        let parsed: NodeConfig = toml::from_str(&text).expect("with telemetry");
        assert!(!parsed.telemetry.enabled);
        assert_eq!(parsed.telemetry.laddr.port(), 9464);
        assert_eq!(parsed.telemetry.max_block_age_secs, 60);
        assert!(toml::from_str::<NodeConfig>(&format!("{text}unknown = 1\n")).is_err());
    }
}
