//! `weaved tx social` and `weaved query social`.

use clap::Subcommand;
use serde_json::{json, Value};
use weave_proto::weave::social::v1 as pb;

use super::{
    msg::{self, kind_text, parse_kind, ProfileFields},
    query,
};
use crate::{
    keys::Keyring,
    opts::{resolve_address, GlobalOpts, NodeOpts},
    page::{Page, PageArgs},
    query::with_channel,
    render,
    tx::{from_key, submit_with, TxOpts},
};

/// `weaved tx social ...`
#[derive(Debug, Subcommand)]
pub enum SocialTxCmd {
    /// Create or replace your profile (`/weave.social.v1.MsgSetProfile`).
    ///
    /// The handle is 3 to 30 characters of a-z, 0-9 and _ (upper case is folded);
    /// it must be free. A handle you give up stays reserved for you for the
    /// cool-down the params set.
    #[command(
        after_help = "Example:\n  weaved tx social set-profile alice --display-name \"Alice\" --bio \"I make films\" --link https://alice.example --from alice --wait"
    )]
    SetProfile {
        /// The handle.
        handle: String,
        /// The display name.
        #[arg(long, default_value = "")]
        display_name: String,
        /// The bio.
        #[arg(long, default_value = "")]
        bio: String,
        /// A registered content id to show as the avatar.
        #[arg(long, value_name = "CONTENT_ID", default_value_t = 0)]
        avatar: u64,
        /// A link (repeat for each).
        #[arg(long = "link", value_name = "URL")]
        links: Vec<String>,
        #[allow(missing_docs)] // flattened: its own fields carry the help
        #[command(flatten)]
        opts: TxOpts,
    },
    /// Follow an account (`/weave.social.v1.MsgFollow`).
    #[command(after_help = "Example:\n  weaved tx social follow bob --from alice --wait")]
    Follow {
        /// The account: a bech32 address or a key name.
        account: String,
        #[allow(missing_docs)] // flattened: its own fields carry the help
        #[command(flatten)]
        opts: TxOpts,
    },
    /// Stop following an account (`/weave.social.v1.MsgUnfollow`).
    #[command(after_help = "Example:\n  weaved tx social unfollow bob --from alice --wait")]
    Unfollow {
        /// The account: a bech32 address or a key name.
        account: String,
        #[allow(missing_docs)] // flattened: its own fields carry the help
        #[command(flatten)]
        opts: TxOpts,
    },
    /// React to a content, or change your reaction (`/weave.social.v1.MsgReact`).
    #[command(after_help = "Example:\n  weaved tx social react 1 love --from alice --wait")]
    React {
        /// The content id.
        content_id: u64,
        /// like, love, laugh, wow, sad or dislike.
        #[arg(value_parser = parse_kind)]
        kind: pb::ReactionKind,
        #[allow(missing_docs)] // flattened: its own fields carry the help
        #[command(flatten)]
        opts: TxOpts,
    },
    /// Remove your reaction to a content (`/weave.social.v1.MsgRemoveReaction`).
    #[command(after_help = "Example:\n  weaved tx social unreact 1 --from alice --wait")]
    Unreact {
        /// The content id.
        content_id: u64,
        #[allow(missing_docs)] // flattened: its own fields carry the help
        #[command(flatten)]
        opts: TxOpts,
    },
    /// Comment on a content, or reply to a comment (`/weave.social.v1.MsgComment`).
    ///
    /// A comment costs the `comment_fee` param (to the community pool) on top of gas.
    /// With --wait the new comment's id is printed.
    #[command(
        after_help = "Example:\n  weaved tx social comment 1 \"What a film\" --from alice --wait\n  weaved tx social comment 1 \"Thanks!\" --reply-to 4 --from bob --wait"
    )]
    Comment {
        /// The content id.
        content_id: u64,
        /// The text.
        text: String,
        /// Reply to this top-level comment.
        #[arg(long, value_name = "COMMENT_ID")]
        reply_to: Option<u64>,
        #[allow(missing_docs)] // flattened: its own fields carry the help
        #[command(flatten)]
        opts: TxOpts,
    },
    /// Hide a comment on your own content (`/weave.social.v1.MsgHideComment`).
    #[command(after_help = "Example:\n  weaved tx social hide-comment 4 --from alice --wait")]
    HideComment {
        /// The comment id.
        comment_id: u64,
        /// Show the comment again instead.
        #[arg(long)]
        unhide: bool,
        #[allow(missing_docs)] // flattened: its own fields carry the help
        #[command(flatten)]
        opts: TxOpts,
    },
}

