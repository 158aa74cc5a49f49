//! Typed reads and writes of the splits module's state, and the payout that applies
//! [`distribute`] with bank transfers. This is the only place that turns the module's
//! stored bytes into types.

use std::sync::Arc;

use weave_kernel::{
    community_pool,
    expected::{Bank, PayTo, Splits},
    Address, Coin, Coins, Ctx, KernelError, ModuleError, Store, TxError, DENOM,
};
use weave_proto::weave::splits::v1 as pb;

use crate::{distribute, event, state_key, Params, Payout, SplitTable, SplitsError, StoredSplit};

/// Reads and writes splits state and pays through tables. Cheap to clone.
#[derive(Clone)]
pub struct Keeper {
    bank: Arc<dyn Bank>,
}

impl std::fmt::Debug for Keeper {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("splits::Keeper").finish_non_exhaustive()
    }
}

fn corrupt(key: &[u8]) -> TxError {
    SplitsError::corrupt_state(key)
}

fn optional_address(s: &str, key: &[u8]) -> Result<Option<Address>, TxError> {
    if s.is_empty() {
        Ok(None)
    } else {
        s.parse().map(Some).map_err(|_| corrupt(key))
    }
}

/// The wire form of a stored table.
pub(crate) fn encode_split(s: &StoredSplit) -> pb::SplitTable {
    let text = |a: &Option<Address>| a.map(|a| a.to_string()).unwrap_or_default();
    pb::SplitTable {
        id: s.id,
        recipients: s.table.to_wire(),
        controller: text(&s.controller),
        pending_controller: text(&s.pending_controller),
        creator: s.creator.to_string(),
        version: s.version,
    }
}

/// The parameters (defaults before genesis), metered or not.
pub(crate) fn params(s: &mut impl Store) -> Result<Params, TxError> {
    Ok(
        s.get_proto::<SplitsError, pb::Params>(&state_key::params())?
            .map(Params::from)
            .unwrap_or_default(),
    )
}

/// A table, if it exists, metered or not.
pub(crate) fn split(s: &mut impl Store, id: u64) -> Result<Option<StoredSplit>, TxError> {
    let key = state_key::table(id);
    let Some(t) = s.get_proto::<SplitsError, pb::SplitTable>(&key)? else {
        return Ok(None);
    };
    Ok(Some(StoredSplit {
        id: t.id,
        table: SplitTable::from_wire(&t.recipients).map_err(|_| corrupt(&key))?,
        controller: optional_address(&t.controller, &key)?,
        pending_controller: optional_address(&t.pending_controller, &key)?,
        creator: t.creator.parse().map_err(|_| corrupt(&key))?,
        version: t.version,
    }))
}

impl Keeper {
    /// A keeper that moves money through `bank`.
    pub fn new(bank: Arc<dyn Bank>) -> Self {
        Self { bank }
    }

    /// The parameters.
    pub fn params(&self, ctx: &mut Ctx<'_>) -> Result<Params, TxError> {
        params(ctx)
    }

    /// Stores the parameters.
    pub fn set_params(&self, ctx: &mut Ctx<'_>, params: &Params) -> Result<(), TxError> {
        weave_kernel::ModuleParams::store(params, ctx)
    }

    /// A table, if it exists.
    pub fn split(&self, ctx: &mut Ctx<'_>, id: u64) -> Result<Option<StoredSplit>, TxError> {
        split(ctx, id)
    }

    /// A table that must exist.
    pub fn require_split(&self, ctx: &mut Ctx<'_>, id: u64) -> Result<StoredSplit, TxError> {
        self.split(ctx, id)?
            .ok_or_else(|| SplitsError::NotFound(id).into())
    }

    /// Stores a table.
    pub fn set_split(&self, ctx: &mut Ctx<'_>, split: &StoredSplit) -> Result<(), TxError> {
        ctx.put_proto(state_key::table(split.id), &encode_split(split))
    }

    /// Allocates the next table id (ids start at 1; 0 means "no table").
    fn next_id(&self, ctx: &mut Ctx<'_>) -> Result<u64, TxError> {
        ctx.next_sequence(state_key::next_id(), 1)
    }

    /// Creates a table from checked parts and emits its event.
    pub fn create(
        &self,
        ctx: &mut Ctx<'_>,
        creator: Address,
        table: SplitTable,
        controller: Option<Address>,
    ) -> Result<StoredSplit, TxError> {
        let split = StoredSplit {
            id: self.next_id(ctx)?,
            table,
            controller,
            pending_controller: None,
            creator,
            version: 1,
        };
        self.set_split(ctx, &split)?;
        ctx.emit(event::created(&split));
        Ok(split)
    }

    /// How `amount` would divide through `to` under the current parameters.
    pub fn preview(&self, ctx: &mut Ctx<'_>, amount: u128, to: PayTo) -> Result<Payout, TxError> {
        let table = self.table_for(ctx, to)?;
        Ok(distribute(
            amount,
            &table,
            self.params(ctx)?.protocol_fee_bps,
        ))
    }

    fn table_for(&self, ctx: &mut Ctx<'_>, to: PayTo) -> Result<SplitTable, TxError> {
        Ok(match to {
            PayTo::Split(id) => self.require_split(ctx, id)?.table,
            PayTo::Account(a) => SplitTable::single(a),
        })
    }
}

fn base(amount: u128) -> Result<Coins, TxError> {
    Coins::new(vec![Coin::base(amount)])
        .map_err(|e| KernelError::InvalidCoins(e.to_string()).into())
}

impl Splits for Keeper {
    fn split_exists(&self, ctx: &mut Ctx<'_>, split_id: u64) -> Result<bool, TxError> {
        Ok(self.split(ctx, split_id)?.is_some())
    }

    fn create_split(
        &self,
        ctx: &mut Ctx<'_>,
        creator: &Address,
        recipients: Vec<(Address, u32)>,
        controller: Option<Address>,
    ) -> Result<u64, TxError> {
        let table = SplitTable::new(recipients)?;
        Ok(self.create(ctx, *creator, table, controller)?.id)
    }

    fn pay(
        &self,
        ctx: &mut Ctx<'_>,
        payer: &Address,
        amount: u128,
        to: PayTo,
        reason: &str,
    ) -> Result<u128, TxError> {
        if amount == 0 {
            return Err(SplitsError::InvalidAmount("a payout must be positive".into()).into());
        }
        let split_id = match to {
            PayTo::Split(id) => id,
            PayTo::Account(_) => 0,
        };
        let table = self.table_for(ctx, to)?;
        let payout = distribute(amount, &table, self.params(ctx)?.protocol_fee_bps);
        let available = self.bank.balance(ctx, payer, DENOM)?;
        if available < amount {
            return Err(KernelError::InsufficientFunds(format!(
                "{payer} has {available}{DENOM}, needs {amount}{DENOM}"
            ))
            .into());
        }
        ctx.atomically(|ctx| {
            ctx.emit(event::payout(split_id, payer, amount, &payout, reason));
            if payout.protocol_fee > 0 {
                self.bank
                    .transfer(ctx, payer, &community_pool(), &base(payout.protocol_fee)?)?;
            }
            for (recipient, share) in &payout.shares {
                if *share > 0 {
                    self.bank.transfer(ctx, payer, recipient, &base(*share)?)?;
                }
                ctx.emit(event::share(split_id, recipient, *share));
            }
            Ok(payout.protocol_fee)
        })
    }
}
