//! The seeders module's transaction flows: bond, update, unbond, unjail and report a
//! bad slice. Each signs and broadcasts with [`crate::tx::sign_and_submit`] and
//! returns the transaction ([`Submitted`], serializable as a
//! [`crate::tx::TxSummary`]) with what its events say. A flow returns `Ok` even when
//! the chain refused the transaction: check [`Submitted::outcome`].
//!
//! Bond and update can take the sidecar's peer id and addresses from this node's own
//! sidecar (`weave.sidecar.v1.Sidecar/Status`, authenticated with the token under the
//! node's home), so that the record is what the node actually serves.

use std::path::Path;

use anyhow::{anyhow, ensure, Context};
use serde::Serialize;
use tonic::transport::Channel;
use weave_kernel::Address;
use weave_proto::weave::{
    seeders::v1::{self as pb, query_client::QueryClient},
    sidecar::v1::{StatusRequest, StatusResponse},
};
use weave_seeders::MAX_ADDRS;

use super::{
    content_roots,
    evidence::{Accused, Evidence},
    msg::{self, chain_error, SeederUpdate},
    peer_id_bytes, peer_id_text, ContentRef,
};
use crate::{
    chain::status_error,
    keys::SigningKey,
    tx::{sign_and_submit, Submitted, TxPlan},
};

/// The sidecar of the node: its peer id, addresses and stored contents.
pub async fn own_sidecar(channel: &Channel, home: &Path) -> anyhow::Result<StatusResponse> {
    let status = crate::sidecar_auth::local_sidecar(channel.clone(), home)
        .status(StatusRequest {})
        .await
        .map_err(status_error)
        .context("asking the node's sidecar for its peer id and addresses (or pass --peer-id and --addr)")?
        .into_inner();
    ensure!(
        !status.peer_id.is_empty(),
        "the node's sidecar reported no peer id (pass --peer-id and --addr)"
    );
    Ok(status)
}

/// The sidecar addresses the chain can take: valid, each once, at most [`MAX_ADDRS`];
/// with a warning for each one left out.
pub fn chain_addrs(listen: &[String]) -> (Vec<String>, Vec<String>) {
    let mut addrs: Vec<String> = Vec::new();
    let mut warnings = Vec::new();
    for a in listen {
        if addrs.contains(a) {
            continue;
        }
        if weave_seeders::check_addrs(std::slice::from_ref(a)).is_err() {
            warnings.push(format!(
                "the sidecar address {a:?} is not one the chain takes; left out"
            ));
        } else if addrs.len() == MAX_ADDRS {
            warnings.push(format!(
                "the chain takes at most {MAX_ADDRS} addresses; {a} left out"
            ));
        } else {
            addrs.push(a.clone());
        }
    }
    (addrs, warnings)
}

/// Warnings for committed roots the sidecar does not hold in full: validators'
/// probes of them would fail.
pub fn missing_content(status: &StatusResponse, roots: &[Vec<u8>]) -> Vec<String> {
    roots
        .iter()
        .filter_map(|root| {
            let stored = status.contents.iter().find(|c| &c.root == root);
            let (present, total) = stored.map_or((0, 0), |c| (c.slices_present, c.slices_total));
            (stored.is_none() || present < total).then(|| {
                format!(
                    "this node's sidecar holds {present}/{total} slices of {}: validators' probes of it fail until it holds them all (`weaved content get` or `weaved content seed`)",
                    hex::encode(root)
                )
            })
        })
        .collect()
}

/// Checks a multiaddr list as the chain checks it.
pub fn check_addrs(addrs: &[String]) -> anyhow::Result<()> {
    weave_seeders::check_addrs(addrs).map_err(|e| chain_error(&e.into()))
}

/// A bond.
#[derive(Debug, Clone, Serialize)]
pub struct Bonded {
    /// The transaction.
    pub tx: Submitted,
    /// The seeder's address.
    pub seeder: String,
    /// The sidecar peer id registered, base58.
    pub peer_id: String,
    /// The sidecar addresses registered.
    pub addrs: Vec<String>,
    /// The roots of the committed contents, in hex.
    pub contents: Vec<String>,
    /// The seeder's bond now, in uweave, once the transaction is in a block.
    pub bond: Option<String>,
    /// What may keep validators' probes from succeeding (addresses left out, contents
    /// the sidecar does not hold in full).
    pub warnings: Vec<String>,
}

