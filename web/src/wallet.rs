//! The Wallet page's history and payment channels, and a transaction's own page.
//!
//! - History: the transactions the account signed (`message.sender`) or received
//!   tokens in (`weave.bank.v1.EventTransfer.recipient`), newest first, from CometBFT's
//!   `tx_search`; each links to `/tx/{hash}`, which shows its block, result and events.
//! - Payment channels: those the account opened (`EventChannelOpened.payer`), each
//!   with its deposit, what vouchers drew, its status and its lanes (one per seeder
//!   and content); *Open*, *Top up* and *Close*.

use std::{collections::BTreeMap, fmt::Write};

use axum::{
    body::Bytes,
    extract::{Path, State},
    http::HeaderMap,
    response::{Html, IntoResponse, Response},
};
use serde::Deserialize;
use weave_kernel::Address;

use crate::{
    forms::{account, form, see_other, selected_key},
    html::{self, esc, Flash},
    rpc::TxRecord,
    state::AppState,
    words::explain,
};

/// How many transactions the history shows.
const HISTORY: u8 = 50;

/// The default lifetime of a new channel, in blocks.
const DEFAULT_CHANNEL_BLOCKS: u64 = 10_000;

/// What a transaction did, in a few words: its messages' actions.
fn actions(tx: &TxRecord) -> String {
    let mut out: Vec<String> = tx
        .events
        .iter()
        .filter(|e| e.kind == "message")
        .filter_map(|e| e.get("action"))
        .map(|a| {
            a.rsplit('.')
                .next()
                .unwrap_or(a)
                .trim_start_matches("Msg")
                .to_string()
        })
        .collect();
    out.dedup();
    if out.is_empty() {
        "(no message)".into()
    } else {
        out.join(", ")
    }
}

/// The history and channel sections of the Wallet page for `me`.
pub(crate) async fn sections(state: &AppState, me: &Address) -> String {
    let mut body = String::from("<h2>Payment channels</h2>");
    let token = esc(&state.token);
    let _ = write!(
        body,
        "<form method=post action=\"/wallet/channels/open\" id=\"open-channel\">\
         <input type=hidden name=token value=\"{token}\">\
         <label>deposit <input name=deposit id=\"channel-deposit\" size=12> uweave</label> \
         <label>for <input name=blocks id=\"channel-blocks\" size=8 value=\"{DEFAULT_CHANNEL_BLOCKS}\"> blocks</label> \
         <button id=\"open-channel-button\">Open a channel</button></form>"
    );
    match state
        .node
        .tx_search(
            &format!("weave.channels.v1.EventChannelOpened.payer='{me}'"),
            HISTORY,
        )
        .await
    {
        Ok(txs) => {
            let mut ids: Vec<u64> = txs
                .iter()
                .flat_map(|t| t.events.iter())
                .filter(|e| e.kind == "weave.channels.v1.EventChannelOpened")
                .filter_map(|e| e.get("channel_id")?.parse().ok())
                .collect();
            ids.sort_unstable_by(|a, b| b.cmp(a));
            ids.dedup();
            if ids.is_empty() {
                body.push_str("<p class=muted id=\"no-channels\">No payment channels.</p>");
            }
            for id in ids {
                match state.node.channel(id).await {
                    Ok((c, lanes)) => {
                        let _ = write!(
                            body,
                            "<div class=\"channel\" id=\"channel-{id}\"><h3>Channel {id} \
                             <span class=\"status\">{}</span></h3><p>deposit <span class=\"deposit\">{}</span> · \
                             paid {} · remaining <span class=\"remaining\">{}</span> uweave · closes at height {}{}</p>",
                            esc(c.status),
                            esc(&c.deposit),
                            esc(&c.paid),
                            esc(&c.remaining),
                            c.expiry_height,
                            if c.settle_height > 0 {
                                format!(" · settles at {}", c.settle_height)
                            } else {
                                String::new()
                            }
                        );
                        if c.status == "open" {
                            let _ = write!(
                                body,
                                "<form method=post action=\"/wallet/channels/{id}/top-up\" id=\"top-up-{id}\">\
                                 <input type=hidden name=token value=\"{token}\">\
                                 <input name=amount id=\"top-up-amount-{id}\" size=10> uweave \
                                 <button id=\"top-up-button-{id}\">Top up</button></form> \
                                 <form method=post action=\"/wallet/channels/{id}/close\" id=\"close-{id}\">\
                                 <input type=hidden name=token value=\"{token}\">\
                                 <button id=\"close-button-{id}\">Close</button></form>"
                            );
                        }
                        if lanes.is_empty() {
                            body.push_str("<p class=muted>No lanes claimed yet.</p>");
                        } else {
                            body.push_str(
                                "<table class=\"lanes\"><tr><th>Seeder</th><th>Content root</th>\
                                 <th>Claimed</th><th>Bytes</th></tr>",
                            );
                            for l in lanes {
                                let _ = write!(
                                    body,
                                    "<tr><td>{}</td><td><code>{}…</code></td><td>{} uweave</td><td>{}</td></tr>",
                                    esc(&l.seeder),
                                    esc(l.content_root.get(..16).unwrap_or(&l.content_root)),
                                    esc(&l.claimed_amount),
                                    html::size(l.claimed_bytes)
                                );
                            }
                            body.push_str("</table>");
                        }
                        body.push_str("</div>");
                    }
                    Err(e) => body.push_str(&html::error_box(
                        &format!("Reading channel {id}"),
                        &explain(&format!("{e:#}")),
                    )),
                }
            }
        }
        Err(e) => body.push_str(&html::error_box(
            "Reading your channels",
            &explain(&format!("{e:#}")),
        )),
    }

    body.push_str("<h2>History</h2>");
    let mut all: BTreeMap<(u64, String), TxRecord> = BTreeMap::new();
    for q in [
        format!("message.sender='{me}'"),
        format!("weave.bank.v1.EventTransfer.recipient='{me}'"),
    ] {
        match state.node.tx_search(&q, HISTORY).await {
            Ok(txs) => {
                for t in txs {
                    all.insert((t.height, t.hash.clone()), t);
                }
            }
            Err(e) => {
                body.push_str(&html::error_box(
                    "Reading the history",
                    &explain(&format!("{e:#}")),
                ));
                return body;
            }
        }
    }
    if all.is_empty() {
        body.push_str("<p class=muted id=\"no-history\">No transactions yet.</p>");
        return body;
    }
    body.push_str(
        "<table id=\"history\"><tr><th>Height</th><th>Transaction</th><th>What</th><th>Result</th></tr>",
    );
    for ((height, hash), t) in all.iter().rev().take(usize::from(HISTORY)) {
        let _ = write!(
            body,
            "<tr class=\"history-tx\"><td>{height}</td><td><a href=\"/tx/{h}\"><code>{}…</code></a></td>\
             <td>{}</td><td>{}</td></tr>",
            esc(hash.get(..16).unwrap_or(hash)),
            esc(&actions(t)),
            if t.code == 0 {
                "ok".to_string()
            } else {
                format!("refused ({}:{})", esc(&t.codespace), t.code)
            },
            h = esc(hash),
        );
    }
    body.push_str("</table>");
    body
}

