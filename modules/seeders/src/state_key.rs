//! Every key the seeders module writes. Integers are zero-padded so byte order matches
//! numeric order; addresses, roots, hashes and peer ids are hex.

use weave_kernel::Address;

/// `seeders/params`
pub fn params() -> Vec<u8> {
    b"seeders/params".to_vec()
}

/// `seeders/count` — seeder records in state (bonded or unbonding), u64 big-endian.
pub fn count() -> Vec<u8> {
    b"seeders/count".to_vec()
}

/// `seeders/epoch` — the number of the epoch under way (from 1), u64 big-endian.
pub fn epoch() -> Vec<u8> {
    b"seeders/epoch".to_vec()
}

/// `seeders/epoch_end` — the height at which the last epoch ended, u64 big-endian.
pub fn last_epoch_end() -> Vec<u8> {
    b"seeders/epoch_end".to_vec()
}

/// `seeders/seeder/` — every seeder, by address.
pub fn seeders() -> Vec<u8> {
    b"seeders/seeder/".to_vec()
}

/// `seeders/seeder/{address hex}`
pub fn seeder(a: &Address) -> Vec<u8> {
    let mut k = seeders();
    k.extend_from_slice(a.to_hex().as_bytes());
    k
}

/// `seeders/bonded/{address hex}` — present while the seeder is bonded (not
/// unbonding): the one small read the paid-bandwidth ledger makes per voucher.
pub fn bonded(a: &Address) -> Vec<u8> {
    format!("seeders/bonded/{}", a.to_hex()).into_bytes()
}

/// `seeders/peer/{peer id hex}` — the seeder using a peer id (20 address bytes).
pub fn peer(peer_id: &[u8]) -> Vec<u8> {
    format!("seeders/peer/{}", hex::encode(peer_id)).into_bytes()
}

/// `seeders/unbonding/` — the queue of unbondings, by completion height.
pub fn unbondings() -> Vec<u8> {
    b"seeders/unbonding/".to_vec()
}

/// `seeders/unbonding/{height:020}/` — the unbondings completing at `height`.
pub fn unbondings_at(height: u64) -> Vec<u8> {
    format!("seeders/unbonding/{height:020}/").into_bytes()
}

/// `seeders/unbonding/{height:020}/{address hex}`
pub fn unbonding(height: u64, a: &Address) -> Vec<u8> {
    let mut k = unbondings_at(height);
    k.extend_from_slice(a.to_hex().as_bytes());
    k
}

/// Reads `(height, seeder)` from an unbonding queue key.
pub fn parse_unbonding(key: &[u8]) -> Option<(u64, Address)> {
    let rest = std::str::from_utf8(key.strip_prefix(unbondings().as_slice())?).ok()?;
    let (h, a) = rest.split_once('/')?;
    let bytes = hex::decode(a).ok()?;
    Some((h.parse().ok()?, Address::from_slice(&bytes).ok()?))
}

/// `seeders/tally/{address hex}` — a seeder's epoch tally (the epoch under way).
pub fn tally(a: &Address) -> Vec<u8> {
    format!("seeders/tally/{}", a.to_hex()).into_bytes()
}

/// `seeders/fee/{seeder hex}/` — what each payer paid a seeder this epoch.
pub fn fees(seeder: &Address) -> Vec<u8> {
    format!("seeders/fee/{}/", seeder.to_hex()).into_bytes()
}

/// `seeders/fee/{seeder hex}/{payer hex}`
pub fn fee(seeder: &Address, payer: &Address) -> Vec<u8> {
    let mut k = fees(seeder);
    k.extend_from_slice(payer.to_hex().as_bytes());
    k
}

/// `seeders/report/{seeder hex}/{root hex}/{index:020}/{ciphertext hash hex}` — a bad
/// slice already reported (kept for good, so a header is slashed once).
pub fn report(
    seeder: &Address,
    root: &[u8; 32],
    index: u64,
    ciphertext_hash: &[u8; 32],
) -> Vec<u8> {
    format!(
        "seeders/report/{}/{}/{index:020}/{}",
        seeder.to_hex(),
        hex::encode(root),
        hex::encode(ciphertext_hash)
    )
    .into_bytes()
}

/// `seeders/round/` — the probe rounds kept, by height.
pub fn rounds() -> Vec<u8> {
    b"seeders/round/".to_vec()
}

/// `seeders/round/{height:020}`
pub fn round(height: u64) -> Vec<u8> {
    format!("seeders/round/{height:020}").into_bytes()
}

/// Reads the height from a round key.
pub fn parse_round(key: &[u8]) -> Option<u64> {
    std::str::from_utf8(key.strip_prefix(rounds().as_slice())?)
        .ok()?
        .parse()
        .ok()
}

/// `seeders/rounds_kept` — the heights of the rounds kept, oldest first (u64
/// big-endian each).
pub fn rounds_kept() -> Vec<u8> {
    b"seeders/rounds_kept".to_vec()
}

/// `seeders/round_applied/{height:020}` — present once the round's reports applied.
pub fn round_applied(height: u64) -> Vec<u8> {
    format!("seeders/round_applied/{height:020}").into_bytes()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_are_namespaced_ordered_and_parse_back() {
        let a = Address::new([1; 20]);
        let b = Address::new([2; 20]);
        assert!(seeder(&a) < seeder(&b));
        assert!(seeder(&a).starts_with(&seeders()));
        assert!(unbonding(9, &b) < unbonding(10, &a));
        assert!(unbonding(10, &a).starts_with(&unbondings_at(10)));
        assert!(unbonding(10, &b) < unbondings_at(11));
        assert_eq!(parse_unbonding(&unbonding(7, &a)), Some((7, a)));
        assert!(fee(&a, &b).starts_with(&fees(&a)));
        assert!(!fee(&b, &a).starts_with(&fees(&a)));
        assert!(round(9) < round(10));
        assert_eq!(parse_round(&round(42)), Some(42));
        // The applied markers do not fall under the rounds prefix.
        assert!(!round_applied(1).starts_with(&rounds()));
        assert!(report(&a, &[0; 32], 9, &[0; 32]) < report(&a, &[0; 32], 10, &[0; 32]));
        for k in [
            params(),
            count(),
            epoch(),
            last_epoch_end(),
            peer(&[1, 2]),
            tally(&a),
            bonded(&a),
            round_applied(3),
            rounds_kept(),
        ] {
            assert!(k.starts_with(b"seeders/"));
        }
    }
}
