//! Social module integration tests (layer 2): every message and its bad inputs through
//! the `Module` trait over an in-memory overlay, with the real bank, splits and content
//! modules (content reporting purchases to the view ledger), and the invariants after
//! each scenario.
#![allow(clippy::unwrap_used, missing_docs, unreachable_pub)]

use std::sync::Arc;

use weave_content::{
    ContentModule, MSG_PURCHASE_ACCESS, MSG_REGISTER_CONTENT, MSG_TRANSFER_ACCESS,
};
use weave_kernel::{
    community_pool, expected::PaidViews, gov_authority, Address, Any, Ctx, GasCosts, GasMeter,
    Module, TxError,
};
use weave_proto::weave::{
    base::v1 as base, content::v1 as cpb, social::v1 as pb, splits::v1 as splits_pb,
};
use weave_social::{
    invariants, Params, SocialModule, ViewLedger, MSG_COMMENT, MSG_FOLLOW, MSG_HIDE_COMMENT,
    MSG_REACT, MSG_REMOVE_REACTION, MSG_SET_PROFILE, MSG_UNFOLLOW, MSG_UPDATE_PARAMS,
};
use weave_splits::SplitsModule;
use weave_testkit::{addr, any, Harness};

const CREATOR: u8 = 1;
const ALICE: u8 = 2;
const BOB: u8 = 3;
const CAROL: u8 = 4;
const POOR: u8 = 20;
const FUNDS: u128 = 1_000_000_000_000;
/// The plaintext length of every test content: 10 % of it is 209716 bytes (rounded up).
const LENGTH: u64 = (2 << 20) + 5;

fn social() -> SocialModule {
    let bank = Harness::new(vec![], &[], serde_json::Value::Null)
        .unwrap()
        .bank();
    SocialModule::new(bank, Arc::new(weave_content::Registry))
}

fn setup_with(app_state: serde_json::Value) -> Harness {
    let bank = Harness::new(vec![], &[], serde_json::Value::Null)
        .unwrap()
        .bank();
    let splits = SplitsModule::new(bank.clone());
    let views = Arc::new(ViewLedger::new(Arc::new(weave_content::Registry)));
    let content = ContentModule::new(Arc::new(splits.keeper())).with_paid_views(views);
    let social = SocialModule::new(bank, Arc::new(weave_content::Registry));
    let funded: Vec<(Address, u128)> = (1..=9).map(|n| (addr(n), FUNDS)).collect();
    let mut h = Harness::new(
        vec![Arc::new(splits), Arc::new(content), Arc::new(social)],
        &funded,
        app_state,
    )
    .unwrap();
    h.next_block().unwrap();
    h
}

fn setup() -> Harness {
    setup_with(serde_json::Value::Null)
}

fn register(h: &mut Harness, seed: u8) -> u64 {
    let msg = cpb::MsgRegisterContent {
        creator: addr(CREATOR).to_string(),
        meta_hash: Some(cpb::MetaHash {
            root: vec![seed; 32],
            slice_size: 1 << 20,
            slice_count: 3,
            plaintext_len: LENGTH,
            cipher: "chacha20-poly1305".into(),
        }),
        metadata: Some(cpb::Metadata {
            title: format!("Film {seed}"),
            mime_type: "video/mp4".into(),
            ..Default::default()
        }),
        access_price: "1000".into(),
        price_per_gib: "50".into(),
        split_id: 0,
        split_recipients: vec![splits_pb::Recipient {
            address: addr(CREATOR).to_string(),
            bps: 10_000,
        }],
        split_controller: String::new(),
        tiers: vec![],
    };
    h.exec_checked(addr(CREATOR), &any(MSG_REGISTER_CONTENT, &msg))
        .unwrap();
    let r: cpb::QueryContentResponse = h
        .query(
            "/weave.content.v1.Query/ContentByRoot",
            &cpb::QueryContentByRootRequest {
                root: vec![seed; 32],
            },
        )
        .unwrap();
    r.content.unwrap().id
}

fn code(r: Result<(), TxError>) -> (&'static str, u32) {
    let e = r.unwrap_err();
    (e.codespace, e.code)
}

fn assert_invariants(h: &Harness) {
    let bad = invariants::check(&h.state).unwrap();
    assert!(bad.is_empty(), "invariants broken: {bad:?}");
}

