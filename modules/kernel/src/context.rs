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
    /// The block's hash, in FinalizeBlock (empty elsewhere): entropy every validator
    /// agrees on once the block is decided.
    pub hash: Vec<u8>,
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

    /// Takes the next number of the counter stored at `key` (8 bytes, big-endian) and
    /// advances it; a counter never written starts at `first`. Ids of every module come
    /// from here. A stored value that is not 8 bytes, or a counter at `u64::MAX`, is a
    /// state error.
    pub fn next_sequence(&mut self, key: Vec<u8>, first: u64) -> Result<u64, TxError> {
        let current = match self.get(&key)? {
            None => first,
            Some(b) => u64::from_be_bytes(b.as_slice().try_into().map_err(|_| {
                crate::StateError(format!(
                    "counter at {} holds {} bytes, not 8",
                    hex_key(&key),
                    b.len()
                ))
            })?),
        };
        let next = current.checked_add(1).ok_or_else(|| {
            crate::StateError(format!("counter at {} is exhausted", hex_key(&key)))
        })?;
        self.put(key, next.to_be_bytes().to_vec())?;
        Ok(current)
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

/// A state key for a message: printable bytes as text, the rest as hex.
fn hex_key(key: &[u8]) -> String {
    match std::str::from_utf8(key) {
        Ok(s) if s.chars().all(|c| c.is_ascii_graphic()) => s.to_string(),
        _ => key.iter().map(|b| format!("{b:02x}")).collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{BlockInfo, GasMeter, Overlay};

    #[test]
    fn a_sequence_counts_from_its_first_value_and_refuses_a_corrupt_counter() {
        let block = BlockInfo::default();
        let mut state = Overlay::empty();
        let mut gas = GasMeter::infinite();
        let mut events = Vec::new();
        let mut ctx = Ctx::new(&block, &mut state, &mut gas, &mut events);
        let ids: Vec<u64> = (0..3)
            .map(|_| ctx.next_sequence(b"m/next".to_vec(), 1).unwrap())
            .collect();
        assert_eq!(ids, [1, 2, 3]);
        assert_eq!(ctx.next_sequence(b"m/other".to_vec(), 0).unwrap(), 0);
        ctx.put(b"m/bad".to_vec(), vec![1, 2, 3]).unwrap();
        let e = ctx.next_sequence(b"m/bad".to_vec(), 1).unwrap_err();
        assert!(e.log.contains("m/bad holds 3 bytes"), "{e:?}");
        ctx.put(b"m/full".to_vec(), u64::MAX.to_be_bytes().to_vec())
            .unwrap();
        assert!(ctx.next_sequence(b"m/full".to_vec(), 1).is_err());
    }
}
