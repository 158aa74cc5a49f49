//! Typed reads and writes of the seeders module's state: the only place that turns its
//! bytes into types.

use prost::Message;
use weave_kernel::{
    decode_proto, parse_amount, prefix_end, Address, Ctx, ModuleError, Store, TxError,
};
use weave_proto::weave::seeders::v1 as pb;

use crate::{
    params::HARD_MAX_SEEDERS,
    record::CommittedContent,
    record::{ProbeRound, ProbeTarget},
    state_key, Params, SeederRecord, SeedersError,
};

/// The most distinct payers whose fees count toward one seeder's bandwidth points in
/// one epoch; fees from later payers are tallied but earn no points. Only the seeder
/// claims its own vouchers, so only the seeder decides which payers take the slots.
pub const MAX_PAYERS_PER_EPOCH: u32 = 64;

fn read_u64(r: &mut impl Store, key: &[u8]) -> Result<Option<u64>, TxError> {
    match r.read(key)? {
        None => Ok(None),
        Some(b) => Ok(Some(u64::from_be_bytes(
            b.as_slice()
                .try_into()
                .map_err(|_| SeedersError::corrupt_state(key))?,
        ))),
    }
}

fn amount(key: &[u8], s: &str) -> Result<u128, TxError> {
    parse_amount(s).map_err(|_| SeedersError::corrupt_state(key))
}

/// The params; defaults before the module's genesis wrote them.
pub(crate) fn params(r: &mut impl Store) -> Result<Params, TxError> {
    let key = state_key::params();
    match r.read(&key)? {
        Some(b) => Ok(
            Params::from_proto(&decode_proto::<SeedersError, pb::Params>(&key, &b)?)
                .map_err(|_| SeedersError::corrupt_state(&key))?,
        ),
        None => Ok(Params::default()),
    }
}

pub(crate) fn set_params(ctx: &mut Ctx<'_>, p: &Params) -> Result<(), TxError> {
    ctx.put(state_key::params(), p.to_proto().encode_to_vec())
}

/// Governance changes the params through the kernel's one `MsgUpdateParams` path.
impl weave_kernel::ModuleParams for Params {
    type Error = SeedersError;

    fn store(&self, ctx: &mut Ctx<'_>) -> Result<(), TxError> {
        set_params(ctx, self)
    }

    fn updated_event(&self) -> weave_kernel::Event {
        crate::event::params_updated()
    }
}

fn decode_seeder(key: &[u8], bytes: &[u8]) -> Result<SeederRecord, TxError> {
    SeederRecord::from_stored(decode_proto::<SeedersError, _>(key, bytes)?)
        .ok_or_else(|| SeedersError::corrupt_state(key))
}

pub(crate) fn seeder(r: &mut impl Store, a: &Address) -> Result<Option<SeederRecord>, TxError> {
    let key = state_key::seeder(a);
    r.read(&key)?.map(|b| decode_seeder(&key, &b)).transpose()
}

pub(crate) fn set_seeder(ctx: &mut Ctx<'_>, s: &SeederRecord) -> Result<(), TxError> {
    ctx.put(state_key::seeder(&s.address), s.to_wire().encode_to_vec())
}

pub(crate) fn delete_seeder(ctx: &mut Ctx<'_>, a: &Address) -> Result<(), TxError> {
    ctx.delete(state_key::seeder(a))
}

/// Every seeder, by address. There are at most `max_seeders` ≤ [`HARD_MAX_SEEDERS`].
pub(crate) fn all_seeders(r: &mut impl Store) -> Result<Vec<SeederRecord>, TxError> {
    r.scan_prefix(&state_key::seeders(), HARD_MAX_SEEDERS as usize)?
        .iter()
        .map(|(k, v)| decode_seeder(k, v))
        .collect()
}

/// The seeders in one page of the by-address listing.
pub(crate) fn seeders_from(
    r: &mut impl Store,
    start: &[u8],
    limit: usize,
) -> Result<Vec<(Vec<u8>, SeederRecord)>, TxError> {
    let end = prefix_end(&state_key::seeders());
    r.scan(start, end.as_deref(), limit)?
        .into_iter()
        .map(|(k, v)| {
            let s = decode_seeder(&k, &v)?;
            Ok((k, s))
        })
        .collect()
}

/// Whether the seeder is bonded (and not unbonding), from the small index.
pub(crate) fn is_bonded(r: &mut impl Store, a: &Address) -> Result<bool, TxError> {
    Ok(r.read(&state_key::bonded(a))?.is_some())
}

