//! The pages: Discover (the feed and the trending list, and a search with filters that
//! the node's search index answers), a content's page (details, *Buy*, the player once
//! the key is delivered, then its social part from `social.rs`), and the Wallet
//! (balances, send); the Library, Governance and social pages are in their own files,
//! and share the helpers here (the listing table [`rows_table`]). Forms post back, the action runs on chain, and the browser is
//! sent back to the page with a message that says what happened — or, for a refusal,
//! the chain's code and its meaning.

use std::fmt::Write;

use axum::{
    body::Bytes,
    extract::{Path, RawQuery, State},
    http::{header, HeaderMap, StatusCode},
    response::{Html, IntoResponse, Response},
};
use serde::Deserialize;
use weave_kernel::Address;
use weave_proto::weave::{content::v1 as pb, search::v1 as search_pb};

use crate::{
    forms::{account, form, key_cookie, no_key, safe_back, see_other, selected_key},
    html::{self, esc, Flash},
    security::query_param,
    state::AppState,
    words::explain,
};

/// The title of a content.
pub(crate) fn title_of(c: &pb::Content) -> String {
    c.metadata
        .as_ref()
        .map(|m| m.title.clone())
        .filter(|t| !t.is_empty())
        .unwrap_or_else(|| format!("content {}", c.id))
}

/// A query-string value, percent-encoded.
pub(crate) fn url_escape(s: &str) -> String {
    serde_urlencoded::to_string([("v", s)])
        .map(|e| e.trim_start_matches("v=").to_string())
        .unwrap_or_default()
}

/// One line of a listing (Discover, the following feed, a profile's contents), from
/// the chain's record of a content or from the search index's.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Row {
    pub(crate) id: u64,
    pub(crate) title: String,
    pub(crate) tags: Vec<String>,
    /// uweave per access token.
    pub(crate) price: String,
    /// The plaintext length, when known (the index does not keep it).
    pub(crate) size: Option<u64>,
    pub(crate) creator: String,
    /// The creator's handle, when known.
    pub(crate) handle: String,
    pub(crate) retired: bool,
    /// The start of the description, shown under the title of a search's results.
    pub(crate) snippet: String,
}

/// The most characters of a description a listing shows.
const SNIPPET_CHARS: usize = 120;

impl Row {
    pub(crate) fn of_content(c: &pb::Content) -> Self {
        let m = c.metadata.clone().unwrap_or_default();
        Self {
            id: c.id,
            title: title_of(c),
            tags: m.tags,
            price: c.access_price.clone(),
            size: c.meta_hash.as_ref().map(|m| m.plaintext_len),
            creator: c.creator.clone(),
            handle: String::new(),
            retired: c.status == pb::ContentStatus::Retired as i32,
            snippet: String::new(),
        }
    }

    pub(crate) fn of_hit(h: &search_pb::ContentHit) -> Self {
        Self {
            id: h.id,
            title: if h.title.is_empty() {
                format!("content {}", h.id)
            } else {
                h.title.clone()
            },
            tags: h.tags.clone(),
            price: h.access_price.clone(),
            size: None,
            creator: h.creator.clone(),
            handle: h.creator_handle.clone(),
            retired: false,
            snippet: {
                let mut d: String = h.description.chars().take(SNIPPET_CHARS).collect();
                if h.description.chars().count() > SNIPPET_CHARS {
                    d.push('…');
                }
                d
            },
        }
    }
}

