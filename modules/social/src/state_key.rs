//! Every key the social module writes, all verifiable (in the JMT). Numbers are
//! zero-padded so that byte order is numeric order; addresses are hex (fixed width).
//! Listings that run newest first store `u64::MAX - id`.

use weave_kernel::Address;

/// `social/params`
pub fn params() -> Vec<u8> {
    b"social/params".to_vec()
}

/// `social/profile/` — the prefix of every profile.
pub fn profiles() -> Vec<u8> {
    b"social/profile/".to_vec()
}

/// `social/profile/{address hex}`
pub fn profile(owner: &Address) -> Vec<u8> {
    let mut k = profiles();
    k.extend_from_slice(owner.to_hex().as_bytes());
    k
}

/// `social/handle/` — the prefix of every handle record.
pub fn handles() -> Vec<u8> {
    b"social/handle/".to_vec()
}

/// `social/handle/{handle}` (folded: `[a-z0-9_]`)
pub fn handle(handle: &str) -> Vec<u8> {
    let mut k = handles();
    k.extend_from_slice(handle.as_bytes());
    k
}

/// `social/follow/` — the prefix of every follow, by follower.
pub fn follows() -> Vec<u8> {
    b"social/follow/".to_vec()
}

/// `social/follow/{follower hex}/` — the accounts one account follows.
pub fn following_of(follower: &Address) -> Vec<u8> {
    format!("social/follow/{}/", follower.to_hex()).into_bytes()
}

/// `social/follow/{follower hex}/{followee hex}` → height
pub fn follow(follower: &Address, followee: &Address) -> Vec<u8> {
    let mut k = following_of(follower);
    k.extend_from_slice(followee.to_hex().as_bytes());
    k
}

/// `social/follower/` — the prefix of every follow, by followee.
pub fn followers() -> Vec<u8> {
    b"social/follower/".to_vec()
}

/// `social/follower/{followee hex}/` — the accounts that follow one account.
pub fn followers_of(followee: &Address) -> Vec<u8> {
    format!("social/follower/{}/", followee.to_hex()).into_bytes()
}

/// `social/follower/{followee hex}/{follower hex}` → height
pub fn follower(followee: &Address, follower: &Address) -> Vec<u8> {
    let mut k = followers_of(followee);
    k.extend_from_slice(follower.to_hex().as_bytes());
    k
}

/// `social/follow_counts/` — the prefix of every account's follow counts.
pub fn all_follow_counts() -> Vec<u8> {
    b"social/follow_counts/".to_vec()
}

/// `social/follow_counts/{address hex}`
pub fn follow_counts(account: &Address) -> Vec<u8> {
    let mut k = all_follow_counts();
    k.extend_from_slice(account.to_hex().as_bytes());
    k
}

/// `social/reaction/` — the prefix of every reaction.
pub fn all_reactions() -> Vec<u8> {
    b"social/reaction/".to_vec()
}

/// `social/reaction/{content:020}/` — the reactions to one content.
pub fn reactions(content_id: u64) -> Vec<u8> {
    format!("social/reaction/{content_id:020}/").into_bytes()
}

/// `social/reaction/{content:020}/{reactor hex}`
pub fn reaction(content_id: u64, reactor: &Address) -> Vec<u8> {
    let mut k = reactions(content_id);
    k.extend_from_slice(reactor.to_hex().as_bytes());
    k
}

/// `social/reaction_count/` — the prefix of every reaction count.
pub fn all_reaction_counts() -> Vec<u8> {
    b"social/reaction_count/".to_vec()
}

/// `social/reaction_count/{content:020}/` — one content's counts.
pub fn reaction_counts(content_id: u64) -> Vec<u8> {
    format!("social/reaction_count/{content_id:020}/").into_bytes()
}

/// `social/reaction_count/{content:020}/{kind:03}` → count
pub fn reaction_count(content_id: u64, kind: i32) -> Vec<u8> {
    let mut k = reaction_counts(content_id);
    k.extend_from_slice(format!("{kind:03}").as_bytes());
    k
}

/// `social/next_comment_id`
pub fn next_comment_id() -> Vec<u8> {
    b"social/next_comment_id".to_vec()
}

/// `social/comment/` — the prefix of every comment.
pub fn all_comments() -> Vec<u8> {
    b"social/comment/".to_vec()
}

