//! What every module's query service shares: decoding a request, parsing an address
//! field, and paginating a listing by an opaque page key (a state key under the
//! listing's prefix) and a limit.

use prost::Message;
use weave_proto::weave::base::v1::{PageRequest, PageResponse};

use crate::{prefix_end, Address, Entries, KernelError, Store, TxError};

/// Decodes a query's protobuf request; bad bytes are `sdk:18` naming the path.
pub fn decode_request<M: Message + Default>(path: &str, request: &[u8]) -> Result<M, TxError> {
    M::decode(request).map_err(|e| KernelError::InvalidRequest(format!("{path}: {e}")).into())
}

/// Parses the address in a query's `field`; a malformed one is `sdk:7`.
pub fn query_address(s: &str, field: &str) -> Result<Address, TxError> {
    s.parse()
        .map_err(|e| KernelError::InvalidAddress(format!("{field}: {e}")).into())
}

/// The answer to a path no module serves: `sdk:6`.
pub fn unknown_query(path: &str) -> TxError {
    KernelError::UnknownMessage(path.to_string()).into()
}

/// How many entries a page of a listing may hold.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PageLimits {
    /// The page size when the request names none (limit 0).
    pub default: usize,
    /// The most entries one page returns, whatever the request asks.
    pub max: usize,
}

impl PageLimits {
    /// The limits most listings use: 20 by default, at most 100.
    pub const STANDARD: PageLimits = PageLimits {
        default: 20,
        max: 100,
    };

    /// The page size for a requested `limit`.
    pub fn limit(&self, requested: u32) -> usize {
        match requested as usize {
            0 => self.default,
            n => n.min(self.max),
        }
    }
}

/// Where one page of the listing under `prefix` starts and how long it is. An empty
/// page key is the listing's start; a key outside the listing is `sdk:18`.
pub fn page_start(
    prefix: &[u8],
    request: Option<&PageRequest>,
    limits: PageLimits,
) -> Result<(Vec<u8>, usize), TxError> {
    let limit = limits.limit(request.map_or(0, |p| p.limit));
    let start = match request.map(|p| p.key.as_slice()) {
        None | Some([]) => prefix.to_vec(),
        Some(k) if k.starts_with(prefix) => k.to_vec(),
        Some(_) => {
            return Err(KernelError::InvalidRequest(
                "page key does not belong to this listing".into(),
            )
            .into())
        }
    };
    Ok((start, limit))
}

/// Entries keyed by state key, in key order: raw bytes, or values already decoded.
pub type KeyedEntries<T> = Vec<(Vec<u8>, T)>;

/// Cuts what a scan of `limit + 1` entries returned down to one page and the next
/// page's key (empty on the last page).
pub fn page_end<T>(mut entries: KeyedEntries<T>, limit: usize) -> (KeyedEntries<T>, PageResponse) {
    let next_key = if entries.len() > limit {
        entries.truncate(limit + 1);
        entries.pop().map(|(k, _)| k).unwrap_or_default()
    } else {
        Vec::new()
    };
    (entries, PageResponse { next_key })
}

/// One page of the listing under `prefix`, read by `scan(start, end, limit)`: for a
/// listing of another key space or of typed entries.
pub fn page_with<T>(
    prefix: &[u8],
    request: Option<&PageRequest>,
    limits: PageLimits,
    scan: impl FnOnce(&[u8], Option<&[u8]>, usize) -> Result<KeyedEntries<T>, TxError>,
) -> Result<(KeyedEntries<T>, PageResponse), TxError> {
    let (start, limit) = page_start(prefix, request, limits)?;
    let entries = scan(
        &start,
        prefix_end(prefix).as_deref(),
        limit.saturating_add(1),
    )?;
    Ok(page_end(entries, limit))
}

/// One page of the verifiable entries under `prefix`, and the next page's key.
pub fn page(
    store: &mut (impl Store + ?Sized),
    prefix: &[u8],
    request: Option<&PageRequest>,
    limits: PageLimits,
) -> Result<(Entries, PageResponse), TxError> {
    page_with(prefix, request, limits, |s, e, l| store.scan(s, e, l))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Overlay, StateView};

    #[test]
    fn pages_walk_a_listing_and_refuse_a_foreign_key() {
        let mut o = Overlay::empty();
        for i in 0..5u8 {
            o.put(vec![b'p', b'/', b'0' + i], vec![i]);
        }
        o.put(b"q/0".to_vec(), vec![9]);
        let limits = PageLimits { default: 2, max: 3 };
        let mut view = StateView(&o);
        let (first, next) = page(&mut view, b"p/", None, limits).unwrap();
        assert_eq!(first.len(), 2);
        assert_eq!(next.next_key, b"p/2".to_vec());
        let req = PageRequest {
            key: next.next_key,
            limit: 50,
        };
        let (rest, next) = page(&mut view, b"p/", Some(&req), limits).unwrap();
        assert_eq!(rest.len(), 3);
        assert!(next.next_key.is_empty());
        let bad = PageRequest {
            key: b"q/0".to_vec(),
            limit: 0,
        };
        let e = page(&mut view, b"p/", Some(&bad), limits).unwrap_err();
        assert_eq!((e.codespace, e.code), ("sdk", 18));
    }
}