/// A listing as the `#feed` table; `empty` when there is nothing.
pub(crate) fn rows_table(rows: &[Row], empty: &str) -> String {
    if rows.is_empty() {
        return format!("<p id=\"empty\" class=muted>{}</p>", esc(empty));
    }
    let mut out = String::from(
        "<table id=\"feed\"><tr><th>Title</th><th>Tags</th><th>Price</th>\
         <th>Size</th><th>Creator</th></tr>",
    );
    for r in rows {
        let by = if r.handle.is_empty() {
            esc(&r.creator)
        } else {
            format!("@{}", esc(&r.handle))
        };
        let _ =
            write!(
            out,
            "<tr class=\"item\" id=\"content-{id}\"><td><a href=\"/content/{id}\">{}</a>{}{}</td>\
             <td>{}</td><td>{}</td><td>{}</td><td><a class=muted href=\"/u/{}\">{by}</a></td></tr>",
            esc(&r.title),
            if r.retired { " <em>(retired)</em>" } else { "" },
            if r.snippet.is_empty() {
                String::new()
            } else {
                format!("<br><small class=\"muted snippet\">{}</small>", esc(&r.snippet))
            },
            r.tags
                .iter()
                .map(|t| format!(
                    "<a class=tag href=\"/?tag={}\">{}</a>",
                    url_escape(t),
                    esc(t)
                ))
                .collect::<Vec<_>>()
                .join(", "),
            if r.price == "0" {
                "free".to_string()
            } else {
                format!("{} uweave", esc(&r.price))
            },
            r.size.map(html::size).unwrap_or_default(),
            url_escape(&r.creator),
            id = r.id,
        );
    }
    out.push_str("</table>");
    out
}

/// Discover's search: the words and the filters, as the query string carries them.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Search {
    pub(crate) q: String,
    pub(crate) tag: String,
    /// An address, or a handle (with or without `@`).
    pub(crate) creator: String,
    pub(crate) min_price: String,
    pub(crate) max_price: String,
    pub(crate) free: bool,
}

impl Search {
    pub(crate) fn from_query(query: Option<&str>) -> Self {
        let get = |name| {
            query_param(query, name)
                .map(|v| v.trim().to_string())
                .unwrap_or_default()
        };
        Self {
            q: get("q"),
            tag: get("tag"),
            creator: get("creator"),
            min_price: get("min_price"),
            max_price: get("max_price"),
            free: !get("free").is_empty(),
        }
    }

    /// Whether the node's search index answers (words or a price filter), rather than
    /// the chain's listings (everything, one tag's, one creator's).
    pub(crate) fn uses_index(&self) -> bool {
        !self.q.is_empty()
            || !self.min_price.is_empty()
            || !self.max_price.is_empty()
            || self.free
            || (!self.tag.is_empty() && !self.creator.is_empty())
    }

    /// The request to the index, with the creator resolved to an address (or empty).
    pub(crate) fn request(&self, creator: &str) -> Result<search_pb::SearchRequest, String> {
        let price = |name: &str, v: &str| -> Result<String, String> {
            if v.is_empty() {
                return Ok(String::new());
            }
            weave_kernel::parse_amount(v)
                .map(|p| p.to_string())
                .map_err(|e| format!("the {name} price {v:?}: {e}"))
        };
        Ok(search_pb::SearchRequest {
            query: self.q.clone(),
            tag: self.tag.to_lowercase(),
            creator: creator.to_string(),
            min_price: price("lowest", &self.min_price)?,
            max_price: price("highest", &self.max_price)?,
            free_only: self.free,
            limit: SEARCH_LIMIT,
        })
    }

    /// The search form, filled with this search.
    fn form(&self) -> String {
        format!(
            "<form method=get action=\"/\" id=\"search\">\
             <input name=q id=\"q\" value=\"{}\" size=32 placeholder=\"search titles, descriptions, tags and people\"> \
             <button>Search</button><details{}><summary>filters</summary>\
             <label>tag <input name=tag id=\"f-tag\" value=\"{}\" size=12></label> \
             <label>creator <input name=creator id=\"f-creator\" value=\"{}\" size=24 placeholder=\"@handle or weave1…\"></label> \
             <label>price from <input name=min_price id=\"f-min\" value=\"{}\" size=8></label> \
             <label>to <input name=max_price id=\"f-max\" value=\"{}\" size=8> uweave</label> \
             <label><input type=checkbox name=free value=1 id=\"f-free\"{}> free only</label></details></form>",
            esc(&self.q),
            if self.tag.is_empty() && self.creator.is_empty() && self.min_price.is_empty()
                && self.max_price.is_empty() && !self.free
            {
                ""
            } else {
                " open"
            },
            esc(&self.tag),
            esc(&self.creator),
            esc(&self.min_price),
            esc(&self.max_price),
            if self.free { " checked" } else { "" },
        )
    }
}

