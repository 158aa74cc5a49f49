//! The node's own configuration, `<home>/config/weaved.toml`. The layout of the home
//! directory is the client library's [`HomeLayout`] (clients read the same file for the
//! chain id and the gRPC address).

use std::net::SocketAddr;

use anyhow::Context;
use serde::{Deserialize, Serialize};
use toml_edit::DocumentMut;
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
    /// A state-sync snapshot every this many blocks; 0: none.
    #[serde(default = "default_snapshot_interval")]
    pub(crate) snapshot_interval: u64,
    /// How many state-sync snapshots to keep.
    #[serde(default = "default_snapshot_keep_recent")]
    pub(crate) snapshot_keep_recent: u32,
    /// The slice sidecar.
    #[serde(default)]
    pub(crate) sidecar: crate::sidecar::SidecarSettings,
    /// Metrics and health for operators (`[telemetry]`).
    #[serde(default)]
    pub(crate) telemetry: TelemetrySettings,
    /// The web application (`weave-web`).
    #[serde(default)]
    pub(crate) web: weave_web::WebSettings,
    /// The Cosmos REST API (`[rest]`, see `crate::rest`).
    #[serde(default)]
    pub(crate) rest: crate::rest::RestSettings,
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
            snapshot_interval: default_snapshot_interval(),
            snapshot_keep_recent: default_snapshot_keep_recent(),
            sidecar: crate::sidecar::SidecarSettings::default(),
            telemetry: TelemetrySettings::default(),
            web: weave_web::WebSettings::default(),
            rest: crate::rest::RestSettings::default(),
        }
    }
}

/// A snapshot every 100 blocks by default: a new node can join by state sync from
/// any node of the network. Writing one runs beside consensus, from a pinned version.
fn default_snapshot_interval() -> u64 {
    100
}

fn default_snapshot_keep_recent() -> u32 {
    2
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
        let text = self.to_commented_toml()?;
        std::fs::write(&path, text).with_context(|| format!("writing {}", path.display()))
    }

    /// The file `weaved init` writes: every key with its value, each table and key
    /// preceded by a `#` comment from [`KEY_DOCS`]. It loads back to `self`.
    pub(crate) fn to_commented_toml(&self) -> anyhow::Result<String> {
        let text = toml::to_string_pretty(self)?;
        let mut doc: DocumentMut = text.parse().context("re-reading weaved.toml")?;
        for (path, what) in KEY_DOCS {
            let (table, key) = match path.split_once('.') {
                Some((table, key)) => match doc.get_mut(table).and_then(|t| t.as_table_mut()) {
                    Some(t) => (t, key),
                    None => continue,
                },
                None => (doc.as_table_mut(), *path),
            };
            // A blank line before every entry but the first of a table.
            let first = table.iter().next().is_some_and(|(k, _)| k == key);
            let comment = format!("{}{}", if first { "" } else { "\n" }, comment_lines(what));
            if let Some(t) = table.get_mut(key).and_then(|item| item.as_table_mut()) {
                t.decor_mut().set_prefix(comment);
            } else if let Some(mut k) = table.key_mut(key) {
                k.leaf_decor_mut().set_prefix(comment);
            }
        }
        Ok(format!("{}\n{doc}", comment_lines(HEADER)))
    }
}

/// The top of the file `weaved init` writes.
const HEADER: &str = "weaved's own configuration (CometBFT's is cometbft/config/config.toml).
Written by `weaved init` with every setting and its default; edit it and restart
`weaved start`. A table left out gets its defaults. See docs/operators.md.";

