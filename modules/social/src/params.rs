//! The social module's parameters: every limit of the module.

use serde::{Deserialize, Serialize};
use weave_proto::weave::social::v1 as pb;

use crate::SocialError;

/// The longest handle any params may allow.
pub(crate) const HANDLE_LEN_CAP: u32 = 64;
/// The largest text limit (display name, bio, link, comment) any params may allow.
pub(crate) const TEXT_LEN_CAP: u32 = 16 * 1024;
/// The most links any params may allow.
pub(crate) const LINKS_CAP: u32 = 32;
/// The most follows per account any params may allow.
pub(crate) const FOLLOWING_CAP: u64 = 1_000_000;

/// Social parameters.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Params {
    /// Shortest handle, in characters.
    pub min_handle_len: u32,
    /// Longest handle, in characters.
    pub max_handle_len: u32,
    /// Blocks a handle given up stays reserved for its last owner.
    pub handle_cooldown_blocks: u64,
    /// Longest display name, in bytes.
    pub max_display_name_len: u32,
    /// Longest bio, in bytes.
    pub max_bio_len: u32,
    /// Most links on a profile.
    pub max_links: u32,
    /// Longest link, in bytes.
    pub max_link_len: u32,
    /// Most accounts one account may follow.
    pub max_following: u64,
    /// Longest comment, in bytes.
    pub max_comment_len: u32,
    /// uweave a comment costs, paid to the community pool.
    pub comment_fee: u128,
    /// Fraction of a content's length that one payer's claimed voucher bytes must
    /// reach for a view to count, in basis points.
    pub view_threshold_bps: u32,
}

impl Default for Params {
    fn default() -> Self {
        Self {
            min_handle_len: 3,
            max_handle_len: 30,
            // About a week at 5-second blocks.
            handle_cooldown_blocks: 120_960,
            max_display_name_len: 64,
            max_bio_len: 500,
            max_links: 5,
            max_link_len: 200,
            max_following: 5_000,
            max_comment_len: 1_000,
            comment_fee: 1_000,
            view_threshold_bps: 1_000,
        }
    }
}

impl Params {
    /// Checks the parameters.
    pub fn validate(&self) -> Result<(), SocialError> {
        let bad = |m: String| Err(SocialError::InvalidParams(m));
        if self.min_handle_len == 0 || self.min_handle_len > self.max_handle_len {
            return bad(format!(
                "handle lengths {}..={} are empty or start at 0",
                self.min_handle_len, self.max_handle_len
            ));
        }
        if self.max_handle_len > HANDLE_LEN_CAP {
            return bad(format!(
                "max_handle_len {} above {HANDLE_LEN_CAP}",
                self.max_handle_len
            ));
        }
        for (name, v) in [
            ("max_display_name_len", self.max_display_name_len),
            ("max_bio_len", self.max_bio_len),
            ("max_link_len", self.max_link_len),
            ("max_comment_len", self.max_comment_len),
        ] {
            if v == 0 || v > TEXT_LEN_CAP {
                return bad(format!("{name} {v} outside 1..={TEXT_LEN_CAP}"));
            }
        }
        if self.max_links > LINKS_CAP {
            return bad(format!("max_links {} above {LINKS_CAP}", self.max_links));
        }
        if self.max_following == 0 || self.max_following > FOLLOWING_CAP {
            return bad(format!(
                "max_following {} outside 1..={FOLLOWING_CAP}",
                self.max_following
            ));
        }
        if !(1..=10_000).contains(&self.view_threshold_bps) {
            return bad(format!(
                "view_threshold_bps {} outside 1..=10000",
                self.view_threshold_bps
            ));
        }
        Ok(())
    }

