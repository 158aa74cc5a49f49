//! The social module's invariants: every count in state equals the rows it counts,
//! and every profile holds its handle. They read the whole module state, so they are
//! for tests and audits, never for block execution.

use std::collections::BTreeMap;

use weave_kernel::{decode_proto, Address, StateRead, StateView, Store, TxError};
use weave_proto::weave::social::v1 as pb;

use crate::{query::address_from_hex, state_key, SocialError};

fn entries(s: &mut StateView<'_>, prefix: &[u8]) -> Result<weave_kernel::Entries, TxError> {
    s.scan_prefix(prefix, usize::MAX)
}

fn u64_of(key: &[u8], v: &[u8]) -> Result<u64, TxError> {
    v.try_into()
        .map(u64::from_be_bytes)
        .map_err(|_| SocialError::CorruptState(String::from_utf8_lossy(key).into()).into())
}

/// The segment of `key` after `prefix_len` bytes, up to the next `/`.
fn segment(key: &[u8], prefix_len: usize) -> String {
    let rest = &key[prefix_len.min(key.len())..];
    let end = rest.iter().position(|b| *b == b'/').unwrap_or(rest.len());
    String::from_utf8_lossy(&rest[..end]).into_owned()
}

/// Checks every invariant; the violations, one line each (empty: all hold).
pub fn check(state: &dyn StateRead) -> Result<Vec<String>, TxError> {
    let mut s = StateView(state);
    let mut bad = Vec::new();

    // Profiles hold their handles; handles in use belong to a profile with that handle.
    let mut profiles = BTreeMap::new();
    for (k, v) in entries(&mut s, &state_key::profiles())? {
        let p: pb::Profile = decode_proto::<SocialError, _>(&k, &v)?;
        profiles.insert(p.address.clone(), p.handle.clone());
    }
    let mut in_use = 0usize;
    for (k, v) in entries(&mut s, &state_key::handles())? {
        let rec: pb::HandleRecord = decode_proto::<SocialError, _>(&k, &v)?;
        let handle = segment(&k, state_key::handles().len());
        if rec.released_height == 0 {
            in_use += 1;
            if profiles.get(&rec.owner) != Some(&handle) {
                bad.push(format!(
                    "handle {handle} in use by {} without that profile",
                    rec.owner
                ));
            }
        } else if profiles.get(&rec.owner) == Some(&handle) {
            bad.push(format!(
                "handle {handle} released while {} still holds it",
                rec.owner
            ));
        }
    }
    if in_use != profiles.len() {
        bad.push(format!(
            "{in_use} handles in use for {} profiles",
            profiles.len()
        ));
    }

    // Follow counts equal the follow rows, both ways.
    let mut following: BTreeMap<String, u64> = BTreeMap::new();
    let mut followers: BTreeMap<String, u64> = BTreeMap::new();
    let fp = state_key::follows().len();
    let mut forward = Vec::new();
    for (k, _) in entries(&mut s, &state_key::follows())? {
        let a = segment(&k, fp);
        let b = segment(&k, fp + a.len() + 1);
        *following.entry(a.clone()).or_default() += 1;
        forward.push((a, b));
    }
    let rp = state_key::followers().len();
    let mut backward = Vec::new();
    for (k, _) in entries(&mut s, &state_key::followers())? {
        let b = segment(&k, rp);
        let a = segment(&k, rp + b.len() + 1);
        *followers.entry(b.clone()).or_default() += 1;
        backward.push((a, b));
    }
    backward.sort();
    if forward != backward {
        bad.push("the follow rows and their reverse index differ".into());
    }
    let cp = state_key::all_follow_counts().len();
    let mut counted = 0usize;
    for (k, v) in entries(&mut s, &state_key::all_follow_counts())? {
        let c: pb::FollowCounts = decode_proto::<SocialError, _>(&k, &v)?;
        let a = segment(&k, cp);
        counted += 1;
        let (f, g) = (
            following.get(&a).copied().unwrap_or(0),
            followers.get(&a).copied().unwrap_or(0),
        );
        if (c.following, c.followers) != (f, g) {
            bad.push(format!(
                "{a} counts following {} followers {}, rows say {f} and {g}",
                c.following, c.followers
            ));
        }
    }
    let accounts: std::collections::BTreeSet<&String> =
        following.keys().chain(followers.keys()).collect();
    if counted != accounts.len() {
        bad.push(format!(
            "{counted} follow counts for {} accounts with follows",
            accounts.len()
        ));
    }

    // Reaction counts per content per kind equal the reactions.
    let mut reactions: BTreeMap<(String, i32), u64> = BTreeMap::new();
    let ap = state_key::all_reactions().len();
    for (k, v) in entries(&mut s, &state_key::all_reactions())? {
        let r: pb::Reaction = decode_proto::<SocialError, _>(&k, &v)?;
        *reactions.entry((segment(&k, ap), r.kind)).or_default() += 1;
    }
    let mut counts: BTreeMap<(String, i32), u64> = BTreeMap::new();
    let cp = state_key::all_reaction_counts().len();
    for (k, v) in entries(&mut s, &state_key::all_reaction_counts())? {
        let content = segment(&k, cp);
        let kind: i32 = segment(&k, cp + content.len() + 1).parse().unwrap_or(-1);
        counts.insert((content, kind), u64_of(&k, &v)?);
    }
    if reactions != counts {
        bad.push(format!(
            "reaction counts {counts:?} differ from the reactions {reactions:?}"
        ));
    }

    // Comment counts, listings and reply counts equal the comments.
    let mut per_content: BTreeMap<u64, u64> = BTreeMap::new();
    let mut replies: BTreeMap<u64, u64> = BTreeMap::new();
    let mut listed = Vec::new();
    let mut stored_replies = BTreeMap::new();
    for (k, v) in entries(&mut s, &state_key::all_comments())? {
        let c: pb::Comment = decode_proto::<SocialError, _>(&k, &v)?;
        *per_content.entry(c.content_id).or_default() += 1;
        stored_replies.insert(c.id, c.replies);
        if c.parent_id == 0 {
            listed.push(state_key::top_level_entry(c.content_id, c.id));
        } else {
            *replies.entry(c.parent_id).or_default() += 1;
            listed.push(state_key::reply_entry(c.parent_id, c.id));
        }
    }
    let mut listing: Vec<Vec<u8>> = entries(&mut s, &state_key::all_top_level())?
        .into_iter()
        .chain(entries(&mut s, &state_key::all_replies())?)
        .map(|(k, _)| k)
        .collect();
    listing.sort();
    listed.sort();
    if listing != listed {
        bad.push("the comment listings differ from the comments".into());
    }
    for (id, n) in &stored_replies {
        if replies.get(id).copied().unwrap_or(0) != *n {
            bad.push(format!("comment {id} counts {n} replies"));
        }
    }
    let mut counted = BTreeMap::new();
    let cp = state_key::all_comment_counts().len();
    for (k, v) in entries(&mut s, &state_key::all_comment_counts())? {
        let id: u64 = segment(&k, cp).parse().unwrap_or(u64::MAX);
        counted.insert(id, u64_of(&k, &v)?);
    }
    if counted != per_content {
        bad.push(format!(
            "comment counts {counted:?} differ from the comments {per_content:?}"
        ));
    }

    // View stats equal the viewer rows: views are the viewed ones.
    let mut rows: BTreeMap<u64, (u64, u64)> = BTreeMap::new();
    for (k, v) in entries(&mut s, &state_key::all_viewers())? {
        let r: pb::Viewer = decode_proto::<SocialError, _>(&k, &v)?;
        let e = rows.entry(r.content_id).or_default();
        e.1 += 1;
        if r.viewed {
            e.0 += 1;
        }
        let a = segment(&k, state_key::viewers(r.content_id).len());
        if address_from_hex(&a).map(|x: Address| x.to_string()) != Some(r.viewer.clone()) {
            bad.push(format!("viewer row {a} holds {}", r.viewer));
        }
    }
    let mut stats = BTreeMap::new();
    for (k, v) in entries(&mut s, &state_key::all_view_stats())? {
        let st: pb::ViewStats = decode_proto::<SocialError, _>(&k, &v)?;
        stats.insert(st.content_id, (st.views, st.paying_viewers));
    }
    if stats != rows {
        bad.push(format!(
            "view stats {stats:?} differ from the viewer rows {rows:?}"
        ));
    }
    Ok(bad)
}
