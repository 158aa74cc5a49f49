//! The gov module's messages, decoded from their `Any`s and shape-checked.

use weave_kernel::{decode_any, parse_amount, Address, Any, KernelError, TxError};
use weave_proto::weave::gov::v1 as pb;

use crate::GovError;

/// `MsgSubmitProposal`'s type URL.
pub const MSG_SUBMIT_PROPOSAL: &str = "/weave.gov.v1.MsgSubmitProposal";
/// `MsgDeposit`'s type URL.
pub const MSG_DEPOSIT: &str = "/weave.gov.v1.MsgDeposit";
/// `MsgVote`'s type URL.
pub const MSG_VOTE: &str = "/weave.gov.v1.MsgVote";
/// `MsgVoteWeighted`'s type URL.
pub const MSG_VOTE_WEIGHTED: &str = "/weave.gov.v1.MsgVoteWeighted";
/// `MsgCommunityPoolSpend`'s type URL.
pub const MSG_COMMUNITY_POOL_SPEND: &str = "/weave.gov.v1.MsgCommunityPoolSpend";
/// `MsgSoftwareUpgrade`'s type URL.
pub const MSG_SOFTWARE_UPGRADE: &str = "/weave.gov.v1.MsgSoftwareUpgrade";
/// `MsgUpdateParams`'s type URL.
pub const MSG_UPDATE_PARAMS: &str = "/weave.gov.v1.MsgUpdateParams";

/// Every message type the module handles.
pub const MESSAGE_TYPES: &[&str] = &[
    MSG_SUBMIT_PROPOSAL,
    MSG_DEPOSIT,
    MSG_VOTE,
    MSG_VOTE_WEIGHTED,
    MSG_COMMUNITY_POOL_SPEND,
    MSG_SOFTWARE_UPGRADE,
    MSG_UPDATE_PARAMS,
];

/// Longest title, in bytes.
pub const MAX_TITLE: usize = 140;
/// Longest summary, in bytes.
pub const MAX_SUMMARY: usize = 10_000;
/// Longest metadata, in bytes.
pub const MAX_METADATA: usize = 255;
/// Most preconditions per proposal.
pub const MAX_PRECONDITIONS: usize = 16;
/// Longest precondition key or expected value, in bytes.
pub const MAX_PRECONDITION_LEN: usize = 4_096;

/// A decoded gov message.
#[derive(Debug, Clone, PartialEq)]
pub enum GovMsg {
    /// Submit a proposal.
    SubmitProposal {
        /// The proposer, who pays the initial deposit.
        proposer: Address,
        /// The wire message, shape-checked.
        msg: pb::MsgSubmitProposal,
        /// The initial deposit.
        initial_deposit: u128,
    },
    /// Add to a deposit.
    Deposit {
        /// The proposal.
        proposal_id: u64,
        /// Who pays.
        depositor: Address,
        /// uweave.
        amount: u128,
    },
    /// Vote, split over options (a plain vote is one option at 10000 bps).
    Vote {
        /// The proposal.
        proposal_id: u64,
        /// The voter.
        voter: Address,
        /// (option, weight bps), summing to 10000.
        options: Vec<pb::WeightedVoteOption>,
    },
    /// Pay from the community pool.
    CommunityPoolSpend {
        /// The signer; must be the gov authority.
        authority: Address,
        /// The payee.
        recipient: Address,
        /// uweave.
        amount: u128,
    },
    /// Schedule or cancel an upgrade.
    SoftwareUpgrade {
        /// The signer; must be the gov authority.
        authority: Address,
        /// The plan.
        plan: pb::UpgradePlan,
    },
    /// Replace the params.
    UpdateParams {
        /// The signer; must be the gov authority.
        authority: Address,
        /// The new params, validated.
        params: crate::Params,
    },
}

fn address(s: &str, field: &str) -> Result<Address, TxError> {
    s.parse()
        .map_err(|e| KernelError::InvalidAddress(format!("{field}: {e}")).into())
}

fn positive(s: &str, field: &str) -> Result<u128, TxError> {
    match parse_amount(s) {
        Ok(0) => Err(GovError::InvalidAmount(format!("{field} must be positive")).into()),
        Ok(v) => Ok(v),
        Err(e) => Err(GovError::InvalidAmount(format!("{field}: {e}")).into()),
    }
}

/// Checks a set of weighted options: known options, no repeats, positive weights
/// summing to exactly 10000.
pub fn check_options(options: &[pb::WeightedVoteOption]) -> Result<(), GovError> {
    if options.is_empty() || options.len() > 4 {
        return Err(GovError::InvalidVote("between 1 and 4 options".into()));
    }
    let mut seen = [false; 5];
    let mut sum: u32 = 0;
    for o in options {
        let idx = match pb::VoteOption::try_from(o.option) {
            Ok(pb::VoteOption::Unspecified) | Err(_) => {
                return Err(GovError::InvalidVote(format!(
                    "unknown option {}",
                    o.option
                )))
            }
            Ok(v) => v as usize,
        };
        if seen[idx] {
            return Err(GovError::InvalidVote("an option appears twice".into()));
        }
        seen[idx] = true;
        if o.weight_bps == 0 {
            return Err(GovError::InvalidVote("a weight is zero".into()));
        }
        sum = sum.saturating_add(o.weight_bps);
    }
    if sum != 10_000 {
        return Err(GovError::InvalidVote(format!(
            "weights sum to {sum} bps, not 10000"
        )));
    }
    Ok(())
}

