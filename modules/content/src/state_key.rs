//! Every key the content module writes. Numbers are zero-padded so that byte order is
//! numeric order; addresses and roots are hex. Listings that run newest first store
//! `u64::MAX - id` so that forward iteration yields the newest entry first.
//!
//! Verifiable keys (in the JMT) hold what transactions depend on. The `by_creator`,
//! `by_tag`, `feed` and `pending` indexes serve queries only and live in the
//! non-verifiable space.

use weave_kernel::Address;

/// `content/params`
pub fn params() -> Vec<u8> {
    b"content/params".to_vec()
}

/// `content/next_id`
pub fn next_id() -> Vec<u8> {
    b"content/next_id".to_vec()
}

/// `content/item/{id:020}`
pub fn content(id: u64) -> Vec<u8> {
    format!("content/item/{id:020}").into_bytes()
}

/// `content/root/{root hex}` → content id
pub fn root(root: &[u8; 32]) -> Vec<u8> {
    format!("content/root/{}", hex::encode(root)).into_bytes()
}

/// `content/tokens/{id:020}/{holder hex}` → token balance
pub fn tokens(id: u64, holder: &Address) -> Vec<u8> {
    format!("content/tokens/{id:020}/{}", holder.to_hex()).into_bytes()
}

/// `content/price/{id:020}/` — the prefix of a content's price history.
pub fn prices(id: u64) -> Vec<u8> {
    format!("content/price/{id:020}/").into_bytes()
}

/// `content/price/{id:020}/{u64::MAX - nonce:020}`, newest first.
pub fn price(id: u64, nonce: u64) -> Vec<u8> {
    let mut k = prices(id);
    k.extend_from_slice(format!("{:020}", u64::MAX - nonce).as_bytes());
    k
}

/// `content/terms/{creator hex}`
pub fn terms(creator: &Address) -> Vec<u8> {
    format!("content/terms/{}", creator.to_hex()).into_bytes()
}

/// `content/sub/{subscriber hex}/` — the prefix of one subscriber's subscriptions.
pub fn subscriptions_of(subscriber: &Address) -> Vec<u8> {
    format!("content/sub/{}/", subscriber.to_hex()).into_bytes()
}

/// `content/sub/{subscriber hex}/{creator hex}`
pub fn subscription(subscriber: &Address, creator: &Address) -> Vec<u8> {
    let mut k = subscriptions_of(subscriber);
    k.extend_from_slice(creator.to_hex().as_bytes());
    k
}

/// `content/sub_expiry/` — the prefix of the expiry queue.
pub fn expiries() -> Vec<u8> {
    b"content/sub_expiry/".to_vec()
}

/// `content/sub_expiry/{height:020}/` — the end of the queue entries due at or before
/// `height - 1`, and the prefix of those due at `height`.
pub fn expiries_at(height: u64) -> Vec<u8> {
    format!("content/sub_expiry/{height:020}/").into_bytes()
}

/// `content/sub_expiry/{height:020}/{subscriber hex}/{creator hex}`
pub fn expiry(height: u64, subscriber: &Address, creator: &Address) -> Vec<u8> {
    let mut k = expiries_at(height);
    k.extend_from_slice(format!("{}/{}", subscriber.to_hex(), creator.to_hex()).as_bytes());
    k
}

/// `content/buyer_key/{address hex}`
pub fn buyer_key(owner: &Address) -> Vec<u8> {
    format!("content/buyer_key/{}", owner.to_hex()).into_bytes()
}

/// `content/sealed/{id:020}/{holder hex}`
pub fn sealed_key(id: u64, holder: &Address) -> Vec<u8> {
    format!("content/sealed/{id:020}/{}", holder.to_hex()).into_bytes()
}

fn inverted(id: u64) -> String {
    format!("{:020}", u64::MAX - id)
}

/// Non-verifiable: `content/by_creator/{creator hex}/`
pub fn by_creator_prefix(creator: &Address) -> Vec<u8> {
    format!("content/by_creator/{}/", creator.to_hex()).into_bytes()
}