    /// Builds params from the wire; a malformed fee is an error.
    pub fn from_wire(p: pb::Params) -> Result<Self, SocialError> {
        let comment_fee = if p.comment_fee.is_empty() {
            0
        } else {
            weave_kernel::parse_amount(&p.comment_fee).map_err(|e| {
                SocialError::InvalidParams(format!("comment_fee {:?}: {e}", p.comment_fee))
            })?
        };
        Ok(Self {
            min_handle_len: p.min_handle_len,
            max_handle_len: p.max_handle_len,
            handle_cooldown_blocks: p.handle_cooldown_blocks,
            max_display_name_len: p.max_display_name_len,
            max_bio_len: p.max_bio_len,
            max_links: p.max_links,
            max_link_len: p.max_link_len,
            max_following: p.max_following,
            max_comment_len: p.max_comment_len,
            comment_fee,
            view_threshold_bps: p.view_threshold_bps,
        })
    }

    /// The bytes one payer's claimed vouchers must reach for a view of a content of
    /// `length` bytes: at least one byte.
    pub fn view_threshold_bytes(&self, length: u64) -> u64 {
        let t = u128::from(length) * u128::from(self.view_threshold_bps);
        let t = t.div_ceil(10_000);
        u64::try_from(t).unwrap_or(u64::MAX).max(1)
    }
}

impl From<&Params> for pb::Params {
    fn from(p: &Params) -> Self {
        Self {
            min_handle_len: p.min_handle_len,
            max_handle_len: p.max_handle_len,
            handle_cooldown_blocks: p.handle_cooldown_blocks,
            max_display_name_len: p.max_display_name_len,
            max_bio_len: p.max_bio_len,
            max_links: p.max_links,
            max_link_len: p.max_link_len,
            max_following: p.max_following,
            max_comment_len: p.max_comment_len,
            comment_fee: p.comment_fee.to_string(),
            view_threshold_bps: p.view_threshold_bps,
        }
    }
}

impl weave_kernel::ModuleParams for Params {
    type Error = SocialError;

    fn store(&self, ctx: &mut weave_kernel::Ctx<'_>) -> Result<(), weave_kernel::TxError> {
        crate::keeper::Keeper.set_params(ctx, self)
    }

    fn updated_event(&self) -> weave_kernel::Event {
        params_updated(self)
    }
}

fn params_updated(p: &Params) -> weave_kernel::Event {
    weave_kernel::Event::from_proto(&pb::EventParamsUpdated {
        min_handle_len: p.min_handle_len.to_string(),
        max_handle_len: p.max_handle_len.to_string(),
        handle_cooldown_blocks: p.handle_cooldown_blocks.to_string(),
        max_following: p.max_following.to_string(),
        max_comment_len: p.max_comment_len.to_string(),
        comment_fee: p.comment_fee.to_string(),
        view_threshold_bps: p.view_threshold_bps.to_string(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_validate_and_bad_limits_are_refused() {
        let p = Params::default();
        p.validate().unwrap();
        assert_eq!(Params::from_wire(pb::Params::from(&p)).unwrap(), p);
        let cases: Vec<fn(&mut Params)> = vec![
            |p| p.min_handle_len = 0,
            |p| p.min_handle_len = 31,
            |p| p.max_handle_len = 65,
            |p| p.max_bio_len = 0,
            |p| p.max_comment_len = TEXT_LEN_CAP + 1,
            |p| p.max_links = 33,
            |p| p.max_following = 0,
            |p| p.view_threshold_bps = 0,
            |p| p.view_threshold_bps = 10_001,
        ];
        for change in cases {
            let mut bad = Params::default();
            change(&mut bad);
            assert!(
                matches!(bad.validate(), Err(SocialError::InvalidParams(_))),
                "{bad:?}"
            );
        }
        let mut wire = pb::Params::from(&p);
        wire.comment_fee = "-1".into();
        assert!(Params::from_wire(wire).is_err());
    }

    #[test]
    fn the_view_threshold_rounds_up_and_is_at_least_one_byte() {
        let p = Params::default();
        assert_eq!(p.view_threshold_bytes(3_000_000), 300_000);
        assert_eq!(p.view_threshold_bytes(15), 2);
        assert_eq!(p.view_threshold_bytes(0), 1);
        assert_eq!(p.view_threshold_bytes(u64::MAX), u64::MAX / 10 + 1);
    }
}
