//! Typed reads and writes of the validators module's state. This is the only place
//! that turns the module's stored bytes into types.
//!
//! Reads go through the kernel's [`Store`], which both the metered [`Ctx`] and an
//! unmetered query view implement, so block execution and queries share one decoder.

use std::collections::BTreeMap;

use prost::Message;
use weave_kernel::{
    decode_proto, parse_amount, prefix_end, Address, ConsensusAddress, Ctx, ModuleError, Store,
    TxError,
};
use weave_proto::weave::validators::v1 as pb;

use crate::{
    record::{
        DelegationRecord, RedelegationRecord, RewardsRecord, SigningRecord, Totals,
        UnbondingRecord, ValidatorRecord,
    },
    state_key, Params, ValidatorsError,
};

fn amount(key: &[u8], s: &str) -> Result<u128, TxError> {
    parse_amount(s).map_err(|_| ValidatorsError::corrupt_state(key))
}

// ---- params, flags, totals ----

pub(crate) fn params(r: &mut impl Store) -> Result<Params, TxError> {
    let key = state_key::params();
    match r.read(&key)? {
        Some(b) => Ok(
            Params::from_wire(decode_proto::<ValidatorsError, _>(&key, &b)?)
                .map_err(|_| ValidatorsError::corrupt_state(&key))?,
        ),
        None => Ok(Params::default()),
    }
}

pub(crate) fn set_params(ctx: &mut Ctx<'_>, p: &Params) -> Result<(), TxError> {
    ctx.put(state_key::params(), pb::Params::from(p).encode_to_vec())
}

pub(crate) fn is_dirty(r: &mut impl Store) -> Result<bool, TxError> {
    Ok(r.read(&state_key::dirty())?.is_some())
}

pub(crate) fn mark_dirty(ctx: &mut Ctx<'_>) -> Result<(), TxError> {
    ctx.put(state_key::dirty(), vec![1])
}

pub(crate) fn clear_dirty(ctx: &mut Ctx<'_>) -> Result<(), TxError> {
    ctx.delete(state_key::dirty())
}

pub(crate) fn totals(r: &mut impl Store) -> Result<Totals, TxError> {
    let key = state_key::totals();
    match r.read(&key)? {
        Some(b) => {
            let t: pb::Totals = decode_proto::<ValidatorsError, _>(&key, &b)?;
            Ok(Totals {
                minted: amount(&key, &t.minted)?,
                burned: amount(&key, &t.burned)?,
                dust: amount(&key, &t.community_pool_dust)?,
            })
        }
        None => Ok(Totals::default()),
    }
}

pub(crate) fn totals_to_wire(t: &Totals) -> pb::Totals {
    pb::Totals {
        minted: t.minted.to_string(),
        burned: t.burned.to_string(),
        community_pool_dust: t.dust.to_string(),
    }
}

/// Adds to the running totals (saturating: they are statistics, never balances).
pub(crate) fn add_totals(
    ctx: &mut Ctx<'_>,
    minted: u128,
    burned: u128,
    dust: u128,
) -> Result<(), TxError> {
    if minted == 0 && burned == 0 && dust == 0 {
        return Ok(());
    }
    let mut t = totals(ctx)?;
    t.minted = t.minted.saturating_add(minted);
    t.burned = t.burned.saturating_add(burned);
    t.dust = t.dust.saturating_add(dust);
    ctx.put(state_key::totals(), totals_to_wire(&t).encode_to_vec())
}

pub(crate) fn next_entry_id(ctx: &mut Ctx<'_>) -> Result<u64, TxError> {
    ctx.next_sequence(state_key::next_entry_id(), 1)
}

// ---- validators ----

pub(crate) fn validator(
    r: &mut impl Store,
    operator: &Address,
) -> Result<Option<ValidatorRecord>, TxError> {
    let key = state_key::validator(operator);
    match r.read(&key)? {
        Some(b) => Ok(Some(decode_validator(&key, &b)?)),
        None => Ok(None),
    }
}

pub(crate) fn decode_validator(key: &[u8], b: &[u8]) -> Result<ValidatorRecord, TxError> {
    ValidatorRecord::from_stored(decode_proto::<ValidatorsError, _>(key, b)?)
        .ok_or_else(|| ValidatorsError::corrupt_state(key))
}

pub(crate) fn must_validator(
    r: &mut impl Store,
    operator: &Address,
) -> Result<ValidatorRecord, TxError> {
    validator(r, operator)?
        .ok_or_else(|| ValidatorsError::UnknownValidator(operator.to_string()).into())
}

