//! Every key the channels module writes. Numbers are zero-padded so that byte order
//! is numeric order; addresses and roots are hex.

use weave_kernel::Address;

/// `channels/params`
pub fn params() -> Vec<u8> {
    b"channels/params".to_vec()
}

/// `channels/next_id`
pub fn next_id() -> Vec<u8> {
    b"channels/next_id".to_vec()
}

/// `channels/channel/{id:020}`
pub fn channel(id: u64) -> Vec<u8> {
    format!("channels/channel/{id:020}").into_bytes()
}

/// `channels/lane/{id:020}/` — the prefix of a channel's lanes.
pub fn lanes(id: u64) -> Vec<u8> {
    format!("channels/lane/{id:020}/").into_bytes()
}

/// `channels/lane/{id:020}/{seeder hex}/{root hex}`
pub fn lane(id: u64, seeder: &Address, root: &[u8; 32]) -> Vec<u8> {
    let mut k = lanes(id);
    k.extend_from_slice(format!("{}/{}", seeder.to_hex(), hex::encode(root)).as_bytes());
    k
}

/// `channels/earnings/{seeder hex}`
pub fn earnings(seeder: &Address) -> Vec<u8> {
    format!("channels/earnings/{}", seeder.to_hex()).into_bytes()
}

/// `channels/expiry/` — the queue of channels by expiry height.
pub fn expiries() -> Vec<u8> {
    b"channels/expiry/".to_vec()
}

/// `channels/expiry/{height:020}/`
pub fn expiries_at(height: u64) -> Vec<u8> {
    format!("channels/expiry/{height:020}/").into_bytes()
}

/// `channels/expiry/{height:020}/{id:020}`
pub fn expiry(height: u64, id: u64) -> Vec<u8> {
    format!("channels/expiry/{height:020}/{id:020}").into_bytes()
}

/// `channels/settle/` — the queue of closing channels by settle height.
pub fn settlements() -> Vec<u8> {
    b"channels/settle/".to_vec()
}

/// `channels/settle/{height:020}/`
pub fn settlements_at(height: u64) -> Vec<u8> {
    format!("channels/settle/{height:020}/").into_bytes()
}

/// `channels/settle/{height:020}/{id:020}`
pub fn settlement(height: u64, id: u64) -> Vec<u8> {
    format!("channels/settle/{height:020}/{id:020}").into_bytes()
}

/// Reads `(height, id)` from an expiry or settlement queue key.
pub fn parse_queue_key(prefix: &[u8], key: &[u8]) -> Option<(u64, u64)> {
    let rest = std::str::from_utf8(key.strip_prefix(prefix)?).ok()?;
    let (h, id) = rest.split_once('/')?;
    Some((h.parse().ok()?, id.parse().ok()?))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_are_namespaced_and_ordered() {
        let a = Address::new([1; 20]);
        assert!(channel(9) < channel(10));
        assert!(lane(9, &a, &[0; 32]) < lanes(10));
        assert!(lane(9, &a, &[0; 32]).starts_with(&lanes(9)));
        assert!(expiry(9, 100) < expiries_at(10));
        assert!(settlement(10, 1) > settlements_at(10));
        assert_eq!(parse_queue_key(&expiries(), &expiry(7, 42)), Some((7, 42)));
        assert_eq!(
            parse_queue_key(&settlements(), &settlement(8, 3)),
            Some((8, 3))
        );
        for k in [params(), next_id(), earnings(&a), expiries(), settlements()] {
            assert!(k.starts_with(b"channels/"));
        }
    }
}