/// The most results of each kind Discover asks the search index for.
const SEARCH_LIMIT: u32 = 100;
/// The blocks the trending list counts over, and its length.
const TRENDING_WINDOW: u64 = 1000;
const TRENDING_LIMIT: u32 = 10;

/// The address a `creator` filter names: an address, or a handle's owner.
async fn creator_address(state: &AppState, creator: &str) -> anyhow::Result<String> {
    if creator.is_empty() {
        return Ok(String::new());
    }
    if let Ok(a) = creator.parse::<Address>() {
        return Ok(a.to_string());
    }
    let handle = creator.trim_start_matches('@').to_lowercase();
    match state.node.address_of_handle(&handle).await? {
        Some(a) => Ok(a.to_string()),
        None => anyhow::bail!("no profile holds the handle @{handle}"),
    }
}

/// `GET /?q=…&tag=…&creator=…&min_price=…&max_price=…&free=1`: the feed (or one tag's,
/// or one creator's), newest first; with words or a price filter, the node's search
/// index ranks the contents (and finds people by handle, name or bio). With nothing
/// asked, the trending list too.
pub(crate) async fn discover(
    State(state): State<AppState>,
    headers: HeaderMap,
    RawQuery(query): RawQuery,
) -> Html<String> {
    let (bar, _) = account(&state, &headers, "/");
    let s = Search::from_query(query.as_deref());
    let mut body = format!("<h1>Discover</h1>{}", s.form());
    if s.uses_index() {
        let asked = async {
            let creator = creator_address(&state, &s.creator).await?;
            let request = s.request(&creator).map_err(|e| anyhow::anyhow!(e))?;
            state.node.search(request).await
        }
        .await;
        match asked {
            Ok(r) => {
                let _ = write!(
                    body,
                    "<p id=\"filter\" class=muted>{} content(s) found by the node's search index \
                     (at height <span id=\"index-height\">{}</span>) · <a href=\"/\">everything</a></p>",
                    r.contents.len(),
                    r.height
                );
                if !r.profiles.is_empty() {
                    body.push_str("<h2>People</h2><ul id=\"people\">");
                    for p in &r.profiles {
                        let _ = write!(
                            body,
                            "<li><a href=\"/u/{}\">@{}</a> {} <span class=muted>{}</span></li>",
                            url_escape(&p.handle),
                            esc(&p.handle),
                            esc(&p.display_name),
                            esc(&p.bio)
                        );
                    }
                    body.push_str("</ul>");
                }
                let rows: Vec<Row> = r.contents.iter().map(Row::of_hit).collect();
                body.push_str(&rows_table(&rows, "Nothing found."));
            }
            Err(e) => body.push_str(&html::error_box("Searching", &explain(&format!("{e:#}")))),
        }
    } else {
        let listing = if !s.tag.is_empty() {
            let _ = write!(
                body,
                "<p id=\"filter\">Tagged <strong>{}</strong> · <a href=\"/\">everything</a></p>",
                esc(&s.tag)
            );
            state.node.by_tag(&s.tag).await
        } else if !s.creator.is_empty() {
            let _ = write!(
                body,
                "<p id=\"filter\">By <strong>{}</strong> · <a href=\"/\">everything</a></p>",
                esc(&s.creator)
            );
            match creator_address(&state, &s.creator).await {
                Ok(c) => state.node.by_creator(&c).await,
                Err(e) => Err(e),
            }
        } else {
            state.node.feed().await
        };
        match listing {
            Ok(feed) => {
                let rows: Vec<Row> = feed.iter().map(Row::of_content).collect();
                body.push_str(&rows_table(&rows, "Nothing found."));
            }
            Err(e) => body.push_str(&html::error_box(
                "Reading the feed",
                &explain(&format!("{e:#}")),
            )),
        }
        if s == Search::default() {
            body.push_str(&trending(&state).await);
        }
    }
    let flash = state.flashes.get(query.as_deref());
    Html(html::page(
        "Discover",
        "Discover",
        &bar,
        flash.as_ref(),
        &body,
    ))
}