/// Bonds `amount` uweave from `key` as a seeder of `contents`. Without `peer_id`
/// (base58), the peer id, and the addresses unless `addrs` are given, are this
/// node's sidecar's (`home` holds its API token).
#[allow(clippy::too_many_arguments)]
pub async fn bond(
    channel: &Channel,
    plan: &TxPlan,
    key: &SigningKey,
    home: &Path,
    amount: u128,
    contents: &[ContentRef],
    peer_id: Option<String>,
    addrs: Vec<String>,
) -> anyhow::Result<Bonded> {
    check_addrs(&addrs)?;
    let roots = content_roots(channel, contents).await?;
    let mut warnings = Vec::new();
    let (peer, addrs) = match peer_id {
        Some(p) => (p, addrs),
        None => {
            let status = own_sidecar(channel, home).await?;
            warnings.extend(missing_content(&status, &roots));
            let addrs = if addrs.is_empty() {
                let (usable, left_out) = chain_addrs(&status.listen_addrs);
                warnings.extend(left_out);
                usable
            } else {
                addrs
            };
            (status.peer_id, addrs)
        }
    };
    let seeder = key.address();
    let message = msg::bond_seeder(
        &seeder,
        amount,
        peer_id_bytes(&peer)?,
        addrs.clone(),
        roots.clone(),
    )?;
    let tx = sign_and_submit(channel, plan, key, vec![message]).await?;
    Ok(Bonded {
        bond: tx.event_attribute(msg::EVENT_BONDED, "bond"),
        tx,
        seeder: seeder.to_string(),
        peer_id: peer,
        addrs,
        contents: roots.iter().map(hex::encode).collect(),
        warnings,
    })
}

/// What `update` changes.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SeederChanges {
    /// uweave to add to the bond.
    pub add_bond: Option<u128>,
    /// New committed contents, replacing the current ones (empty: as they are).
    pub contents: Vec<ContentRef>,
    /// A new sidecar peer id, base58.
    pub peer_id: Option<String>,
    /// New sidecar addresses (empty: as they are).
    pub addrs: Vec<String>,
    /// Take the peer id and addresses from this node's sidecar instead.
    pub from_sidecar: bool,
}

/// An update.
#[derive(Debug, Clone, Serialize)]
pub struct Updated {
    /// The transaction.
    pub tx: Submitted,
    /// The seeder's bond now, in uweave, once the transaction is in a block.
    pub bond: Option<String>,
    /// How many contents it now commits to, once the transaction is in a block.
    pub contents: Option<u64>,
    /// What may keep validators' probes from succeeding.
    pub warnings: Vec<String>,
}

/// Changes `key`'s seeder record (`home` holds the sidecar API token, used with
/// [`SeederChanges::from_sidecar`]).
pub async fn update(
    channel: &Channel,
    plan: &TxPlan,
    key: &SigningKey,
    home: &Path,
    changes: SeederChanges,
) -> anyhow::Result<Updated> {
    if !changes.addrs.is_empty() {
        check_addrs(&changes.addrs)?;
    }
    let roots = content_roots(channel, &changes.contents).await?;
    let mut warnings = Vec::new();
    let (peer_id, addrs) = if changes.from_sidecar {
        let status = own_sidecar(channel, home).await?;
        let (usable, left_out) = chain_addrs(&status.listen_addrs);
        warnings.extend(left_out);
        warnings.extend(missing_content(&status, &roots));
        (Some(status.peer_id), Some(usable))
    } else {
        (
            changes.peer_id,
            (!changes.addrs.is_empty()).then_some(changes.addrs),
        )
    };
    let message = msg::update_seeder(
        &key.address(),
        SeederUpdate {
            add_bond: changes.add_bond,
            peer_id: peer_id.as_deref().map(peer_id_bytes).transpose()?,
            addrs,
            roots,
        },
    )?;
    let tx = sign_and_submit(channel, plan, key, vec![message]).await?;
    Ok(Updated {
        bond: tx.event_attribute(msg::EVENT_UPDATED, "bond"),
        contents: tx.event_number(msg::EVENT_UPDATED, "contents"),
        tx,
        warnings,
    })
}