pub(crate) fn set_bonded(ctx: &mut Ctx<'_>, a: &Address, bonded: bool) -> Result<(), TxError> {
    if bonded {
        ctx.put(state_key::bonded(a), Vec::new())
    } else {
        ctx.delete(state_key::bonded(a))
    }
}

pub(crate) fn peer_owner(r: &mut impl Store, peer_id: &[u8]) -> Result<Option<Address>, TxError> {
    let key = state_key::peer(peer_id);
    match r.read(&key)? {
        None => Ok(None),
        Some(b) => Ok(Some(
            Address::from_slice(&b).map_err(|_| SeedersError::corrupt_state(&key))?,
        )),
    }
}

pub(crate) fn set_peer(ctx: &mut Ctx<'_>, peer_id: &[u8], a: &Address) -> Result<(), TxError> {
    ctx.put(state_key::peer(peer_id), a.as_bytes().to_vec())
}

pub(crate) fn delete_peer(ctx: &mut Ctx<'_>, peer_id: &[u8]) -> Result<(), TxError> {
    ctx.delete(state_key::peer(peer_id))
}

/// Seeder records in state.
pub(crate) fn count(r: &mut impl Store) -> Result<u64, TxError> {
    Ok(read_u64(r, &state_key::count())?.unwrap_or(0))
}

pub(crate) fn set_count(ctx: &mut Ctx<'_>, n: u64) -> Result<(), TxError> {
    ctx.put(state_key::count(), n.to_be_bytes().to_vec())
}

/// The number of the epoch under way (from 1).
pub(crate) fn epoch(r: &mut impl Store) -> Result<u64, TxError> {
    Ok(read_u64(r, &state_key::epoch())?.unwrap_or(1))
}

/// Ends the epoch under way: returns its number and starts the next.
pub(crate) fn take_epoch(ctx: &mut Ctx<'_>) -> Result<u64, TxError> {
    ctx.next_sequence(state_key::epoch(), 1)
}

/// The height at which the last epoch ended (0 before the first).
pub(crate) fn last_epoch_end(r: &mut impl Store) -> Result<u64, TxError> {
    Ok(read_u64(r, &state_key::last_epoch_end())?.unwrap_or(0))
}

pub(crate) fn set_last_epoch_end(ctx: &mut Ctx<'_>, height: u64) -> Result<(), TxError> {
    ctx.put(state_key::last_epoch_end(), height.to_be_bytes().to_vec())
}

/// A seeder's tally of the epoch under way.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct EpochTally {
    pub(crate) payers: u32,
    pub(crate) fees: u128,
    pub(crate) bytes: u64,
    pub(crate) untracked_fees: u128,
    pub(crate) probe_passes: u64,
    pub(crate) probe_fails: u64,
}

impl EpochTally {
    pub(crate) fn to_wire(&self) -> pb::EpochTally {
        pb::EpochTally {
            payers: self.payers,
            fees: self.fees.to_string(),
            bytes: self.bytes,
            untracked_fees: self.untracked_fees.to_string(),
            probe_passes: self.probe_passes,
            probe_fails: self.probe_fails,
        }
    }
}

pub(crate) fn tally(r: &mut impl Store, seeder: &Address) -> Result<EpochTally, TxError> {
    let key = state_key::tally(seeder);
    let Some(b) = r.read(&key)? else {
        return Ok(EpochTally::default());
    };
    let t: pb::EpochTally = decode_proto::<SeedersError, _>(&key, &b)?;
    Ok(EpochTally {
        payers: t.payers,
        fees: amount(&key, &t.fees)?,
        bytes: t.bytes,
        untracked_fees: amount(&key, &t.untracked_fees)?,
        probe_passes: t.probe_passes,
        probe_fails: t.probe_fails,
    })
}

pub(crate) fn set_tally(
    ctx: &mut Ctx<'_>,
    seeder: &Address,
    t: &EpochTally,
) -> Result<(), TxError> {
    ctx.put(state_key::tally(seeder), t.to_wire().encode_to_vec())
}

/// What one payer paid a seeder this epoch: (fee, bytes).
pub(crate) fn payer_fee(
    r: &mut impl Store,
    seeder: &Address,
    payer: &Address,
) -> Result<Option<(u128, u64)>, TxError> {
    let key = state_key::fee(seeder, payer);
    let Some(b) = r.read(&key)? else {
        return Ok(None);
    };
    let f: pb::PayerFee = decode_proto::<SeedersError, _>(&key, &b)?;
    Ok(Some((amount(&key, &f.fee)?, f.bytes)))
}

