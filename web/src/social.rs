//! The social pages (issue 18): a person's profile (`/u/HANDLE` or `/u/ADDRESS`) with
//! *Follow*/*Unfollow* and, on one's own, the form that sets it; the content page's
//! social part (its creator with *Follow*, verified views and paying viewers,
//! reactions, comments with replies one level deep and the creator's *Hide*); and the
//! following feed (`/following`), newest content from the accounts one follows, from
//! the node's search index.

use std::{collections::BTreeMap, fmt::Write};

use axum::{
    body::Bytes,
    extract::{Path, RawQuery, State},
    http::HeaderMap,
    response::{Html, IntoResponse, Response},
};
use serde::Deserialize;
use weave_client::social::msg::{kind_text, parse_kind, ProfileFields};
use weave_kernel::Address;
use weave_proto::weave::social::v1::{self as social_pb, ReactionKind};

use crate::{
    forms::{account, form, no_key, see_other, selected_key, with_flash},
    html::{self, esc, Flash},
    pages::{rows_table, url_escape, Row},
    security::query_param,
    state::AppState,
    words::explain,
};

/// The reaction kinds the page offers, in the chain's order.
const KINDS: [ReactionKind; 6] = [
    ReactionKind::Like,
    ReactionKind::Love,
    ReactionKind::Laugh,
    ReactionKind::Wow,
    ReactionKind::Sad,
    ReactionKind::Dislike,
];

/// The most replies shown under a comment.
const REPLIES_SHOWN: usize = 10;

/// An address as people read it in a listing: `@handle`, else its first characters.
fn who(address: &str, handles: &BTreeMap<String, String>) -> String {
    match handles.get(address).filter(|h| !h.is_empty()) {
        Some(h) => format!("@{}", esc(h)),
        None => format!("{}…", esc(address.get(..14).unwrap_or(address))),
    }
}

/// The handles of `addresses` (an empty string for an account without a profile).
async fn handles_of(state: &AppState, addresses: Vec<String>) -> BTreeMap<String, String> {
    let mut out = BTreeMap::new();
    for a in addresses {
        if out.contains_key(&a) {
            continue;
        }
        let handle = match a.parse::<Address>() {
            Ok(addr) => match state.node.profile(&addr).await {
                Ok((Some(p), _)) => p.handle,
                _ => String::new(),
            },
            Err(_) => String::new(),
        };
        out.insert(a, handle);
    }
    out
}

/// The *Follow* (or *Unfollow*) button for `whom`, coming back to `back`.
pub(crate) fn follow_button(token: &str, whom: &str, following: bool, back: &str) -> String {
    format!(
        "<form method=post action=\"/u/{}/follow\" class=\"follow\" style=\"display:inline\">\
         <input type=hidden name=token value=\"{}\"><input type=hidden name=follow value=\"{}\">\
         <input type=hidden name=back value=\"{}\">\
         <button id=\"{}\">{}</button></form>",
        url_escape(whom),
        esc(token),
        if following { "0" } else { "1" },
        esc(back),
        if following {
            "unfollow-button"
        } else {
            "follow-button"
        },
        if following { "Unfollow" } else { "Follow" },
    )
}

/// A link that is safe to make clickable: `http(s)://` only; anything else is text.
fn link(l: &str) -> String {
    let lower = l.to_ascii_lowercase();
    if lower.starts_with("https://") || lower.starts_with("http://") {
        format!(
            "<a href=\"{}\" rel=\"nofollow noopener noreferrer\">{}</a>",
            esc(l),
            esc(l)
        )
    } else {
        esc(l)
    }
}

/// A profile as HTML: name, handle, address, avatar, bio, links and follow counts.
fn profile_html(
    address: &str,
    profile: Option<&social_pb::Profile>,
    counts: &social_pb::FollowCounts,
) -> String {
    let mut out = String::new();
    match profile {
        Some(p) => {
            if p.avatar_content_id > 0 {
                let _ = write!(
                    out,
                    "<a href=\"/content/{id}\"><img id=\"avatar\" src=\"/media/{id}\" alt=\"avatar\" \
                     width=96 height=96 style=\"float:right;object-fit:cover\" onerror=\"this.remove()\"></a>",
                    id = p.avatar_content_id
                );
            }
            let name = if p.display_name.is_empty() {
                format!("@{}", p.handle)
            } else {
                p.display_name.clone()
            };
            let _ = write!(
                out,
                "<h1 id=\"profile-name\">{}</h1><p><strong id=\"handle\">@{}</strong> · \
                 <code id=\"address\">{}</code></p>",
                esc(&name),
                esc(&p.handle),
                esc(address)
            );
            if !p.bio.is_empty() {
                let _ = write!(out, "<p id=\"bio\">{}</p>", esc(&p.bio));
            }
            if !p.links.is_empty() {
                out.push_str("<ul id=\"links\">");
                for l in &p.links {
                    let _ = write!(out, "<li>{}</li>", link(l));
                }
                out.push_str("</ul>");
            }
        }
        None => {
            let _ = write!(
                out,
                "<h1 id=\"profile-name\">{}</h1><p class=muted id=\"no-profile\">This account has \
                 no profile yet.</p>",
                esc(address)
            );
        }
    }
    let _ = write!(
        out,
        "<p><span id=\"followers\">{}</span> follower(s) · following <span id=\"following\">{}</span></p>",
        counts.followers, counts.following
    );
    out
}

