//! Every key the validators module writes, in one place. Numbers are zero-padded so
//! that byte order is numeric order; addresses are hex. Times are block-time seconds
//! (never negative on a real chain; a negative time sorts as 0).

use weave_kernel::{Address, ConsensusAddress};

const P: &str = "validators/";

fn time(t: i64) -> u64 {
    u64::try_from(t).unwrap_or(0)
}

/// `validators/params`
pub fn params() -> Vec<u8> {
    format!("{P}params").into_bytes()
}

/// `validators/next_entry_id`: the id of the next unbonding or redelegation entry.
pub fn next_entry_id() -> Vec<u8> {
    format!("{P}next_entry_id").into_bytes()
}

/// `validators/dirty`: present when the active set may have changed since it was
/// last reported.
pub fn dirty() -> Vec<u8> {
    format!("{P}dirty").into_bytes()
}

/// `validators/totals`: minted, burned and dust since genesis.
pub fn totals() -> Vec<u8> {
    format!("{P}totals").into_bytes()
}

/// `validators/validator/` — every validator, by operator.
pub fn validators() -> Vec<u8> {
    format!("{P}validator/").into_bytes()
}

/// `validators/validator/{operator hex}`
pub fn validator(operator: &Address) -> Vec<u8> {
    format!("{P}validator/{}", operator.to_hex()).into_bytes()
}

/// `validators/by_cons/{consensus address hex}` → the operator's 20 bytes.
pub fn by_consensus(cons: &ConsensusAddress) -> Vec<u8> {
    format!("{P}by_cons/{}", hex::encode(cons)).into_bytes()
}

/// `validators/power/` — the index of candidates for the active set: every validator
/// that is not jailed and has tokens, most tokens first.
pub fn power_index() -> Vec<u8> {
    format!("{P}power/").into_bytes()
}

/// `validators/power/{(u128::MAX − tokens):039}/{operator hex}`
pub fn power(tokens: u128, operator: &Address) -> Vec<u8> {
    format!("{P}power/{:039}/{}", u128::MAX - tokens, operator.to_hex()).into_bytes()
}

/// The operator of a power-index key.
pub fn parse_power_key(key: &[u8]) -> Option<Address> {
    let rest = key.strip_prefix(power_index().as_slice())?;
    let (_, op) = std::str::from_utf8(rest).ok()?.split_once('/')?;
    parse_hex_address(op)
}

/// `validators/last_set/` — the active set as last reported to CometBFT.
pub fn last_set() -> Vec<u8> {
    format!("{P}last_set/").into_bytes()
}

/// `validators/last_set/{operator hex}`
pub fn last_set_member(operator: &Address) -> Vec<u8> {
    format!("{P}last_set/{}", operator.to_hex()).into_bytes()
}

/// `validators/delegation/{delegator hex}/` — a delegator's delegations.
pub fn delegations_of(delegator: &Address) -> Vec<u8> {
    format!("{P}delegation/{}/", delegator.to_hex()).into_bytes()
}

/// `validators/delegation/{delegator hex}/{validator hex}`
pub fn delegation(delegator: &Address, validator: &Address) -> Vec<u8> {
    let mut k = delegations_of(delegator);
    k.extend_from_slice(validator.to_hex().as_bytes());
    k
}

/// `validators/rewards/{operator hex}`
pub fn rewards(operator: &Address) -> Vec<u8> {
    format!("{P}rewards/{}", operator.to_hex()).into_bytes()
}

/// `validators/ubd/{id:020}`
pub fn unbonding(id: u64) -> Vec<u8> {
    format!("{P}ubd/{id:020}").into_bytes()
}

/// `validators/ubd_by_del/{delegator hex}/` — a delegator's unbonding entries.
pub fn unbondings_of(delegator: &Address) -> Vec<u8> {
    format!("{P}ubd_by_del/{}/", delegator.to_hex()).into_bytes()
}

/// `validators/ubd_by_del/{delegator hex}/{validator hex}/` — one pair's entries.
pub fn unbondings_of_pair(delegator: &Address, validator: &Address) -> Vec<u8> {
    format!(
        "{P}ubd_by_del/{}/{}/",
        delegator.to_hex(),
        validator.to_hex()
    )
    .into_bytes()
}

/// `validators/ubd_by_del/{delegator hex}/{validator hex}/{id:020}`
pub fn unbonding_by_delegator(delegator: &Address, validator: &Address, id: u64) -> Vec<u8> {
    let mut k = unbondings_of_pair(delegator, validator);
    k.extend_from_slice(format!("{id:020}").as_bytes());
    k
}

/// `validators/ubd_by_val/{validator hex}/{height:020}/` — a validator's unbonding
/// entries created at or after `height` start here.
pub fn unbondings_from(validator: &Address, height: u64) -> Vec<u8> {
    format!("{P}ubd_by_val/{}/{height:020}/", validator.to_hex()).into_bytes()
}