/// What each key of `weaved.toml` does: the comment `weaved init` writes above it.
/// `"table"` names a table, `"table.key"` a key in it, a bare name a top-level key.
const KEY_DOCS: &[(&str, &str)] = &[
    ("chain_id", "The chain id, as in the genesis."),
    (
        "abci_laddr",
        "Where the ABCI server listens for CometBFT (CometBFT's proxy_app).",
    ),
    (
        "grpc_laddr",
        "Where the gRPC API listens (the CLI's --grpc, wallets, the web application).",
    ),
    (
        "cometbft_rpc",
        "CometBFT's RPC endpoint, used to broadcast transactions and read blocks.",
    ),
    (
        "keep_recent",
        "How many committed versions of state stay readable for queries at a height;\n\
         older versions are pruned.",
    ),
    (
        "snapshot_interval",
        "A state-sync snapshot of the state every this many blocks (0: none), written in\n\
         the background under data/snapshots and served to nodes that join by state sync.",
    ),
    (
        "snapshot_keep_recent",
        "How many state-sync snapshots to keep; older ones are deleted.",
    ),
    (
        "sidecar",
        "The slice sidecar: serves and fetches encrypted content slices over libp2p.",
    ),
    (
        "sidecar.enabled",
        "Whether `weaved start` runs the sidecar.",
    ),
    (
        "sidecar.listen",
        "libp2p listen addresses (multiaddrs), TCP and QUIC.",
    ),
    (
        "sidecar.bootstrap",
        "Peers to dial at start (multiaddrs, with or without /p2p/<peer id>).",
    ),
    (
        "sidecar.requests_per_sec",
        "Slice requests one peer may make per second on average; beyond it the peer\n\
         is answered Busy.",
    ),
    (
        "sidecar.request_burst",
        "Slice requests one peer may make in a burst.",
    ),
    (
        "sidecar.payout_address",
        "The account (bech32) this node is paid at for the slices it serves. Empty:\n\
         serve for free. When set, peers must pay with payment-channel vouchers naming it.",
    ),
    (
        "sidecar.credit_window_bytes",
        "Bytes served to a peer, per content, beyond what its vouchers cover.",
    ),
    (
        "telemetry",
        "The operators' HTTP endpoint: GET /metrics (Prometheus) and GET /health.",
    ),
    ("telemetry.enabled", "Serve the endpoint at all."),
    ("telemetry.laddr", "Where it listens (loopback by default)."),
    (
        "telemetry.max_block_age_secs",
        "/health answers 503, and the gRPC health service NOT_SERVING, when the last\n\
         block this node committed is older than this many seconds.",
    ),
    ("web", "The web application."),
    (
        "web.enabled",
        "Whether `weaved start` serves the web application.",
    ),
    ("web.address", "Where it listens (loopback by default)."),
    (
        "web.keyring_backend",
        "The key ring the pages sign with: test, or file (its passphrase is asked once\n\
         in the page, /unlock). Empty: test if the home has a test key ring, else file.",
    ),
    (
        "rest",
        "The Cosmos REST API (the routes wallets and explorers call, and\n\
         /weave/<module>/v1/<method>), a gateway in front of the gRPC API.",
    ),
    (
        "rest.enabled",
        "Whether `weaved start` serves the REST API.",
    ),
    (
        "rest.address",
        "Where it listens (loopback by default; 1317 is the Cosmos SDK's port).",
    ),
];