impl GovMsg {
    /// Decodes and shape-checks a message.
    pub fn decode(any: &Any) -> Result<Self, TxError> {
        match any.type_url.as_str() {
            MSG_SUBMIT_PROPOSAL => {
                let m: pb::MsgSubmitProposal = decode_any(any)?;
                let proposer = address(&m.proposer, "proposer")?;
                let initial_deposit = parse_amount(&m.initial_deposit)
                    .map_err(|e| GovError::InvalidAmount(format!("initial_deposit: {e}")))?;
                let bad = |s: &str| Err(GovError::InvalidProposal(s.into()).into());
                if m.messages.is_empty() {
                    return bad("a proposal must carry at least one message");
                }
                if m.title.trim().is_empty() || m.title.len() > MAX_TITLE {
                    return bad("title must be 1..=140 bytes");
                }
                if m.summary.len() > MAX_SUMMARY {
                    return bad("summary is too long");
                }
                if m.metadata.len() > MAX_METADATA {
                    return bad("metadata is too long");
                }
                if m.preconditions.len() > MAX_PRECONDITIONS {
                    return bad("too many preconditions");
                }
                if m.preconditions.iter().any(|p| {
                    p.key.is_empty()
                        || p.key.len() > MAX_PRECONDITION_LEN
                        || p.expected.len() > MAX_PRECONDITION_LEN
                }) {
                    return bad("a precondition key is empty or too long");
                }
                Ok(Self::SubmitProposal {
                    proposer,
                    msg: m,
                    initial_deposit,
                })
            }
            MSG_DEPOSIT => {
                let m: pb::MsgDeposit = decode_any(any)?;
                Ok(Self::Deposit {
                    proposal_id: m.proposal_id,
                    depositor: address(&m.depositor, "depositor")?,
                    amount: positive(&m.amount, "amount")?,
                })
            }
            MSG_VOTE => {
                let m: pb::MsgVote = decode_any(any)?;
                let options = vec![pb::WeightedVoteOption {
                    option: m.option,
                    weight_bps: 10_000,
                }];
                check_options(&options)?;
                Ok(Self::Vote {
                    proposal_id: m.proposal_id,
                    voter: address(&m.voter, "voter")?,
                    options,
                })
            }
            MSG_VOTE_WEIGHTED => {
                let m: pb::MsgVoteWeighted = decode_any(any)?;
                check_options(&m.options)?;
                let mut options = m.options;
                options.sort_by_key(|o| o.option);
                Ok(Self::Vote {
                    proposal_id: m.proposal_id,
                    voter: address(&m.voter, "voter")?,
                    options,
                })
            }
            MSG_COMMUNITY_POOL_SPEND => {
                let m: pb::MsgCommunityPoolSpend = decode_any(any)?;
                Ok(Self::CommunityPoolSpend {
                    authority: address(&m.authority, "authority")?,
                    recipient: address(&m.recipient, "recipient")?,
                    amount: positive(&m.amount, "amount")?,
                })
            }
            MSG_SOFTWARE_UPGRADE => {
                let m: pb::MsgSoftwareUpgrade = decode_any(any)?;
                let plan = m
                    .plan
                    .ok_or_else(|| GovError::InvalidUpgrade("missing plan".into()))?;
                if plan.name.len() > MAX_TITLE || plan.info.len() > MAX_SUMMARY {
                    return Err(GovError::InvalidUpgrade("name or info too long".into()).into());
                }
                if plan.name.is_empty() != (plan.height == 0) {
                    return Err(GovError::InvalidUpgrade(
                        "a plan has both a name and a height (or neither, to cancel)".into(),
                    )
                    .into());
                }
                Ok(Self::SoftwareUpgrade {
                    authority: address(&m.authority, "authority")?,
                    plan,
                })
            }
            MSG_UPDATE_PARAMS => {
                let m: pb::MsgUpdateParams = decode_any(any)?;
                let p = m
                    .params
                    .ok_or_else(|| GovError::InvalidParams("missing params".into()))?;
                let params = crate::Params::from_proto(&p)?;
                params.validate()?;
                Ok(Self::UpdateParams {
                    authority: address(&m.authority, "authority")?,
                    params,
                })
            }
            other => Err(KernelError::UnknownMessage(other.to_string()).into()),
        }
    }

    /// The addresses that must sign.
    pub fn signers(&self) -> Vec<Address> {
        let a = match self {
            Self::SubmitProposal { proposer, .. } => proposer,
            Self::Deposit { depositor, .. } => depositor,
            Self::Vote { voter, .. } => voter,
            Self::CommunityPoolSpend { authority, .. }
            | Self::SoftwareUpgrade { authority, .. }
            | Self::UpdateParams { authority, .. } => authority,
        };
        vec![*a]
    }
}

impl weave_kernel::ModuleMsg for GovMsg {
    fn decode(any: &Any) -> Result<Self, TxError> {
        GovMsg::decode(any)
    }

    fn signers(&self) -> Vec<Address> {
        GovMsg::signers(self)
    }
}
