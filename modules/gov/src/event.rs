//! Constructors for the gov module's typed events.

use weave_kernel::{Address, Event};
use weave_proto::weave::gov::v1 as pb;

pub(crate) fn submit_proposal(id: u64, proposer: &Address) -> Event {
    Event::new("weave.gov.v1.EventSubmitProposal")
        .attr("proposal_id", id)
        .attr("proposer", proposer)
}

pub(crate) fn deposit(id: u64, depositor: &Address, amount: u128) -> Event {
    Event::new("weave.gov.v1.EventDeposit")
        .attr("proposal_id", id)
        .attr("depositor", depositor)
        .attr("amount", amount)
}

pub(crate) fn voting_started(id: u64, end: i64) -> Event {
    Event::new("weave.gov.v1.EventVotingStarted")
        .attr("proposal_id", id)
        .attr("voting_end_time", end)
}

pub(crate) fn vote(id: u64, voter: &Address, options: &[pb::WeightedVoteOption]) -> Event {
    let opts: Vec<String> = options
        .iter()
        .map(|o| format!("{}:{}", o.option, o.weight_bps))
        .collect();
    Event::new("weave.gov.v1.EventVote")
        .attr("proposal_id", id)
        .attr("voter", voter)
        .attr("options", opts.join(","))
}

pub(crate) fn deposit_expired(id: u64, burned: u128) -> Event {
    Event::new("weave.gov.v1.EventDepositExpired")
        .attr("proposal_id", id)
        .attr("burned", burned)
}

pub(crate) fn proposal_finished(p: &pb::Proposal) -> Event {
    let status = pb::ProposalStatus::try_from(p.status)
        .map(|s| s.as_str_name())
        .unwrap_or("UNKNOWN");
    Event::new("weave.gov.v1.EventProposalFinished")
        .attr("proposal_id", p.id)
        .attr("status", status)
        .attr("failure_reason", &p.failure_reason)
}

pub(crate) fn community_pool_spend(recipient: &Address, amount: u128) -> Event {
    Event::new("weave.gov.v1.EventCommunityPoolSpend")
        .attr("recipient", recipient)
        .attr("amount", amount)
}

pub(crate) fn upgrade_plan(plan: &pb::UpgradePlan) -> Event {
    Event::new("weave.gov.v1.EventUpgradePlan")
        .attr("name", &plan.name)
        .attr("height", plan.height)
}

pub(crate) fn params_updated() -> Event {
    Event::new("weave.gov.v1.EventParamsUpdated")
}