/// Non-verifiable: `content/by_creator/{creator hex}/{u64::MAX - id:020}`
pub fn by_creator(creator: &Address, id: u64) -> Vec<u8> {
    let mut k = by_creator_prefix(creator);
    k.extend_from_slice(inverted(id).as_bytes());
    k
}

/// Non-verifiable: `content/by_tag/{tag}/` (tags never contain `/`).
pub fn by_tag_prefix(tag: &str) -> Vec<u8> {
    format!("content/by_tag/{tag}/").into_bytes()
}

/// Non-verifiable: `content/by_tag/{tag}/{u64::MAX - id:020}`
pub fn by_tag(tag: &str, id: u64) -> Vec<u8> {
    let mut k = by_tag_prefix(tag);
    k.extend_from_slice(inverted(id).as_bytes());
    k
}

/// Non-verifiable: `content/feed/`
pub fn feed_prefix() -> Vec<u8> {
    b"content/feed/".to_vec()
}

/// Non-verifiable: `content/feed/{u64::MAX - id:020}`
pub fn feed(id: u64) -> Vec<u8> {
    let mut k = feed_prefix();
    k.extend_from_slice(inverted(id).as_bytes());
    k
}

/// Non-verifiable: `content/pending/{creator hex}/`
pub fn pending_prefix(creator: &Address) -> Vec<u8> {
    format!("content/pending/{}/", creator.to_hex()).into_bytes()
}

/// Non-verifiable: `content/pending/{creator hex}/{id:020}/{holder hex}`; id 0 stands
/// for a subscription to all the creator's content.
pub fn pending(creator: &Address, id: u64, holder: &Address) -> Vec<u8> {
    let mut k = pending_prefix(creator);
    k.extend_from_slice(format!("{id:020}/{}", holder.to_hex()).as_bytes());
    k
}

/// Non-verifiable: `content/last_height`, the last block whose end-block work ran, so
/// that queries can tell whether a subscription is still running.
pub fn last_height() -> Vec<u8> {
    b"content/last_height".to_vec()
}

/// Reads the id from the last 20 characters of an inverted-id index key.
pub fn id_from_inverted(key: &[u8]) -> Option<u64> {
    let tail = key.get(key.len().checked_sub(20)?..)?;
    let inv: u64 = std::str::from_utf8(tail).ok()?.parse().ok()?;
    Some(u64::MAX - inv)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_are_namespaced_and_ordered() {
        let a = Address::new([1; 20]);
        let b = Address::new([2; 20]);
        assert!(content(9) < content(10));
        assert!(tokens(9, &b) < tokens(10, &a));
        // Newest first.
        assert!(feed(10) < feed(9));
        assert!(by_creator(&a, 10) < by_creator(&a, 9));
        assert!(by_tag("x", 2) < by_tag("x", 1));
        assert!(price(1, 5) < price(1, 4));
        assert!(price(1, 0).starts_with(&prices(1)));
        assert!(!by_tag("ab", 1).starts_with(&by_tag_prefix("a")));
        // The expiry queue runs in height order, and everything due by h sorts below
        // the prefix of h + 1.
        assert!(expiry(9, &b, &b) < expiries_at(10));
        assert!(expiry(10, &a, &a) > expiries_at(10));
        assert!(expiry(10, &a, &a).starts_with(&expiries()));
        assert_eq!(id_from_inverted(&feed(42)), Some(42));
        assert_eq!(id_from_inverted(&by_creator(&a, u64::MAX)), Some(u64::MAX));
        assert_eq!(id_from_inverted(b"short"), None);
        for k in [
            params(),
            next_id(),
            root(&[0; 32]),
            terms(&a),
            subscription(&a, &b),
            buyer_key(&a),
            sealed_key(1, &a),
            pending(&a, 0, &b),
        ] {
            assert!(k.starts_with(b"content/"));
        }
        assert!(subscription(&a, &b).starts_with(&subscriptions_of(&a)));
        assert!(pending(&a, 3, &b).starts_with(&pending_prefix(&a)));
    }
}