/// `GET /tx/{hash}`: one transaction, its result and events.
pub(crate) async fn tx(
    State(state): State<AppState>,
    Path(hash): Path<String>,
    headers: HeaderMap,
) -> Html<String> {
    let (bar, _) = account(&state, &headers, "/wallet");
    let mut body = String::from("<h1>Transaction</h1>");
    if hash.is_empty() || hash.len() > 64 || !hash.bytes().all(|b| b.is_ascii_hexdigit()) {
        body.push_str(&html::error_box(
            "Reading the transaction",
            &explain(&format!("{hash:?} is not a transaction hash")),
        ));
        return Html(html::page("Transaction", "Wallet", &bar, None, &body));
    }
    match state.node.tx_record(&hash).await {
        Ok(t) => {
            let _ = write!(
                body,
                "<table id=\"tx\"><tr><th>Hash</th><td><code id=\"tx-hash\">{}</code></td></tr>\
                 <tr><th>Height</th><td id=\"tx-height\">{}</td></tr><tr><th>What</th><td>{}</td></tr>\
                 <tr><th>Result</th><td id=\"tx-result\">{}</td></tr></table><h2>Events</h2>",
                esc(&t.hash),
                t.height,
                esc(&actions(&t)),
                if t.code == 0 {
                    "ok".to_string()
                } else {
                    format!(
                        "refused: {}",
                        esc(&explain(&format!("{}:{}: {}", t.codespace, t.code, t.log)).words)
                    )
                }
            );
            for e in &t.events {
                let _ = write!(
                    body,
                    "<details class=\"event\"><summary>{}</summary><table>",
                    esc(&e.kind)
                );
                for (k, v) in &e.attributes {
                    let _ = write!(body, "<tr><th>{}</th><td>{}</td></tr>", esc(k), esc(v));
                }
                body.push_str("</table></details>");
            }
        }
        Err(e) => body.push_str(&html::error_box(
            "Reading the transaction",
            &explain(&format!("{e:#}")),
        )),
    }
    Html(html::page("Transaction", "Wallet", &bar, None, &body))
}

#[derive(Deserialize)]
struct OpenForm {
    deposit: String,
    blocks: String,
}

