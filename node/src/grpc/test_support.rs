//! An application over a temporary store, with a funded account, for the
//! services' tests. The CometBFT RPC address points nowhere: these tests never
//! reach it.

use std::sync::Arc;

use tendermint_proto::v0_38::abci::RequestInitChain;
use weave_app::{store::StorageConfig, App};
use weave_bank::{GenesisBalance, GenesisState};
use weave_kernel::{Address, Coin, Coins};

use super::common::Node;

/// The funded account.
pub(super) const FUNDED: Address = Address::new([7u8; 20]);
/// Its `uweave` balance.
pub(super) const FUNDS: u128 = 1_000_000;

pub(super) fn node() -> (Node, tempfile::TempDir) {
    node_with(serde_json::Value::Null)
}

/// [`node`] with this `auth` section of genesis (`null` for the defaults).
pub(super) fn node_with(auth: serde_json::Value) -> (Node, tempfile::TempDir) {
    let dir = tempfile::tempdir().expect("tempdir");
    let app = App::open(dir.path(), StorageConfig::default()).expect("open app");
    let bank = GenesisState {
        balances: vec![GenesisBalance {
            address: FUNDED,
            coins: Coins::new(vec![Coin {
                denom: "uweave".into(),
                amount: FUNDS,
            }])
            .expect("coins"),
        }],
        ..Default::default()
    };
    let mut app_state = serde_json::json!({ "bank": bank });
    if !auth.is_null() {
        app_state["auth"] = auth;
    }
    app.init_chain(RequestInitChain {
        chain_id: "weave-test".into(),
        initial_height: 1,
        app_state_bytes: serde_json::to_vec(&app_state).expect("json").into(),
        ..Default::default()
    })
    .expect("init chain");
    let node = Node::new(Arc::new(app), "tcp://127.0.0.1:1").expect("node");
    (node, dir)
}

/// A health check that has seen no block.
pub(super) fn liveness() -> crate::health::Liveness {
    crate::health::Liveness {
        blocks: crate::health::BlockHealth::default(),
        max_block_age: std::time::Duration::from_secs(60),
    }
}