fn profile_msg(owner: u8, handle: &str) -> pb::MsgSetProfile {
    pb::MsgSetProfile {
        owner: addr(owner).to_string(),
        handle: handle.into(),
        display_name: format!("User {owner}"),
        bio: "I make films.\nAnd music.".into(),
        avatar_content_id: 0,
        links: vec!["https://example.org/me".into()],
    }
}

fn set_profile(h: &mut Harness, owner: u8, m: &pb::MsgSetProfile) -> Result<(), TxError> {
    h.exec_checked(addr(owner), &any(MSG_SET_PROFILE, m))
}

fn by_handle(h: &Harness, handle: &str) -> pb::QueryProfileResponse {
    h.query(
        "/weave.social.v1.Query/ProfileByHandle",
        &pb::QueryProfileByHandleRequest {
            handle: handle.into(),
        },
    )
    .unwrap()
}

fn by_address(h: &Harness, n: u8) -> pb::QueryProfileResponse {
    h.query(
        "/weave.social.v1.Query/Profile",
        &pb::QueryProfileRequest {
            address: addr(n).to_string(),
        },
    )
    .unwrap()
}

fn update_params(h: &mut Harness, p: &Params) -> Result<(), TxError> {
    h.exec_checked(
        gov_authority(),
        &any(
            MSG_UPDATE_PARAMS,
            &pb::MsgUpdateParams {
                authority: gov_authority().to_string(),
                params: Some(p.into()),
            },
        ),
    )
}

#[test]
fn profiles_hold_unique_case_folded_handles() {
    let mut h = setup();
    let film = register(&mut h, 1);
    let mut m = profile_msg(ALICE, "Alice_01");
    m.avatar_content_id = film;
    set_profile(&mut h, ALICE, &m).unwrap();
    let events = h.take_events();
    let e = events
        .iter()
        .find(|e| e.kind == "weave.social.v1.EventProfileUpdated")
        .unwrap();
    assert_eq!(e.get("handle"), Some("alice_01"));
    assert_eq!(e.get("address"), Some(addr(ALICE).to_string().as_str()));
    assert_eq!(e.get("display_name"), Some("User 2"));

    let p = by_address(&h, ALICE).profile.unwrap();
    assert_eq!((p.handle.as_str(), p.avatar_content_id), ("alice_01", film));
    let r = by_handle(&h, "ALICE_01");
    assert_eq!(r.address, addr(ALICE).to_string());
    assert_eq!(r.profile.unwrap().display_name, "User 2");
    assert!(by_handle(&h, "nobody").profile.is_none());
    assert!(by_address(&h, BOB).profile.is_none());

    // Taken, whatever its case.
    assert_eq!(
        code(set_profile(&mut h, BOB, &profile_msg(BOB, "ALICE_01"))),
        ("social", 3)
    );
    // Shape and params: length, characters, text limits, links, avatar.
    for bad in ["ab", &"a".repeat(31)] {
        assert_eq!(
            code(set_profile(&mut h, BOB, &profile_msg(BOB, bad))),
            ("social", 2),
            "{bad}"
        );
    }
    for bad in ["bo b", "bob!", "bøb", ""] {
        assert_eq!(
            code(set_profile(&mut h, BOB, &profile_msg(BOB, bad))),
            ("social", 2),
            "{bad}"
        );
    }
    let mut m = profile_msg(BOB, "bob");
    m.bio = "x".repeat(501);
    assert_eq!(code(set_profile(&mut h, BOB, &m)), ("social", 4));
    let mut m = profile_msg(BOB, "bob");
    m.display_name = "y".repeat(65);
    assert_eq!(code(set_profile(&mut h, BOB, &m)), ("social", 4));
    let mut m = profile_msg(BOB, "bob");
    m.display_name = "tab\there".into();
    assert_eq!(code(set_profile(&mut h, BOB, &m)), ("social", 4));
    let mut m = profile_msg(BOB, "bob");
    m.links = (0..6).map(|i| format!("https://e.org/{i}")).collect();
    assert_eq!(code(set_profile(&mut h, BOB, &m)), ("social", 4));
    let mut m = profile_msg(BOB, "bob");
    m.links = vec!["has space".into()];
    assert_eq!(code(set_profile(&mut h, BOB, &m)), ("social", 4));
    let mut m = profile_msg(BOB, "bob");
    m.links = vec![format!("https://e.org/{}", "z".repeat(200))];
    assert_eq!(code(set_profile(&mut h, BOB, &m)), ("social", 4));
    let mut m = profile_msg(BOB, "bob");
    m.avatar_content_id = 99;
    assert_eq!(code(set_profile(&mut h, BOB, &m)), ("social", 5));
    let mut m = profile_msg(BOB, "bob");
    m.owner = "weave1nope".into();
    assert_eq!(code(set_profile(&mut h, BOB, &m)), ("sdk", 7));
    set_profile(&mut h, BOB, &profile_msg(BOB, "bob")).unwrap();
    // Editing the profile while keeping the handle.
    let mut m = profile_msg(BOB, "bob");
    m.bio = "new bio".into();
    set_profile(&mut h, BOB, &m).unwrap();
    assert_eq!(by_address(&h, BOB).profile.unwrap().bio, "new bio");
    assert_invariants(&h);
}