/// The trending list: the most paid views over the last blocks.
async fn trending(state: &AppState) -> String {
    let mut out = format!(
        "<h2>Trending</h2><p class=muted>Paid views over the last {TRENDING_WINDOW} blocks.</p>"
    );
    match state.node.trending(TRENDING_WINDOW, TRENDING_LIMIT).await {
        Ok(r) if r.entries.is_empty() => {
            out.push_str("<p id=\"trending-empty\" class=muted>No paid views yet.</p>")
        }
        Ok(r) => {
            out.push_str(
                "<table id=\"trending\"><tr><th>Title</th><th>Views</th><th>Paying viewers</th>\
                 <th>All views</th></tr>",
            );
            for e in &r.entries {
                let row = Row::of_hit(&e.content.clone().unwrap_or_default());
                let _ = write!(
                    out,
                    "<tr id=\"trending-{id}\"><td><a href=\"/content/{id}\">{}</a></td><td>{}</td>\
                     <td>{}</td><td>{}</td></tr>",
                    esc(&row.title),
                    e.views,
                    e.paying_viewers,
                    e.total_views,
                    id = row.id
                );
            }
            out.push_str("</table>");
        }
        Err(e) => {
            let _ = write!(
                out,
                "<p class=muted>The search index did not answer: {}</p>",
                esc(&explain(&format!("{e:#}")).words)
            );
        }
    }
    out
}