/// The form that sets one's profile, filled with the current one.
fn edit_form(token: &str, p: Option<&social_pb::Profile>) -> String {
    let p = p.cloned().unwrap_or_default();
    format!(
        "<h2>{}</h2><form method=post action=\"/profile\" id=\"profile-form\">\
         <input type=hidden name=token value=\"{}\">\
         <p><label>handle @<input name=handle id=\"p-handle\" value=\"{}\" size=30 \
         placeholder=\"lower-case letters, digits, _\"></label></p>\
         <p><label>display name <input name=display_name id=\"p-name\" value=\"{}\" size=40></label></p>\
         <p><label>bio<br><textarea name=bio id=\"p-bio\" rows=3 cols=60>{}</textarea></label></p>\
         <p><label>links, one a line<br><textarea name=links id=\"p-links\" rows=3 cols=60>{}</textarea></label></p>\
         <p><label>avatar: content id <input name=avatar id=\"p-avatar\" value=\"{}\" size=8></label> \
         <span class=muted>(a registered content; empty for none)</span></p>\
         <button id=\"profile-button\">Save my profile</button> <span class=muted>A handle you give up \
         stays reserved for you for a while, so nobody can take it at once.</span></form>",
        if p.handle.is_empty() {
            "Make my profile"
        } else {
            "Edit my profile"
        },
        esc(token),
        esc(&p.handle),
        esc(&p.display_name),
        esc(&p.bio),
        esc(&p.links.join("\n")),
        if p.avatar_content_id == 0 {
            String::new()
        } else {
            p.avatar_content_id.to_string()
        },
    )
}

/// `GET /u/{who}`: a profile, by handle (with or without `@`) or by address.
pub(crate) async fn profile(
    State(state): State<AppState>,
    Path(who): Path<String>,
    headers: HeaderMap,
    RawQuery(query): RawQuery,
) -> Html<String> {
    let back = format!("/u/{who}");
    let (bar, selected) = account(&state, &headers, &back);
    let flash = state.flashes.get(query.as_deref());
    let page =
        |title: &str, body: &str| Html(html::page(title, "Profile", &bar, flash.as_ref(), body));
    let address = match who.parse::<Address>() {
        Ok(a) => a,
        Err(_) => {
            let handle = who.trim_start_matches('@').to_lowercase();
            match state.node.address_of_handle(&handle).await {
                Ok(Some(a)) => a,
                Ok(None) => {
                    return page(
                        "Profile",
                        &format!(
                            "<h1>@{}</h1><p id=\"no-profile\" class=muted>No profile holds this handle.</p>",
                            esc(&handle)
                        ),
                    )
                }
                Err(e) => {
                    return page(
                        "Profile",
                        &html::error_box("Reading the profile", &explain(&format!("{e:#}"))),
                    )
                }
            }
        }
    };
    let (p, counts) = match state.node.profile(&address).await {
        Ok(x) => x,
        Err(e) => {
            return page(
                "Profile",
                &html::error_box("Reading the profile", &explain(&format!("{e:#}"))),
            )
        }
    };
    let addr = address.to_string();
    let mut body = profile_html(&addr, p.as_ref(), &counts);
    // Come back to the address, which stays right when the handle changes.
    let back = format!("/u/{addr}");
    match &selected {
        Ok((_, key)) if key.address() == address => {
            body.push_str(&edit_form(&state.token, p.as_ref()));
        }
        Ok((_, key)) => match state.node.follows(&key.address(), &address).await {
            Ok(following) => {
                body.push_str(&follow_button(&state.token, &addr, following, &back));
            }
            Err(e) => body.push_str(&html::error_box(
                "Reading whether you follow this account",
                &explain(&format!("{e:#}")),
            )),
        },
        Err(why) => body.push_str(&no_key(why)),
    }
    body.push_str("<h2>Contents</h2>");
    match state.node.by_creator(&addr).await {
        Ok(contents) => {
            let handle = p.as_ref().map(|p| p.handle.clone()).unwrap_or_default();
            let rows: Vec<Row> = contents
                .iter()
                .map(|c| Row {
                    handle: handle.clone(),
                    ..Row::of_content(c)
                })
                .collect();
            body.push_str(&rows_table(&rows, "No contents yet."));
        }
        Err(e) => body.push_str(&html::error_box(
            "Reading the contents",
            &explain(&format!("{e:#}")),
        )),
    }
    let title = p
        .as_ref()
        .map(|p| format!("@{}", p.handle))
        .unwrap_or_else(|| addr.clone());
    page(&title, &body)
}

