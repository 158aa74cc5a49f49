//! The seeders module's messages, built from Rust values and checked as the chain's
//! CheckTx checks them without state, so that a malformed peer id, address list or
//! report is refused before signing.

use anyhow::anyhow;
use cosmos_sdk_proto::Any;
use prost::Message;
use weave_kernel::Address;
use weave_proto::weave::seeders::v1 as pb;
use weave_seeders::{
    SeedersMsg, MSG_BOND_SEEDER, MSG_REPORT_BAD_SLICE, MSG_UNBOND_SEEDER, MSG_UNJAIL_SEEDER,
    MSG_UPDATE_SEEDER,
};

use super::evidence::Evidence;
use crate::builder::to_any;

/// A seeder bonded.
pub const EVENT_BONDED: &str = "weave.seeders.v1.EventSeederBonded";
/// A seeder changed.
pub const EVENT_UPDATED: &str = "weave.seeders.v1.EventSeederUpdated";
/// An unbonding started.
pub const EVENT_UNBONDING: &str = "weave.seeders.v1.EventSeederUnbonding";
/// A slash.
pub const EVENT_SLASHED: &str = "weave.seeders.v1.EventSeederSlashed";
/// A jail.
pub const EVENT_JAILED: &str = "weave.seeders.v1.EventSeederJailed";

/// A chain error as the CLI prints it: `codespace:code: log`.
pub fn chain_error(e: &weave_kernel::TxError) -> anyhow::Error {
    anyhow!("{}:{}: {}", e.codespace, e.code, e.log)
}

/// Packs a seeders message and checks it as the chain's CheckTx would without state.
pub fn seeders_msg(type_url: &str, msg: &impl Message) -> anyhow::Result<Any> {
    let any = to_any(type_url, msg);
    SeedersMsg::decode(&any).map_err(|e| chain_error(&e))?;
    Ok(any)
}

/// `/weave.seeders.v1.MsgBondSeeder`: bond `amount` uweave as a seeder of the
/// contents with `roots`, served by the sidecar `peer_id` (its bytes, see
/// [`super::peer_id_bytes`]) at `addrs`.
pub fn bond_seeder(
    seeder: &Address,
    amount: u128,
    peer_id: Vec<u8>,
    addrs: Vec<String>,
    roots: Vec<Vec<u8>>,
) -> anyhow::Result<Any> {
    seeders_msg(
        MSG_BOND_SEEDER,
        &pb::MsgBondSeeder {
            seeder: seeder.to_string(),
            amount: amount.to_string(),
            peer_id,
            addrs,
            contents: roots,
        },
    )
}

/// What `MsgUpdateSeeder` changes; `None` (or empty) leaves a field as it is.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SeederUpdate {
    /// uweave to add to the bond.
    pub add_bond: Option<u128>,
    /// A new sidecar peer id (its bytes).
    pub peer_id: Option<Vec<u8>>,
    /// New sidecar addresses, replacing the current ones.
    pub addrs: Option<Vec<String>>,
    /// New committed contents (their roots), replacing the current ones; empty: as
    /// they are.
    pub roots: Vec<Vec<u8>>,
}

/// `/weave.seeders.v1.MsgUpdateSeeder`.
pub fn update_seeder(seeder: &Address, update: SeederUpdate) -> anyhow::Result<Any> {
    seeders_msg(
        MSG_UPDATE_SEEDER,
        &pb::MsgUpdateSeeder {
            seeder: seeder.to_string(),
            peer_id: update.peer_id.unwrap_or_default(),
            addrs: update.addrs.map(|addrs| pb::AddrList { addrs }),
            contents: (!update.roots.is_empty()).then_some(pb::ContentList {
                roots: update.roots,
            }),
            add_bond: update.add_bond.map(|b| b.to_string()).unwrap_or_default(),
        },
    )
}

/// `/weave.seeders.v1.MsgUnbondSeeder`: start unbonding.
pub fn unbond_seeder(seeder: &Address) -> anyhow::Result<Any> {
    seeders_msg(
        MSG_UNBOND_SEEDER,
        &pb::MsgUnbondSeeder {
            seeder: seeder.to_string(),
        },
    )
}

/// `/weave.seeders.v1.MsgUnjailSeeder`: leave jail once its term is over.
pub fn unjail_seeder(seeder: &Address) -> anyhow::Result<Any> {
    seeders_msg(
        MSG_UNJAIL_SEEDER,
        &pb::MsgUnjailSeeder {
            seeder: seeder.to_string(),
        },
    )
}

/// `/weave.seeders.v1.MsgReportBadSlice` of `reporter` against `seeder`.
pub fn report_bad_slice(reporter: &Address, seeder: &Address, e: &Evidence) -> anyhow::Result<Any> {
    seeders_msg(
        MSG_REPORT_BAD_SLICE,
        &pb::MsgReportBadSlice {
            reporter: reporter.to_string(),
            seeder: seeder.to_string(),
            content_root: e.content_root.clone(),
            slice_index: e.slice_index,
            ciphertext_hash: e.ciphertext_hash.clone(),
            proof: e.proof.clone(),
            signature: e.signature.clone(),
        },
    )
}