/// `weaved query social ...`
#[derive(Debug, Subcommand)]
pub enum SocialQueryCmd {
    /// The social module's parameters.
    #[command(after_help = "Example:\n  weaved query social params")]
    Params {
        #[allow(missing_docs)] // flattened: its own fields carry the help
        #[command(flatten)]
        node: NodeOpts,
    },
    /// A profile with its follow counts, by address, key name or `@handle`.
    #[command(
        after_help = "Example:\n  weaved query social profile @alice\n  weaved query social profile weave1pafa9xct2zxsks824wuud2lpygj2vsf4p8dggy"
    )]
    Profile {
        /// `@handle`, a bech32 address or a key name.
        who: String,
        #[allow(missing_docs)] // flattened: its own fields carry the help
        #[command(flatten)]
        node: NodeOpts,
    },
    /// The accounts an account follows.
    #[command(after_help = "Example:\n  weaved query social following alice --limit 50")]
    Following {
        /// A bech32 address or a key name.
        account: String,
        #[allow(missing_docs)] // flattened: its own fields carry the help
        #[command(flatten)]
        page: PageArgs,
        #[allow(missing_docs)] // flattened: its own fields carry the help
        #[command(flatten)]
        node: NodeOpts,
    },
    /// The accounts that follow an account.
    #[command(after_help = "Example:\n  weaved query social followers alice")]
    Followers {
        /// A bech32 address or a key name.
        account: String,
        #[allow(missing_docs)] // flattened: its own fields carry the help
        #[command(flatten)]
        page: PageArgs,
        #[allow(missing_docs)] // flattened: its own fields carry the help
        #[command(flatten)]
        node: NodeOpts,
    },
    /// A content's reaction counts (and one account's reaction with --reactor).
    #[command(after_help = "Example:\n  weaved query social reactions 1 --reactor alice")]
    Reactions {
        /// The content id.
        content_id: u64,
        /// Also show this account's reaction.
        #[arg(long)]
        reactor: Option<String>,
        #[allow(missing_docs)] // flattened: its own fields carry the help
        #[command(flatten)]
        node: NodeOpts,
    },
    /// A content's comments, newest first (or a comment's replies with --replies-to).
    #[command(after_help = "Example:\n  weaved query social comments 1 --limit 10")]
    Comments {
        /// The content id.
        content_id: u64,
        /// List the replies to this comment instead.
        #[arg(long, value_name = "COMMENT_ID")]
        replies_to: Option<u64>,
        #[allow(missing_docs)] // flattened: its own fields carry the help
        #[command(flatten)]
        page: PageArgs,
        #[allow(missing_docs)] // flattened: its own fields carry the help
        #[command(flatten)]
        node: NodeOpts,
    },
    /// A content's verified (paid) views and paying viewers (and one viewer's record
    /// with --viewer).
    #[command(after_help = "Example:\n  weaved query social views 1 --viewer bob")]
    Views {
        /// The content id.
        content_id: u64,
        /// Also show this account's record.
        #[arg(long)]
        viewer: Option<String>,
        #[allow(missing_docs)] // flattened: its own fields carry the help
        #[command(flatten)]
        node: NodeOpts,
    },
}

/// Signs and broadcasts the one message `build` makes for the signing key; prints a
/// new comment's id with --wait.
fn submit_one(
    opts: &TxOpts,
    g: &GlobalOpts,
    build: impl FnOnce(&weave_kernel::Address) -> anyhow::Result<cosmos_sdk_proto::Any>,
) -> anyhow::Result<()> {
    let keyring = Keyring::open(&g.home, g.keyring_backend)?;
    let key = from_key(opts, &keyring)?;
    let m = build(&key.address())?;
    submit_with(&key, vec![m], opts, g, |s| {
        s.event_number(msg::EVENT_COMMENTED, "comment_id")
            .map(|id| vec![("comment_id", json!(id))])
            .unwrap_or_default()
    })
}