/// `GET /profile`: the selected account's own profile page.
pub(crate) async fn my_profile(State(state): State<AppState>, headers: HeaderMap) -> Response {
    match selected_key(&state, &headers) {
        Ok((_, key)) => see_other(&format!("/u/{}", key.address())),
        Err(e) => {
            let (bar, _) = account(&state, &headers, "/profile");
            Html(html::page(
                "Profile",
                "Profile",
                &bar,
                None,
                &no_key(&format!("{e:#}")),
            ))
            .into_response()
        }
    }
}

#[derive(Deserialize)]
struct ProfileForm {
    handle: String,
    #[serde(default)]
    display_name: String,
    #[serde(default)]
    bio: String,
    #[serde(default)]
    links: String,
    #[serde(default)]
    avatar: String,
}

/// The profile a form asks for: links one a line, the avatar a content id or empty.
fn profile_fields(f: &ProfileForm) -> Result<ProfileFields, String> {
    let avatar = f.avatar.trim();
    let avatar_content_id = if avatar.is_empty() {
        0
    } else {
        avatar
            .parse()
            .map_err(|_| format!("the avatar {avatar:?} is not a content id"))?
    };
    Ok(ProfileFields {
        handle: f.handle.trim().trim_start_matches('@').to_string(),
        display_name: f.display_name.trim().to_string(),
        bio: f.bio.trim().replace("\r\n", "\n"),
        avatar_content_id,
        links: f
            .links
            .lines()
            .map(str::trim)
            .filter(|l| !l.is_empty())
            .map(str::to_string)
            .collect(),
    })
}

/// `POST /profile`: sets the selected account's profile.
pub(crate) async fn set_profile(
    State(state): State<AppState>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let f: ProfileForm = match form(&state, &body) {
        Ok(f) => f,
        Err(r) => return r.into_response(),
    };
    let mut back = "/profile".to_string();
    let result = async {
        let fields = profile_fields(&f).map_err(|e| anyhow::anyhow!(e))?;
        let (_, key) = selected_key(&state, &headers)?;
        back = format!("/u/{}", key.address());
        let handle = fields.handle.to_lowercase();
        let done = state.node.set_profile(&key, fields).await?;
        Ok::<_, anyhow::Error>((handle, done))
    }
    .await;
    let flash = match result {
        Ok((handle, done)) => Flash::Ok(
            format!(
                "Saved your profile as @{handle}; fee {} uweave; transaction {}.",
                done.fee, done.hash
            ),
            Some((done.hash, done.fee)),
        ),
        Err(e) => Flash::Err("Saving the profile".into(), explain(&format!("{e:#}"))),
    };
    let n = state.flashes.put(flash);
    see_other(&with_flash(&back, n))
}

#[derive(Deserialize)]
struct FollowForm {
    follow: String,
    back: String,
}

/// `POST /u/{address}/follow`: follows (`follow=1`) or unfollows (`follow=0`).
pub(crate) async fn follow(
    State(state): State<AppState>,
    Path(whom): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let f: FollowForm = match form(&state, &body) {
        Ok(f) => f,
        Err(r) => return r.into_response(),
    };
    let yes = f.follow == "1";
    let result = async {
        let whom: Address = whom
            .parse()
            .map_err(|e| anyhow::anyhow!("{whom:?} is not an address: {e}"))?;
        let (_, key) = selected_key(&state, &headers)?;
        state.node.follow(&key, &whom, yes).await
    }
    .await;
    let flash = match result {
        Ok(done) => Flash::Ok(
            format!(
                "{} {whom}; fee {} uweave; transaction {}.",
                if yes {
                    "Following"
                } else {
                    "Stopped following"
                },
                done.fee,
                done.hash
            ),
            Some((done.hash, done.fee)),
        ),
        Err(e) => Flash::Err(
            if yes { "Following" } else { "Unfollowing" }.into(),
            explain(&format!("{e:#}")),
        ),
    };
    let n = state.flashes.put(flash);
    see_other(&with_flash(&f.back, n))
}