#[test]
fn a_changed_handle_stays_reserved_through_the_cool_down() {
    let mut h = setup();
    let p = Params {
        handle_cooldown_blocks: 10,
        ..Params::default()
    };
    update_params(&mut h, &p).unwrap();
    set_profile(&mut h, ALICE, &profile_msg(ALICE, "alice")).unwrap();
    h.next_block().unwrap();
    set_profile(&mut h, ALICE, &profile_msg(ALICE, "alice2")).unwrap();
    assert!(by_handle(&h, "alice").profile.is_none());
    assert_eq!(by_handle(&h, "alice2").address, addr(ALICE).to_string());
    // Nobody else gets it during the cool-down...
    h.advance(9).unwrap();
    assert_eq!(
        code(set_profile(&mut h, BOB, &profile_msg(BOB, "alice"))),
        ("social", 3)
    );
    // ...but its last owner may take it back, which frees the other one the same way.
    set_profile(&mut h, ALICE, &profile_msg(ALICE, "alice")).unwrap();
    assert_invariants(&h);
    set_profile(&mut h, ALICE, &profile_msg(ALICE, "alice3")).unwrap();
    h.advance(10).unwrap();
    set_profile(&mut h, BOB, &profile_msg(BOB, "alice")).unwrap();
    assert_eq!(by_handle(&h, "alice").address, addr(BOB).to_string());
    assert_eq!(by_handle(&h, "alice3").address, addr(ALICE).to_string());
    assert_invariants(&h);
}

fn follow(h: &mut Harness, a: u8, b: u8) -> Result<(), TxError> {
    h.exec_checked(
        addr(a),
        &any(
            MSG_FOLLOW,
            &pb::MsgFollow {
                follower: addr(a).to_string(),
                followee: addr(b).to_string(),
            },
        ),
    )
}

fn unfollow(h: &mut Harness, a: u8, b: u8) -> Result<(), TxError> {
    h.exec_checked(
        addr(a),
        &any(
            MSG_UNFOLLOW,
            &pb::MsgUnfollow {
                follower: addr(a).to_string(),
                followee: addr(b).to_string(),
            },
        ),
    )
}

fn followers(h: &Harness, n: u8, key: Vec<u8>, limit: u32) -> pb::QueryFollowsResponse {
    h.query(
        "/weave.social.v1.Query/Followers",
        &pb::QueryFollowersRequest {
            address: addr(n).to_string(),
            page: Some(base::PageRequest { key, limit }),
        },
    )
    .unwrap()
}