/// Runs a `weaved tx social` command.
pub fn run_tx(cmd: SocialTxCmd, g: &GlobalOpts) -> anyhow::Result<()> {
    match cmd {
        SocialTxCmd::SetProfile {
            handle,
            display_name,
            bio,
            avatar,
            links,
            opts,
        } => submit_one(&opts, g, |me| {
            msg::set_profile(
                me,
                ProfileFields {
                    handle,
                    display_name,
                    bio,
                    avatar_content_id: avatar,
                    links,
                },
            )
        }),
        SocialTxCmd::Follow { account, opts } => {
            let other = resolve_address(&account, g)?;
            submit_one(&opts, g, |me| msg::follow(me, &other, true))
        }
        SocialTxCmd::Unfollow { account, opts } => {
            let other = resolve_address(&account, g)?;
            submit_one(&opts, g, |me| msg::follow(me, &other, false))
        }
        SocialTxCmd::React {
            content_id,
            kind,
            opts,
        } => submit_one(&opts, g, |me| msg::react(me, content_id, kind)),
        SocialTxCmd::Unreact { content_id, opts } => {
            submit_one(&opts, g, |me| msg::remove_reaction(me, content_id))
        }
        SocialTxCmd::Comment {
            content_id,
            text,
            reply_to,
            opts,
        } => submit_one(&opts, g, |me| {
            msg::comment(me, content_id, reply_to.unwrap_or(0), &text)
        }),
        SocialTxCmd::HideComment {
            comment_id,
            unhide,
            opts,
        } => submit_one(&opts, g, |me| msg::hide_comment(me, comment_id, !unhide)),
    }
}

/// A profile answer as JSON.
fn profile_json(r: &pb::QueryProfileResponse) -> Value {
    let counts = r.counts.unwrap_or_default();
    json!({
        "address": r.address,
        "profile": r.profile.as_ref().map(|p| json!({
            "address": p.address,
            "handle": p.handle,
            "display_name": p.display_name,
            "bio": p.bio,
            "avatar_content_id": p.avatar_content_id,
            "links": p.links,
            "created_height": p.created_height,
            "updated_height": p.updated_height,
        })),
        "followers": counts.followers,
        "following": counts.following,
    })
}

/// A profile answer as text.
fn profile_text(r: &pb::QueryProfileResponse) -> String {
    let counts = r.counts.unwrap_or_default();
    let mut lines = Vec::new();
    match &r.profile {
        Some(p) => {
            lines.push(format!("@{} {}", p.handle, p.display_name));
            lines.push(format!("address: {}", p.address));
            if !p.bio.is_empty() {
                lines.push(format!("bio: {}", p.bio));
            }
            if p.avatar_content_id != 0 {
                lines.push(format!("avatar: content {}", p.avatar_content_id));
            }
            for l in &p.links {
                lines.push(format!("link: {l}"));
            }
        }
        None if r.address.is_empty() => lines.push("(no such profile)".into()),
        None => lines.push(format!("{} (no profile)", r.address)),
    }
    lines.push(format!(
        "followers: {}  following: {}",
        counts.followers, counts.following
    ));
    lines.join("\n")
}

fn comment_json(c: &pb::Comment) -> Value {
    json!({
        "id": c.id,
        "content_id": c.content_id,
        "author": c.author,
        "parent_id": c.parent_id,
        "text": c.text,
        "height": c.height,
        "hidden": c.hidden,
        "replies": c.replies,
    })
}

fn comment_text(c: &pb::Comment) -> String {
    let text = if c.hidden {
        "(hidden by the creator)"
    } else {
        &c.text
    };
    let replies = if c.replies > 0 {
        format!(" [{} replies]", c.replies)
    } else {
        String::new()
    };
    format!("#{} {} at {}: {text}{replies}", c.id, c.author, c.height)
}

