//! The content record and its parts, checked when built from the wire.

use weave_kernel::{parse_amount, Address};
use weave_proto::weave::content::v1 as pb;
use weave_slices::{Cipher, MetaHash};

use crate::ContentError;

/// Longest title, in bytes.
pub const MAX_TITLE_LEN: usize = 200;
/// Longest description, in bytes.
pub const MAX_DESCRIPTION_LEN: usize = 4096;
/// Longest MIME type, in bytes.
pub const MAX_MIME_LEN: usize = 128;
/// Most tags.
pub const MAX_TAGS: usize = 16;
/// Longest tag, in bytes.
pub const MAX_TAG_LEN: usize = 32;
/// Longest URI (cover, metadata), in bytes.
pub const MAX_URI_LEN: usize = 512;
/// Most rights tiers.
pub const MAX_TIERS: usize = 8;
/// Longest tier name, in bytes.
pub const MAX_TIER_NAME_LEN: usize = 64;

/// The wire name of the only cipher.
pub const CIPHER_CHACHA20_POLY1305: &str = "chacha20-poly1305";

/// Whether content sells access.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    /// On sale.
    Active,
    /// No new sales; holders keep access.
    Retired,
}

/// A registered piece of content.
#[derive(Debug, Clone, PartialEq)]
pub struct ContentRecord {
    /// The id (from 1).
    pub id: u64,
    /// Who registered it and alone may change it.
    pub creator: Address,
    /// What identifies and checks its slices.
    pub meta: MetaHash,
    /// Checked metadata.
    pub metadata: pb::Metadata,
    /// Bumped on every update.
    pub metadata_nonce: u64,
    /// uweave per access token.
    pub access_price: u128,
    /// uweave per GiB streamed.
    pub price_per_gib: u128,
    /// The split every payment goes through.
    pub split_id: u64,
    /// Ascending thresholds.
    pub tiers: Vec<pb::RightsTier>,
    /// Active or retired.
    pub status: Status,
    /// Height of registration.
    pub created_height: u64,
    /// Height of the last change.
    pub updated_height: u64,
    /// Access tokens in existence.
    pub tokens_issued: u64,
}

impl ContentRecord {
    /// The wire form.
    pub fn to_wire(&self) -> pb::Content {
        pb::Content {
            id: self.id,
            creator: self.creator.to_string(),
            meta_hash: Some(meta_to_wire(&self.meta)),
            metadata: Some(self.metadata.clone()),
            metadata_nonce: self.metadata_nonce,
            access_price: self.access_price.to_string(),
            price_per_gib: self.price_per_gib.to_string(),
            split_id: self.split_id,
            tiers: self.tiers.clone(),
            status: match self.status {
                Status::Active => pb::ContentStatus::Active,
                Status::Retired => pb::ContentStatus::Retired,
            } as i32,
            created_height: self.created_height,
            updated_height: self.updated_height,
            tokens_issued: self.tokens_issued,
        }
    }

    /// Rebuilds a record from its stored wire form; `None` if it does not parse.
    pub(crate) fn from_stored(c: pb::Content) -> Option<Self> {
        Some(Self {
            id: c.id,
            creator: c.creator.parse().ok()?,
            meta: meta_from_wire(c.meta_hash.as_ref()?).ok()?,
            metadata: c.metadata?,
            metadata_nonce: c.metadata_nonce,
            access_price: parse_amount(&c.access_price).ok()?,
            price_per_gib: parse_amount(&c.price_per_gib).ok()?,
            split_id: c.split_id,
            tiers: c.tiers,
            status: match pb::ContentStatus::try_from(c.status).ok()? {
                pb::ContentStatus::Active => Status::Active,
                pb::ContentStatus::Retired => Status::Retired,
                pb::ContentStatus::Unspecified => return None,
            },
            created_height: c.created_height,
            updated_height: c.updated_height,
            tokens_issued: c.tokens_issued,
        })
    }

    /// The names of the tiers a token balance reaches, lowest first.
    pub fn rights(&self, tokens: u64) -> Vec<String> {
        self.tiers
            .iter()
            .filter(|t| tokens >= t.min_tokens)
            .map(|t| t.name.clone())
            .collect()
    }
}