/// The reaction buttons: one per kind with its count, the account's own marked, and
/// *Remove* when it has one.
fn reactions_html(
    token: &str,
    id: u64,
    counts: &[social_pb::ReactionCount],
    mine: i32,
    can_react: bool,
) -> String {
    let mut out = format!(
        "<form method=post action=\"/content/{id}/react\" id=\"reactions\">\
         <input type=hidden name=token value=\"{}\">",
        esc(token)
    );
    for k in KINDS {
        let name = kind_text(k as i32);
        let count = counts
            .iter()
            .find(|c| c.kind == k as i32)
            .map_or(0, |c| c.count);
        let on = mine == k as i32;
        let _ = write!(
            out,
            "<button name=kind value=\"{name}\" id=\"react-{name}\"{}{}>{name} \
             <span id=\"count-{name}\">{count}</span></button> ",
            if on {
                " class=\"on\" aria-pressed=\"true\" style=\"font-weight:bold\""
            } else {
                ""
            },
            if can_react { "" } else { " disabled" },
        );
    }
    if mine != 0 && can_react {
        out.push_str(
            "<button name=kind value=\"none\" id=\"react-remove\">Remove my reaction</button>",
        );
    }
    let _ = write!(
        out,
        "<span class=muted id=\"my-reaction\">{}</span></form>",
        if mine == 0 {
            String::new()
        } else {
            format!(" you reacted {}", kind_text(mine))
        }
    );
    out
}

/// One comment (or reply) as a list item: its author, text (or that the creator hid
/// it), the creator's *Hide*/*Show*, and for a top-level comment its *Reply* form.
fn comment_html(
    token: &str,
    c: &social_pb::Comment,
    handles: &BTreeMap<String, String>,
    is_creator: bool,
    can_comment: bool,
    back: &str,
) -> String {
    let mut out = format!(
        "<li class=\"comment\" id=\"comment-{}\" data-hidden=\"{}\"><a href=\"/u/{}\" class=\"author\">{}</a> \
         <span class=muted>at block {}</span> ",
        c.id,
        c.hidden,
        url_escape(&c.author),
        who(&c.author, handles),
        c.height,
    );
    if c.hidden {
        out.push_str("<em class=\"text muted\">hidden by the creator</em>");
    } else {
        let _ = write!(out, "<span class=\"text\">{}</span>", esc(&c.text));
    }
    if is_creator {
        let _ = write!(
            out,
            " <form method=post action=\"/content/{}/comments/{}/hide\" style=\"display:inline\">\
             <input type=hidden name=token value=\"{}\"><input type=hidden name=hidden value=\"{}\">\
             <input type=hidden name=back value=\"{}\">\
             <button id=\"hide-{}\">{}</button></form>",
            c.content_id,
            c.id,
            esc(token),
            if c.hidden { "0" } else { "1" },
            esc(back),
            c.id,
            if c.hidden { "Show" } else { "Hide" },
        );
    }
    if c.parent_id == 0 && can_comment {
        let _ = write!(
            out,
            "<details><summary>Reply</summary><form method=post action=\"/content/{}/comment\" \
             id=\"reply-{}\"><input type=hidden name=token value=\"{}\">\
             <input type=hidden name=parent_id value=\"{}\">\
             <input name=text id=\"reply-text-{}\" size=50> <button id=\"reply-button-{}\">Reply</button>\
             </form></details>",
            c.content_id,
            c.id,
            esc(token),
            c.id,
            c.id,
            c.id
        );
    }
    out
}

