//! Typed reads and writes of the gov module's state: the only place that turns its
//! bytes into types.

use weave_kernel::{decode_proto, Address, Ctx, ModuleError, Store, TxError};
use weave_proto::weave::gov::v1 as pb;

use crate::{state_key, GovError, Params};

/// The params; they are written at genesis, so their absence is corruption.
pub(crate) fn params(r: &mut impl Store) -> Result<Params, TxError> {
    let key = state_key::params();
    r.get_json::<GovError, _>(&key)?
        .ok_or_else(|| GovError::corrupt_state(&key))
}

pub(crate) fn set_params(ctx: &mut Ctx<'_>, p: &Params) -> Result<(), TxError> {
    let bytes = serde_json::to_vec(p).map_err(|e| GovError::CorruptState(e.to_string()))?;
    ctx.put(state_key::params(), bytes)
}

/// Governance changes the params through the kernel's one `MsgUpdateParams` path.
impl weave_kernel::ModuleParams for Params {
    type Error = GovError;

    fn store(&self, ctx: &mut Ctx<'_>) -> Result<(), TxError> {
        set_params(ctx, self)
    }

    fn updated_event(&self) -> weave_kernel::Event {
        crate::event::params_updated()
    }
}

/// Takes the next proposal id, starting at 1.
pub(crate) fn take_proposal_id(ctx: &mut Ctx<'_>) -> Result<u64, TxError> {
    ctx.next_sequence(state_key::next_proposal_id(), 1)
}

pub(crate) fn proposal(r: &mut impl Store, id: u64) -> Result<Option<pb::Proposal>, TxError> {
    r.get_proto::<GovError, _>(&state_key::proposal(id))
}

pub(crate) fn set_proposal(ctx: &mut Ctx<'_>, p: &pb::Proposal) -> Result<(), TxError> {
    ctx.put_proto(state_key::proposal(p.id), p)
}

pub(crate) fn delete_proposal(ctx: &mut Ctx<'_>, id: u64) -> Result<(), TxError> {
    ctx.delete(state_key::proposal(id))
}

pub(crate) fn deposit(
    r: &mut impl Store,
    id: u64,
    depositor: &Address,
) -> Result<Option<u128>, TxError> {
    r.get_u128::<GovError>(&state_key::deposit(id, depositor))
}

pub(crate) fn set_deposit(
    ctx: &mut Ctx<'_>,
    id: u64,
    depositor: &Address,
    amount: u128,
) -> Result<(), TxError> {
    ctx.put(
        state_key::deposit(id, depositor),
        amount.to_be_bytes().to_vec(),
    )
}

/// Every deposit on a proposal, deleting them as it reads: (depositor, amount).
pub(crate) fn take_deposits(ctx: &mut Ctx<'_>, id: u64) -> Result<Vec<(Address, u128)>, TxError> {
    let prefix = state_key::deposits_prefix(id);
    let end = weave_kernel::prefix_end(&prefix);
    let entries = ctx.range(&prefix, end.as_deref(), usize::MAX)?;
    let mut out = Vec::with_capacity(entries.len());
    for (k, v) in entries {
        let hex_addr = &k[prefix.len()..];
        let bytes = hex::decode(hex_addr).map_err(|_| GovError::corrupt_state(&k))?;
        let addr = Address::from_slice(&bytes).map_err(|_| GovError::corrupt_state(&k))?;
        let amount = u128::from_be_bytes(
            v.as_slice()
                .try_into()
                .map_err(|_| GovError::corrupt_state(&k))?,
        );
        ctx.delete(k)?;
        out.push((addr, amount));
    }
    Ok(out)
}

pub(crate) fn vote(
    r: &mut impl Store,
    id: u64,
    voter: &Address,
) -> Result<Option<pb::Vote>, TxError> {
    r.get_proto::<GovError, _>(&state_key::vote(id, voter))
}

pub(crate) fn set_vote(ctx: &mut Ctx<'_>, voter: &Address, v: &pb::Vote) -> Result<(), TxError> {
    ctx.put_proto(state_key::vote(v.proposal_id, voter), v)
}

/// Every vote on a proposal, in voter order: (voter, vote).
pub(crate) fn votes(ctx: &mut Ctx<'_>, id: u64) -> Result<Vec<(Address, pb::Vote)>, TxError> {
    let prefix = state_key::votes_prefix(id);
    let end = weave_kernel::prefix_end(&prefix);
    let entries = ctx.range(&prefix, end.as_deref(), usize::MAX)?;
    let mut out = Vec::with_capacity(entries.len());
    for (k, v) in entries {
        let bytes = hex::decode(&k[prefix.len()..]).map_err(|_| GovError::corrupt_state(&k))?;
        let addr = Address::from_slice(&bytes).map_err(|_| GovError::corrupt_state(&k))?;
        out.push((addr, decode_proto::<GovError, _>(&k, &v)?));
    }
    Ok(out)
}

/// The ids of up to `limit` proposals due in a queue at `now`, with their keys.
pub(crate) fn due(
    ctx: &mut Ctx<'_>,
    prefix: &[u8],
    now: i64,
    limit: usize,
) -> Result<Vec<(Vec<u8>, u64)>, TxError> {
    let end = state_key::queue_due_end(prefix, now);
    let entries = ctx.range(prefix, Some(&end), limit)?;
    let mut out = Vec::with_capacity(entries.len());
    for (k, _) in entries {
        let id = std::str::from_utf8(&k[prefix.len()..])
            .ok()
            .and_then(|s| s.rsplit('/').next())
            .and_then(|s| s.parse::<u64>().ok())
            .ok_or_else(|| GovError::corrupt_state(&k))?;
        out.push((k, id));
    }
    Ok(out)
}

pub(crate) fn upgrade_plan(r: &mut impl Store) -> Result<Option<pb::UpgradePlan>, TxError> {
    r.get_proto::<GovError, _>(&state_key::upgrade_plan())
}

pub(crate) fn set_upgrade_plan(
    ctx: &mut Ctx<'_>,
    plan: Option<&pb::UpgradePlan>,
) -> Result<(), TxError> {
    match plan {
        Some(p) => ctx.put_proto(state_key::upgrade_plan(), p),
        None => ctx.delete(state_key::upgrade_plan()),
    }
}