/// An unbonding.
#[derive(Debug, Clone, Serialize)]
pub struct Unbonding {
    /// The transaction.
    pub tx: Submitted,
    /// The height at which the bond returns, once the transaction is in a block.
    pub completes_height: Option<u64>,
}

/// Starts unbonding `key`'s seeder bond.
pub async fn unbond(
    channel: &Channel,
    plan: &TxPlan,
    key: &SigningKey,
) -> anyhow::Result<Unbonding> {
    let message = msg::unbond_seeder(&key.address())?;
    let tx = sign_and_submit(channel, plan, key, vec![message]).await?;
    Ok(Unbonding {
        completes_height: tx.event_number(msg::EVENT_UNBONDING, "completes_height"),
        tx,
    })
}

/// Takes `key`'s seeder out of jail.
pub async fn unjail(
    channel: &Channel,
    plan: &TxPlan,
    key: &SigningKey,
) -> anyhow::Result<Submitted> {
    let message = msg::unjail_seeder(&key.address())?;
    sign_and_submit(channel, plan, key, vec![message]).await
}

/// The seeder a report accuses, looking a peer id up on chain.
pub async fn accused_address(channel: &Channel, accused: &Accused) -> anyhow::Result<Address> {
    match accused {
        Accused::Address(a) => Ok(*a),
        Accused::Peer(peer) => {
            let text = peer_id_text(peer);
            let seeder = QueryClient::new(channel.clone())
                .seeder_by_peer(pb::QuerySeederByPeerRequest {
                    peer_id: peer.clone(),
                })
                .await
                .map_err(status_error)
                .with_context(|| format!("looking up the seeder with peer id {text}"))?
                .into_inner()
                .seeder
                .ok_or_else(|| anyhow!("no seeder has peer id {text}"))?;
            seeder.address.parse().map_err(|e| {
                anyhow!(
                    "the node returned the seeder address {:?}: {e}",
                    seeder.address
                )
            })
        }
    }
}

/// A report of a bad slice.
#[derive(Debug, Clone, Serialize)]
pub struct Reported {
    /// The transaction.
    pub tx: Submitted,
    /// The seeder reported.
    pub seeder: Address,
    /// What was slashed from its bond, in uweave, once in a block.
    #[serde(serialize_with = "crate::render::opt_u128_string")]
    pub slashed: Option<u128>,
    /// The reporter's reward, in uweave.
    #[serde(serialize_with = "crate::render::opt_u128_string")]
    pub reporter_reward: Option<u128>,
    /// What was burned, in uweave.
    #[serde(serialize_with = "crate::render::opt_u128_string")]
    pub burned: Option<u128>,
    /// The height the seeder is jailed until.
    pub jailed_until: Option<u64>,
}

/// Reports a bad slice (`evidence`) signed by the seeder it accuses (looked up by peer
/// id if need be).
pub async fn report(
    channel: &Channel,
    plan: &TxPlan,
    key: &SigningKey,
    evidence: &Evidence,
) -> anyhow::Result<Reported> {
    let seeder = accused_address(channel, &evidence.accused).await?;
    let message = msg::report_bad_slice(&key.address(), &seeder, evidence)?;
    let tx = sign_and_submit(channel, plan, key, vec![message]).await?;
    let amount = |k: &str| {
        tx.event_attribute(msg::EVENT_SLASHED, k)
            .and_then(|v| v.parse::<u128>().ok())
    };
    Ok(Reported {
        seeder,
        slashed: amount("amount"),
        reporter_reward: amount("reporter_reward"),
        burned: amount("burned"),
        jailed_until: tx.event_number(msg::EVENT_JAILED, "jailed_until"),
        tx,
    })
}