/// The social part of content `id`'s page, by `creator`, for `me` (if a key is
/// selected): the creator with *Follow*, verified views, reactions and comments.
/// `after` is the comments' page key (`?comments=HEX`).
pub(crate) async fn content_section(
    state: &AppState,
    id: u64,
    creator: &str,
    me: Option<&Address>,
    query: Option<&str>,
) -> String {
    let token = state.token.as_str();
    let back = format!("/content/{id}");
    let mut out = String::from("<div id=\"social\">");
    // The creator, with Follow.
    let creator_handle = handles_of(state, vec![creator.to_string()]).await;
    let _ = write!(
        out,
        "<p id=\"by\">By <a href=\"/u/{}\" id=\"creator-link\">{}</a> ",
        url_escape(creator),
        match creator_handle.get(creator).filter(|h| !h.is_empty()) {
            Some(h) => format!("@{}", esc(h)),
            None => esc(creator),
        }
    );
    if let (Some(me), Ok(c)) = (me, creator.parse::<Address>()) {
        if *me != c {
            match state.node.follows(me, &c).await {
                Ok(f) => out.push_str(&follow_button(token, creator, f, &back)),
                Err(e) => {
                    let _ = write!(
                        out,
                        "<span class=muted>{}</span>",
                        esc(&explain(&format!("{e:#}")).words)
                    );
                }
            }
        }
    }
    out.push_str("</p>");
    // Verified views.
    match state.node.views(id).await {
        Ok(v) => {
            let _ = write!(
                out,
                "<p id=\"views\">Verified views <strong id=\"views-count\">{}</strong> · distinct paying \
                 viewers <strong id=\"paying-viewers\">{}</strong> <span class=muted>(a view counts only \
                 when it is paid for: a purchase, or streaming paid through vouchers)</span></p>",
                v.views, v.paying_viewers
            );
        }
        Err(e) => out.push_str(&html::error_box(
            "Reading the views",
            &explain(&format!("{e:#}")),
        )),
    }
    // Reactions.
    match state.node.reactions(id, me).await {
        Ok((counts, mine)) => {
            out.push_str(&reactions_html(token, id, &counts, mine, me.is_some()));
        }
        Err(e) => out.push_str(&html::error_box(
            "Reading the reactions",
            &explain(&format!("{e:#}")),
        )),
    }
    // Comments, newest first, a page at a time.
    let after = query_param(query, "comments")
        .and_then(|h| hex::decode(h).ok())
        .unwrap_or_default();
    let is_creator = me.is_some_and(|m| m.to_string() == creator);
    match state.node.comments(id, None, after.clone()).await {
        Ok((comments, next, total)) => {
            let _ = write!(
                out,
                "<h2 id=\"comments\">Comments (<span id=\"comments-total\">{total}</span>)</h2>"
            );
            if me.is_some() {
                let fee = match state.node.social_params().await {
                    Ok(p) => format!("{} uweave", esc(&p.comment_fee)),
                    Err(_) => "a fee".to_string(),
                };
                let _ = write!(
                    out,
                    "<form method=post action=\"/content/{id}/comment\" id=\"comment\">\
                     <input type=hidden name=token value=\"{}\"><input type=hidden name=parent_id value=0>\
                     <textarea name=text id=\"comment-text\" rows=2 cols=60></textarea><br>\
                     <button id=\"comment-button\">Comment</button> <span class=muted>a comment costs \
                     <span id=\"comment-fee\">{fee}</span> (to the community pool) plus the network fee</span></form>",
                    esc(token)
                );
            }
            let mut replies = BTreeMap::new();
            for c in comments.iter().filter(|c| c.replies > 0) {
                if let Ok((r, _, _)) = state.node.comments(id, Some(c.id), Vec::new()).await {
                    replies.insert(c.id, r);
                }
            }
            let authors: Vec<String> = comments
                .iter()
                .chain(replies.values().flatten())
                .map(|c| c.author.clone())
                .collect();
            let handles = handles_of(state, authors).await;
            if comments.is_empty() {
                out.push_str("<p class=muted id=\"no-comments\">No comments yet.</p>");
            }
            out.push_str("<ol id=\"comment-list\" style=\"list-style:none;padding-left:0\">");
            for c in &comments {
                out.push_str(&comment_html(
                    token,
                    c,
                    &handles,
                    is_creator,
                    me.is_some(),
                    &back,
                ));
                if let Some(rs) = replies.get(&c.id) {
                    out.push_str("<ol class=\"replies\" style=\"list-style:none\">");
                    for r in rs.iter().take(REPLIES_SHOWN) {
                        out.push_str(&comment_html(token, r, &handles, is_creator, false, &back));
                        out.push_str("</li>");
                    }
                    if c.replies > REPLIES_SHOWN as u64 {
                        let _ = write!(
                            out,
                            "<li class=muted>and {} older replies</li>",
                            c.replies - REPLIES_SHOWN as u64
                        );
                    }
                    out.push_str("</ol>");
                }
                out.push_str("</li>");
            }
            out.push_str("</ol>");
            out.push_str(&comment_pages(id, !after.is_empty(), &next));
        }
        Err(e) => out.push_str(&html::error_box(
            "Reading the comments",
            &explain(&format!("{e:#}")),
        )),
    }
    out.push_str("</div>");
    out
}