/// The wire form of a meta-hash.
pub fn meta_to_wire(m: &MetaHash) -> pb::MetaHash {
    pb::MetaHash {
        root: m.root.to_vec(),
        slice_size: m.slice_size,
        slice_count: m.slice_count,
        plaintext_len: m.plaintext_len,
        cipher: match m.cipher {
            Cipher::ChaCha20Poly1305 => CIPHER_CHACHA20_POLY1305.into(),
        },
    }
}

/// Checks a wire meta-hash: a 32-byte root, a known cipher, and a slice count that
/// agrees with the length and the slice size.
pub fn meta_from_wire(m: &pb::MetaHash) -> Result<MetaHash, ContentError> {
    let root: [u8; 32] = m.root.as_slice().try_into().map_err(|_| {
        ContentError::InvalidMetaHash(format!("root must be 32 bytes, got {}", m.root.len()))
    })?;
    let cipher = match m.cipher.as_str() {
        CIPHER_CHACHA20_POLY1305 => Cipher::ChaCha20Poly1305,
        other => {
            return Err(ContentError::InvalidMetaHash(format!(
                "unknown cipher {other:?}; expected {CIPHER_CHACHA20_POLY1305:?}"
            )))
        }
    };
    let meta = MetaHash {
        root,
        slice_size: m.slice_size,
        slice_count: m.slice_count,
        plaintext_len: m.plaintext_len,
        cipher,
    };
    meta.validate()
        .map_err(|e| ContentError::InvalidMetaHash(e.to_string()))?;
    Ok(meta)
}

fn bounded(field: &str, value: &str, max: usize) -> Result<(), ContentError> {
    if value.len() > max {
        return Err(ContentError::InvalidMetadata(format!(
            "{field} is {} bytes, limit {max}",
            value.len()
        )));
    }
    if value.chars().any(char::is_control) && field != "description" {
        return Err(ContentError::InvalidMetadata(format!(
            "{field} contains control characters"
        )));
    }
    Ok(())
}

/// A tag or tier name: 1 to `max` of `a-z`, `0-9` and `-`.
fn slug(field: &str, value: &str, max: usize) -> Result<(), String> {
    if value.is_empty() || value.len() > max {
        return Err(format!("{field} {value:?} must be 1 to {max} bytes"));
    }
    if !value
        .bytes()
        .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
    {
        return Err(format!("{field} {value:?} may use only a-z, 0-9 and '-'"));
    }
    Ok(())
}

/// Checks metadata: every string and list is bounded, the title is present, the MIME
/// type looks like `type/subtype`, tags are unique slugs.
pub fn check_metadata(m: &pb::Metadata) -> Result<(), ContentError> {
    if m.title.trim().is_empty() {
        return Err(ContentError::InvalidMetadata("title is empty".into()));
    }
    bounded("title", &m.title, MAX_TITLE_LEN)?;
    bounded("description", &m.description, MAX_DESCRIPTION_LEN)?;
    bounded("mime_type", &m.mime_type, MAX_MIME_LEN)?;
    let mime_ok = m.mime_type.split_once('/').is_some_and(|(t, s)| {
        !t.is_empty()
            && !s.is_empty()
            && m.mime_type
                .bytes()
                .all(|b| b.is_ascii_graphic() && b != b'"')
    });
    if !mime_ok {
        return Err(ContentError::InvalidMetadata(format!(
            "mime_type {:?} is not of the form type/subtype",
            m.mime_type
        )));
    }
    bounded("cover_uri", &m.cover_uri, MAX_URI_LEN)?;
    bounded("metadata_uri", &m.metadata_uri, MAX_URI_LEN)?;
    if m.tags.len() > MAX_TAGS {
        return Err(ContentError::InvalidMetadata(format!(
            "{} tags, limit {MAX_TAGS}",
            m.tags.len()
        )));
    }
    let mut seen = std::collections::BTreeSet::new();
    for t in &m.tags {
        slug("tag", t, MAX_TAG_LEN).map_err(ContentError::InvalidMetadata)?;
        if !seen.insert(t) {
            return Err(ContentError::InvalidMetadata(format!(
                "duplicate tag {t:?}"
            )));
        }
    }
    Ok(())
}