#[test]
fn follows_are_counted_bounded_and_listed_by_page() {
    let mut h = setup();
    for n in [ALICE, BOB, CAROL] {
        follow(&mut h, n, CREATOR).unwrap();
    }
    let events = h.take_events();
    let e = events
        .iter()
        .find(|e| e.kind == "weave.social.v1.EventFollowed")
        .unwrap();
    assert_eq!(e.get("follower"), Some(addr(ALICE).to_string().as_str()));
    assert_eq!(e.get("followee"), Some(addr(CREATOR).to_string().as_str()));
    assert_eq!(code(follow(&mut h, ALICE, CREATOR)), ("social", 7));
    assert_eq!(code(follow(&mut h, ALICE, ALICE)), ("social", 6));
    assert_eq!(code(unfollow(&mut h, CREATOR, ALICE)), ("social", 8));

    let first = followers(&h, CREATOR, vec![], 2);
    assert_eq!(first.follows.len(), 2);
    assert_eq!(first.counts.unwrap().followers, 3);
    let rest = followers(&h, CREATOR, first.page.unwrap().next_key, 2);
    assert_eq!(rest.follows.len(), 1);
    assert!(rest.page.unwrap().next_key.is_empty());
    let following: pb::QueryFollowsResponse = h
        .query(
            "/weave.social.v1.Query/Following",
            &pb::QueryFollowingRequest {
                address: addr(ALICE).to_string(),
                page: None,
            },
        )
        .unwrap();
    assert_eq!(following.follows.len(), 1);
    assert_eq!(following.follows[0].followee, addr(CREATOR).to_string());
    assert_eq!(following.counts.unwrap().following, 1);

    // The bound is a param.
    let p = Params {
        max_following: 2,
        ..Params::default()
    };
    update_params(&mut h, &p).unwrap();
    follow(&mut h, ALICE, BOB).unwrap();
    assert_eq!(code(follow(&mut h, ALICE, CAROL)), ("social", 9));
    unfollow(&mut h, ALICE, CREATOR).unwrap();
    follow(&mut h, ALICE, CAROL).unwrap();
    assert!(h
        .take_events()
        .iter()
        .any(|e| e.kind == "weave.social.v1.EventUnfollowed"));
    assert_eq!(by_address(&h, CREATOR).counts.unwrap().followers, 2);
    assert_invariants(&h);
    for n in [BOB, CAROL] {
        unfollow(&mut h, n, CREATOR).unwrap();
    }
    assert_eq!(by_address(&h, CREATOR).counts.unwrap().followers, 0);
    assert_invariants(&h);
}

#[test]
fn every_profile_and_follow_is_listed_by_page() {
    let mut h = setup();
    for (n, handle) in [(ALICE, "alice"), (BOB, "bob"), (CAROL, "carol")] {
        set_profile(&mut h, n, &profile_msg(n, handle)).unwrap();
    }
    follow(&mut h, ALICE, CREATOR).unwrap();
    follow(&mut h, ALICE, BOB).unwrap();
    follow(&mut h, CAROL, ALICE).unwrap();

    let mut handles = Vec::new();
    let mut key = vec![];
    loop {
        let r: pb::QueryProfilesResponse = h
            .query(
                "/weave.social.v1.Query/Profiles",
                &pb::QueryProfilesRequest {
                    page: Some(base::PageRequest { key, limit: 2 }),
                },
            )
            .unwrap();
        assert!(r.profiles.len() <= 2);
        handles.extend(r.profiles.into_iter().map(|p| p.handle));
        key = r.page.unwrap().next_key;
        if key.is_empty() {
            break;
        }
    }
    handles.sort();
    assert_eq!(handles, ["alice", "bob", "carol"]);

    let all: pb::QueryFollowsResponse = h
        .query(
            "/weave.social.v1.Query/Follows",
            &pb::QueryAllFollowsRequest { page: None },
        )
        .unwrap();
    let mut pairs: Vec<(String, String)> = all
        .follows
        .iter()
        .map(|f| (f.follower.clone(), f.followee.clone()))
        .collect();
    pairs.sort();
    let mut want: Vec<(String, String)> = [(ALICE, CREATOR), (ALICE, BOB), (CAROL, ALICE)]
        .iter()
        .map(|(a, b)| (addr(*a).to_string(), addr(*b).to_string()))
        .collect();
    want.sort();
    assert_eq!(pairs, want);
    assert!(all.follows.iter().all(|f| f.height > 0));
}

fn react(h: &mut Harness, n: u8, content_id: u64, kind: pb::ReactionKind) -> Result<(), TxError> {
    h.exec_checked(
        addr(n),
        &any(
            MSG_REACT,
            &pb::MsgReact {
                reactor: addr(n).to_string(),
                content_id,
                kind: kind as i32,
            },
        ),
    )
}

fn reactions(h: &Harness, content_id: u64, reactor: u8) -> pb::QueryReactionsResponse {
    h.query(
        "/weave.social.v1.Query/Reactions",
        &pb::QueryReactionsRequest {
            content_id,
            reactor: addr(reactor).to_string(),
        },
    )
    .unwrap()
}

