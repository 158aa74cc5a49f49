//! Typed reads and writes of the channels module's state. This is the only place that
//! turns the module's stored bytes into types.

use weave_kernel::{parse_amount, Address, Ctx, ModuleError, Store, TxError};
use weave_proto::weave::channels::v1 as pb;

use crate::{state_key, ChannelRecord, ChannelsError, LaneRecord, Params};

fn corrupt(key: &[u8]) -> TxError {
    ChannelsError::corrupt_state(key)
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
    /// The parameters (defaults before genesis), metered or not.
    pub(crate) fn params(&self, s: &mut impl Store) -> Result<Params, TxError> {
        Ok(
            s.get_proto::<ChannelsError, pb::Params>(&state_key::params())?
                .map(Params::from)
                .unwrap_or_default(),
        )
    }

    pub(crate) fn set_params(&self, ctx: &mut Ctx<'_>, p: &Params) -> Result<(), TxError> {
        ctx.put_proto(state_key::params(), &pb::Params::from(p))
    }

    pub(crate) fn next_id(&self, ctx: &mut Ctx<'_>) -> Result<u64, TxError> {
        ctx.next_sequence(state_key::next_id(), 1)
    }

    /// A channel that must exist, metered or not.
    pub(crate) fn channel(&self, s: &mut impl Store, id: u64) -> Result<ChannelRecord, TxError> {
        let key = state_key::channel(id);
        let stored = s
            .get_proto::<ChannelsError, _>(&key)?
            .ok_or(ChannelsError::NotFound(id))?;
        ChannelRecord::from_stored(stored).ok_or_else(|| corrupt(&key))
    }

    pub(crate) fn set_channel(&self, ctx: &mut Ctx<'_>, c: &ChannelRecord) -> Result<(), TxError> {
        ctx.put_proto(state_key::channel(c.id), &c.to_wire())
    }

    pub(crate) fn lane(
        &self,
        ctx: &mut Ctx<'_>,
        id: u64,
        seeder: &Address,
        root: &[u8; 32],
    ) -> Result<LaneRecord, TxError> {
        let key = state_key::lane(id, seeder, root);
        let Some(l) = ctx.get_proto::<ChannelsError, pb::Lane>(&key)? else {
            return Ok(LaneRecord::default());
        };
        Ok(LaneRecord {
            claimed_amount: parse_amount(&l.claimed_amount).map_err(|_| corrupt(&key))?,
            claimed_bytes: l.claimed_bytes,
            last_nonce: l.last_nonce,
        })
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
        ctx.put_proto(state_key::lane(id, seeder, root), &wire)
    }

    pub(crate) fn earnings(
        &self,
        ctx: &mut Ctx<'_>,
        seeder: &Address,
    ) -> Result<Earnings, TxError> {
        let key = state_key::earnings(seeder);
        match ctx.get_proto::<ChannelsError, pb::SeederEarnings>(&key)? {
            Some(e) => Ok(Earnings {
                earned: parse_amount(&e.earned).map_err(|_| corrupt(&key))?,
                verified_bytes: e.verified_bytes,
            }),
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
        ctx.put_proto(state_key::earnings(seeder), &wire)
    }
}

/// A seeder's totals as stored, for queries (zero when it has earned nothing).
pub(crate) fn stored_earnings(
    s: &mut impl Store,
    seeder: &Address,
) -> Result<pb::SeederEarnings, TxError> {
    Ok(
        s.get_proto::<ChannelsError, _>(&state_key::earnings(seeder))?
            .unwrap_or_else(|| pb::SeederEarnings {
                seeder: seeder.to_string(),
                earned: "0".into(),
                verified_bytes: 0,
            }),
    )
}