/// `text` as TOML comment lines, each ending in a newline.
fn comment_lines(text: &str) -> String {
    text.lines().map(|line| format!("# {line}\n")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// What `weaved init` writes, with every optional value set.
    fn init_like() -> NodeConfig {
        let mut c = NodeConfig {
            chain_id: "weave-test-1".into(),
            ..NodeConfig::default()
        };
        c.sidecar.bootstrap = vec!["/ip4/127.0.0.1/tcp/26664".into()];
        c.web.keyring_backend = "test".into();
        c
    }

    fn has_comment(decor: &toml_edit::Decor) -> bool {
        decor
            .prefix()
            .and_then(|p| p.as_str())
            .is_some_and(|p| p.trim_start().starts_with('#'))
    }

    #[test]
    fn the_commented_file_loads_back_and_comments_every_key() {
        for config in [NodeConfig::default(), init_like()] {
            let text = config.to_commented_toml().expect("commented");
            let parsed: NodeConfig = toml::from_str(&text).expect("loads back");
            assert_eq!(parsed, config, "{text}");
            assert!(text.starts_with("# weaved's own configuration"), "{text}");

            let doc: DocumentMut = text.parse().expect("toml_edit");
            let mut seen = 0;
            for (key, item) in doc.iter() {
                match item.as_table() {
                    Some(table) => {
                        assert!(
                            has_comment(table.decor()),
                            "[{key}] has no comment:\n{text}"
                        );
                        for (inner, _) in table.iter() {
                            let k = table.key(inner).expect("key");
                            assert!(
                                has_comment(k.leaf_decor()),
                                "{key}.{inner} has no comment:\n{text}"
                            );
                            seen += 1;
                        }
                    }
                    None => {
                        let k = doc.as_table().key(key).expect("key");
                        assert!(has_comment(k.leaf_decor()), "{key} has no comment:\n{text}");
                    }
                }
                seen += 1;
            }
            // Every table and key of the struct is in the file (none left out)...
            let skipped = usize::from(config.web.keyring_backend.is_empty());
            assert_eq!(seen + skipped, KEY_DOCS.len(), "{text}");
        }
        // ... and every documented key exists.
        let doc: DocumentMut = init_like().to_commented_toml().unwrap().parse().unwrap();
        for (path, _) in KEY_DOCS {
            let found = match path.split_once('.') {
                Some((t, k)) => doc.get(t).and_then(|t| t.get(k)).is_some(),
                None => doc.get(path).is_some(),
            };
            assert!(found, "{path} is documented but not in weaved.toml");
        }
    }

    #[test]
    fn docs_show_the_file_init_writes() {
        // `weaved init --keyring-backend test` with no other flags.
        let config = NodeConfig {
            web: weave_web::WebSettings {
                keyring_backend: "test".into(),
                ..weave_web::WebSettings::default()
            },
            ..NodeConfig::default()
        };
        let text = config.to_commented_toml().unwrap();
        let docs = include_str!("../../docs/operators.md");
        assert!(
            docs.contains(&format!("```toml\n{text}```\n")),
            "docs/operators.md should show:\n{text}"
        );
    }

    #[test]
    fn the_commented_file_keeps_the_lines_scripts_edit() {
        // localnet/up and the end-to-end tests edit these lines in place.
        let text = NodeConfig::default().to_commented_toml().unwrap();
        for line in [
            "bootstrap = []",
            "max_block_age_secs = 60",
            "credit_window_bytes = 67108864",
            "requests_per_sec = 2000",
            "request_burst = 256",
            "snapshot_interval = 100",
            "snapshot_keep_recent = 2",
        ] {
            assert_eq!(
                text.lines().filter(|l| *l == line).count(),
                1,
                "{line}:\n{text}"
            );
        }
    }

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

    #[test]
    fn rest_defaults_and_an_off_switch() {
        // A weaved.toml written before [rest] existed gets the defaults.
        let mut old = toml::Value::try_from(NodeConfig::default()).expect("toml");
        old.as_table_mut().expect("table").remove("rest");
        let old = toml::to_string(&old).expect("old text");
        let parsed: NodeConfig = toml::from_str(&old).expect("old file");
        assert!(parsed.rest.enabled);
        assert_eq!(parsed.rest.address, crate::rest::DEFAULT_ADDRESS);
        assert_eq!(parsed.rest.address.to_string(), "127.0.0.1:1317");

        let text = format!("{old}\n[rest]\nenabled = false\naddress = \"0.0.0.0:1318\"\n");
        let parsed: NodeConfig = toml::from_str(&text).expect("with rest");
        assert!(!parsed.rest.enabled);
        assert_eq!(parsed.rest.address.port(), 1318);
        assert!(toml::from_str::<NodeConfig>(&format!("{text}unknown = 1\n")).is_err());
    }
}
