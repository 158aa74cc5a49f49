//! The layout of a node's home directory, and what a client reads from the node's
//! `weaved.toml` (the chain id and the gRPC address).

use std::{
    net::SocketAddr,
    path::{Path, PathBuf},
};

use anyhow::Context;
use serde::Deserialize;

/// Paths inside a node's home directory.
#[derive(Debug, Clone)]
pub struct HomeLayout {
    root: PathBuf,
}

impl HomeLayout {
    /// The layout of the home at `root`.
    pub fn new(root: &Path) -> Self {
        Self {
            root: root.to_path_buf(),
        }
    }
    /// The home directory itself.
    pub fn root(&self) -> &Path {
        &self.root
    }
    /// `config/weaved.toml`, the node's own configuration.
    pub fn config_file(&self) -> PathBuf {
        self.root.join("config").join("weaved.toml")
    }
    /// `data/app`, the application's state.
    pub fn app_data(&self) -> PathBuf {
        self.root.join("data").join("app")
    }
    /// `cometbft`, CometBFT's home.
    pub fn cometbft_home(&self) -> PathBuf {
        self.root.join("cometbft")
    }
    /// CometBFT's `config.toml`.
    pub fn cometbft_config(&self) -> PathBuf {
        self.cometbft_home().join("config").join("config.toml")
    }
    /// The chain's `genesis.json`.
    pub fn genesis(&self) -> PathBuf {
        self.cometbft_home().join("config").join("genesis.json")
    }
}

/// The part of `weaved.toml` a client needs. The node owns the file (and its full type);
/// other fields are ignored here.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct ClientConfig {
    /// The chain id, as in the genesis.
    pub chain_id: String,
    /// Where the node's gRPC API listens.
    pub grpc_laddr: SocketAddr,
}

impl ClientConfig {
    /// The home's `weaved.toml`, if it exists.
    pub fn load(home: &Path) -> anyhow::Result<Option<Self>> {
        let path = HomeLayout::new(home).config_file();
        if !path.is_file() {
            return Ok(None);
        }
        let text = std::fs::read_to_string(&path)
            .with_context(|| format!("reading {}", path.display()))?;
        toml::from_str(&text)
            .map(Some)
            .with_context(|| format!("parsing {}", path.display()))
    }
}
