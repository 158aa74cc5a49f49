//! Constructors for the gov module's typed events.

use weave_kernel::{Address, Event};
use weave_proto::weave::gov::v1 as pb;

/// The type strings of the module's events: the full names of the messages of
/// `weave/gov/v1/event.proto`. Clients match events by these.
pub mod types {
    /// `EventSubmitProposal`.
    pub const SUBMIT_PROPOSAL: &str = "weave.gov.v1.EventSubmitProposal";
    /// `EventDeposit`.
    pub const DEPOSIT: &str = "weave.gov.v1.EventDeposit";
    /// `EventVotingStarted`.
    pub const VOTING_STARTED: &str = "weave.gov.v1.EventVotingStarted";
    /// `EventVote`.
    pub const VOTE: &str = "weave.gov.v1.EventVote";
    /// `EventDepositExpired`.
    pub const DEPOSIT_EXPIRED: &str = "weave.gov.v1.EventDepositExpired";
    /// `EventProposalFinished`.
    pub const PROPOSAL_FINISHED: &str = "weave.gov.v1.EventProposalFinished";
    /// `EventCommunityPoolSpend`.
    pub const COMMUNITY_POOL_SPEND: &str = "weave.gov.v1.EventCommunityPoolSpend";
    /// `EventUpgradePlan`.
    pub const UPGRADE_PLAN: &str = "weave.gov.v1.EventUpgradePlan";
    /// `EventParamsUpdated`.
    pub const PARAMS_UPDATED: &str = "weave.gov.v1.EventParamsUpdated";
}

pub(crate) fn submit_proposal(id: u64, proposer: &Address) -> Event {
    Event::new(types::SUBMIT_PROPOSAL)
        .attr("proposal_id", id)
        .attr("proposer", proposer)
}

pub(crate) fn deposit(id: u64, depositor: &Address, amount: u128) -> Event {
    Event::new(types::DEPOSIT)
        .attr("proposal_id", id)
        .attr("depositor", depositor)
        .attr("amount", amount)
}

pub(crate) fn voting_started(id: u64, end: i64) -> Event {
    Event::new(types::VOTING_STARTED)
        .attr("proposal_id", id)
        .attr("voting_end_time", end)
}

pub(crate) fn vote(id: u64, voter: &Address, options: &[pb::WeightedVoteOption]) -> Event {
    let opts: Vec<String> = options
        .iter()
        .map(|o| format!("{}:{}", o.option, o.weight_bps))
        .collect();
    Event::new(types::VOTE)
        .attr("proposal_id", id)
        .attr("voter", voter)
        .attr("options", opts.join(","))
}

pub(crate) fn deposit_expired(id: u64, burned: u128) -> Event {
    Event::new(types::DEPOSIT_EXPIRED)
        .attr("proposal_id", id)
        .attr("burned", burned)
}

pub(crate) fn proposal_finished(p: &pb::Proposal) -> Event {
    let status = pb::ProposalStatus::try_from(p.status)
        .map(|s| s.as_str_name())
        .unwrap_or("UNKNOWN");
    Event::new(types::PROPOSAL_FINISHED)
        .attr("proposal_id", p.id)
        .attr("status", status)
        .attr("failure_reason", &p.failure_reason)
}

pub(crate) fn community_pool_spend(recipient: &Address, amount: u128) -> Event {
    Event::new(types::COMMUNITY_POOL_SPEND)
        .attr("recipient", recipient)
        .attr("amount", amount)
}

pub(crate) fn upgrade_plan(plan: &pb::UpgradePlan) -> Event {
    Event::new(types::UPGRADE_PLAN)
        .attr("name", &plan.name)
        .attr("height", plan.height)
}

pub(crate) fn params_updated() -> Event {
    Event::new(types::PARAMS_UPDATED)
}
