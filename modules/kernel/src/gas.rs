//! Gas metering. Every read, write, byte and signature costs gas, and a transaction
//! that runs out fails with `sdk:11` and leaves no write behind.

use crate::KernelError;

/// What each metered operation costs. The defaults are the Cosmos SDK's.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct GasCosts {
    /// Flat cost of a read.
    pub read_flat: u64,
    /// Cost per byte read (key and value).
    pub read_per_byte: u64,
    /// Flat cost of a write or delete.
    pub write_flat: u64,
    /// Cost per byte written (key and value).
    pub write_per_byte: u64,
    /// Cost per entry returned by a range scan.
    pub iter_next_flat: u64,
    /// Cost per byte of the transaction.
    pub tx_size_per_byte: u64,
    /// Cost of verifying a secp256k1 signature.
    pub sig_verify_secp256k1: u64,
    /// Cost of verifying an ed25519 signature.
    pub sig_verify_ed25519: u64,
}

impl Default for GasCosts {
    fn default() -> Self {
        Self {
            read_flat: 1000,
            read_per_byte: 3,
            write_flat: 2000,
            write_per_byte: 30,
            iter_next_flat: 30,
            tx_size_per_byte: 10,
            sig_verify_secp256k1: 1000,
            sig_verify_ed25519: 590,
        }
    }
}

/// Counts gas used against a limit.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GasMeter {
    limit: u64,
    used: u64,
    costs: GasCosts,
}

impl GasMeter {
    /// A meter with a limit.
    pub fn new(limit: u64, costs: GasCosts) -> Self {
        Self {
            limit,
            used: 0,
            costs,
        }
    }

    /// A meter that never runs out, for genesis and block begin/end work.
    pub fn infinite() -> Self {
        Self::new(u64::MAX, GasCosts::default())
    }

    /// The prices in force.
    pub fn costs(&self) -> &GasCosts {
        &self.costs
    }

    /// Gas used so far.
    pub fn used(&self) -> u64 {
        self.used
    }

    /// The limit.
    pub fn limit(&self) -> u64 {
        self.limit
    }

    /// Consumes `amount`, failing (and saturating the counter at the limit) if the
    /// limit is passed.
    pub fn consume(&mut self, amount: u64, descriptor: &str) -> Result<(), KernelError> {
        let next = self.used.saturating_add(amount);
        if next > self.limit {
            self.used = self.limit;
            return Err(KernelError::OutOfGas {
                descriptor: descriptor.to_string(),
                limit: self.limit,
                used: next,
            });
        }
        self.used = next;
        Ok(())
    }

    /// Charges a read of `bytes` bytes.
    pub fn charge_read(&mut self, bytes: usize) -> Result<(), KernelError> {
        let c = self.costs;
        self.consume(
            c.read_flat
                .saturating_add(c.read_per_byte.saturating_mul(bytes as u64)),
            "ReadFlat",
        )
    }

    /// Charges a write of `bytes` bytes.
    pub fn charge_write(&mut self, bytes: usize) -> Result<(), KernelError> {
        let c = self.costs;
        self.consume(
            c.write_flat
                .saturating_add(c.write_per_byte.saturating_mul(bytes as u64)),
            "WriteFlat",
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn runs_out_at_the_limit() {
        let mut g = GasMeter::new(2500, GasCosts::default());
        g.charge_read(10).unwrap();
        assert_eq!(g.used(), 1030);
        let err = g.charge_write(0).unwrap_err();
        assert_eq!(err.code(), 11);
        assert_eq!(g.used(), 2500);
    }

    #[test]
    fn infinite_meter_saturates_without_error() {
        let mut g = GasMeter::infinite();
        g.consume(u64::MAX, "x").unwrap();
        g.consume(5, "y").unwrap();
        assert_eq!(g.used(), u64::MAX);
    }
}
