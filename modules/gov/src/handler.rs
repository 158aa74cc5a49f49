//! One function per message, plus the end-block work: deposit periods that expire,
//! voting periods that end, tally, execution, refunds and burns.

use weave_kernel::{community_pool, gov_authority, Address, Any, Coin, Coins, Ctx, TxError};
use weave_proto::weave::gov::v1 as pb;

use crate::{
    event, keeper,
    msg::GovMsg,
    state_key,
    tally::{self, Ballot, Outcome},
    Deps, GovError, Params,
};

fn coins(amount: u128) -> Coins {
    // A single base-denomination coin is always a valid set.
    Coins::new(vec![Coin::base(amount)]).unwrap_or_default()
}

fn amount_of(s: &str) -> Result<u128, TxError> {
    weave_kernel::parse_amount(s)
        .map_err(|_| GovError::CorruptState(format!("stored amount {s:?}")).into())
}

fn require_authority(authority: &Address) -> Result<(), TxError> {
    weave_kernel::require_gov_authority::<GovError>(authority)
}

/// Dispatches a decoded message.
pub(crate) fn handle(deps: &Deps, ctx: &mut Ctx<'_>, msg: GovMsg) -> Result<(), TxError> {
    match msg {
        GovMsg::SubmitProposal {
            proposer,
            msg,
            initial_deposit,
        } => submit_proposal(deps, ctx, proposer, msg, initial_deposit).map(|_| ()),
        GovMsg::Deposit {
            proposal_id,
            depositor,
            amount,
        } => deposit(deps, ctx, proposal_id, depositor, amount),
        GovMsg::Vote {
            proposal_id,
            voter,
            options,
        } => vote(deps, ctx, proposal_id, voter, options),
        GovMsg::CommunityPoolSpend {
            authority,
            recipient,
            amount,
        } => {
            require_authority(&authority)?;
            deps.bank
                .transfer(ctx, &community_pool(), &recipient, &coins(amount))?;
            ctx.emit(event::community_pool_spend(&recipient, amount));
            Ok(())
        }
        GovMsg::SoftwareUpgrade { authority, plan } => {
            require_authority(&authority)?;
            if plan.name.is_empty() {
                keeper::set_upgrade_plan(ctx, None)?;
            } else {
                if plan.height <= ctx.block.height {
                    return Err(GovError::InvalidUpgrade(format!(
                        "height {} is not after the current height {}",
                        plan.height, ctx.block.height
                    ))
                    .into());
                }
                keeper::set_upgrade_plan(ctx, Some(&plan))?;
            }
            ctx.emit(event::upgrade_plan(&plan));
            Ok(())
        }
        GovMsg::UpdateParams { authority, params } => {
            weave_kernel::update_params(ctx, &authority, &params)
        }
    }
}

/// Escrows a deposit and records it.
fn add_deposit(
    deps: &Deps,
    ctx: &mut Ctx<'_>,
    p: &mut pb::Proposal,
    depositor: &Address,
    amount: u128,
) -> Result<(), TxError> {
    if amount == 0 {
        return Ok(());
    }
    deps.bank
        .transfer(ctx, depositor, &gov_authority(), &coins(amount))?;
    let before = keeper::deposit(ctx, p.id, depositor)?.unwrap_or(0);
    let after = before
        .checked_add(amount)
        .ok_or_else(|| GovError::Overflow("deposit".into()))?;
    keeper::set_deposit(ctx, p.id, depositor, after)?;
    let total = amount_of(&p.total_deposit)?
        .checked_add(amount)
        .ok_or_else(|| GovError::Overflow("total deposit".into()))?;
    p.total_deposit = total.to_string();
    ctx.emit(event::deposit(p.id, depositor, amount));
    Ok(())
}

/// Moves a proposal in its deposit period to voting if its deposit reached the minimum.
fn maybe_activate(ctx: &mut Ctx<'_>, params: &Params, p: &mut pb::Proposal) -> Result<(), TxError> {
    let min = if p.expedited {
        params.expedited_min_deposit
    } else {
        params.min_deposit
    };
    if p.status != pb::ProposalStatus::DepositPeriod as i32 || amount_of(&p.total_deposit)? < min {
        return Ok(());
    }
    ctx.delete(state_key::queue_entry(
        &state_key::deposit_queue_prefix(),
        p.deposit_end_time,
        p.id,
    ))?;
    let now = ctx.block.time_seconds;
    let period = if p.expedited {
        params.expedited_voting_period
    } else {
        params.voting_period
    };
    p.status = pb::ProposalStatus::VotingPeriod as i32;
    p.voting_start_time = now;
    p.voting_end_time = now.saturating_add(period);
    ctx.put(
        state_key::queue_entry(&state_key::voting_queue_prefix(), p.voting_end_time, p.id),
        Vec::new(),
    )?;
    ctx.emit(event::voting_started(p.id, p.voting_end_time));
    Ok(())
}