/// Stores a validator and keeps the power index in step: a candidate (not jailed, with
/// tokens) is listed by its tokens. Any change to the index marks the active set dirty.
pub(crate) fn set_validator(
    ctx: &mut Ctx<'_>,
    old: Option<&ValidatorRecord>,
    new: &ValidatorRecord,
) -> Result<(), TxError> {
    let old_key = old
        .filter(|v| v.is_candidate())
        .map(|v| state_key::power(v.tokens, &v.operator));
    let new_key = new
        .is_candidate()
        .then(|| state_key::power(new.tokens, &new.operator));
    if old_key != new_key {
        if let Some(k) = old_key {
            ctx.delete(k)?;
        }
        if let Some(k) = new_key {
            ctx.put(k, Vec::new())?;
        }
        mark_dirty(ctx)?;
    }
    ctx.put(
        state_key::validator(&new.operator),
        new.to_wire().encode_to_vec(),
    )
}

pub(crate) fn operator_by_consensus(
    r: &mut impl Store,
    cons: &ConsensusAddress,
) -> Result<Option<Address>, TxError> {
    let key = state_key::by_consensus(cons);
    match r.read(&key)? {
        Some(b) => Ok(Some(
            Address::from_slice(&b).map_err(|_| ValidatorsError::corrupt_state(&key))?,
        )),
        None => Ok(None),
    }
}

pub(crate) fn set_operator_by_consensus(
    ctx: &mut Ctx<'_>,
    cons: &ConsensusAddress,
    operator: &Address,
) -> Result<(), TxError> {
    ctx.put(state_key::by_consensus(cons), operator.as_bytes().to_vec())
}

/// The validator whose consensus address this is.
pub(crate) fn validator_by_consensus(
    r: &mut impl Store,
    cons: &ConsensusAddress,
) -> Result<Option<ValidatorRecord>, TxError> {
    match operator_by_consensus(r, cons)? {
        Some(op) => validator(r, &op),
        None => Ok(None),
    }
}

// ---- the active set ----

/// One member of the active set as last reported.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct ActiveMember {
    pub(crate) pubkey: [u8; 32],
    pub(crate) power: i64,
}

pub(crate) fn last_set(r: &mut impl Store) -> Result<BTreeMap<Address, ActiveMember>, TxError> {
    let entries = r.scan_prefix(
        &state_key::last_set(),
        crate::params::MAX_ACTIVE_SET as usize,
    )?;
    let mut out = BTreeMap::new();
    for (k, v) in entries {
        let m: pb::ActiveValidator = decode_proto::<ValidatorsError, _>(&k, &v)?;
        let op: Address = m
            .operator
            .parse()
            .map_err(|_| ValidatorsError::corrupt_state(&k))?;
        let pubkey = m
            .consensus_pubkey
            .as_slice()
            .try_into()
            .map_err(|_| ValidatorsError::corrupt_state(&k))?;
        out.insert(
            op,
            ActiveMember {
                pubkey,
                power: m.power,
            },
        );
    }
    Ok(out)
}

pub(crate) fn set_last_set_member(
    ctx: &mut Ctx<'_>,
    operator: &Address,
    member: &ActiveMember,
) -> Result<(), TxError> {
    let wire = pb::ActiveValidator {
        operator: operator.to_string(),
        consensus_pubkey: member.pubkey.to_vec(),
        power: member.power,
    };
    ctx.put(state_key::last_set_member(operator), wire.encode_to_vec())
}

pub(crate) fn delete_last_set_member(ctx: &mut Ctx<'_>, operator: &Address) -> Result<(), TxError> {
    ctx.delete(state_key::last_set_member(operator))
}

// ---- delegations and rewards ----

pub(crate) fn delegation(
    r: &mut impl Store,
    delegator: &Address,
    validator: &Address,
) -> Result<Option<DelegationRecord>, TxError> {
    let key = state_key::delegation(delegator, validator);
    match r.read(&key)? {
        Some(b) => Ok(Some(decode_delegation(&key, &b)?)),
        None => Ok(None),
    }
}

pub(crate) fn decode_delegation(key: &[u8], b: &[u8]) -> Result<DelegationRecord, TxError> {
    DelegationRecord::from_stored(decode_proto::<ValidatorsError, _>(key, b)?)
        .ok_or_else(|| ValidatorsError::corrupt_state(key))
}

/// Stores a delegation, or deletes it when it holds no shares.
pub(crate) fn set_delegation(ctx: &mut Ctx<'_>, d: &DelegationRecord) -> Result<(), TxError> {
    let key = state_key::delegation(&d.delegator, &d.validator);
    if d.shares == 0 {
        ctx.delete(key)
    } else {
        ctx.put(key, d.to_wire().encode_to_vec())
    }
}