/// `GET /content/{id}`: a content's page.
pub(crate) async fn content(
    State(state): State<AppState>,
    Path(id): Path<u64>,
    headers: HeaderMap,
    RawQuery(query): RawQuery,
) -> Html<String> {
    let back = format!("/content/{id}");
    let (bar, selected) = account(&state, &headers, &back);
    let channel: u64 = query_param(query.as_deref(), "channel")
        .and_then(|c| c.trim().parse().ok())
        .unwrap_or(0);
    let flash = state.flashes.get(query.as_deref());
    let c = match state.node.content(id).await {
        Ok(c) => c,
        Err(e) => {
            let body = html::error_box(
                &format!("Reading content {id}"),
                &explain(&format!("{e:#}")),
            );
            return Html(html::page("Content", "", &bar, flash.as_ref(), &body));
        }
    };
    let m = c.metadata.clone().unwrap_or_default();
    let meta = c.meta_hash.clone().unwrap_or_default();
    let title = title_of(&c);
    let tiers = if c.tiers.is_empty() {
        "none".to_string()
    } else {
        c.tiers
            .iter()
            .map(|t| format!("{} from {} tokens", t.name, t.min_tokens))
            .collect::<Vec<_>>()
            .join(", ")
    };
    let retired = c.status == pb::ContentStatus::Retired as i32;
    let mut body = format!(
        "<h1 id=\"title\">{}</h1><p class=muted>{}</p><table>\
         <tr><th>Creator</th><td id=\"creator\"><a href=\"/u/{}\">{}</a></td></tr>\
         <tr><th>Tags</th><td>{}</td></tr><tr><th>Type</th><td>{}</td></tr>\
         <tr><th>Size</th><td>{} in {} slices</td></tr>\
         <tr><th>Price</th><td id=\"price\">{} uweave per access token</td></tr>\
         <tr><th>Streaming</th><td>{} uweave per GiB</td></tr>\
         <tr><th>Tiers</th><td>{}</td></tr><tr><th>Split</th><td>table {}</td></tr>\
         <tr><th>Status</th><td>{}</td></tr></table>",
        esc(&title),
        esc(&m.description),
        url_escape(&c.creator),
        esc(&c.creator),
        esc(&m.tags.join(", ")),
        esc(&m.mime_type),
        html::size(meta.plaintext_len),
        meta.slice_count,
        esc(&c.access_price),
        esc(&c.price_per_gib),
        esc(&tiers),
        c.split_id,
        if retired { "retired" } else { "active" },
    );
    let key = match &selected {
        Ok((_, key)) => key,
        Err(why) => {
            body.push_str(&no_key(why));
            body.push_str(
                &crate::social::content_section(&state, id, &c.creator, None, query.as_deref())
                    .await,
            );
            return Html(html::page(&title, "", &bar, flash.as_ref(), &body));
        }
    };
    let me = key.address();
    let tokens = match state.node.access(id, &me).await {
        Ok(t) => t,
        Err(e) => {
            body.push_str(&html::error_box(
                "Reading your access",
                &explain(&format!("{e:#}")),
            ));
            0
        }
    };
    let creator = c.creator == me.to_string();
    let _ = write!(
        body,
        "<p>You hold <span id=\"tokens\">{tokens}</span> access token(s){}.</p>",
        if creator { " and created it" } else { "" }
    );
    // Buy: the exact total, which becomes max_total_price.
    if !retired {
        match weave_kernel::parse_amount(&c.access_price) {
            Ok(total) => {
                let _ = write!(
                    body,
                    "<form method=post action=\"/content/{id}/buy\" id=\"buy\">\
                     <input type=hidden name=token value=\"{}\">\
                     <input type=hidden name=quantity value=1>\
                     <input type=hidden name=max_total_price value=\"{total}\">\
                     <button id=\"buy-button\">Buy 1 access token for {total} uweave</button> \
                     <span class=muted>total <span id=\"total\">{total}</span> uweave plus the network fee</span></form>",
                    esc(&state.token)
                );
            }
            Err(e) => body.push_str(&html::error_box(
                "Reading the price",
                &explain(&e.to_string()),
            )),
        }
    }
    // Tip and Subscribe.
    body.push_str(&crate::support::forms(&state, id, &c.creator, retired).await);
    // The creator with Follow, views, reactions and comments.
    body.push_str(
        &crate::social::content_section(&state, id, &c.creator, Some(&me), query.as_deref()).await,
    );
    // The player (or the key-wait notice) goes above the details.
    let mut watch = String::new();
    if tokens > 0 || creator {
        match state.node.content_key(&c, key).await {
            Ok(Some(_)) => {
                // With a payment channel, seeders that want payment are paid per
                // verified slice from it; the token rides along, since that spends.
                let (src, status) = if channel > 0 {
                    (
                        format!(
                            "/media/{id}?channel={channel}&amp;token={}",
                            esc(&state.token)
                        ),
                        format!("/media/{id}/status?channel={channel}"),
                    )
                } else {
                    (format!("/media/{id}"), format!("/media/{id}/status"))
                };
                let channels = state.node.open_channels(&me).await;
                let mut options = String::from(
                    "<option value=\"\">none: only seeders that serve for free</option>",
                );
                for ch in &channels {
                    let _ = write!(
                        options,
                        "<option value=\"{id}\"{}>channel {id} · {} uweave left</option>",
                        if ch.id == channel { " selected" } else { "" },
                        esc(&ch.remaining),
                        id = ch.id,
                    );
                }
                if channel > 0 && !channels.iter().any(|c| c.id == channel) {
                    let _ = write!(
                        options,
                        "<option value=\"{channel}\" selected>channel {channel}</option>"
                    );
                }
                let _ = write!(
                    watch,
                    "<h2>Watch</h2><video id=\"player\" controls preload=\"auto\" src=\"{src}\"></video>\
                     <div class=panel id=\"live\" data-status=\"{status}\">\
                     <span id=\"live-slices\">starting…</span> · <span id=\"live-peers\">0</span> peers · \
                     <span id=\"live-rate\">0.00</span> MiB/s · vouchers paid \
                     <span id=\"live-paid-bytes\">0</span> bytes, <span id=\"live-paid\">0</span> uweave\
                     <span id=\"live-state\"></span></div>\
                     <form method=get action=\"/content/{id}\" id=\"pay\">\
                     <label>pay seeders from <select name=channel id=\"channel\">{options}</select></label> \
                     <button id=\"pay-button\">Watch</button> \
                     <span class=muted>(seeders that want payment are paid per verified slice)</span></form>\
                     <script>(function(){{const el=document.getElementById('live');\
                     const set=(id,v)=>{{document.getElementById(id).textContent=v;}};\
                     async function tick(){{try{{const r=await fetch(el.dataset.status);const s=await r.json();\
                     if(s.started){{set('live-slices',s.slices_done+'/'+s.slices_total+' slices verified, '\
                     +s.slices_ready+' ready');set('live-peers',s.peers);\
                     set('live-rate',(s.bytes_per_sec/1048576).toFixed(2));\
                     set('live-paid-bytes',s.bytes_paid);set('live-paid',s.amount_promised||'0');\
                     set('live-state',(s.done?' · complete':'')+(s.failed?' · failed: '+s.failed:''));\
                     el.dataset.done=s.done?'1':'';}}}}catch(e){{}}\
                     setTimeout(tick,500);}}tick();}})();</script>"
                );
            }
            Ok(None) => {
                watch.push_str(
                    "<p id=\"key-wait\" class=\"flash wait\">Paid. Waiting for the creator's node to deliver \
                     the content key; the player appears here once it has (this page checks every 2 s).</p>\
                     <script>setTimeout(function(){location.reload()},2000)</script>",
                );
            }
            Err(e) => watch.push_str(&html::error_box(
                "Opening the content key",
                &explain(&format!("{e:#}")),
            )),
        }
    }
    let at = body.find("<table>").unwrap_or(0);
    body.insert_str(at, &watch);
    Html(html::page(&title, "", &bar, flash.as_ref(), &body))
}