/// Submits a proposal and returns its id.
pub(crate) fn submit_proposal(
    deps: &Deps,
    ctx: &mut Ctx<'_>,
    proposer: Address,
    msg: pb::MsgSubmitProposal,
    initial_deposit: u128,
) -> Result<u64, TxError> {
    let params = keeper::params(ctx)?;
    if msg.messages.len() > params.max_messages as usize {
        return Err(GovError::InvalidProposal(format!(
            "{} messages, at most {}",
            msg.messages.len(),
            params.max_messages
        ))
        .into());
    }
    for m in &msg.messages {
        if !deps.router.can_execute(&m.type_url) {
            return Err(GovError::UnexecutableMessage(m.type_url.clone()).into());
        }
    }
    let min = params.min_initial_deposit(msg.expedited);
    if initial_deposit < min || initial_deposit == 0 {
        return Err(GovError::DepositBelowMin {
            offered: initial_deposit,
            min: min.max(1),
        }
        .into());
    }
    let id = keeper::take_proposal_id(ctx)?;
    let now = ctx.block.time_seconds;
    let mut p = pb::Proposal {
        id,
        messages: msg.messages,
        title: msg.title,
        summary: msg.summary,
        metadata: msg.metadata,
        proposer: proposer.to_string(),
        expedited: msg.expedited,
        status: pb::ProposalStatus::DepositPeriod as i32,
        total_deposit: "0".into(),
        submit_time: now,
        deposit_end_time: now.saturating_add(params.max_deposit_period),
        voting_start_time: 0,
        voting_end_time: 0,
        final_tally: None,
        failure_reason: String::new(),
        preconditions: msg.preconditions,
    };
    ctx.put(
        state_key::queue_entry(&state_key::deposit_queue_prefix(), p.deposit_end_time, id),
        Vec::new(),
    )?;
    ctx.emit(event::submit_proposal(id, &proposer));
    add_deposit(deps, ctx, &mut p, &proposer, initial_deposit)?;
    maybe_activate(ctx, &params, &mut p)?;
    keeper::set_proposal(ctx, &p)?;
    Ok(id)
}

fn deposit(
    deps: &Deps,
    ctx: &mut Ctx<'_>,
    id: u64,
    depositor: Address,
    amount: u128,
) -> Result<(), TxError> {
    let params = keeper::params(ctx)?;
    let mut p = keeper::proposal(ctx, id)?.ok_or(GovError::UnknownProposal(id))?;
    let open = p.status == pb::ProposalStatus::DepositPeriod as i32
        || (p.status == pb::ProposalStatus::VotingPeriod as i32
            && ctx.block.time_seconds < p.voting_end_time);
    if !open {
        return Err(GovError::NotInDepositPeriod(id).into());
    }
    add_deposit(deps, ctx, &mut p, &depositor, amount)?;
    maybe_activate(ctx, &params, &mut p)?;
    keeper::set_proposal(ctx, &p)
}

fn vote(
    deps: &Deps,
    ctx: &mut Ctx<'_>,
    id: u64,
    voter: Address,
    options: Vec<pb::WeightedVoteOption>,
) -> Result<(), TxError> {
    let p = keeper::proposal(ctx, id)?.ok_or(GovError::UnknownProposal(id))?;
    if p.status != pb::ProposalStatus::VotingPeriod as i32
        || ctx.block.time_seconds >= p.voting_end_time
    {
        return Err(GovError::NotInVotingPeriod(id).into());
    }
    if deps.staking.delegations_of(ctx, &voter)?.is_empty() {
        return Err(GovError::NoStake(voter.to_string()).into());
    }
    let v = pb::Vote {
        proposal_id: id,
        voter: voter.to_string(),
        options,
    };
    keeper::set_vote(ctx, &voter, &v)?;
    ctx.emit(event::vote(id, &voter, &v.options));
    Ok(())
}

/// Counts a proposal's votes against the current bonded stake.
pub(crate) fn tally_proposal(
    deps: &Deps,
    ctx: &mut Ctx<'_>,
    id: u64,
) -> Result<tally::Tally, TxError> {
    let validators = deps.staking.bonded_validators(ctx)?;
    let mut ballots = Vec::new();
    for (voter, v) in keeper::votes(ctx, id)? {
        let delegations = deps.staking.delegations_of(ctx, &voter)?;
        ballots.push(Ballot {
            voter,
            options: v.options,
            delegations,
        });
    }
    Ok(tally::count(&validators, &ballots)?)
}