#[test]
fn reactions_are_one_per_account_changeable_and_removable() {
    use pb::ReactionKind::{Like, Love, Unspecified};
    let mut h = setup();
    let film = register(&mut h, 1);
    react(&mut h, ALICE, film, Like).unwrap();
    react(&mut h, BOB, film, Like).unwrap();
    react(&mut h, ALICE, film, Love).unwrap();
    let r = reactions(&h, film, ALICE);
    let counts: Vec<(i32, u64)> = r.counts.iter().map(|c| (c.kind, c.count)).collect();
    assert_eq!(counts, vec![(Like as i32, 1), (Love as i32, 1)]);
    assert_eq!(r.reaction.unwrap().kind, Love as i32);
    assert_eq!(code(react(&mut h, ALICE, film, Love)), ("social", 17));
    assert_eq!(
        code(react(&mut h, ALICE, film, Unspecified)),
        ("social", 10)
    );
    let mut bad = pb::MsgReact {
        reactor: addr(ALICE).to_string(),
        content_id: film,
        kind: 42,
    };
    assert_eq!(
        code(h.exec_checked(addr(ALICE), &any(MSG_REACT, &bad))),
        ("social", 10)
    );
    bad.kind = Like as i32;
    bad.content_id = 77;
    assert_eq!(
        code(h.exec_checked(addr(ALICE), &any(MSG_REACT, &bad))),
        ("social", 5)
    );
    assert_invariants(&h);

    let remove = |n: u8| {
        any(
            MSG_REMOVE_REACTION,
            &pb::MsgRemoveReaction {
                reactor: addr(n).to_string(),
                content_id: film,
            },
        )
    };
    h.exec_checked(addr(ALICE), &remove(ALICE)).unwrap();
    assert_eq!(
        code(h.exec_checked(addr(ALICE), &remove(ALICE))),
        ("social", 11)
    );
    let r = reactions(&h, film, ALICE);
    assert!(r.reaction.is_none());
    let counts: Vec<(i32, u64)> = r.counts.iter().map(|c| (c.kind, c.count)).collect();
    assert_eq!(counts, vec![(Like as i32, 1)]);
    assert_invariants(&h);
}

fn comment(
    h: &mut Harness,
    n: u8,
    content_id: u64,
    parent_id: u64,
    text: &str,
) -> Result<(), TxError> {
    h.exec_checked(
        addr(n),
        &any(
            MSG_COMMENT,
            &pb::MsgComment {
                author: addr(n).to_string(),
                content_id,
                parent_id,
                text: text.into(),
            },
        ),
    )
}

fn hide(h: &mut Harness, n: u8, comment_id: u64, hidden: bool) -> Result<(), TxError> {
    h.exec_checked(
        addr(n),
        &any(
            MSG_HIDE_COMMENT,
            &pb::MsgHideComment {
                creator: addr(n).to_string(),
                comment_id,
                hidden,
            },
        ),
    )
}

fn comments(h: &Harness, content_id: u64, key: Vec<u8>, limit: u32) -> pb::QueryCommentsResponse {
    h.query(
        "/weave.social.v1.Query/Comments",
        &pb::QueryCommentsRequest {
            content_id,
            page: Some(base::PageRequest { key, limit }),
        },
    )
    .unwrap()
}