/// The links between pages of comments: back to the newest (when on a later page) and
/// on to older ones (when the chain gave a next page's key).
fn comment_pages(id: u64, later_page: bool, next: &[u8]) -> String {
    let mut out = String::new();
    if later_page {
        let _ = write!(
            out,
            "<a href=\"/content/{id}#comments\" id=\"comments-newest\">newest comments</a> "
        );
    }
    if !next.is_empty() {
        let _ = write!(
            out,
            "<a href=\"/content/{id}?comments={}#comments\" id=\"comments-older\">older comments</a>",
            hex::encode(next)
        );
    }
    out
}

#[derive(Deserialize)]
struct ReactForm {
    kind: String,
}

/// `POST /content/{id}/react`: sets the reaction (`kind=like`…), or removes it
/// (`kind=none`).
pub(crate) async fn react(
    State(state): State<AppState>,
    Path(id): Path<u64>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let f: ReactForm = match form(&state, &body) {
        Ok(f) => f,
        Err(r) => return r.into_response(),
    };
    let kind = if f.kind == "none" {
        Ok(None)
    } else {
        parse_kind(&f.kind).map(Some)
    };
    let result = async {
        let kind = kind.map_err(|e| anyhow::anyhow!(e))?;
        let (_, key) = selected_key(&state, &headers)?;
        let done = state.node.react(&key, id, kind).await?;
        Ok::<_, anyhow::Error>((kind, done))
    }
    .await;
    let flash = match result {
        Ok((kind, done)) => Flash::Ok(
            format!(
                "{}; fee {} uweave; transaction {}.",
                match kind {
                    Some(k) => format!("Reacted {}", kind_text(k as i32)),
                    None => "Removed your reaction".to_string(),
                },
                done.fee,
                done.hash
            ),
            Some((done.hash, done.fee)),
        ),
        Err(e) => Flash::Err("Reacting".into(), explain(&format!("{e:#}"))),
    };
    let n = state.flashes.put(flash);
    see_other(&format!("/content/{id}?flash={n}"))
}

#[derive(Deserialize)]
struct CommentForm {
    text: String,
    #[serde(default)]
    parent_id: u64,
}

/// `POST /content/{id}/comment`: a comment, or a reply (`parent_id`).
pub(crate) async fn comment(
    State(state): State<AppState>,
    Path(id): Path<u64>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let f: CommentForm = match form(&state, &body) {
        Ok(f) => f,
        Err(r) => return r.into_response(),
    };
    let result = async {
        let (_, key) = selected_key(&state, &headers)?;
        let text = f.text.trim().replace("\r\n", "\n");
        state.node.comment(&key, id, f.parent_id, &text).await
    }
    .await;
    let what = if f.parent_id == 0 {
        "Commenting"
    } else {
        "Replying"
    };
    let flash = match result {
        Ok(done) => Flash::Ok(
            format!(
                "{}; fee {} uweave; transaction {}.",
                if f.parent_id == 0 {
                    "Commented"
                } else {
                    "Replied"
                },
                done.fee,
                done.hash
            ),
            Some((done.hash, done.fee)),
        ),
        Err(e) => Flash::Err(what.into(), explain(&format!("{e:#}"))),
    };
    let n = state.flashes.put(flash);
    see_other(&format!("/content/{id}?flash={n}#comments"))
}

#[derive(Deserialize)]
struct HideForm {
    hidden: String,
    back: String,
}

/// `POST /content/{id}/comments/{comment}/hide`: the creator hides (`hidden=1`) or
/// shows again (`hidden=0`) a comment on their content.
pub(crate) async fn hide(
    State(state): State<AppState>,
    Path((id, comment)): Path<(u64, u64)>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let f: HideForm = match form(&state, &body) {
        Ok(f) => f,
        Err(r) => return r.into_response(),
    };
    let hidden = f.hidden == "1";
    let result = async {
        let (_, key) = selected_key(&state, &headers)?;
        state.node.hide_comment(&key, comment, hidden).await
    }
    .await;
    let flash = match result {
        Ok(done) => Flash::Ok(
            format!(
                "{} comment {comment}; fee {} uweave; transaction {}.",
                if hidden { "Hid" } else { "Showed again" },
                done.fee,
                done.hash
            ),
            Some((done.hash, done.fee)),
        ),
        Err(e) => Flash::Err(
            if hidden { "Hiding" } else { "Showing" }.into(),
            explain(&format!("{e:#}")),
        ),
    };
    let n = state.flashes.put(flash);
    let back = if f.back.is_empty() {
        format!("/content/{id}")
    } else {
        f.back
    };
    see_other(&with_flash(&format!("{back}#comments"), n))
}