#[derive(Deserialize)]
struct BuyForm {
    token: String,
    quantity: u64,
    max_total_price: String,
}

/// `POST /content/{id}/buy`.
pub(crate) async fn buy(
    State(state): State<AppState>,
    Path(id): Path<u64>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let f: BuyForm = match form(&state, &body) {
        Ok(f) => f,
        Err(r) => return r.into_response(),
    };
    let _ = &f.token;
    let result = async {
        let (_, key) = selected_key(&state, &headers)?;
        let max: u128 = weave_kernel::parse_amount(&f.max_total_price)
            .map_err(|e| anyhow::anyhow!("max_total_price {:?}: {e}", f.max_total_price))?;
        state.node.purchase(&key, id, f.quantity, max).await
    }
    .await;
    let flash = match result {
        Ok(done) => Flash::Ok(
            format!(
                "Bought {} access token(s) for at most {} uweave; fee {} uweave; transaction {}.",
                f.quantity, f.max_total_price, done.fee, done.hash
            ),
            Some((done.hash, done.fee)),
        ),
        Err(e) => Flash::Err("The purchase".into(), explain(&format!("{e:#}"))),
    };
    let n = state.flashes.put(flash);
    see_other(&format!("/content/{id}?flash={n}"))
}

/// `GET /wallet`.
pub(crate) async fn wallet(
    State(state): State<AppState>,
    headers: HeaderMap,
    RawQuery(query): RawQuery,
) -> Html<String> {
    let (bar, selected) = account(&state, &headers, "/wallet");
    let flash = state.flashes.get(query.as_deref());
    let mut body = String::from("<h1>Wallet</h1>");
    match &selected {
        Err(why) => body.push_str(&no_key(why)),
        Ok((name, key)) => {
            let me = key.address();
            let _ = write!(
                body,
                "<p>Account <strong>{}</strong>: <code id=\"address\">{}</code></p>",
                esc(name),
                me
            );
            match state.node.balances(&me).await {
                Ok(balances) => {
                    body.push_str(
                        "<table id=\"balances\"><tr><th>Denomination</th><th>Amount</th></tr>",
                    );
                    if !balances.iter().any(|(d, _)| d == weave_kernel::DENOM) {
                        let _ = write!(
                            body,
                            "<tr><td>uweave</td><td id=\"balance-uweave\">0</td></tr>"
                        );
                    }
                    for (denom, amount) in balances {
                        let _ = write!(
                            body,
                            "<tr><td>{}</td><td id=\"balance-{}\">{}</td></tr>",
                            esc(&denom),
                            esc(&denom),
                            esc(&amount)
                        );
                    }
                    body.push_str("</table>");
                }
                Err(e) => body.push_str(&html::error_box(
                    "Reading the balances",
                    &explain(&format!("{e:#}")),
                )),
            }
            let _ = write!(
                body,
                "<h2>Send</h2><form method=post action=\"/wallet/send\" id=\"send\">\
                 <input type=hidden name=token value=\"{}\">\
                 <label>to <input name=to id=\"send-to\" size=48 placeholder=\"weave1… or a key name\"></label> \
                 <label>amount <input name=amount id=\"send-amount\" size=12> uweave</label> \
                 <button id=\"send-button\">Send</button></form>",
                esc(&state.token)
            );
            body.push_str(&crate::wallet::sections(&state, &me).await);
        }
    }
    Html(html::page("Wallet", "Wallet", &bar, flash.as_ref(), &body))
}

