//! Every key the splits module writes. Ids are zero-padded so that byte order is
//! numeric order.

/// `splits/params`
pub fn params() -> Vec<u8> {
    b"splits/params".to_vec()
}

/// `splits/next_id`
pub fn next_id() -> Vec<u8> {
    b"splits/next_id".to_vec()
}

/// `splits/table/{id:020}`
pub fn table(id: u64) -> Vec<u8> {
    format!("splits/table/{id:020}").into_bytes()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_are_namespaced_and_ordered() {
        assert!(table(9) < table(10));
        assert!(table(u64::MAX - 1) < table(u64::MAX));
        for k in [params(), next_id(), table(1)] {
            assert!(k.starts_with(b"splits/"));
        }
    }
}