#[test]
fn comments_cost_a_fee_nest_one_level_and_can_be_hidden_by_the_creator() {
    let mut h = setup();
    let film = register(&mut h, 1);
    let other = register(&mut h, 2);
    let pool = h.balance(&community_pool());
    let alice = h.balance(&addr(ALICE));
    comment(&mut h, ALICE, film, 0, "first!").unwrap();
    assert_eq!(h.balance(&community_pool()) - pool, 1_000);
    assert_eq!(alice - h.balance(&addr(ALICE)), 1_000);
    let events = h.take_events();
    let e = events
        .iter()
        .find(|e| e.kind == "weave.social.v1.EventCommented")
        .unwrap();
    assert_eq!(
        (e.get("comment_id"), e.get("fee")),
        (Some("1"), Some("1000"))
    );
    comment(&mut h, BOB, film, 0, "second").unwrap();
    comment(&mut h, CAROL, film, 1, "a reply").unwrap();
    comment(&mut h, CAROL, film, 0, "spam spam").unwrap();

    // Bad inputs.
    assert_eq!(
        code(comment(&mut h, ALICE, film, 3, "reply to a reply")),
        ("social", 14)
    );
    assert_eq!(
        code(comment(&mut h, ALICE, other, 1, "elsewhere")),
        ("social", 15)
    );
    assert_eq!(
        code(comment(&mut h, ALICE, film, 99, "no parent")),
        ("social", 13)
    );
    assert_eq!(
        code(comment(&mut h, ALICE, 99, 0, "no content")),
        ("social", 5)
    );
    assert_eq!(
        code(comment(&mut h, ALICE, film, 0, "  \n ")),
        ("social", 12)
    );
    assert_eq!(
        code(comment(&mut h, ALICE, film, 0, "bell\u{7}")),
        ("social", 12)
    );
    assert_eq!(
        code(comment(&mut h, ALICE, film, 0, &"x".repeat(1001))),
        ("social", 12)
    );
    assert_eq!(code(comment(&mut h, POOR, film, 0, "no money")), ("sdk", 5));

    // Newest first, by page; replies listed under their parent.
    let page1 = comments(&h, film, vec![], 2);
    let ids: Vec<u64> = page1.comments.iter().map(|c| c.id).collect();
    assert_eq!(ids, vec![4, 2]);
    assert_eq!(page1.total, 4);
    let page2 = comments(&h, film, page1.page.unwrap().next_key, 2);
    let ids: Vec<u64> = page2.comments.iter().map(|c| c.id).collect();
    assert_eq!(ids, vec![1]);
    assert_eq!(page2.comments[0].replies, 1);
    let replies: pb::QueryCommentsResponse = h
        .query(
            "/weave.social.v1.Query/Replies",
            &pb::QueryRepliesRequest {
                comment_id: 1,
                page: None,
            },
        )
        .unwrap();
    assert_eq!(replies.comments.len(), 1);
    assert_eq!(replies.comments[0].text, "a reply");

    // Only the content's creator hides; a hidden comment is listed without its text.
    assert_eq!(code(hide(&mut h, ALICE, 4, true)), ("social", 16));
    assert_eq!(code(hide(&mut h, CREATOR, 99, true)), ("social", 13));
    hide(&mut h, CREATOR, 4, true).unwrap();
    let listed = comments(&h, film, vec![], 0);
    assert!(listed.comments[0].hidden);
    assert!(listed.comments[0].text.is_empty());
    let one: pb::QueryCommentResponse = h
        .query(
            "/weave.social.v1.Query/Comment",
            &pb::QueryCommentRequest { comment_id: 4 },
        )
        .unwrap();
    assert!(one.comment.unwrap().hidden);
    hide(&mut h, CREATOR, 4, false).unwrap();
    assert_eq!(comments(&h, film, vec![], 0).comments[0].text, "spam spam");

    // The fee and the length are params.
    let p = Params {
        comment_fee: 0,
        max_comment_len: 5,
        ..Params::default()
    };
    update_params(&mut h, &p).unwrap();
    assert_eq!(
        code(comment(&mut h, POOR, film, 0, "too long")),
        ("social", 12)
    );
    comment(&mut h, POOR, film, 0, "free").unwrap();
    assert_invariants(&h);
}

fn purchase(h: &mut Harness, n: u8, content_id: u64) {
    h.exec_checked(
        addr(n),
        &any(
            MSG_PURCHASE_ACCESS,
            &cpb::MsgPurchaseAccess {
                buyer: addr(n).to_string(),
                content_id,
                quantity: 1,
                max_total_price: u128::MAX.to_string(),
            },
        ),
    )
    .unwrap();
}

fn views(h: &Harness, content_id: u64, viewer: u8) -> pb::QueryViewsResponse {
    h.query(
        "/weave.social.v1.Query/Views",
        &pb::QueryViewsRequest {
            content_id,
            viewer: addr(viewer).to_string(),
        },
    )
    .unwrap()
}

fn stats(h: &Harness, content_id: u64) -> (u64, u64) {
    let s = views(h, content_id, ALICE).stats.unwrap();
    (s.views, s.paying_viewers)
}

fn stream(h: &mut Harness, n: u8, content_id: u64, bytes: u64) {
    let ledger = ViewLedger::new(Arc::new(weave_content::Registry));
    h.with_ctx(|ctx| ledger.streamed(ctx, content_id, &addr(n), bytes))
        .unwrap();
}

