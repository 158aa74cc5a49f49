//! Constructors for the gov module's typed events.

use weave_kernel::{Address, Event};
use weave_proto::weave::gov::v1 as ev;
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
    Event::from_proto(&ev::EventSubmitProposal {
        proposal_id: id,
        proposer: proposer.to_string(),
    })
}

pub(crate) fn deposit(id: u64, depositor: &Address, amount: u128) -> Event {
    Event::from_proto(&ev::EventDeposit {
        proposal_id: id,
        depositor: depositor.to_string(),
        amount: amount.to_string(),
    })
}

pub(crate) fn voting_started(id: u64, end: i64) -> Event {
    Event::from_proto(&ev::EventVotingStarted {
        proposal_id: id,
        voting_end_time: end,
    })
}

pub(crate) fn vote(id: u64, voter: &Address, options: &[pb::WeightedVoteOption]) -> Event {
    let opts: Vec<String> = options
        .iter()
        .map(|o| format!("{}:{}", o.option, o.weight_bps))
        .collect();
    Event::from_proto(&ev::EventVote {
        proposal_id: id,
        voter: voter.to_string(),
        options: opts.join(","),
    })
}

pub(crate) fn deposit_expired(id: u64, burned: u128) -> Event {
    Event::from_proto(&ev::EventDepositExpired {
        proposal_id: id,
        burned: burned.to_string(),
    })
}

pub(crate) fn proposal_finished(p: &pb::Proposal) -> Event {
    // The status shows by its enum value's name (`UNKNOWN` for a number it lacks).
    Event::from_proto(&ev::EventProposalFinished {
        proposal_id: p.id,
        status: p.status,
        failure_reason: p.failure_reason.clone(),
    })
}

pub(crate) fn community_pool_spend(recipient: &Address, amount: u128) -> Event {
    Event::from_proto(&ev::EventCommunityPoolSpend {
        recipient: recipient.to_string(),
        amount: amount.to_string(),
    })
}

pub(crate) fn upgrade_plan(plan: &pb::UpgradePlan) -> Event {
    Event::from_proto(&ev::EventUpgradePlan {
        name: plan.name.to_string(),
        height: plan.height,
    })
}

pub(crate) fn params_updated() -> Event {
    Event::from_proto(&ev::EventParamsUpdated {})
}

#[cfg(test)]
mod tests {
    use prost::Name;

    use super::*;

    /// The type strings clients match are the full names of the proto events.
    #[test]
    fn event_types_are_the_proto_full_names() {
        assert_eq!(types::SUBMIT_PROPOSAL, ev::EventSubmitProposal::full_name());
        assert_eq!(types::DEPOSIT, ev::EventDeposit::full_name());
        assert_eq!(types::VOTING_STARTED, ev::EventVotingStarted::full_name());
        assert_eq!(types::VOTE, ev::EventVote::full_name());
        assert_eq!(types::DEPOSIT_EXPIRED, ev::EventDepositExpired::full_name());
        assert_eq!(
            types::PROPOSAL_FINISHED,
            ev::EventProposalFinished::full_name()
        );
        assert_eq!(
            types::COMMUNITY_POOL_SPEND,
            ev::EventCommunityPoolSpend::full_name()
        );
        assert_eq!(types::UPGRADE_PLAN, ev::EventUpgradePlan::full_name());
        assert_eq!(types::PARAMS_UPDATED, ev::EventParamsUpdated::full_name());
    }
}
