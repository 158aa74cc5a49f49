//! Every key the gov module writes. Integers are zero-padded so byte order matches
//! numeric order; addresses are hex.

use weave_kernel::Address;

/// The params.
pub fn params() -> Vec<u8> {
    b"gov/params".to_vec()
}

/// The next proposal id.
pub fn next_proposal_id() -> Vec<u8> {
    b"gov/next_proposal_id".to_vec()
}

/// `gov/proposal/` — every proposal, by id.
pub fn proposals_prefix() -> Vec<u8> {
    b"gov/proposal/".to_vec()
}

/// `gov/proposal/{id:020}` — a proposal.
pub fn proposal(id: u64) -> Vec<u8> {
    format!("gov/proposal/{id:020}").into_bytes()
}

/// Every deposit on a proposal.
pub fn deposits_prefix(id: u64) -> Vec<u8> {
    format!("gov/deposit/{id:020}/").into_bytes()
}

/// One depositor's deposit on a proposal.
pub fn deposit(id: u64, depositor: &Address) -> Vec<u8> {
    let mut k = deposits_prefix(id);
    k.extend_from_slice(depositor.to_hex().as_bytes());
    k
}

/// Every vote on a proposal.
pub fn votes_prefix(id: u64) -> Vec<u8> {
    format!("gov/vote/{id:020}/").into_bytes()
}

/// One voter's vote on a proposal.
pub fn vote(id: u64, voter: &Address) -> Vec<u8> {
    let mut k = votes_prefix(id);
    k.extend_from_slice(voter.to_hex().as_bytes());
    k
}

/// The queue of proposals whose deposit period ends, by end time.
pub fn deposit_queue_prefix() -> Vec<u8> {
    b"gov/deposit_queue/".to_vec()
}

/// The queue of proposals whose voting period ends, by end time.
pub fn voting_queue_prefix() -> Vec<u8> {
    b"gov/voting_queue/".to_vec()
}

/// A queue entry: `<prefix><time:020>/<id:020>`. Times before the epoch sort as 0.
pub fn queue_entry(prefix: &[u8], time: i64, id: u64) -> Vec<u8> {
    let mut k = prefix.to_vec();
    k.extend_from_slice(format!("{:020}/{id:020}", time.max(0)).as_bytes());
    k
}

/// The end of the part of a queue that is due at `now`: every entry with time ≤ now.
pub fn queue_due_end(prefix: &[u8], now: i64) -> Vec<u8> {
    let mut k = prefix.to_vec();
    k.extend_from_slice(format!("{:020}/", now.max(0).saturating_add(1)).as_bytes());
    k
}

/// The scheduled software upgrade.
pub fn upgrade_plan() -> Vec<u8> {
    b"gov/upgrade_plan".to_vec()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_sort_numerically() {
        assert!(proposal(9) < proposal(10));
        let q = voting_queue_prefix();
        assert!(queue_entry(&q, 99, 5) < queue_entry(&q, 100, 1));
        assert!(queue_entry(&q, 100, 1) < queue_entry(&q, 100, 2));
        assert!(queue_entry(&q, 100, u64::MAX) < queue_due_end(&q, 100));
        assert!(queue_due_end(&q, 99) <= queue_entry(&q, 100, 0));
        let a = Address::new([1; 20]);
        assert!(vote(1, &a).starts_with(&votes_prefix(1)));
        assert!(deposit(1, &a).starts_with(&deposits_prefix(1)));
    }
}