/// Returns every deposit on a proposal to its depositor.
fn refund(deps: &Deps, ctx: &mut Ctx<'_>, id: u64) -> Result<(), TxError> {
    for (depositor, amount) in keeper::take_deposits(ctx, id)? {
        deps.bank
            .transfer(ctx, &gov_authority(), &depositor, &coins(amount))?;
    }
    Ok(())
}

/// Burns every deposit on a proposal.
fn burn(deps: &Deps, ctx: &mut Ctx<'_>, id: u64) -> Result<u128, TxError> {
    let mut total: u128 = 0;
    for (_, amount) in keeper::take_deposits(ctx, id)? {
        total = total
            .checked_add(amount)
            .ok_or_else(|| GovError::Overflow("burn".into()))?;
    }
    if total > 0 {
        deps.bank.burn(ctx, &gov_authority(), &coins(total))?;
    }
    Ok(total)
}

/// Checks the preconditions, then runs every message with the gov authority, all or
/// nothing, within `max_gas`.
fn execute(deps: &Deps, ctx: &mut Ctx<'_>, p: &pb::Proposal, max_gas: u64) -> Result<(), TxError> {
    ctx.atomically(|ctx| {
        let start = ctx.gas_used();
        for (i, c) in p.preconditions.iter().enumerate() {
            let current = ctx.get(&c.key)?.unwrap_or_default();
            if current != c.expected {
                return Err(GovError::PreconditionFailed(format!(
                    "precondition {i}: key {} no longer holds the expected value",
                    String::from_utf8_lossy(&c.key)
                ))
                .into());
            }
        }
        for m in &p.messages {
            let any = Any {
                type_url: m.type_url.clone(),
                value: m.value.clone(),
            };
            deps.router.execute(ctx, &any)?;
            let used = ctx.gas_used().saturating_sub(start);
            if used > max_gas {
                return Err(GovError::ExecutionOutOfGas { used, max: max_gas }.into());
            }
        }
        Ok(())
    })
}

/// End-block work: at most `max_ended_per_block` expired deposit periods and as many
/// ended voting periods.
pub(crate) fn end_block(deps: &Deps, ctx: &mut Ctx<'_>) -> Result<(), TxError> {
    let params = keeper::params(ctx)?;
    let now = ctx.block.time_seconds;
    let limit = params.max_ended_per_block as usize;

    for (key, id) in keeper::due(ctx, &state_key::deposit_queue_prefix(), now, limit)? {
        ctx.delete(key)?;
        let Some(p) = keeper::proposal(ctx, id)? else {
            continue;
        };
        if p.status != pb::ProposalStatus::DepositPeriod as i32 {
            continue;
        }
        let burned = burn(deps, ctx, id)?;
        keeper::delete_proposal(ctx, id)?;
        ctx.emit(event::deposit_expired(id, burned));
    }

    for (key, id) in keeper::due(ctx, &state_key::voting_queue_prefix(), now, limit)? {
        ctx.delete(key)?;
        let Some(mut p) = keeper::proposal(ctx, id)? else {
            continue;
        };
        if p.status != pb::ProposalStatus::VotingPeriod as i32 {
            continue;
        }
        let t = tally_proposal(deps, ctx, id)?;
        let total_bonded = deps.staking.total_bonded(ctx)?;
        let outcome = tally::decide(&params, p.expedited, &t, total_bonded);
        if p.expedited && outcome == Outcome::Rejected {
            // As in the Cosmos SDK: an expedited proposal that does not pass becomes a
            // regular one, voting on until the regular period ends, votes kept.
            p.expedited = false;
            p.voting_end_time = p.voting_start_time.saturating_add(params.voting_period);
            ctx.put(
                state_key::queue_entry(&state_key::voting_queue_prefix(), p.voting_end_time, id),
                Vec::new(),
            )?;
            keeper::set_proposal(ctx, &p)?;
            ctx.emit(event::voting_started(id, p.voting_end_time));
            continue;
        }
        p.final_tally = Some(t.to_proto());
        match outcome {
            Outcome::Passed => {
                refund(deps, ctx, id)?;
                match execute(deps, ctx, &p, params.max_execution_gas) {
                    Ok(()) => p.status = pb::ProposalStatus::Passed as i32,
                    Err(e) => {
                        p.status = pb::ProposalStatus::Failed as i32;
                        p.failure_reason = e.to_string();
                    }
                }
            }
            Outcome::Rejected => {
                refund(deps, ctx, id)?;
                p.status = pb::ProposalStatus::Rejected as i32;
            }
            Outcome::Vetoed => {
                burn(deps, ctx, id)?;
                p.status = pb::ProposalStatus::Vetoed as i32;
            }
        }
        keeper::set_proposal(ctx, &p)?;
        ctx.emit(event::proposal_finished(&p));
    }
    Ok(())
}
