//! Typed reads and writes of the channels module's state. This is the only place that
//! turns the module's stored bytes into types.

use prost::Message;
use weave_kernel::{parse_amount, Address, Ctx, StateRead, TxError};
use weave_proto::weave::channels::v1 as pb;

use crate::{state_key, ChannelRecord, ChannelsError, LaneRecord, Params};

fn corrupt(key: &[u8]) -> ChannelsError {
    ChannelsError::CorruptState(String::from_utf8_lossy(key).into_owned())
}

fn decode<M: Message + Default>(key: &[u8], bytes: &[u8]) -> Result<M, ChannelsError> {
    M::decode(bytes).map_err(|_| corrupt(key))
}

fn decode_channel(key: &[u8], bytes: &[u8]) -> Result<ChannelRecord, ChannelsError> {
    ChannelRecord::from_stored(decode(key, bytes)?).ok_or_else(|| corrupt(key))
}

fn decode_lane(key: &[u8], bytes: &[u8]) -> Result<LaneRecord, ChannelsError> {
    let l: pb::Lane = decode(key, bytes)?;
    Ok(LaneRecord {
        claimed_amount: parse_amount(&l.claimed_amount).map_err(|_| corrupt(key))?,
        claimed_bytes: l.claimed_bytes,
        last_nonce: l.last_nonce,
    })
}

/// A seeder's totals.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Earnings {
    pub(crate) earned: u128,
    pub(crate) verified_bytes: u64,
}

/// Reads and writes channels state. It holds no data.
#[derive(Debug, Default, Clone, Copy)]
pub(crate) struct Keeper;

impl Keeper {
    pub(crate) fn params(&self, ctx: &mut Ctx<'_>) -> Result<Params, TxError> {
        let key = state_key::params();
        match ctx.get(&key)? {
            Some(b) => Ok(decode::<pb::Params>(&key, &b)?.into()),
            None => Ok(Params::default()),
        }
    }

    pub(crate) fn set_params(&self, ctx: &mut Ctx<'_>, p: &Params) -> Result<(), TxError> {
        ctx.put(state_key::params(), pb::Params::from(p).encode_to_vec())
    }

    pub(crate) fn next_id(&self, ctx: &mut Ctx<'_>) -> Result<u64, TxError> {
        ctx.next_sequence(state_key::next_id(), 1)
    }

    pub(crate) fn channel(&self, ctx: &mut Ctx<'_>, id: u64) -> Result<ChannelRecord, TxError> {
        let key = state_key::channel(id);
        match ctx.get(&key)? {
            Some(b) => Ok(decode_channel(&key, &b)?),
            None => Err(ChannelsError::NotFound(id).into()),
        }
    }

    pub(crate) fn set_channel(&self, ctx: &mut Ctx<'_>, c: &ChannelRecord) -> Result<(), TxError> {
        ctx.put(state_key::channel(c.id), c.to_wire().encode_to_vec())
    }

    pub(crate) fn lane(
        &self,
        ctx: &mut Ctx<'_>,
        id: u64,
        seeder: &Address,
        root: &[u8; 32],
    ) -> Result<LaneRecord, TxError> {
        let key = state_key::lane(id, seeder, root);
        match ctx.get(&key)? {
            Some(b) => Ok(decode_lane(&key, &b)?),
            None => Ok(LaneRecord::default()),
        }
    }

    pub(crate) fn set_lane(
        &self,
        ctx: &mut Ctx<'_>,
        id: u64,
        seeder: &Address,
        root: &[u8; 32],
        lane: &LaneRecord,
    ) -> Result<(), TxError> {
        let wire = pb::Lane {
            channel_id: id,
            seeder: seeder.to_string(),
            content_root: root.to_vec(),
            claimed_amount: lane.claimed_amount.to_string(),
            claimed_bytes: lane.claimed_bytes,
            last_nonce: lane.last_nonce,
        };
        ctx.put(state_key::lane(id, seeder, root), wire.encode_to_vec())
    }

    pub(crate) fn earnings(
        &self,
        ctx: &mut Ctx<'_>,
        seeder: &Address,
    ) -> Result<Earnings, TxError> {
        let key = state_key::earnings(seeder);
        match ctx.get(&key)? {
            Some(b) => {
                let e: pb::SeederEarnings = decode(&key, &b)?;
                Ok(Earnings {
                    earned: parse_amount(&e.earned).map_err(|_| corrupt(&key))?,
                    verified_bytes: e.verified_bytes,
                })
            }
            None => Ok(Earnings::default()),
        }
    }

    pub(crate) fn set_earnings(
        &self,
        ctx: &mut Ctx<'_>,
        seeder: &Address,
        e: &Earnings,
    ) -> Result<(), TxError> {
        let wire = pb::SeederEarnings {
            seeder: seeder.to_string(),
            earned: e.earned.to_string(),
            verified_bytes: e.verified_bytes,
        };
        ctx.put(state_key::earnings(seeder), wire.encode_to_vec())
    }
}

pub(crate) fn read_params(state: &dyn StateRead) -> Result<Params, TxError> {
    let key = state_key::params();
    match state.get(&key)? {
        Some(b) => Ok(decode::<pb::Params>(&key, &b)?.into()),
        None => Ok(Params::default()),
    }
}

pub(crate) fn read_channel(state: &dyn StateRead, id: u64) -> Result<ChannelRecord, TxError> {
    let key = state_key::channel(id);
    match state.get(&key)? {
        Some(b) => Ok(decode_channel(&key, &b)?),
        None => Err(ChannelsError::NotFound(id).into()),
    }
}

/// A channel's voucher key from an unmetered view, for block preparation.
pub(crate) fn read_voucher_key(state: &dyn StateRead, id: u64) -> Option<[u8; 32]> {
    read_channel(state, id).ok().map(|c| c.voucher_key)
}

pub(crate) fn read_lane(state: &dyn StateRead, key: &[u8]) -> Result<Option<pb::Lane>, TxError> {
    match state.get(key)? {
        Some(b) => Ok(Some(decode(key, &b)?)),
        None => Ok(None),
    }
}

pub(crate) fn read_earnings(
    state: &dyn StateRead,
    seeder: &Address,
) -> Result<pb::SeederEarnings, TxError> {
    let key = state_key::earnings(seeder);
    match state.get(&key)? {
        Some(b) => Ok(decode(&key, &b)?),
        None => Ok(pb::SeederEarnings {
            seeder: seeder.to_string(),
            earned: "0".into(),
            verified_bytes: 0,
        }),
    }
}