/// Checks rights tiers: at most [`MAX_TIERS`], unique slug names, thresholds positive
/// and strictly ascending.
pub fn check_tiers(tiers: &[pb::RightsTier]) -> Result<(), ContentError> {
    if tiers.len() > MAX_TIERS {
        return Err(ContentError::InvalidTiers(format!(
            "{} tiers, limit {MAX_TIERS}",
            tiers.len()
        )));
    }
    let mut names = std::collections::BTreeSet::new();
    let mut last = 0u64;
    for t in tiers {
        slug("tier name", &t.name, MAX_TIER_NAME_LEN).map_err(ContentError::InvalidTiers)?;
        if !names.insert(&t.name) {
            return Err(ContentError::InvalidTiers(format!(
                "duplicate tier {:?}",
                t.name
            )));
        }
        if t.min_tokens <= last {
            return Err(ContentError::InvalidTiers(format!(
                "tier {:?}: thresholds must be positive and strictly ascending",
                t.name
            )));
        }
        last = t.min_tokens;
    }
    Ok(())
}

/// Parses a positive price.
pub fn price(field: &str, s: &str) -> Result<u128, ContentError> {
    let v =
        parse_amount(s).map_err(|e| ContentError::InvalidAmount(format!("{field} {s:?}: {e}")))?;
    if v == 0 {
        return Err(ContentError::InvalidAmount(format!(
            "{field} must be positive"
        )));
    }
    Ok(v)
}

/// Parses an optional bound: empty means none.
pub fn optional_amount(field: &str, s: &str) -> Result<Option<u128>, ContentError> {
    if s.is_empty() {
        return Ok(None);
    }
    parse_amount(s)
        .map(Some)
        .map_err(|e| ContentError::InvalidAmount(format!("{field} {s:?}: {e}")))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn meta() -> pb::Metadata {
        pb::Metadata {
            title: "A film".into(),
            description: "Line one\nline two".into(),
            mime_type: "video/mp4".into(),
            tags: vec!["film".into(), "cc-by".into()],
            duration_seconds: 60,
            cover_uri: "ipfs://cover".into(),
            metadata_uri: "https://example.org/m.json".into(),
        }
    }

    #[test]
    fn metadata_bounds() {
        check_metadata(&meta()).unwrap();
        let mut m = meta();
        m.title = "x".repeat(MAX_TITLE_LEN + 1);
        assert!(check_metadata(&m).is_err());
        let mut m = meta();
        m.title = " ".into();
        assert!(check_metadata(&m).is_err());
        let mut m = meta();
        m.mime_type = "video".into();
        assert!(check_metadata(&m).is_err());
        let mut m = meta();
        m.tags = vec!["Film".into()];
        assert!(check_metadata(&m).is_err());
        let mut m = meta();
        m.tags = vec!["a".into(), "a".into()];
        assert!(check_metadata(&m).is_err());
        let mut m = meta();
        m.tags = (0..=MAX_TAGS).map(|i| format!("t{i}")).collect();
        assert!(check_metadata(&m).is_err());
        let mut m = meta();
        m.cover_uri = "x".repeat(MAX_URI_LEN + 1);
        assert!(check_metadata(&m).is_err());
        let mut m = meta();
        m.title = "a\u{0}b".into();
        assert!(check_metadata(&m).is_err());
    }

    #[test]
    fn tier_rules() {
        let t = |name: &str, min| pb::RightsTier {
            name: name.into(),
            min_tokens: min,
        };
        check_tiers(&[
            t("personal", 1),
            t("commercial", 1000),
            t("national", 100_000),
        ])
        .unwrap();
        assert!(check_tiers(&[t("a", 5), t("b", 5)]).is_err());
        assert!(check_tiers(&[t("a", 0)]).is_err());
        assert!(check_tiers(&[t("a", 1), t("a", 2)]).is_err());
        assert!(check_tiers(&[t("A", 1)]).is_err());
    }

    #[test]
    fn meta_hash_must_agree() {
        let good = pb::MetaHash {
            root: vec![7; 32],
            slice_size: 1 << 20,
            slice_count: 3,
            plaintext_len: (2 << 20) + 1,
            cipher: CIPHER_CHACHA20_POLY1305.into(),
        };
        meta_from_wire(&good).unwrap();
        let mut m = good.clone();
        m.slice_count = 2;
        assert!(meta_from_wire(&m).is_err());
        let mut m = good.clone();
        m.root = vec![7; 31];
        assert!(meta_from_wire(&m).is_err());
        let mut m = good.clone();
        m.cipher = "aes".into();
        assert!(meta_from_wire(&m).is_err());
        let mut m = good;
        m.slice_size = 0;
        assert!(meta_from_wire(&m).is_err());
    }
}