/// `GET /following`: the newest contents of the accounts the selected one follows.
pub(crate) async fn following(
    State(state): State<AppState>,
    headers: HeaderMap,
    RawQuery(query): RawQuery,
) -> Html<String> {
    let (bar, selected) = account(&state, &headers, "/following");
    let flash = state.flashes.get(query.as_deref());
    let mut body = String::from("<h1>Following</h1>");
    match &selected {
        Err(why) => body.push_str(&no_key(why)),
        Ok((_, key)) => match state.node.following_feed(&key.address()).await {
            Ok(r) => {
                let handles = handles_of(&state, r.following.clone()).await;
                if r.following.is_empty() {
                    body.push_str(
                        "<p id=\"following-none\" class=muted>You follow nobody yet: open a profile \
                         (a creator's name on a content's page) and press Follow.</p>",
                    );
                } else {
                    body.push_str("<p id=\"following-list\">You follow ");
                    let links: Vec<String> = r
                        .following
                        .iter()
                        .map(|a| {
                            format!("<a href=\"/u/{}\">{}</a>", url_escape(a), who(a, &handles))
                        })
                        .collect();
                    body.push_str(&links.join(", "));
                    body.push_str(".</p>");
                }
                let rows: Vec<Row> = r.contents.iter().map(Row::of_hit).collect();
                body.push_str(&rows_table(&rows, "Nothing from them yet."));
                let _ = write!(
                    body,
                    "<p class=muted>From the node's search index, at height {}.</p>",
                    r.height
                );
            }
            Err(e) => body.push_str(&html::error_box(
                "Reading the following feed",
                &explain(&format!("{e:#}")),
            )),
        },
    }
    Html(html::page(
        "Following",
        "Following",
        &bar,
        flash.as_ref(),
        &body,
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_profile_form_becomes_the_message_fields() {
        let f = ProfileForm {
            handle: " @Alice_1 ".into(),
            display_name: " Alice ".into(),
            bio: "films\r\nand more".into(),
            links: "https://a.example\r\n\r\n  https://b.example  \n".into(),
            avatar: "".into(),
        };
        let p = profile_fields(&f).unwrap();
        assert_eq!(p.handle, "Alice_1");
        assert_eq!(p.display_name, "Alice");
        assert_eq!(p.bio, "films\nand more");
        assert_eq!(p.links, ["https://a.example", "https://b.example"]);
        assert_eq!(p.avatar_content_id, 0);
        let bad = ProfileForm {
            avatar: "seven".into(),
            ..f
        };
        assert!(profile_fields(&bad).unwrap_err().contains("\"seven\""));
    }

    #[test]
    fn a_profile_shows_its_fields_escaped_and_only_web_links_are_clickable() {
        let p = social_pb::Profile {
            address: "weave1abc".into(),
            handle: "alice".into(),
            display_name: "Alice <A>".into(),
            bio: "I watch films".into(),
            avatar_content_id: 4,
            links: vec!["https://alice.example".into(), "javascript:alert(1)".into()],
            ..Default::default()
        };
        let counts = social_pb::FollowCounts {
            followers: 2,
            following: 5,
        };
        let h = profile_html("weave1abc", Some(&p), &counts);
        assert!(
            h.contains("<h1 id=\"profile-name\">Alice &lt;A&gt;</h1>"),
            "{h}"
        );
        assert!(h.contains("<strong id=\"handle\">@alice</strong>"), "{h}");
        assert!(h.contains("src=\"/media/4\""), "{h}");
        assert!(h.contains("<a href=\"https://alice.example\""), "{h}");
        assert!(!h.contains("href=\"javascript"), "{h}");
        assert!(h.contains("<li>javascript:alert(1)</li>"), "{h}");
        assert!(h.contains("<span id=\"followers\">2</span>"), "{h}");
        assert!(h.contains("<span id=\"following\">5</span>"), "{h}");
        let none = profile_html("weave1abc", None, &counts);
        assert!(none.contains("id=\"no-profile\""), "{none}");
        // The edit form is filled with the current profile.
        let f = edit_form("tok", Some(&p));
        assert!(f.contains("Edit my profile"), "{f}");
        assert!(f.contains("id=\"p-handle\" value=\"alice\""), "{f}");
        assert!(
            f.contains(">https://alice.example\njavascript:alert(1)</textarea>"),
            "{f}"
        );
        assert!(f.contains("id=\"p-avatar\" value=\"4\""), "{f}");
        assert!(edit_form("tok", None).contains("Make my profile"));
    }

    #[test]
    fn follow_buttons_post_the_opposite_of_the_current_state() {
        let f = follow_button("tok", "weave1abc", false, "/content/3");
        assert!(f.contains("action=\"/u/weave1abc/follow\""), "{f}");
        assert!(f.contains("name=follow value=\"1\""), "{f}");
        assert!(f.contains("id=\"follow-button\">Follow<"), "{f}");
        assert!(f.contains("name=back value=\"/content/3\""), "{f}");
        let u = follow_button("tok", "weave1abc", true, "/u/weave1abc");
        assert!(u.contains("name=follow value=\"0\""), "{u}");
        assert!(u.contains("id=\"unfollow-button\">Unfollow<"), "{u}");
    }

    #[test]
    fn reactions_show_every_kind_with_its_count_and_mark_ones_own() {
        let counts = [
            social_pb::ReactionCount {
                kind: ReactionKind::Like as i32,
                count: 3,
            },
            social_pb::ReactionCount {
                kind: ReactionKind::Wow as i32,
                count: 1,
            },
        ];
        let h = reactions_html("tok", 9, &counts, ReactionKind::Wow as i32, true);
        assert!(h.contains("action=\"/content/9/react\""), "{h}");
        assert!(h.contains("<span id=\"count-like\">3</span>"), "{h}");
        assert!(h.contains("<span id=\"count-love\">0</span>"), "{h}");
        assert!(h.contains("id=\"react-wow\" class=\"on\""), "{h}");
        assert!(!h.contains("id=\"react-like\" class=\"on\""), "{h}");
        assert!(h.contains("id=\"react-remove\""), "{h}");
        assert!(h.contains("you reacted wow"), "{h}");
        let none = reactions_html("tok", 9, &[], 0, false);
        assert!(!none.contains("react-remove"), "{none}");
        assert!(none.contains("id=\"react-like\" disabled"), "{none}");
    }

    #[test]
    fn comment_pages_link_on_with_the_chains_key_and_back_to_the_newest() {
        assert_eq!(comment_pages(3, false, &[]), "");
        let first = comment_pages(3, false, b"k/1");
        assert!(
            first.contains("href=\"/content/3?comments=6b2f31#comments\" id=\"comments-older\""),
            "{first}"
        );
        assert!(!first.contains("comments-newest"), "{first}");
        let last = comment_pages(3, true, &[]);
        assert!(last.contains("id=\"comments-newest\""), "{last}");
        assert!(!last.contains("comments-older"), "{last}");
    }

    #[test]
    fn comments_show_their_author_and_text_or_that_they_are_hidden() {
        let handles = BTreeMap::from([("weave1bob".to_string(), "bob_b".to_string())]);
        let c = social_pb::Comment {
            id: 5,
            content_id: 2,
            author: "weave1bob".into(),
            text: "nice <b>".into(),
            height: 40,
            ..Default::default()
        };
        let h = comment_html("tok", &c, &handles, false, true, "/content/2");
        assert!(h.contains("id=\"comment-5\" data-hidden=\"false\""), "{h}");
        assert!(h.contains(">@bob_b</a>"), "{h}");
        assert!(
            h.contains("<span class=\"text\">nice &lt;b&gt;</span>"),
            "{h}"
        );
        assert!(!h.contains("hide-5"), "only the creator hides: {h}");
        assert!(h.contains("id=\"reply-5\""), "{h}");
        assert!(h.contains("name=parent_id value=\"5\""), "{h}");
        // The creator sees Hide; a hidden comment has no text; a reply has no Reply.
        let hidden = social_pb::Comment {
            hidden: true,
            text: String::new(),
            parent_id: 1,
            author: "weave1zzzzzzzzzzzzzzzzzz".into(),
            ..c
        };
        let h = comment_html("tok", &hidden, &handles, true, true, "/content/2");
        assert!(h.contains("hidden by the creator"), "{h}");
        assert!(h.contains("id=\"hide-5\">Show<"), "{h}");
        assert!(h.contains("name=hidden value=\"0\""), "{h}");
        assert!(!h.contains("reply-5"), "replies go one level deep: {h}");
        assert!(h.contains(">weave1zzzzzzzz…</a>"), "{h}");
    }
}