pub(crate) fn rewards(r: &mut impl Store, operator: &Address) -> Result<RewardsRecord, TxError> {
    let key = state_key::rewards(operator);
    match r.read(&key)? {
        Some(b) => {
            let w: pb::ValidatorRewards = decode_proto::<ValidatorsError, _>(&key, &b)?;
            Ok(RewardsRecord {
                reward_per_share: amount(&key, &w.reward_per_share)?,
                outstanding: amount(&key, &w.outstanding)?,
                commission: amount(&key, &w.commission)?,
            })
        }
        None => Ok(RewardsRecord::default()),
    }
}

pub(crate) fn set_rewards(
    ctx: &mut Ctx<'_>,
    operator: &Address,
    rw: &RewardsRecord,
) -> Result<(), TxError> {
    let wire = pb::ValidatorRewards {
        reward_per_share: rw.reward_per_share.to_string(),
        outstanding: rw.outstanding.to_string(),
        commission: rw.commission.to_string(),
    };
    ctx.put(state_key::rewards(operator), wire.encode_to_vec())
}

// ---- unbonding and redelegation entries ----

pub(crate) fn unbonding(r: &mut impl Store, id: u64) -> Result<UnbondingRecord, TxError> {
    let key = state_key::unbonding(id);
    let b = r
        .read(&key)?
        .ok_or_else(|| ValidatorsError::corrupt_state(&key))?;
    UnbondingRecord::from_stored(decode_proto::<ValidatorsError, _>(&key, &b)?)
        .ok_or_else(|| ValidatorsError::corrupt_state(&key))
}

/// Stores an entry (new or slashed) with its three index keys.
pub(crate) fn set_unbonding(ctx: &mut Ctx<'_>, e: &UnbondingRecord) -> Result<(), TxError> {
    ctx.put(state_key::unbonding(e.id), e.to_wire().encode_to_vec())?;
    ctx.put(
        state_key::unbonding_by_delegator(&e.delegator, &e.validator, e.id),
        Vec::new(),
    )?;
    ctx.put(
        state_key::unbonding_by_validator(&e.validator, e.creation_height, e.id),
        Vec::new(),
    )?;
    ctx.put(
        state_key::unbonding_queue_entry(e.completion, e.id),
        Vec::new(),
    )
}

pub(crate) fn delete_unbonding(ctx: &mut Ctx<'_>, e: &UnbondingRecord) -> Result<(), TxError> {
    ctx.delete(state_key::unbonding(e.id))?;
    ctx.delete(state_key::unbonding_by_delegator(
        &e.delegator,
        &e.validator,
        e.id,
    ))?;
    ctx.delete(state_key::unbonding_by_validator(
        &e.validator,
        e.creation_height,
        e.id,
    ))?;
    ctx.delete(state_key::unbonding_queue_entry(e.completion, e.id))
}

pub(crate) fn redelegation(r: &mut impl Store, id: u64) -> Result<RedelegationRecord, TxError> {
    let key = state_key::redelegation(id);
    let b = r
        .read(&key)?
        .ok_or_else(|| ValidatorsError::corrupt_state(&key))?;
    RedelegationRecord::from_stored(decode_proto::<ValidatorsError, _>(&key, &b)?)
        .ok_or_else(|| ValidatorsError::corrupt_state(&key))
}

/// Stores an entry with its four index keys.
pub(crate) fn set_redelegation(ctx: &mut Ctx<'_>, e: &RedelegationRecord) -> Result<(), TxError> {
    ctx.put(state_key::redelegation(e.id), e.to_wire().encode_to_vec())?;
    ctx.put(
        state_key::redelegation_by_delegator(&e.delegator, &e.src, &e.dst, e.id),
        Vec::new(),
    )?;
    ctx.put(
        state_key::redelegation_into(&e.delegator, &e.dst, e.id),
        Vec::new(),
    )?;
    ctx.put(
        state_key::redelegation_by_source(&e.src, e.creation_height, e.id),
        Vec::new(),
    )?;
    ctx.put(
        state_key::redelegation_queue_entry(e.completion, e.id),
        Vec::new(),
    )
}

pub(crate) fn delete_redelegation(
    ctx: &mut Ctx<'_>,
    e: &RedelegationRecord,
) -> Result<(), TxError> {
    ctx.delete(state_key::redelegation(e.id))?;
    ctx.delete(state_key::redelegation_by_delegator(
        &e.delegator,
        &e.src,
        &e.dst,
        e.id,
    ))?;
    ctx.delete(state_key::redelegation_into(&e.delegator, &e.dst, e.id))?;
    ctx.delete(state_key::redelegation_by_source(
        &e.src,
        e.creation_height,
        e.id,
    ))?;
    ctx.delete(state_key::redelegation_queue_entry(e.completion, e.id))
}

