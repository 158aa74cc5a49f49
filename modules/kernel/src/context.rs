//! The execution context handed to module code: metered state access, the gas meter,
//! the event sink and the block being executed.

use crate::{Event, GasMeter, KernelError, Misbehavior, Overlay, TxError, VoteInfo};

/// Facts about the block being executed. Time comes from the block header only.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct BlockInfo {
    /// The chain id.
    pub chain_id: String,
    /// The block height (0 during InitChain).
    pub height: u64,
    /// Block time, seconds since the Unix epoch, from the header.
    pub time_seconds: i64,
    /// Nanoseconds within the second.
    pub time_nanos: u32,
    /// The proposer's consensus address.
    pub proposer: Vec<u8>,
    /// The votes of the previous block's commit, one per validator of that block's set
    /// (empty at InitChain, in CheckTx and in proposals).
    pub last_commit: Vec<VoteInfo>,
    /// Misbehaviour CometBFT reports in this block.
    pub misbehavior: Vec<Misbehavior>,
}

/// What a module's code sees while it runs: state (metered), gas, events and the block.
pub struct Ctx<'a> {
    /// The block being executed.
    pub block: &'a BlockInfo,
    state: &'a mut Overlay,
    gas: &'a mut GasMeter,
    events: &'a mut Vec<Event>,
}

impl std::fmt::Debug for Ctx<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Ctx")
            .field("block", &self.block)
            .field("gas", &self.gas)
            .finish_non_exhaustive()
    }
}

impl<'a> Ctx<'a> {
    /// Builds a context.
    pub fn new(
        block: &'a BlockInfo,
        state: &'a mut Overlay,
        gas: &'a mut GasMeter,
        events: &'a mut Vec<Event>,
    ) -> Self {
        Self {
            block,
            state,
            gas,
            events,
        }
    }

    /// Reads a verifiable key, charging gas.
    pub fn get(&mut self, key: &[u8]) -> Result<Option<Vec<u8>>, TxError> {
        let v = self.state.get(key)?;
        self.gas
            .charge_read(key.len() + v.as_ref().map_or(0, Vec::len))?;
        Ok(v)
    }

    /// Writes a verifiable key, charging gas.
    pub fn put(&mut self, key: Vec<u8>, value: Vec<u8>) -> Result<(), TxError> {
        self.gas.charge_write(key.len() + value.len())?;
        self.state.put(key, value);
        Ok(())
    }

    /// Deletes a verifiable key, charging gas.
    pub fn delete(&mut self, key: Vec<u8>) -> Result<(), TxError> {
        self.gas.charge_write(key.len())?;
        self.state.delete(key);
        Ok(())
    }

    /// Scans verifiable keys in `[start, end)`, charging a read plus a step per entry.
    pub fn range(
        &mut self,
        start: &[u8],
        end: Option<&[u8]>,
        limit: usize,
    ) -> Result<crate::state::Entries, TxError> {
        let entries = self.state.range(start, end, limit)?;
        self.gas.charge_read(start.len())?;
        let per = self.gas.costs().iter_next_flat;
        for (k, v) in &entries {
            let bytes = (k.len() + v.len()) as u64;
            let cost = per.saturating_add(self.gas.costs().read_per_byte.saturating_mul(bytes));
            self.gas.consume(cost, "IterNext")?;
        }
        Ok(entries)
    }

    /// Reads a query-only index key, charging gas.
    pub fn nv_get(&mut self, key: &[u8]) -> Result<Option<Vec<u8>>, TxError> {
        let v = self.state.nv_get(key)?;
        self.gas
            .charge_read(key.len() + v.as_ref().map_or(0, Vec::len))?;
        Ok(v)
    }

    /// Writes a query-only index key, charging gas.
    pub fn nv_put(&mut self, key: Vec<u8>, value: Vec<u8>) -> Result<(), TxError> {
        self.gas.charge_write(key.len() + value.len())?;
        self.state.nv_put(key, value);
        Ok(())
    }

    /// Deletes a query-only index key, charging gas.
    pub fn nv_delete(&mut self, key: Vec<u8>) -> Result<(), TxError> {
        self.gas.charge_write(key.len())?;
        self.state.nv_delete(key);
        Ok(())
    }

    /// Consumes gas for work other than state access.
    pub fn consume_gas(&mut self, amount: u64, descriptor: &str) -> Result<(), TxError> {
        self.gas.consume(amount, descriptor).map_err(TxError::from)
    }

    /// Records an event.
    pub fn emit(&mut self, event: Event) {
        self.events.push(event);
    }

    /// Gas used so far.
    pub fn gas_used(&self) -> u64 {
        self.gas.used()
    }

    /// Runs `f` atomically: if it fails, none of its writes or events remain.
    pub fn atomically<T>(
        &mut self,
        f: impl FnOnce(&mut Ctx<'_>) -> Result<T, TxError>,
    ) -> Result<T, TxError> {
        let mark = self.events.len();
        self.state.checkpoint();
        let result = {
            let mut inner = Ctx::new(self.block, self.state, self.gas, self.events);
            f(&mut inner)
        };
        match result {
            Ok(v) => {
                self.state.commit_checkpoint();
                Ok(v)
            }
            Err(e) => {
                self.state.discard_checkpoint();
                self.events.truncate(mark);
                Err(e)
            }
        }
    }
}

impl From<KernelError> for Box<TxError> {
    fn from(e: KernelError) -> Self {
        Box::new(e.into())
    }
}