#[test]
fn views_count_once_per_paying_account_and_only_when_paid() {
    let mut h = setup();
    let film = register(&mut h, 1);
    purchase(&mut h, ALICE, film);
    assert_eq!(stats(&h, film), (1, 1));
    let events = h.take_events();
    let e = events
        .iter()
        .find(|e| e.kind == "weave.social.v1.EventViewCounted")
        .unwrap();
    assert_eq!(e.get("content_id"), Some(film.to_string().as_str()));
    assert_eq!(e.get("viewer"), Some(addr(ALICE).to_string().as_str()));
    assert_eq!(e.get("views"), Some("1"));
    // A second purchase, and streaming after it, add nothing.
    purchase(&mut h, ALICE, film);
    stream(&mut h, ALICE, film, LENGTH);
    assert_eq!(stats(&h, film), (1, 1));
    // Tokens given away are not paid for by their receiver.
    h.exec_checked(
        addr(ALICE),
        &any(
            MSG_TRANSFER_ACCESS,
            &cpb::MsgTransferAccess {
                from: addr(ALICE).to_string(),
                to: addr(CAROL).to_string(),
                content_id: film,
                quantity: 1,
            },
        ),
    )
    .unwrap();
    assert_eq!(stats(&h, film), (1, 1));
    assert!(views(&h, film, CAROL).viewer.is_none());

    // Streamed bytes count once they reach 10 % of the length: a paying viewer first,
    // a view at the threshold, nothing more after it.
    let threshold = LENGTH.div_ceil(10);
    stream(&mut h, BOB, film, threshold - 1);
    assert_eq!(stats(&h, film), (1, 2));
    let bob = views(&h, film, BOB).viewer.unwrap();
    assert_eq!((bob.paid_bytes, bob.viewed), (threshold - 1, false));
    assert!(h
        .take_events()
        .iter()
        .all(|e| e.kind != "weave.social.v1.EventViewCounted"));
    stream(&mut h, BOB, film, 1);
    assert_eq!(stats(&h, film), (2, 2));
    let e = h.take_events();
    let e = e
        .iter()
        .find(|e| e.kind == "weave.social.v1.EventViewCounted")
        .unwrap();
    assert_eq!(e.get("views"), Some("2"));
    stream(&mut h, BOB, film, LENGTH);
    purchase(&mut h, BOB, film);
    assert_eq!(stats(&h, film), (2, 2));
    assert!(views(&h, film, BOB).viewer.unwrap().purchased);
    // Zero bytes and unknown content are nothing.
    stream(&mut h, CAROL, film, 0);
    stream(&mut h, CAROL, 99, LENGTH);
    assert_eq!(stats(&h, film), (2, 2));
    assert_eq!(stats(&h, 99), (0, 0));
    // The threshold is a param.
    let p = Params {
        view_threshold_bps: 10_000,
        ..Params::default()
    };
    update_params(&mut h, &p).unwrap();
    stream(&mut h, CAROL, film, threshold);
    assert_eq!(stats(&h, film), (2, 3));
    stream(&mut h, CAROL, film, LENGTH - threshold);
    assert_eq!(stats(&h, film), (3, 3));
    assert_invariants(&h);
}

#[test]
fn params_change_only_through_the_gov_authority_and_must_validate() {
    let mut h = setup();
    let p = Params::default();
    let by_alice = any(
        MSG_UPDATE_PARAMS,
        &pb::MsgUpdateParams {
            authority: addr(ALICE).to_string(),
            params: Some((&p).into()),
        },
    );
    assert_eq!(code(h.exec_checked(addr(ALICE), &by_alice)), ("social", 19));
    let mut bad = p.clone();
    bad.view_threshold_bps = 0;
    assert_eq!(code(update_params(&mut h, &bad)), ("social", 20));
    let missing = any(
        MSG_UPDATE_PARAMS,
        &pb::MsgUpdateParams {
            authority: gov_authority().to_string(),
            params: None,
        },
    );
    assert_eq!(code(h.exec_checked(gov_authority(), &missing)), ("sdk", 18));
    let mut good = p;
    good.comment_fee = 7;
    update_params(&mut h, &good).unwrap();
    let r: pb::QueryParamsResponse = h
        .query("/weave.social.v1.Query/Params", &pb::QueryParamsRequest {})
        .unwrap();
    assert_eq!(r.params.unwrap().comment_fee, "7");
    assert!(h
        .take_events()
        .iter()
        .any(|e| e.kind == "weave.social.v1.EventParamsUpdated"));
    // Garbage bytes and unknown queries.
    let garbage = Any {
        type_url: MSG_FOLLOW.into(),
        value: vec![0xff, 0xff, 0xff],
    };
    assert_eq!(code(h.exec(addr(ALICE), &garbage)), ("sdk", 2));
    assert!(h
        .query::<_, pb::QueryParamsResponse>(
            "/weave.social.v1.Query/Nope",
            &pb::QueryParamsRequest {}
        )
        .is_err());
}