/// Runs a `weaved query social` command.
pub fn run_query(cmd: SocialQueryCmd, g: &GlobalOpts) -> anyhow::Result<()> {
    match cmd {
        SocialQueryCmd::Params { node } => {
            let p = with_channel(&node, g, |c| async move { query::params(c).await })?;
            let v = json!({
                "min_handle_len": p.min_handle_len,
                "max_handle_len": p.max_handle_len,
                "handle_cooldown_blocks": p.handle_cooldown_blocks,
                "max_display_name_len": p.max_display_name_len,
                "max_bio_len": p.max_bio_len,
                "max_links": p.max_links,
                "max_link_len": p.max_link_len,
                "max_following": p.max_following,
                "max_comment_len": p.max_comment_len,
                "comment_fee": p.comment_fee,
                "view_threshold_bps": p.view_threshold_bps,
            });
            let text = v
                .as_object()
                .map(|o| {
                    o.iter()
                        .map(|(k, v)| {
                            format!("{k}: {}", v.as_str().map_or(v.to_string(), str::to_string))
                        })
                        .collect::<Vec<_>>()
                        .join("\n")
                })
                .unwrap_or_default();
            render::print_one(g, "params", v, text)
        }
        SocialQueryCmd::Profile { who, node } => {
            let r = match who.strip_prefix('@') {
                Some(handle) => {
                    let handle = handle.to_string();
                    with_channel(&node, g, |c| async move {
                        query::profile_by_handle(c, &handle).await
                    })?
                }
                None => {
                    let a = resolve_address(&who, g)?;
                    with_channel(&node, g, |c| async move { query::profile(c, &a).await })?
                }
            };
            render::print_one(g, "profile", profile_json(&r), profile_text(&r))
        }
        SocialQueryCmd::Following {
            account,
            page,
            node,
        } => print_follows(g, &account, false, page, node),
        SocialQueryCmd::Followers {
            account,
            page,
            node,
        } => print_follows(g, &account, true, page, node),
        SocialQueryCmd::Reactions {
            content_id,
            reactor,
            node,
        } => {
            let reactor = reactor.map(|r| resolve_address(&r, g)).transpose()?;
            let r = with_channel(&node, g, |c| async move {
                query::reactions(c, content_id, reactor.as_ref()).await
            })?;
            let counts: Vec<Value> = r
                .counts
                .iter()
                .map(|c| json!({ "kind": kind_text(c.kind), "count": c.count }))
                .collect();
            let mine = r.reaction.as_ref().map(|x| kind_text(x.kind));
            let mut text: Vec<String> = r
                .counts
                .iter()
                .map(|c| format!("{}: {}", kind_text(c.kind), c.count))
                .collect();
            if text.is_empty() {
                text.push("(no reactions)".into());
            }
            if let Some(m) = &mine {
                text.push(format!("yours: {m}"));
            }
            render::print_one(
                g,
                "reactions",
                json!({ "counts": counts, "reaction": mine }),
                text.join("\n"),
            )
        }
        SocialQueryCmd::Comments {
            content_id,
            replies_to,
            page,
            node,
        } => {
            let page = page.request()?;
            let r = with_channel(&node, g, |c| async move {
                query::comments(c, content_id, replies_to, page).await
            })?;
            if !g.json() {
                println!("{} comments", r.total);
            }
            Page::new(r.comments, r.page).print(g, "comments", "no comments", |c| {
                (comment_json(c), comment_text(c))
            })
        }
        SocialQueryCmd::Views {
            content_id,
            viewer,
            node,
        } => {
            let viewer = viewer.map(|v| resolve_address(&v, g)).transpose()?;
            let r = with_channel(&node, g, |c| async move {
                query::views(c, content_id, viewer.as_ref()).await
            })?;
            let s = r.stats.unwrap_or_default();
            let mut v = json!({
                "content_id": content_id,
                "views": s.views,
                "paying_viewers": s.paying_viewers,
            });
            let mut text = format!("views: {} (paying viewers: {})", s.views, s.paying_viewers);
            if let Some(x) = r.viewer {
                v["viewer"] = json!({
                    "viewer": x.viewer,
                    "paid_bytes": x.paid_bytes,
                    "viewed": x.viewed,
                    "viewed_height": x.viewed_height,
                    "purchased": x.purchased,
                });
                text.push_str(&format!(
                    "\n{}: viewed {} (paid bytes {}, purchased {})",
                    x.viewer, x.viewed, x.paid_bytes, x.purchased
                ));
            }
            render::print_one(g, "views", v, text)
        }
    }
}

fn print_follows(
    g: &GlobalOpts,
    account: &str,
    followers: bool,
    page: PageArgs,
    node: NodeOpts,
) -> anyhow::Result<()> {
    let a = resolve_address(account, g)?;
    let page = page.request()?;
    let r = with_channel(&node, g, |c| async move {
        query::follows(c, &a, followers, page).await
    })?;
    let counts = r.counts.unwrap_or_default();
    if !g.json() {
        println!(
            "followers: {}  following: {}",
            counts.followers, counts.following
        );
    }
    Page::new(r.follows, r.page).print(g, "follows", "none", |f| {
        let other = if followers { &f.follower } else { &f.followee };
        (
            json!({ "follower": f.follower, "followee": f.followee, "height": f.height }),
            format!("{other} (since {})", f.height),
        )
    })
}
