//! Typed reads and writes of the gov module's state: the only place that turns its
//! bytes into types.

use prost::Message;
use weave_kernel::{Address, Ctx, StateRead, TxError};
use weave_proto::weave::gov::v1 as pb;

use crate::{state_key, GovError, Params};

/// Read access, from a transaction's context or from committed state (queries).
pub(crate) trait Reader {
    fn read(&mut self, key: &[u8]) -> Result<Option<Vec<u8>>, TxError>;
}

impl Reader for Ctx<'_> {
    fn read(&mut self, key: &[u8]) -> Result<Option<Vec<u8>>, TxError> {
        self.get(key)
    }
}

/// Committed state, as queries see it.
pub(crate) struct View<'a>(pub(crate) &'a dyn StateRead);

impl Reader for View<'_> {
    fn read(&mut self, key: &[u8]) -> Result<Option<Vec<u8>>, TxError> {
        Ok(self.0.get(key)?)
    }
}

fn corrupt(key: &[u8]) -> TxError {
    GovError::CorruptState(String::from_utf8_lossy(key).into_owned()).into()
}

fn decode<M: Message + Default>(key: &[u8], bytes: &[u8]) -> Result<M, TxError> {
    M::decode(bytes).map_err(|_| corrupt(key))
}

/// The params; they are written at genesis, so their absence is corruption.
pub(crate) fn params(r: &mut impl Reader) -> Result<Params, TxError> {
    let key = state_key::params();
    let bytes = r.read(&key)?.ok_or_else(|| corrupt(&key))?;
    serde_json::from_slice(&bytes).map_err(|_| corrupt(&key))
}

pub(crate) fn set_params(ctx: &mut Ctx<'_>, p: &Params) -> Result<(), TxError> {
    let bytes = serde_json::to_vec(p).map_err(|e| GovError::CorruptState(e.to_string()))?;
    ctx.put(state_key::params(), bytes)
}

/// Takes the next proposal id, starting at 1.
pub(crate) fn take_proposal_id(ctx: &mut Ctx<'_>) -> Result<u64, TxError> {
    ctx.next_sequence(state_key::next_proposal_id(), 1)
}

pub(crate) fn proposal(r: &mut impl Reader, id: u64) -> Result<Option<pb::Proposal>, TxError> {
    let key = state_key::proposal(id);
    r.read(&key)?.map(|b| decode(&key, &b)).transpose()
}

pub(crate) fn set_proposal(ctx: &mut Ctx<'_>, p: &pb::Proposal) -> Result<(), TxError> {
    ctx.put(state_key::proposal(p.id), p.encode_to_vec())
}

pub(crate) fn delete_proposal(ctx: &mut Ctx<'_>, id: u64) -> Result<(), TxError> {
    ctx.delete(state_key::proposal(id))
}

pub(crate) fn deposit(
    r: &mut impl Reader,
    id: u64,
    depositor: &Address,
) -> Result<Option<u128>, TxError> {
    let key = state_key::deposit(id, depositor);
    match r.read(&key)? {
        None => Ok(None),
        Some(b) => Ok(Some(u128::from_be_bytes(
            b.as_slice().try_into().map_err(|_| corrupt(&key))?,
        ))),
    }
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
        let bytes = hex::decode(hex_addr).map_err(|_| corrupt(&k))?;
        let addr = Address::from_slice(&bytes).map_err(|_| corrupt(&k))?;
        let amount = u128::from_be_bytes(v.as_slice().try_into().map_err(|_| corrupt(&k))?);
        ctx.delete(k)?;
        out.push((addr, amount));
    }
    Ok(out)
}

pub(crate) fn vote(
    r: &mut impl Reader,
    id: u64,
    voter: &Address,
) -> Result<Option<pb::Vote>, TxError> {
    let key = state_key::vote(id, voter);
    r.read(&key)?.map(|b| decode(&key, &b)).transpose()
}

pub(crate) fn set_vote(ctx: &mut Ctx<'_>, voter: &Address, v: &pb::Vote) -> Result<(), TxError> {
    ctx.put(state_key::vote(v.proposal_id, voter), v.encode_to_vec())
}

/// Every vote on a proposal, in voter order: (voter, vote).
pub(crate) fn votes(ctx: &mut Ctx<'_>, id: u64) -> Result<Vec<(Address, pb::Vote)>, TxError> {
    let prefix = state_key::votes_prefix(id);
    let end = weave_kernel::prefix_end(&prefix);
    let entries = ctx.range(&prefix, end.as_deref(), usize::MAX)?;
    let mut out = Vec::with_capacity(entries.len());
    for (k, v) in entries {
        let bytes = hex::decode(&k[prefix.len()..]).map_err(|_| corrupt(&k))?;
        let addr = Address::from_slice(&bytes).map_err(|_| corrupt(&k))?;
        out.push((addr, decode(&k, &v)?));
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
            .ok_or_else(|| corrupt(&k))?;
        out.push((k, id));
    }
    Ok(out)
}

pub(crate) fn upgrade_plan(r: &mut impl Reader) -> Result<Option<pb::UpgradePlan>, TxError> {
    let key = state_key::upgrade_plan();
    r.read(&key)?.map(|b| decode(&key, &b)).transpose()
}

pub(crate) fn set_upgrade_plan(
    ctx: &mut Ctx<'_>,
    plan: Option<&pb::UpgradePlan>,
) -> Result<(), TxError> {
    match plan {
        Some(p) => ctx.put(state_key::upgrade_plan(), p.encode_to_vec()),
        None => ctx.delete(state_key::upgrade_plan()),
    }
}
