//! The gov module's messages, built from Rust values and checked as the chain's
//! CheckTx checks them without state. A proposal's `MsgSubmitProposal` is built by
//! [`super::Proposal::message`] from a proposal file.

use anyhow::anyhow;
use cosmos_sdk_proto::Any;
use weave_kernel::Address;
use weave_proto::weave::gov::v1 as pb;

use crate::builder::to_any;

/// A new proposal.
pub const EVENT_SUBMIT_PROPOSAL: &str = "weave.gov.v1.EventSubmitProposal";
/// A proposal's deposits reached the minimum: voting started.
pub const EVENT_VOTING_STARTED: &str = "weave.gov.v1.EventVotingStarted";

/// A gov message, checked as the chain's CheckTx would without state.
pub fn checked(type_url: &str, msg: &impl prost::Message) -> anyhow::Result<Any> {
    let any = to_any(type_url, msg);
    weave_gov::GovMsg::decode(&any).map_err(|e| anyhow!("{}", e.log))?;
    Ok(any)
}

/// `/weave.gov.v1.MsgDeposit`: add `amount` uweave to a proposal's deposits.
pub fn deposit(depositor: &Address, proposal_id: u64, amount: u128) -> anyhow::Result<Any> {
    checked(
        weave_gov::MSG_DEPOSIT,
        &pb::MsgDeposit {
            proposal_id,
            depositor: depositor.to_string(),
            amount: amount.to_string(),
        },
    )
}

/// `/weave.gov.v1.MsgVote`: the whole vote for one option.
pub fn vote(
    voter: &Address,
    proposal_id: u64,
    option: pb::VoteOption,
    metadata: String,
) -> anyhow::Result<Any> {
    checked(
        weave_gov::MSG_VOTE,
        &pb::MsgVote {
            proposal_id,
            voter: voter.to_string(),
            option: option as i32,
            metadata,
        },
    )
}

/// `/weave.gov.v1.MsgVoteWeighted`: the vote split over options (see
/// [`super::parse_weighted`]).
pub fn vote_weighted(
    voter: &Address,
    proposal_id: u64,
    options: Vec<pb::WeightedVoteOption>,
    metadata: String,
) -> anyhow::Result<Any> {
    checked(
        weave_gov::MSG_VOTE_WEIGHTED,
        &pb::MsgVoteWeighted {
            proposal_id,
            voter: voter.to_string(),
            options,
            metadata,
        },
    )
}
