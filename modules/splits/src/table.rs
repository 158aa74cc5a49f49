//! The split table: who is paid and in which proportion.

use weave_kernel::Address;
use weave_proto::weave::splits::v1 as pb;

use crate::SplitsError;

/// Basis points that make 100%.
pub const TOTAL_BPS: u32 = 10_000;
/// Most recipients of one table.
pub const MAX_RECIPIENTS: usize = 32;

/// A valid split table: 1 to 32 recipients, strictly ascending by address, each with a
/// positive share, the shares summing to exactly [`TOTAL_BPS`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SplitTable {
    recipients: Vec<(Address, u32)>,
}

impl SplitTable {
    /// Checks and wraps a list of (address, basis points).
    pub fn new(recipients: Vec<(Address, u32)>) -> Result<Self, SplitsError> {
        if recipients.is_empty() || recipients.len() > MAX_RECIPIENTS {
            return Err(SplitsError::RecipientCount(recipients.len()));
        }
        let mut sum: u64 = 0;
        for (i, (address, bps)) in recipients.iter().enumerate() {
            if *bps == 0 {
                return Err(SplitsError::ZeroShare(address.to_string()));
            }
            if let Some((previous, _)) = i.checked_sub(1).and_then(|p| recipients.get(p)) {
                if previous == address {
                    return Err(SplitsError::DuplicateRecipient(address.to_string()));
                }
                if previous > address {
                    return Err(SplitsError::Unsorted(address.to_string()));
                }
            }
            sum = sum.saturating_add(u64::from(*bps));
        }
        if sum != u64::from(TOTAL_BPS) {
            return Err(SplitsError::BpsSum(sum));
        }
        Ok(Self { recipients })
    }

    /// A table that pays one account everything.
    pub fn single(address: Address) -> Self {
        Self {
            recipients: vec![(address, TOTAL_BPS)],
        }
    }

    /// The recipients, ascending by address.
    pub fn recipients(&self) -> &[(Address, u32)] {
        &self.recipients
    }

    /// The first recipient, which receives rounding remainders.
    pub fn first(&self) -> Address {
        // A table is never empty; `new` and `single` guarantee it.
        self.recipients[0].0
    }

    /// Parses wire recipients: bech32 addresses, then the table checks.
    pub fn from_wire(list: &[pb::Recipient]) -> Result<Self, SplitsError> {
        if list.len() > MAX_RECIPIENTS {
            return Err(SplitsError::RecipientCount(list.len()));
        }
        let parsed = list
            .iter()
            .map(|r| {
                r.address
                    .parse::<Address>()
                    .map(|a| (a, r.bps))
                    .map_err(|e| SplitsError::InvalidAddress(format!("{}: {e}", r.address)))
            })
            .collect::<Result<Vec<_>, _>>()?;
        Self::new(parsed)
    }

    /// The wire form.
    pub fn to_wire(&self) -> Vec<pb::Recipient> {
        self.recipients
            .iter()
            .map(|(a, bps)| pb::Recipient {
                address: a.to_string(),
                bps: *bps,
            })
            .collect()
    }

    /// `address:bps` pairs joined by commas, for events.
    pub fn describe(&self) -> String {
        self.recipients
            .iter()
            .map(|(a, bps)| format!("{a}:{bps}"))
            .collect::<Vec<_>>()
            .join(",")
    }
}

/// A table as stored: its recipients and who may change it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredSplit {
    /// The id.
    pub id: u64,
    /// The recipients.
    pub table: SplitTable,
    /// Who may change it; None: immutable.
    pub controller: Option<Address>,
    /// A proposed successor, until it accepts.
    pub pending_controller: Option<Address>,
    /// Who created it.
    pub creator: Address,
    /// Bumped on every change.
    pub version: u64,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn a(n: u8) -> Address {
        Address::new([n; 20])
    }

    #[test]
    fn accepts_a_valid_table() {
        let t = SplitTable::new(vec![(a(1), 5000), (a(2), 3000), (a(3), 2000)]).unwrap();
        assert_eq!(t.first(), a(1));
        assert_eq!(t.recipients().len(), 3);
    }

    #[test]
    fn rejects_bad_tables() {
        assert_eq!(
            SplitTable::new(vec![(a(1), 5000), (a(2), 4999)]),
            Err(SplitsError::BpsSum(9999))
        );
        assert_eq!(
            SplitTable::new(vec![(a(1), 5000), (a(1), 5000)]),
            Err(SplitsError::DuplicateRecipient(a(1).to_string()))
        );
        assert_eq!(
            SplitTable::new(vec![(a(2), 5000), (a(1), 5000)]),
            Err(SplitsError::Unsorted(a(1).to_string()))
        );
        assert_eq!(SplitTable::new(vec![]), Err(SplitsError::RecipientCount(0)));
        assert_eq!(
            SplitTable::new(vec![(a(1), 10_000), (a(2), 0)]),
            Err(SplitsError::ZeroShare(a(2).to_string()))
        );
        let too_many: Vec<_> = (0..33u8).map(|i| (a(i), 1)).collect();
        assert_eq!(
            SplitTable::new(too_many),
            Err(SplitsError::RecipientCount(33))
        );
        // A sum that would overflow u32 is still just a wrong sum.
        assert_eq!(
            SplitTable::new(vec![(a(1), u32::MAX), (a(2), u32::MAX)]),
            Err(SplitsError::BpsSum(2 * u64::from(u32::MAX)))
        );
    }
}