/// `social/comment/{id:020}`
pub fn comment(id: u64) -> Vec<u8> {
    format!("social/comment/{id:020}").into_bytes()
}

/// `social/comments/` — the prefix of every content's top-level comment listing.
pub fn all_top_level() -> Vec<u8> {
    b"social/comments/".to_vec()
}

/// `social/comments/{content:020}/` — one content's top-level comments, newest first.
pub fn top_level(content_id: u64) -> Vec<u8> {
    format!("social/comments/{content_id:020}/").into_bytes()
}

/// `social/comments/{content:020}/{u64::MAX - id:020}`
pub fn top_level_entry(content_id: u64, id: u64) -> Vec<u8> {
    let mut k = top_level(content_id);
    k.extend_from_slice(format!("{:020}", u64::MAX - id).as_bytes());
    k
}

/// `social/replies/` — the prefix of every reply listing.
pub fn all_replies() -> Vec<u8> {
    b"social/replies/".to_vec()
}

/// `social/replies/{parent:020}/` — one comment's replies, newest first.
pub fn replies(parent_id: u64) -> Vec<u8> {
    format!("social/replies/{parent_id:020}/").into_bytes()
}

/// `social/replies/{parent:020}/{u64::MAX - id:020}`
pub fn reply_entry(parent_id: u64, id: u64) -> Vec<u8> {
    let mut k = replies(parent_id);
    k.extend_from_slice(format!("{:020}", u64::MAX - id).as_bytes());
    k
}

/// `social/comment_count/` — the prefix of every content's comment count.
pub fn all_comment_counts() -> Vec<u8> {
    b"social/comment_count/".to_vec()
}

/// `social/comment_count/{content:020}` → comments on the content, replies included
pub fn comment_count(content_id: u64) -> Vec<u8> {
    format!("social/comment_count/{content_id:020}").into_bytes()
}

/// `social/viewer/` — the prefix of every paying-viewer record.
pub fn all_viewers() -> Vec<u8> {
    b"social/viewer/".to_vec()
}

/// `social/viewer/{content:020}/` — one content's paying viewers.
pub fn viewers(content_id: u64) -> Vec<u8> {
    format!("social/viewer/{content_id:020}/").into_bytes()
}

/// `social/viewer/{content:020}/{viewer hex}`
pub fn viewer(content_id: u64, viewer: &Address) -> Vec<u8> {
    let mut k = viewers(content_id);
    k.extend_from_slice(viewer.to_hex().as_bytes());
    k
}

/// `social/view_stats/` — the prefix of every content's view counts.
pub fn all_view_stats() -> Vec<u8> {
    b"social/view_stats/".to_vec()
}

/// `social/view_stats/{content:020}`
pub fn view_stats(content_id: u64) -> Vec<u8> {
    format!("social/view_stats/{content_id:020}").into_bytes()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_order_numerically_and_listings_run_newest_first() {
        assert!(comment(9) < comment(10));
        assert!(comment(10) < comment(u64::MAX));
        assert!(top_level_entry(1, 10) < top_level_entry(1, 9));
        assert!(top_level_entry(1, u64::MAX) < top_level_entry(1, 0));
        assert!(top_level_entry(1, 0) < top_level_entry(2, u64::MAX));
        assert!(reply_entry(3, 5) < reply_entry(3, 4));
        assert!(reaction_count(7, 2) < reaction_count(7, 10));
        assert!(reaction(9, &Address::new([0xff; 20])) < reaction(10, &Address::new([0; 20])));
        assert!(viewer(2, &Address::new([1; 20])).starts_with(&viewers(2)));
        let (a, b) = (Address::new([1; 20]), Address::new([2; 20]));
        assert!(follow(&a, &b).starts_with(&following_of(&a)));
        assert!(follower(&b, &a).starts_with(&followers_of(&b)));
        assert!(!following_of(&a).starts_with(&followers()));
        // Each collection's prefix owns only its own keys.
        assert!(!comment_count(1).starts_with(&all_comments()));
        assert!(!top_level(1).starts_with(&all_comments()));
        assert!(!view_stats(1).starts_with(&all_viewers()));
        assert!(!follow_counts(&a).starts_with(&follows()));
    }
}