#[derive(Deserialize)]
struct SendForm {
    to: String,
    amount: String,
}

/// `POST /wallet/send`.
pub(crate) async fn send(
    State(state): State<AppState>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let f: SendForm = match form(&state, &body) {
        Ok(f) => f,
        Err(r) => return r.into_response(),
    };
    let result = async {
        let (_, key) = selected_key(&state, &headers)?;
        let to = match f.to.trim().parse::<Address>() {
            Ok(a) => a,
            Err(parse) => state
                .node
                .keys()?
                .into_iter()
                .find(|k| k.name == f.to.trim())
                .map(|k| k.address)
                .ok_or_else(|| {
                    anyhow::anyhow!(
                        "{:?} is neither an address ({parse}) nor a key of this node's key ring",
                        f.to.trim()
                    )
                })?,
        };
        let amount = weave_client::tx::parse_uweave(&f.amount).map_err(|e| anyhow::anyhow!(e))?;
        let done = state.node.send(&key, &to, amount).await?;
        Ok::<_, anyhow::Error>((to, amount, done))
    }
    .await;
    let flash = match result {
        Ok((to, amount, done)) => Flash::Ok(
            format!(
                "Sent {amount} uweave to {to}; fee {} uweave; transaction {}.",
                done.fee, done.hash
            ),
            Some((done.hash, done.fee)),
        ),
        Err(e) => Flash::Err("Sending".into(), explain(&format!("{e:#}"))),
    };
    let n = state.flashes.put(flash);
    see_other(&format!("/wallet?flash={n}"))
}

#[derive(Deserialize)]
struct AccountForm {
    key: String,
    back: String,
}