/// Checks a new channel's deposit and lifetime.
fn open_terms(deposit: &str, blocks: &str) -> Result<(u128, u64), String> {
    let deposit = weave_client::tx::parse_uweave(deposit)
        .map_err(|e| format!("the deposit {:?}: {e}", deposit.trim()))?;
    if deposit == 0 {
        return Err("a channel needs a positive deposit".into());
    }
    let blocks: u64 = blocks
        .trim()
        .parse()
        .map_err(|_| format!("{:?} is not a number of blocks", blocks.trim()))?;
    if blocks == 0 {
        return Err("a channel must stay open at least 1 block".into());
    }
    Ok((deposit, blocks))
}

/// `POST /wallet/channels/open`.
pub(crate) async fn open(
    State(state): State<AppState>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let f: OpenForm = match form(&state, &body) {
        Ok(f) => f,
        Err(r) => return r.into_response(),
    };
    let result = async {
        let (deposit, blocks) =
            open_terms(&f.deposit, &f.blocks).map_err(|e| anyhow::anyhow!(e))?;
        let (_, key) = selected_key(&state, &headers)?;
        let (done, id) = state.node.open_channel(&key, deposit, blocks).await?;
        Ok::<_, anyhow::Error>((deposit, done, id))
    }
    .await;
    let flash = match result {
        Ok((deposit, done, id)) => Flash::Ok(
            format!(
                "Opened channel {} with {deposit} uweave; fee {} uweave; transaction {}.",
                id.map_or_else(|| "?".to_string(), |i| i.to_string()),
                done.fee,
                done.hash
            ),
            Some((done.hash, done.fee)),
        ),
        Err(e) => Flash::Err("Opening the channel".into(), explain(&format!("{e:#}"))),
    };
    let n = state.flashes.put(flash);
    see_other(&format!("/wallet?flash={n}"))
}

#[derive(Deserialize)]
struct TopUpForm {
    amount: String,
}

/// `POST /wallet/channels/{id}/top-up`.
pub(crate) async fn top_up(
    State(state): State<AppState>,
    Path(id): Path<u64>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let f: TopUpForm = match form(&state, &body) {
        Ok(f) => f,
        Err(r) => return r.into_response(),
    };
    let result = async {
        let amount = weave_client::tx::parse_uweave(&f.amount)
            .map_err(|e| anyhow::anyhow!("the amount {:?}: {e}", f.amount.trim()))?;
        anyhow::ensure!(amount > 0, "a top-up must be a positive number of uweave");
        let (_, key) = selected_key(&state, &headers)?;
        let done = state.node.top_up(&key, id, amount).await?;
        Ok::<_, anyhow::Error>((amount, done))
    }
    .await;
    let flash = match result {
        Ok((amount, done)) => Flash::Ok(
            format!(
                "Added {amount} uweave to channel {id}; fee {} uweave; transaction {}.",
                done.fee, done.hash
            ),
            Some((done.hash, done.fee)),
        ),
        Err(e) => Flash::Err("Topping up".into(), explain(&format!("{e:#}"))),
    };
    let n = state.flashes.put(flash);
    see_other(&format!("/wallet?flash={n}"))
}

/// `POST /wallet/channels/{id}/close`.
pub(crate) async fn close(
    State(state): State<AppState>,
    Path(id): Path<u64>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    #[derive(Deserialize)]
    struct Empty {}
    let _: Empty = match form(&state, &body) {
        Ok(f) => f,
        Err(r) => return r.into_response(),
    };
    let result = async {
        let (_, key) = selected_key(&state, &headers)?;
        state.node.close_channel(&key, id).await
    }
    .await;
    let flash = match result {
        Ok(done) => Flash::Ok(
            format!(
                "Closing channel {id}: its challenge period runs, then what is left returns; fee {} uweave; transaction {}.",
                done.fee, done.hash
            ),
            Some((done.hash, done.fee)),
        ),
        Err(e) => Flash::Err("Closing the channel".into(), explain(&format!("{e:#}"))),
    };
    let n = state.flashes.put(flash);
    see_other(&format!("/wallet?flash={n}"))
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use crate::rpc::TxEvent;

    #[test]
    fn channel_terms_are_checked_and_actions_named() {
        assert_eq!(open_terms("500000", "100"), Ok((500_000, 100)));
        assert!(open_terms("0", "100")
            .unwrap_err()
            .contains("positive deposit"));
        assert!(open_terms("lots", "100").unwrap_err().contains("deposit"));
        assert!(open_terms("5", "0")
            .unwrap_err()
            .contains("at least 1 block"));
        assert!(open_terms("5", "soon")
            .unwrap_err()
            .contains("number of blocks"));
        let tx = TxRecord {
            hash: "AB".into(),
            height: 3,
            code: 0,
            codespace: String::new(),
            log: String::new(),
            events: vec![TxEvent {
                kind: "message".into(),
                attributes: vec![("action".into(), "/weave.bank.v1.MsgSend".into())],
            }],
        };
        assert_eq!(actions(&tx), "Send");
    }
}