pub(crate) fn set_payer_fee(
    ctx: &mut Ctx<'_>,
    seeder: &Address,
    payer: &Address,
    fee: u128,
    bytes: u64,
) -> Result<(), TxError> {
    let wire = pb::PayerFee {
        payer: payer.to_string(),
        fee: fee.to_string(),
        bytes,
    };
    ctx.put(state_key::fee(seeder, payer), wire.encode_to_vec())
}

/// Every payer entry of a seeder this epoch, by payer, with its key.
pub(crate) fn payer_fees(
    r: &mut impl Store,
    seeder: &Address,
) -> Result<Vec<(Vec<u8>, pb::PayerFee)>, TxError> {
    // At most MAX_PAYERS_PER_EPOCH entries are ever written per seeder and epoch.
    r.scan_prefix(&state_key::fees(seeder), MAX_PAYERS_PER_EPOCH as usize)?
        .into_iter()
        .map(|(k, v)| {
            let f = decode_proto::<SeedersError, _>(&k, &v)?;
            Ok((k, f))
        })
        .collect()
}

/// Deletes a seeder's tally and payer entries of the epoch under way.
pub(crate) fn clear_epoch(ctx: &mut Ctx<'_>, seeder: &Address) -> Result<(), TxError> {
    for (k, _) in payer_fees(ctx, seeder)? {
        ctx.delete(k)?;
    }
    ctx.delete(state_key::tally(seeder))
}

pub(crate) fn reported(r: &mut impl Store, key: &[u8]) -> Result<bool, TxError> {
    Ok(r.read(key)?.is_some())
}

pub(crate) fn round_from_wire(key: &[u8], w: pb::ProbeRound) -> Result<ProbeRound, TxError> {
    let seeders = w
        .seeders
        .iter()
        .map(|t| {
            Some(ProbeTarget {
                seeder: t.seeder.parse().ok()?,
                contents: t
                    .contents
                    .iter()
                    .map(CommittedContent::from_wire)
                    .collect::<Option<_>>()?,
            })
        })
        .collect::<Option<Vec<_>>>()
        .ok_or_else(|| SeedersError::corrupt_state(key))?;
    Ok(ProbeRound {
        height: w.height,
        block_hash: w.block_hash,
        report_height: w.report_height,
        challenges_per_validator: w.challenges_per_validator,
        seeders,
    })
}

pub(crate) fn round(r: &mut impl Store, height: u64) -> Result<Option<ProbeRound>, TxError> {
    let key = state_key::round(height);
    match r.read(&key)? {
        None => Ok(None),
        Some(b) => Ok(Some(round_from_wire(
            &key,
            decode_proto::<SeedersError, _>(&key, &b)?,
        )?)),
    }
}

pub(crate) fn set_round(ctx: &mut Ctx<'_>, round: &ProbeRound) -> Result<(), TxError> {
    ctx.put(
        state_key::round(round.height),
        round.to_wire().encode_to_vec(),
    )
}

/// The heights of the rounds kept, oldest first.
pub(crate) fn round_heights(r: &mut impl Store) -> Result<Vec<u64>, TxError> {
    let key = state_key::rounds_kept();
    let Some(b) = r.read(&key)? else {
        return Ok(Vec::new());
    };
    if b.len() % 8 != 0 {
        return Err(SeedersError::corrupt_state(&key));
    }
    Ok(b.chunks_exact(8)
        .map(|c| {
            let mut w = [0u8; 8];
            w.copy_from_slice(c);
            u64::from_be_bytes(w)
        })
        .collect())
}

pub(crate) fn set_round_heights(ctx: &mut Ctx<'_>, heights: &[u64]) -> Result<(), TxError> {
    let bytes: Vec<u8> = heights.iter().flat_map(|h| h.to_be_bytes()).collect();
    ctx.put(state_key::rounds_kept(), bytes)
}

pub(crate) fn round_applied(r: &mut impl Store, height: u64) -> Result<bool, TxError> {
    Ok(r.read(&state_key::round_applied(height))?.is_some())
}

pub(crate) fn set_round_applied(ctx: &mut Ctx<'_>, height: u64) -> Result<(), TxError> {
    ctx.put(state_key::round_applied(height), Vec::new())
}

pub(crate) fn delete_round(ctx: &mut Ctx<'_>, height: u64) -> Result<(), TxError> {
    ctx.delete(state_key::round(height))?;
    ctx.delete(state_key::round_applied(height))
}