/// How many keys lie under `prefix`, counting at most `limit`.
pub(crate) fn count_prefix(
    r: &mut impl Store,
    prefix: &[u8],
    limit: usize,
) -> Result<usize, TxError> {
    Ok(r.scan_prefix(prefix, limit)?.len())
}

/// The entry ids of the keys under `prefix` that end in `{id:020}`, from `start`.
pub(crate) fn ids_from(
    r: &mut impl Store,
    start: &[u8],
    prefix: &[u8],
    limit: usize,
) -> Result<Vec<u64>, TxError> {
    r.scan(start, prefix_end(prefix).as_deref(), limit)?
        .iter()
        .map(|(k, _)| {
            state_key::parse_trailing_id(k).ok_or_else(|| ValidatorsError::corrupt_state(k))
        })
        .collect()
}

// ---- liveness ----

pub(crate) fn signing(
    r: &mut impl Store,
    cons: &ConsensusAddress,
) -> Result<Option<SigningRecord>, TxError> {
    let key = state_key::signing_info(cons);
    match r.read(&key)? {
        Some(b) => {
            let s: pb::SigningInfo = decode_proto::<ValidatorsError, _>(&key, &b)?;
            Ok(Some(SigningRecord {
                start_height: s.start_height,
                index_offset: s.index_offset,
                missed_blocks: s.missed_blocks,
                window: s.window,
            }))
        }
        None => Ok(None),
    }
}

pub(crate) fn signing_to_wire(cons: &ConsensusAddress, s: &SigningRecord) -> pb::SigningInfo {
    pb::SigningInfo {
        consensus_address: cons.to_vec(),
        start_height: s.start_height,
        index_offset: s.index_offset,
        missed_blocks: s.missed_blocks,
        window: s.window,
    }
}

pub(crate) fn set_signing(
    ctx: &mut Ctx<'_>,
    cons: &ConsensusAddress,
    s: &SigningRecord,
) -> Result<(), TxError> {
    ctx.put(
        state_key::signing_info(cons),
        signing_to_wire(cons, s).encode_to_vec(),
    )
}

/// Bits per stored chunk of the missed-blocks bitmap.
pub(crate) const CHUNK_BITS: u64 = 1024;

/// Whether the block at `index` of the window was missed.
pub(crate) fn missed_bit(
    ctx: &mut Ctx<'_>,
    cons: &ConsensusAddress,
    index: u64,
) -> Result<bool, TxError> {
    let key = state_key::missed_chunk(cons, index / CHUNK_BITS);
    let bit = (index % CHUNK_BITS) as usize;
    Ok(match ctx.get(&key)? {
        Some(b) => b
            .get(bit / 8)
            .is_some_and(|byte| byte & (1 << (bit % 8)) != 0),
        None => false,
    })
}

/// Sets or clears the bit of the block at `index`; a chunk with no bit set is deleted.
pub(crate) fn set_missed_bit(
    ctx: &mut Ctx<'_>,
    cons: &ConsensusAddress,
    index: u64,
    missed: bool,
) -> Result<(), TxError> {
    let key = state_key::missed_chunk(cons, index / CHUNK_BITS);
    let bit = (index % CHUNK_BITS) as usize;
    let mut chunk = ctx
        .get(&key)?
        .unwrap_or_else(|| vec![0u8; (CHUNK_BITS / 8) as usize]);
    if chunk.len() != (CHUNK_BITS / 8) as usize {
        return Err(ValidatorsError::corrupt_state(&key));
    }
    if missed {
        chunk[bit / 8] |= 1 << (bit % 8);
    } else {
        chunk[bit / 8] &= !(1 << (bit % 8));
    }
    if chunk.iter().all(|b| *b == 0) {
        ctx.delete(key)
    } else {
        ctx.put(key, chunk)
    }
}

/// Clears the whole bitmap: at most `MAX_SIGNED_BLOCKS_WINDOW / CHUNK_BITS + 1`
/// deletes, whatever window it was kept with.
pub(crate) fn clear_missed(ctx: &mut Ctx<'_>, cons: &ConsensusAddress) -> Result<(), TxError> {
    let chunks = crate::params::MAX_SIGNED_BLOCKS_WINDOW.div_ceil(CHUNK_BITS);
    let entries = ctx.scan_prefix(&state_key::missed_chunks(cons), chunks as usize + 1)?;
    for (k, _) in entries {
        ctx.delete(k)?;
    }
    Ok(())
}

impl weave_kernel::ModuleParams for Params {
    type Error = crate::ValidatorsError;

    fn store(&self, ctx: &mut weave_kernel::Ctx<'_>) -> Result<(), weave_kernel::TxError> {
        set_params(ctx, self)
    }

    fn updated_event(&self) -> weave_kernel::Event {
        crate::event::params_updated(self)
    }
}
