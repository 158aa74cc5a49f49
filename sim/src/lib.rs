//! `weave-sim`: an economic simulation of Weave that runs the **real** application in
//! process (`weave_app::App` on a temporary RocksDB, no CometBFT), block by block, with
//! real signed transactions from agents that follow simple strategies ([`Strategy`]):
//! honest creators, viewers and seeders (of different bandwidths and uptimes),
//! self-dealing seeders that pay themselves through a sybil viewer on their own content
//! (SECURITY.md, threat 2), free-riders that bond and never serve, corrupt seeders that
//! serve slices that do not verify, and viewers that try not to pay; and with
//! validators (honest, lazy or colluding) whose probe reports reach the seeders module
//! as signed vote extensions in the injected extended commit, as on a node.
//!
//! A [`Scenario`] (TOML) fixes the populations, the number of epochs, the seed and any
//! genesis parameter overrides; [`run`] plays it and returns a [`Report`]: per epoch and
//! per strategy (and per agent) the profit (balance change, bond included), reputation,
//! bond, verified bytes, jails and slashes, and the community pool, which
//! [`Report::write_csv`] writes out and [`chart::write_charts`] draws as SVG.
//! [`sweep`] runs a scenario over a grid of parameters. A run is deterministic for its
//! scenario: fixed keys derived from labels, fixed block times, seeded generators, no
//! hash-map iteration order.

mod chain;
pub mod chart;
mod msg;
mod report;
mod rng;
mod run;
mod scenario;
pub mod stats;
pub mod sweep;

pub use chain::{Chain, Key, CHAIN_ID, DENOM, FEE, GAS_LIMIT, GENESIS_TIME};
pub use report::{AgentEpoch, Counters, Report, Row, Strategy, CSV_HEADER};
pub use rng::Rng;
pub use run::run;
pub use scenario::{Behaviour, Population, Scenario};

/// Why a simulation could not run.
#[derive(Debug, thiserror::Error)]
pub enum SimError {
    /// The scenario is invalid.
    #[error("scenario: {0}")]
    Config(String),
    /// The application refused a call or a query failed.
    #[error("chain: {0}")]
    Chain(String),
    /// A transaction an agent sent failed (the simulation expects every one to pass).
    #[error("transaction {what} failed with code {code}: {log}")]
    Tx {
        /// What the transaction was.
        what: String,
        /// Its result code.
        code: u32,
        /// Its codespace and log.
        log: String,
    },
    /// Drawing a chart failed.
    #[error("chart: {0}")]
    Chart(String),
    /// Reading a file or a temporary directory failed.
    #[error("io: {0}")]
    Io(#[from] std::io::Error),
    /// JSON (the genesis) failed.
    #[error("json: {0}")]
    Json(#[from] serde_json::Error),
    /// A query response did not decode.
    #[error("decode: {0}")]
    Decode(#[from] prost::DecodeError),
}
