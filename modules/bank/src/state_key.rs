//! Every key the bank module writes. Addresses are hex; heights and numbers are
//! zero-padded so that byte order is numeric order.

use weave_kernel::Address;

/// `bank/params`
pub fn params() -> Vec<u8> {
    b"bank/params".to_vec()
}

/// `bank/account/{address hex}`
pub fn account(address: &Address) -> Vec<u8> {
    format!("bank/account/{}", address.to_hex()).into_bytes()
}

/// `bank/next_account_number`
pub fn next_account_number() -> Vec<u8> {
    b"bank/next_account_number".to_vec()
}

/// `bank/balance/{address hex}/` — the prefix of one account's balances.
pub fn balances_of(address: &Address) -> Vec<u8> {
    format!("bank/balance/{}/", address.to_hex()).into_bytes()
}

/// `bank/balance/{address hex}/{denom}`
pub fn balance(address: &Address, denom: &str) -> Vec<u8> {
    let mut k = balances_of(address);
    k.extend_from_slice(denom.as_bytes());
    k
}

/// `bank/supply/` — the prefix of the supply entries.
pub fn supplies() -> Vec<u8> {
    b"bank/supply/".to_vec()
}

/// `bank/supply/{denom}`
pub fn supply(denom: &str) -> Vec<u8> {
    let mut k = supplies();
    k.extend_from_slice(denom.as_bytes());
    k
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_are_namespaced_and_ordered() {
        let a = Address::new([1; 20]);
        let b = Address::new([2; 20]);
        assert!(balance(&a, "zzz") < balance(&b, "aaa"));
        assert!(balance(&a, "uweave").starts_with(&balances_of(&a)));
        assert!(!balance(&a, "x").starts_with(&balances_of(&b)));
        for k in [
            params(),
            account(&a),
            next_account_number(),
            supply("uweave"),
        ] {
            assert!(k.starts_with(b"bank/"));
        }
        assert!(supply("a") < supply("b"));
    }
}