/// `validators/ubd_by_val/{validator hex}/` — all of a validator's unbonding entries.
pub fn unbondings_by_validator(validator: &Address) -> Vec<u8> {
    format!("{P}ubd_by_val/{}/", validator.to_hex()).into_bytes()
}

/// `validators/ubd_by_val/{validator hex}/{height:020}/{id:020}`
pub fn unbonding_by_validator(validator: &Address, height: u64, id: u64) -> Vec<u8> {
    let mut k = unbondings_from(validator, height);
    k.extend_from_slice(format!("{id:020}").as_bytes());
    k
}

/// `validators/ubd_queue/` — unbonding entries by completion time.
pub fn unbonding_queue() -> Vec<u8> {
    format!("{P}ubd_queue/").into_bytes()
}

/// `validators/ubd_queue/{time:020}/` — entries maturing at `t` or later start here.
pub fn unbonding_queue_at(t: i64) -> Vec<u8> {
    format!("{P}ubd_queue/{:020}/", time(t)).into_bytes()
}

/// `validators/ubd_queue/{time:020}/{id:020}`
pub fn unbonding_queue_entry(t: i64, id: u64) -> Vec<u8> {
    let mut k = unbonding_queue_at(t);
    k.extend_from_slice(format!("{id:020}").as_bytes());
    k
}

/// `validators/red/{id:020}`
pub fn redelegation(id: u64) -> Vec<u8> {
    format!("{P}red/{id:020}").into_bytes()
}

/// `validators/red_by_del/{delegator hex}/` — a delegator's redelegation entries.
pub fn redelegations_of(delegator: &Address) -> Vec<u8> {
    format!("{P}red_by_del/{}/", delegator.to_hex()).into_bytes()
}

/// `validators/red_by_del/{delegator hex}/{src hex}/{dst hex}/` — one triple's entries.
pub fn redelegations_of_triple(delegator: &Address, src: &Address, dst: &Address) -> Vec<u8> {
    format!(
        "{P}red_by_del/{}/{}/{}/",
        delegator.to_hex(),
        src.to_hex(),
        dst.to_hex()
    )
    .into_bytes()
}

/// `validators/red_by_del/{delegator hex}/{src hex}/{dst hex}/{id:020}`
pub fn redelegation_by_delegator(
    delegator: &Address,
    src: &Address,
    dst: &Address,
    id: u64,
) -> Vec<u8> {
    let mut k = redelegations_of_triple(delegator, src, dst);
    k.extend_from_slice(format!("{id:020}").as_bytes());
    k
}

/// `validators/red_in/{delegator hex}/{dst hex}/` — a delegator's immature
/// redelegations into `dst`.
pub fn redelegations_into(delegator: &Address, dst: &Address) -> Vec<u8> {
    format!("{P}red_in/{}/{}/", delegator.to_hex(), dst.to_hex()).into_bytes()
}

/// `validators/red_in/{delegator hex}/{dst hex}/{id:020}`
pub fn redelegation_into(delegator: &Address, dst: &Address, id: u64) -> Vec<u8> {
    let mut k = redelegations_into(delegator, dst);
    k.extend_from_slice(format!("{id:020}").as_bytes());
    k
}

/// `validators/red_by_src/{src hex}/{height:020}/` — a source validator's
/// redelegation entries created at or after `height` start here.
pub fn redelegations_from(src: &Address, height: u64) -> Vec<u8> {
    format!("{P}red_by_src/{}/{height:020}/", src.to_hex()).into_bytes()
}

/// `validators/red_by_src/{src hex}/` — all redelegation entries out of `src`.
pub fn redelegations_by_source(src: &Address) -> Vec<u8> {
    format!("{P}red_by_src/{}/", src.to_hex()).into_bytes()
}

/// `validators/red_by_src/{src hex}/{height:020}/{id:020}`
pub fn redelegation_by_source(src: &Address, height: u64, id: u64) -> Vec<u8> {
    let mut k = redelegations_from(src, height);
    k.extend_from_slice(format!("{id:020}").as_bytes());
    k
}

/// `validators/red_queue/` — redelegation entries by completion time.
pub fn redelegation_queue() -> Vec<u8> {
    format!("{P}red_queue/").into_bytes()
}

/// `validators/red_queue/{time:020}/`
pub fn redelegation_queue_at(t: i64) -> Vec<u8> {
    format!("{P}red_queue/{:020}/", time(t)).into_bytes()
}

/// `validators/red_queue/{time:020}/{id:020}`
pub fn redelegation_queue_entry(t: i64, id: u64) -> Vec<u8> {
    let mut k = redelegation_queue_at(t);
    k.extend_from_slice(format!("{id:020}").as_bytes());
    k
}