#[test]
fn writes_are_metered() {
    let mut h = setup();
    let m = social();
    let msg = any(MSG_SET_PROFILE, &profile_msg(ALICE, "alice"));
    let mut gas = GasMeter::new(500, GasCosts::default());
    let mut events = Vec::new();
    let mut ctx = Ctx::new(&h.block, &mut h.state, &mut gas, &mut events);
    let e = ctx
        .atomically(|ctx| Module::handle(&m, ctx, &msg))
        .unwrap_err();
    assert_eq!((e.codespace, e.code), ("sdk", 11), "{e:?}");
    let mut gas = GasMeter::new(u64::MAX, GasCosts::default());
    let mut ctx = Ctx::new(&h.block, &mut h.state, &mut gas, &mut events);
    Module::handle(&m, &mut ctx, &msg).unwrap();
    assert!(gas.used() > 1_000, "{}", gas.used());
}

#[test]
fn genesis_imports_and_exports_profiles() {
    let g = serde_json::json!({
        "social": {
            "params": Params::default(),
            "profiles": [
                {"address": addr(ALICE).to_string(), "handle": "Alice", "bio": "hi"},
                {"address": addr(BOB).to_string(), "handle": "bob"},
            ],
        }
    });
    let mut h = setup_with(g);
    assert_eq!(by_handle(&h, "alice").address, addr(ALICE).to_string());
    assert_eq!(
        code(set_profile(&mut h, CAROL, &profile_msg(CAROL, "bob"))),
        ("social", 3)
    );
    let exported = SocialModule::export_genesis(&h.state).unwrap();
    assert_eq!(exported.profiles.len(), 2);
    assert_eq!(exported.profiles[0].handle, "alice");
    assert_eq!(exported.params, Params::default());
    // What is exported imports again.
    let again = setup_with(serde_json::json!({ "social": exported }));
    assert_eq!(
        SocialModule::export_genesis(&again.state).unwrap(),
        SocialModule::export_genesis(&h.state).unwrap()
    );
    assert_invariants(&h);
    // A bad section is refused before any state is written.
    let bad = serde_json::json!({"profiles": [
        {"address": addr(ALICE).to_string(), "handle": "dup"},
        {"address": addr(BOB).to_string(), "handle": "DUP"},
    ]});
    let e = social().validate_genesis(&bad).unwrap_err();
    assert_eq!((e.codespace, e.code), ("social", 21));
}

#[test]
fn the_invariants_catch_a_count_that_disagrees_with_its_rows() {
    let mut h = setup();
    let film = register(&mut h, 1);
    follow(&mut h, ALICE, BOB).unwrap();
    react(&mut h, ALICE, film, pb::ReactionKind::Wow).unwrap();
    comment(&mut h, ALICE, film, 0, "hello").unwrap();
    purchase(&mut h, ALICE, film);
    assert_invariants(&h);
    for key in [
        weave_social::state_key::follow_counts(&addr(BOB)),
        weave_social::state_key::reaction_count(film, pb::ReactionKind::Wow as i32),
        weave_social::state_key::comment_count(film),
        weave_social::state_key::view_stats(film),
    ] {
        h.state.checkpoint();
        h.state.delete(key.clone());
        let bad = invariants::check(&h.state).unwrap();
        h.state.discard_checkpoint();
        assert!(
            !bad.is_empty(),
            "deleting {} went unnoticed",
            String::from_utf8_lossy(&key)
        );
        assert_invariants(&h);
    }
}
