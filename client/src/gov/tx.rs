//! The gov module's transaction flows: submit a proposal, deposit, vote. Each signs
//! and broadcasts with [`crate::tx::sign_and_submit`] and returns the transaction
//! ([`Submitted`], serializable as a [`crate::tx::TxSummary`]) with what its events
//! say. A flow returns `Ok` even when the chain refused the transaction: check
//! [`Submitted::outcome`].

use anyhow::Context;
use serde::Serialize;
use tonic::transport::Channel;
use weave_proto::weave::gov::v1 as pb;

use super::{msg, query::read_store_key, Proposal};
use crate::{
    keys::SigningKey,
    tx::{sign_and_submit, Submitted, TxPlan},
};

/// When voting on a proposal ends, if the transaction started it (its deposits
/// reached the minimum); in seconds since the epoch.
pub fn voting_end_time(tx: &Submitted) -> Option<i64> {
    tx.event_attribute(msg::EVENT_VOTING_STARTED, "voting_end_time")
        .and_then(|v| v.parse::<i64>().ok())
}

/// A submitted proposal.
#[derive(Debug, Clone, Serialize)]
pub struct ProposalSubmitted {
    /// The transaction.
    pub tx: Submitted,
    /// The new proposal's id, once the transaction is in a block.
    pub proposal_id: Option<u64>,
    /// When its voting ends, if its deposit started voting at once.
    pub voting_end_time: Option<i64>,
}

/// Submits `proposal` (read with [`Proposal::parse`]) with its initial deposit from
/// `key`. The values of its `pin_params` keys are read from the node now and become
/// preconditions. The plan waits for the block whatever it says, so that the
/// proposal's id is known.
pub async fn submit_proposal(
    channel: &Channel,
    plan: &TxPlan,
    key: &SigningKey,
    proposal: &Proposal,
) -> anyhow::Result<ProposalSubmitted> {
    let mut pinned = Vec::with_capacity(proposal.pinned_keys.len());
    for state_key in &proposal.pinned_keys {
        pinned.push(
            read_store_key(channel, state_key)
                .await
                .context("reading the values of pin_params")?,
        );
    }
    let message = proposal.message(&key.address(), &pinned)?;
    let plan = plan.clone().waiting();
    let tx = sign_and_submit(channel, &plan, key, vec![message]).await?;
    Ok(ProposalSubmitted {
        proposal_id: tx.event_number(msg::EVENT_SUBMIT_PROPOSAL, "proposal_id"),
        voting_end_time: voting_end_time(&tx),
        tx,
    })
}

/// A deposit.
#[derive(Debug, Clone, Serialize)]
pub struct Deposited {
    /// The transaction.
    pub tx: Submitted,
    /// When voting ends, if this deposit started it.
    pub voting_end_time: Option<i64>,
}

/// Deposits `amount` uweave on a proposal.
pub async fn deposit(
    channel: &Channel,
    plan: &TxPlan,
    key: &SigningKey,
    proposal_id: u64,
    amount: u128,
) -> anyhow::Result<Deposited> {
    let message = msg::deposit(&key.address(), proposal_id, amount)?;
    let tx = sign_and_submit(channel, plan, key, vec![message]).await?;
    Ok(Deposited {
        voting_end_time: voting_end_time(&tx),
        tx,
    })
}

/// Votes the whole of `key`'s stake for `option`.
pub async fn vote(
    channel: &Channel,
    plan: &TxPlan,
    key: &SigningKey,
    proposal_id: u64,
    option: pb::VoteOption,
    metadata: String,
) -> anyhow::Result<Submitted> {
    let message = msg::vote(&key.address(), proposal_id, option, metadata)?;
    sign_and_submit(channel, plan, key, vec![message]).await
}

/// Votes `key`'s stake split over `options` (weights summing to 10000 bps).
pub async fn vote_weighted(
    channel: &Channel,
    plan: &TxPlan,
    key: &SigningKey,
    proposal_id: u64,
    options: Vec<pb::WeightedVoteOption>,
    metadata: String,
) -> anyhow::Result<Submitted> {
    let message = msg::vote_weighted(&key.address(), proposal_id, options, metadata)?;
    sign_and_submit(channel, plan, key, vec![message]).await
}