/// `validators/val_queue/` — validators leaving the active set, by completion time.
pub fn validator_queue() -> Vec<u8> {
    format!("{P}val_queue/").into_bytes()
}

/// `validators/val_queue/{time:020}/`
pub fn validator_queue_at(t: i64) -> Vec<u8> {
    format!("{P}val_queue/{:020}/", time(t)).into_bytes()
}

/// `validators/val_queue/{time:020}/{operator hex}`
pub fn validator_queue_entry(t: i64, operator: &Address) -> Vec<u8> {
    let mut k = validator_queue_at(t);
    k.extend_from_slice(operator.to_hex().as_bytes());
    k
}

/// `validators/signing/{consensus address hex}`
pub fn signing_info(cons: &ConsensusAddress) -> Vec<u8> {
    format!("{P}signing/{}", hex::encode(cons)).into_bytes()
}

/// `validators/missed/{consensus address hex}/` — the missed-block bitmap's chunks.
pub fn missed_chunks(cons: &ConsensusAddress) -> Vec<u8> {
    format!("{P}missed/{}/", hex::encode(cons)).into_bytes()
}

/// `validators/missed/{consensus address hex}/{chunk:010}`
pub fn missed_chunk(cons: &ConsensusAddress, chunk: u64) -> Vec<u8> {
    let mut k = missed_chunks(cons);
    k.extend_from_slice(format!("{chunk:010}").as_bytes());
    k
}

/// The trailing `{id:020}` of an index or queue key.
pub fn parse_trailing_id(key: &[u8]) -> Option<u64> {
    let s = std::str::from_utf8(key).ok()?;
    s.rsplit('/').next()?.parse().ok()
}

/// The trailing `{operator hex}` of a key.
pub fn parse_trailing_address(key: &[u8]) -> Option<Address> {
    let s = std::str::from_utf8(key).ok()?;
    parse_hex_address(s.rsplit('/').next()?)
}

fn parse_hex_address(s: &str) -> Option<Address> {
    let bytes = hex::decode(s).ok()?;
    Address::from_slice(&bytes).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_are_namespaced_and_ordered() {
        let a = Address::new([1; 20]);
        let b = Address::new([2; 20]);
        // The power index lists the most tokens first, then by operator.
        assert!(power(1_000, &b) < power(999, &a));
        assert!(power(5, &a) < power(5, &b));
        assert!(power(0, &a) > power(u128::MAX, &a));
        assert_eq!(parse_power_key(&power(77, &b)), Some(b));
        // Queues are in time order, then id order.
        assert!(unbonding_queue_entry(9, 100) < unbonding_queue_entry(10, 1));
        assert!(unbonding_queue_entry(10, 1) < unbonding_queue_at(11));
        assert_eq!(unbonding_queue_entry(-5, 1), unbonding_queue_entry(0, 1));
        assert!(redelegation_queue_entry(9, 1) < redelegation_queue_at(10));
        assert!(validator_queue_entry(9, &b) < validator_queue_at(10));
        // Per-validator entry indexes are in height order.
        assert!(unbonding_by_validator(&a, 9, 5) < unbondings_from(&a, 10));
        assert!(unbonding_by_validator(&a, 10, 5) > unbondings_from(&a, 10));
        assert!(redelegation_by_source(&a, 3, 1) < redelegations_from(&a, 4));
        // Sub-collections sit under their prefixes and do not overlap.
        assert!(delegation(&a, &b).starts_with(&delegations_of(&a)));
        assert!(!delegation(&b, &a).starts_with(&delegations_of(&a)));
        assert!(unbonding_by_delegator(&a, &b, 3).starts_with(&unbondings_of_pair(&a, &b)));
        assert!(unbondings_of_pair(&a, &b).starts_with(&unbondings_of(&a)));
        assert!(!unbonding(1).starts_with(&unbondings_of(&a)));
        assert!(redelegation_by_delegator(&a, &a, &b, 1).starts_with(&redelegations_of(&a)));
        assert!(redelegation_into(&a, &b, 1).starts_with(&redelegations_into(&a, &b)));
        assert!(missed_chunk(&[3; 20], 2) < missed_chunk(&[3; 20], 10));
        assert_eq!(parse_trailing_id(&unbonding_queue_entry(9, 42)), Some(42));
        assert_eq!(
            parse_trailing_address(&validator_queue_entry(9, &b)),
            Some(b)
        );
        for k in [
            params(),
            next_entry_id(),
            dirty(),
            totals(),
            validator(&a),
            by_consensus(&[0; 20]),
            last_set_member(&a),
            rewards(&a),
            signing_info(&[0; 20]),
        ] {
            assert!(k.starts_with(b"validators/"));
        }
    }
}