/// `POST /account`: selects the key that signs.
pub(crate) async fn account_select(State(state): State<AppState>, body: Bytes) -> Response {
    let f: AccountForm = match form(&state, &body) {
        Ok(f) => f,
        Err(r) => return r.into_response(),
    };
    let back = safe_back(&f.back);
    (
        StatusCode::SEE_OTHER,
        [
            (header::LOCATION, back),
            (
                header::SET_COOKIE,
                format!(
                    "{}={}; Path=/; HttpOnly; SameSite=Strict",
                    key_cookie(&state),
                    hex::encode(f.key.as_bytes())
                ),
            ),
        ],
    )
        .into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_search_reads_its_filters_and_asks_the_index_only_for_words_or_prices() {
        let s = Search::from_query(Some(
            "q=sunset+harbour&tag=Sea&min_price=10&max_price=&free=1",
        ));
        assert_eq!(s.q, "sunset harbour");
        assert!(s.free);
        assert!(s.uses_index());
        let r = s.request("weave1abc").unwrap();
        assert_eq!(
            (r.query.as_str(), r.tag.as_str(), r.creator.as_str()),
            ("sunset harbour", "sea", "weave1abc")
        );
        assert_eq!((r.min_price.as_str(), r.max_price.as_str()), ("10", ""));
        assert!(r.free_only);
        assert_eq!(r.limit, SEARCH_LIMIT);
        // A tag or a creator alone is the chain's own listing; nothing is the feed.
        assert!(!Search::from_query(Some("tag=music")).uses_index());
        assert!(!Search::from_query(Some("creator=weave1x")).uses_index());
        assert!(Search::from_query(Some("tag=music&creator=weave1x")).uses_index());
        assert_eq!(Search::from_query(None), Search::default());
        // A price that is not a number is refused in words.
        let bad = Search::from_query(Some("max_price=lots"))
            .request("")
            .unwrap_err();
        assert!(bad.contains("highest price \"lots\""), "{bad}");
        // The form keeps what was asked, escaped, and opens its filters when used.
        let form = Search::from_query(Some("q=%3Cb%3E&free=1")).form();
        assert!(form.contains("value=\"&lt;b&gt;\""), "{form}");
        assert!(
            form.contains("<details open>") && form.contains(" checked>"),
            "{form}"
        );
        assert!(!Search::default().form().contains("open"));
    }

    #[test]
    fn listings_link_titles_tags_and_creators_and_say_when_empty() {
        let hit = search_pb::ContentHit {
            id: 7,
            creator: "weave1abc".into(),
            creator_handle: "alice".into(),
            title: "Sea <3".into(),
            tags: vec!["sci fi".into()],
            access_price: "0".into(),
            description: "x".repeat(200),
            ..Default::default()
        };
        let t = rows_table(&[Row::of_hit(&hit)], "Nothing.");
        assert!(
            t.contains(&format!(
                "<small class=\"muted snippet\">{}…</small>",
                "x".repeat(120)
            )),
            "{t}"
        );
        assert!(t.contains("id=\"content-7\""), "{t}");
        assert!(t.contains("<a href=\"/content/7\">Sea &lt;3</a>"), "{t}");
        assert!(t.contains("href=\"/?tag=sci+fi\""), "{t}");
        assert!(t.contains("<td>free</td>"), "{t}");
        assert!(t.contains("href=\"/u/weave1abc\">@alice</a>"), "{t}");
        let c = pb::Content {
            id: 3,
            creator: "weave1def".into(),
            access_price: "500".into(),
            status: pb::ContentStatus::Retired as i32,
            ..Default::default()
        };
        let t = rows_table(&[Row::of_content(&c)], "Nothing.");
        assert!(t.contains("content 3</a> <em>(retired)</em>"), "{t}");
        assert!(t.contains("<td>500 uweave</td>"), "{t}");
        assert!(t.contains(">weave1def</a>"), "{t}");
        assert_eq!(
            rows_table(&[], "Nothing <found>."),
            "<p id=\"empty\" class=muted>Nothing &lt;found&gt;.</p>"
        );
    }

    #[test]
    fn query_values_are_percent_encoded() {
        assert_eq!(url_escape("sci fi&x=1"), "sci+fi%26x%3D1");
        assert_eq!(url_escape("weave1abc"), "weave1abc");
    }
}
