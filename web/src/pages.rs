//! The pages: Discover (the feed with a search over titles and tags), a content's
//! page (details, *Buy*, the player once the key is delivered), and the Wallet
//! (balances, send); the Library and Governance pages are in their own files, and
//! share the helpers here. Forms post back, the action runs on chain, and the browser is
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
use weave_proto::weave::content::v1 as pb;

use crate::{
    forms::{account, form, key_cookie, no_key, see_other, selected_key},
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

/// Whether a content matches a search: every word of it in the title or a tag.
fn matches(c: &pb::Content, q: &str) -> bool {
    let Some(m) = &c.metadata else {
        return q.trim().is_empty();
    };
    let hay = format!("{} {}", m.title, m.tags.join(" ")).to_lowercase();
    q.to_lowercase().split_whitespace().all(|w| hay.contains(w))
}

/// A query-string value, percent-encoded.
fn url_escape(s: &str) -> String {
    serde_urlencoded::to_string([("v", s)])
        .map(|e| e.trim_start_matches("v=").to_string())
        .unwrap_or_default()
}

/// `GET /?q=…&tag=…&creator=…`: the feed (or one tag's, or one creator's), newest
/// first, filtered by the search.
pub(crate) async fn discover(
    State(state): State<AppState>,
    headers: HeaderMap,
    RawQuery(query): RawQuery,
) -> Html<String> {
    let (bar, _) = account(&state, &headers, "/");
    let q = query_param(query.as_deref(), "q").unwrap_or_default();
    let tag = query_param(query.as_deref(), "tag").filter(|t| !t.is_empty());
    let creator = query_param(query.as_deref(), "creator").filter(|c| !c.is_empty());
    let mut body = format!(
        "<h1>Discover</h1><form method=get action=\"/\" id=\"search\">\
         <input name=q id=\"q\" value=\"{}\" placeholder=\"search titles and tags\"> \
         <button>Search</button></form>",
        esc(&q)
    );
    let listing = match (&tag, &creator) {
        (Some(t), _) => {
            let _ = write!(
                body,
                "<p id=\"filter\">Tagged <strong>{}</strong> · <a href=\"/\">everything</a></p>",
                esc(t)
            );
            state.node.by_tag(t).await
        }
        (None, Some(c)) => {
            let _ = write!(
                body,
                "<p id=\"filter\">By <strong>{}</strong> · <a href=\"/\">everything</a></p>",
                esc(c)
            );
            state.node.by_creator(c).await
        }
        (None, None) => state.node.feed().await,
    };
    match listing {
        Ok(feed) => {
            let shown: Vec<&pb::Content> = feed.iter().filter(|c| matches(c, &q)).collect();
            if shown.is_empty() {
                body.push_str("<p id=\"empty\" class=muted>Nothing found.</p>");
            } else {
                body.push_str(
                    "<table id=\"feed\"><tr><th>Title</th><th>Tags</th><th>Price</th>\
                     <th>Size</th><th>Creator</th></tr>",
                );
                for c in shown {
                    let m = c.metadata.clone().unwrap_or_default();
                    let len = c.meta_hash.as_ref().map_or(0, |m| m.plaintext_len);
                    let _ = write!(
                        body,
                        "<tr class=\"item\" id=\"content-{id}\"><td><a href=\"/content/{id}\">{}</a>{}</td>\
                         <td>{}</td><td>{} uweave</td><td>{}</td><td><a class=muted href=\"/?creator={}\">{}</a></td></tr>",
                        esc(&title_of(c)),
                        if c.status == pb::ContentStatus::Retired as i32 {
                            " <em>(retired)</em>"
                        } else {
                            ""
                        },
                        m.tags
                            .iter()
                            .map(|t| format!(
                                "<a class=tag href=\"/?tag={}\">{}</a>",
                                url_escape(t),
                                esc(t)
                            ))
                            .collect::<Vec<_>>()
                            .join(", "),
                        esc(&c.access_price),
                        html::size(len),
                        url_escape(&c.creator),
                        esc(&c.creator),
                        id = c.id,
                    );
                }
                body.push_str("</table>");
            }
        }
        Err(e) => body.push_str(&html::error_box(
            "Reading the feed",
            &explain(&format!("{e:#}")),
        )),
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
         <tr><th>Creator</th><td id=\"creator\"><a href=\"/?creator={}\">{}</a></td></tr>\
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
    let back = if f.back.starts_with('/') && !f.back.starts_with("//") {
        f.back
    } else {
        "/".to_string()
    };
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
    fn search_matches_every_word_in_title_or_tags() {
        let c = pb::Content {
            metadata: Some(pb::Metadata {
                title: "Test Pattern".into(),
                tags: vec!["film".into(), "demo".into()],
                ..Default::default()
            }),
            ..Default::default()
        };
        assert!(matches(&c, ""));
        assert!(matches(&c, "pattern"));
        assert!(matches(&c, "FILM test"));
        assert!(!matches(&c, "film music"));
    }

    #[test]
    fn query_values_are_percent_encoded() {
        assert_eq!(url_escape("sci fi&x=1"), "sci+fi%26x%3D1");
        assert_eq!(url_escape("weave1abc"), "weave1abc");
    }
}
