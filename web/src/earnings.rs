//! The Earnings page.
//!
//! - As a creator (or collaborator): every payout that reached the account went
//!   through the splits module, which emits `EventPayout` (payer, amount, reason:
//!   `access`, `tip`, `subscription`, `voucher`, `voucher_seeder_share`) followed by one
//!   `EventShare` per recipient. The page finds those transactions with CometBFT's
//!   `tx_search` on `EventShare.recipient`, adds the account's shares up by kind, by
//!   content (the split a content pays through) and by height, and draws the running
//!   total as an inline SVG chart rendered here.
//! - As a seeder: the bond, status, reputation and failed probe rounds from the
//!   seeders module, the bytes and uweave its claimed vouchers prove, the vouchers this
//!   node holds but has not claimed, and the probe results found in transactions;
//!   *Claim now*, *Bond* and *Unbond*.

use std::{collections::BTreeMap, fmt::Write};

use axum::{
    body::Bytes,
    extract::{RawQuery, State},
    http::HeaderMap,
    response::{Html, IntoResponse, Response},
};
use serde::Deserialize;

use crate::{
    forms::{account, form, no_key, see_other, selected_key},
    html::{self, esc, Flash},
    pages::title_of,
    rpc::TxRecord,
    state::AppState,
    words::explain,
};

/// How many payout transactions the page reads.
const PAYOUTS_READ: u8 = 100;

/// The kinds of revenue, as the splits module's payout reasons name them.
const KINDS: [(&str, &str); 5] = [
    ("access", "purchases"),
    ("tip", "tips"),
    ("subscription", "subscriptions"),
    ("voucher", "streaming"),
    ("voucher_seeder_share", "seeding"),
];

/// The words for a payout reason.
fn kind_words(reason: &str) -> &str {
    KINDS
        .iter()
        .find(|(r, _)| *r == reason)
        .map_or(reason, |(_, w)| w)
}

/// What reached an account, added up.
#[derive(Debug, Default, PartialEq, Eq)]
pub(crate) struct Revenue {
    /// By kind (payout reason).
    pub(crate) by_kind: BTreeMap<String, u128>,
    /// By split table (0: paid to the account directly).
    pub(crate) by_split: BTreeMap<u64, u128>,
    /// By height.
    pub(crate) by_height: BTreeMap<u64, u128>,
    pub(crate) total: u128,
}

/// Adds up the shares `me` received in `txs`: each `EventShare` belongs to the
/// `EventPayout` before it.
pub(crate) fn revenue(txs: &[TxRecord], me: &str) -> Revenue {
    let mut r = Revenue::default();
    let mut seen = std::collections::BTreeSet::new();
    for t in txs {
        if t.code != 0 || !seen.insert(t.hash.clone()) {
            continue;
        }
        let (mut reason, mut split) = (String::new(), 0u64);
        for e in &t.events {
            match e.kind.as_str() {
                "weave.splits.v1.EventPayout" => {
                    reason = e.get("reason").unwrap_or_default().to_string();
                    split = e.get("split_id").and_then(|s| s.parse().ok()).unwrap_or(0);
                }
                "weave.splits.v1.EventShare" if e.get("recipient") == Some(me) => {
                    let Some(amount) = e.get("amount").and_then(|a| a.parse::<u128>().ok()) else {
                        continue;
                    };
                    let add = |m: &mut u128| *m = m.saturating_add(amount);
                    add(r.by_kind.entry(reason.clone()).or_default());
                    add(r.by_split.entry(split).or_default());
                    add(r.by_height.entry(t.height).or_default());
                    add(&mut r.total);
                }
                _ => {}
            }
        }
    }
    r
}

/// The running total over heights as an inline SVG line chart (integer coordinates).
pub(crate) fn chart(by_height: &BTreeMap<u64, u128>) -> String {
    const W: u128 = 560;
    const H: u128 = 180;
    const PAD: u128 = 40;
    let (Some((&first, _)), Some((&last, _))) =
        (by_height.first_key_value(), by_height.last_key_value())
    else {
        return "<p class=muted id=\"no-revenue\">No revenue yet.</p>".into();
    };
    let total: u128 = by_height
        .values()
        .fold(0u128, |a, b| a.saturating_add(*b))
        .max(1);
    let span = u128::from(last.saturating_sub(first)).max(1);
    let x = |h: u64| PAD + u128::from(h.saturating_sub(first)) * (W - 2 * PAD) / span;
    let y = |v: u128| H - PAD + 10 - v.min(total) * (H - PAD) / total;
    let mut points = vec![format!("{},{}", x(first), y(0))];
    let mut running = 0u128;
    let mut dots = String::new();
    for (&h, &v) in by_height {
        points.push(format!("{},{}", x(h), y(running)));
        running = running.saturating_add(v);
        points.push(format!("{},{}", x(h), y(running)));
        let _ = write!(
            dots,
            "<circle cx=\"{}\" cy=\"{}\" r=\"3\" fill=\"#23233a\"><title>height {h}: +{v} uweave</title></circle>",
            x(h),
            y(running)
        );
    }
    format!(
        "<svg id=\"revenue-chart\" xmlns=\"http://www.w3.org/2000/svg\" width=\"{W}\" height=\"{H}\" \
         viewBox=\"0 0 {W} {H}\" role=\"img\" aria-label=\"revenue over block height\">\
         <line x1=\"{PAD}\" y1=\"{base}\" x2=\"{right}\" y2=\"{base}\" stroke=\"#999\"/>\
         <line x1=\"{PAD}\" y1=\"10\" x2=\"{PAD}\" y2=\"{base}\" stroke=\"#999\"/>\
         <polyline fill=\"none\" stroke=\"#3a7\" stroke-width=\"2\" points=\"{}\"/>{dots}\
         <text x=\"{PAD}\" y=\"{label}\" font-size=\"11\">height {first}</text>\
         <text x=\"{right}\" y=\"{label}\" font-size=\"11\" text-anchor=\"end\">height {last}</text>\
         <text x=\"{text_x}\" y=\"20\" font-size=\"11\">{running} uweave</text></svg>",
        points.join(" "),
        base = H - PAD + 10,
        right = W - PAD,
        label = H - 8,
        text_x = PAD + 6,
    )
}

/// `GET /earnings`.
pub(crate) async fn page(
    State(state): State<AppState>,
    headers: HeaderMap,
    RawQuery(query): RawQuery,
) -> Html<String> {
    let (bar, selected) = account(&state, &headers, "/earnings");
    let flash = state.flashes.get(query.as_deref());
    let mut body = String::from("<h1>Earnings</h1>");
    let (name, key) = match selected {
        Ok(k) => k,
        Err(why) => {
            body.push_str(&no_key(&why));
            return Html(html::page(
                "Earnings",
                "Earnings",
                &bar,
                flash.as_ref(),
                &body,
            ));
        }
    };
    let me = key.address();
    let _ = write!(
        body,
        "<p>Account <strong>{}</strong>: <code>{me}</code></p><h2>Revenue</h2>",
        esc(&name)
    );
    match state
        .node
        .tx_search(
            &format!("weave.splits.v1.EventShare.recipient='{me}'"),
            PAYOUTS_READ,
        )
        .await
    {
        Ok(txs) => {
            let r = revenue(&txs, &me.to_string());
            let _ = write!(
                body,
                "<p>Total <strong id=\"revenue-total\">{}</strong> uweave</p>",
                r.total
            );
            body.push_str(&chart(&r.by_height));
            body.push_str("<table id=\"revenue-kinds\"><tr><th>From</th><th>uweave</th></tr>");
            for (reason, amount) in &r.by_kind {
                let _ = write!(
                    body,
                    "<tr id=\"revenue-{}\"><td>{}</td><td class=\"amount\">{amount}</td></tr>",
                    esc(reason),
                    esc(kind_words(reason))
                );
            }
            body.push_str("</table><h3>By content</h3>");
            let contents = state
                .node
                .by_creator(&me.to_string())
                .await
                .unwrap_or_default();
            body.push_str(
                "<table id=\"revenue-contents\"><tr><th>Content</th><th>uweave</th></tr>",
            );
            for (split, amount) in &r.by_split {
                let titles: Vec<String> = contents
                    .iter()
                    .filter(|c| c.split_id == *split && *split != 0)
                    .map(|c| format!("<a href=\"/content/{}\">{}</a>", c.id, esc(&title_of(c))))
                    .collect();
                let label = if *split == 0 {
                    "paid to this account directly".to_string()
                } else if titles.is_empty() {
                    format!("split {split} (another creator's content)")
                } else {
                    titles.join(", ")
                };
                let ids: Vec<String> = contents
                    .iter()
                    .filter(|c| c.split_id == *split && *split != 0)
                    .map(|c| c.id.to_string())
                    .collect();
                let _ = write!(
                    body,
                    "<tr class=\"revenue-content\" data-contents=\"{}\"><td>{label}</td><td class=\"amount\">{amount}</td></tr>",
                    ids.join(" ")
                );
            }
            body.push_str("</table>");
        }
        Err(e) => body.push_str(&html::error_box(
            "Reading the payouts",
            &explain(&format!("{e:#}")),
        )),
    }

    body.push_str("<h2>Seeding</h2>");
    let token = esc(&state.token);
    match state.node.seeder(&me).await {
        Ok(Some(s)) => {
            let status = weave_proto::weave::seeders::v1::SeederStatus::try_from(s.status)
                .map(|st| {
                    st.as_str_name()
                        .trim_start_matches("SEEDER_STATUS_")
                        .to_lowercase()
                })
                .unwrap_or_else(|_| "unknown".into());
            let _ = write!(
                body,
                "<table id=\"seeder\"><tr><th>Bond</th><td id=\"seeder-bond\">{} uweave</td></tr>\
                 <tr><th>Status</th><td>{}{}</td></tr><tr><th>Reputation</th><td id=\"seeder-reputation\">{}</td></tr>\
                 <tr><th>Probes</th><td>{} failed round(s) in a row</td></tr>\
                 <tr><th>Contents committed</th><td>{}</td></tr><tr><th>Slashed</th><td>{} uweave</td></tr></table>",
                esc(&s.bond),
                esc(&status),
                if s.jailed {
                    format!(", jailed until height {}", s.jailed_until)
                } else {
                    String::new()
                },
                esc(&s.reputation),
                s.failed_rounds,
                s.contents.len(),
                esc(&s.slashed),
            );
        }
        Ok(None) => body.push_str(
            "<p class=muted id=\"not-seeder\">This account has not bonded as a seeder.</p>",
        ),
        Err(e) => body.push_str(&html::error_box(
            "Reading the seeder",
            &explain(&format!("{e:#}")),
        )),
    }
    match state.node.seeder_earnings(&me).await {
        Ok(e) => {
            let _ = write!(
                body,
                "<p>Vouchers claimed: <span id=\"claimed\">{}</span> uweave for {} served.</p>",
                esc(&e.earned),
                html::size(e.verified_bytes)
            );
        }
        Err(e) => body.push_str(&html::error_box(
            "Reading the voucher earnings",
            &explain(&format!("{e:#}")),
        )),
    }
    match state.node.signing_key(&name) {
        Ok(k) => {
            let pending = state.node.claim_now(k, true).await.unwrap_or_else(|e| {
                weave_client::channels::claimd::ClaimNow {
                    errors: vec![format!("{e:#}")],
                    ..Default::default()
                }
            });
            match pending.errors.first() {
                None => {
                    let _ = write!(
                        body,
                        "<p>Vouchers pending on this node: <span id=\"pending\">{}</span> lane(s), {} uweave unclaimed.</p>",
                        pending.lanes, pending.unclaimed
                    );
                }
                Some(e) => {
                    let _ = write!(
                        body,
                        "<p class=muted>Vouchers pending: {}</p>",
                        esc(&explain(e).words)
                    );
                }
            }
        }
        Err(e) => body.push_str(&no_key(&format!("{e:#}"))),
    }
    match state
        .node
        .tx_search(
            &format!("weave.seeders.v1.EventProbeResult.seeder='{me}'"),
            20,
        )
        .await
    {
        Ok(txs) => {
            let results: Vec<String> = txs
                .iter()
                .flat_map(|t| t.events.iter().map(move |e| (t.height, e)))
                .filter(|(_, e)| {
                    e.kind == "weave.seeders.v1.EventProbeResult"
                        && e.get("seeder") == Some(me.to_string().as_str())
                })
                .map(|(h, e)| {
                    format!(
                        "<li>height {h}: {}</li>",
                        if e.get("passed") == Some("true") {
                            "passed"
                        } else {
                            "failed"
                        }
                    )
                })
                .collect();
            if !results.is_empty() {
                let _ = write!(body, "<ul id=\"probes\">{}</ul>", results.join(""));
            }
        }
        Err(e) => body.push_str(&html::error_box(
            "Reading the probe results",
            &explain(&format!("{e:#}")),
        )),
    }
    let _ = write!(
        body,
        "<form method=post action=\"/earnings/claim\" id=\"claim\"><input type=hidden name=token value=\"{token}\">\
         <button id=\"claim-button\">Claim now</button></form>\
         <form method=post action=\"/earnings/bond\" id=\"bond\"><input type=hidden name=token value=\"{token}\">\
         <label>bond <input name=amount id=\"bond-amount\" size=12> uweave</label> \
         <label>seeding contents <input name=contents id=\"bond-contents\" size=16 placeholder=\"1, 2\"></label> \
         <button id=\"bond-button\">Bond</button></form>\
         <form method=post action=\"/earnings/unbond\" id=\"unbond\"><input type=hidden name=token value=\"{token}\">\
         <button id=\"unbond-button\">Unbond</button></form>"
    );
    Html(html::page(
        "Earnings",
        "Earnings",
        &bar,
        flash.as_ref(),
        &body,
    ))
}

/// `POST /earnings/claim`.
pub(crate) async fn claim(
    State(state): State<AppState>,
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
        let done = state.node.claim_now(key, false).await?;
        if let Some(e) = done.errors.first() {
            anyhow::bail!("{e}");
        }
        Ok(done)
    }
    .await;
    let flash = match result {
        Ok(done) if done.claims.is_empty() => Flash::Ok(
            "Nothing to claim: this node holds no unclaimed vouchers.".into(),
            None,
        ),
        Ok(done) => {
            let paid: u128 = done
                .claims
                .iter()
                .map(|c| c.2)
                .fold(0, u128::saturating_add);
            let hash = done.claims.last().map(|c| c.0.clone()).unwrap_or_default();
            Flash::Ok(
                format!(
                    "Claimed {} lane(s): {paid} uweave paid; transaction {hash}.",
                    done.lanes
                ),
                None,
            )
        }
        Err(e) => Flash::Err("Claiming".into(), explain(&format!("{e:#}"))),
    };
    let n = state.flashes.put(flash);
    see_other(&format!("/earnings?flash={n}"))
}

#[derive(Deserialize)]
struct BondForm {
    amount: String,
    #[serde(default)]
    contents: String,
}

/// Checks a bond's amount and the content ids it commits to.
fn bond_terms(amount: &str, contents: &str) -> Result<(u128, Vec<u64>), String> {
    let amount = weave_client::tx::parse_uweave(amount)
        .map_err(|e| format!("the bond {:?}: {e}", amount.trim()))?;
    if amount == 0 {
        return Err("a bond must be a positive number of uweave".into());
    }
    let ids = contents
        .split([',', ' '])
        .filter(|s| !s.trim().is_empty())
        .map(|s| {
            s.trim()
                .parse::<u64>()
                .map_err(|_| format!("{:?} is not a content id", s.trim()))
        })
        .collect::<Result<Vec<_>, _>>()?;
    Ok((amount, ids))
}

/// `POST /earnings/bond`.
pub(crate) async fn bond(
    State(state): State<AppState>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let f: BondForm = match form(&state, &body) {
        Ok(f) => f,
        Err(r) => return r.into_response(),
    };
    let result = async {
        let (amount, ids) = bond_terms(&f.amount, &f.contents).map_err(|e| anyhow::anyhow!(e))?;
        let (_, key) = selected_key(&state, &headers)?;
        let done = state.node.bond(&key, amount, &ids).await?;
        Ok::<_, anyhow::Error>((amount, done))
    }
    .await;
    let flash = match result {
        Ok((amount, done)) => Flash::Ok(
            format!(
                "Bonded {amount} uweave as a seeder; fee {} uweave; transaction {}.",
                done.fee, done.hash
            ),
            Some((done.hash, done.fee)),
        ),
        Err(e) => Flash::Err("Bonding".into(), explain(&format!("{e:#}"))),
    };
    let n = state.flashes.put(flash);
    see_other(&format!("/earnings?flash={n}"))
}

/// `POST /earnings/unbond`.
pub(crate) async fn unbond(
    State(state): State<AppState>,
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
        state.node.unbond(&key).await
    }
    .await;
    let flash = match result {
        Ok(done) => Flash::Ok(
            format!(
                "Unbonding started; the bond returns after the unbonding period; fee {} uweave; transaction {}.",
                done.fee, done.hash
            ),
            Some((done.hash, done.fee)),
        ),
        Err(e) => Flash::Err("Unbonding".into(), explain(&format!("{e:#}"))),
    };
    let n = state.flashes.put(flash);
    see_other(&format!("/earnings?flash={n}"))
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use crate::rpc::TxEvent;

    fn ev(kind: &str, attrs: &[(&str, &str)]) -> TxEvent {
        TxEvent {
            kind: kind.into(),
            attributes: attrs
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
        }
    }

    fn tx(hash: &str, height: u64, code: u32, events: Vec<TxEvent>) -> TxRecord {
        TxRecord {
            hash: hash.into(),
            height,
            code,
            codespace: String::new(),
            log: String::new(),
            events,
        }
    }

    #[test]
    fn shares_add_up_by_kind_split_and_height() {
        let payout = |reason: &str, split: &str| {
            ev(
                "weave.splits.v1.EventPayout",
                &[("split_id", split), ("reason", reason), ("amount", "100")],
            )
        };
        let share = |who: &str, amount: &str| {
            ev(
                "weave.splits.v1.EventShare",
                &[("recipient", who), ("amount", amount)],
            )
        };
        let txs = vec![
            tx(
                "A",
                5,
                0,
                vec![payout("access", "1"), share("me", "68"), share("you", "30")],
            ),
            tx("B", 9, 0, vec![payout("tip", "1"), share("me", "7")]),
            // Listed twice (two searches): counted once.
            tx("B", 9, 0, vec![payout("tip", "1"), share("me", "7")]),
            // Refused: paid nothing.
            tx("C", 10, 5, vec![payout("tip", "1"), share("me", "1000")]),
            tx(
                "D",
                12,
                0,
                vec![
                    payout("voucher_seeder_share", "0"),
                    share("me", "3"),
                    payout("voucher", "2"),
                    share("me", "20"),
                ],
            ),
        ];
        let r = revenue(&txs, "me");
        assert_eq!(r.total, 68 + 7 + 3 + 20);
        assert_eq!(r.by_kind["access"], 68);
        assert_eq!(r.by_kind["tip"], 7);
        assert_eq!(r.by_kind["voucher"], 20);
        assert_eq!(r.by_kind["voucher_seeder_share"], 3);
        assert_eq!(r.by_split[&1], 75);
        assert_eq!(r.by_split[&0], 3);
        assert_eq!(r.by_height[&12], 23);
        assert!(!r.by_height.contains_key(&10));
        assert_eq!(kind_words("access"), "purchases");
        assert_eq!(kind_words("other"), "other");
    }

    #[test]
    fn the_chart_is_svg_with_the_running_total() {
        assert!(chart(&BTreeMap::new()).contains("No revenue yet"));
        let svg = chart(&BTreeMap::from([(5, 68u128), (9, 7), (12, 23)]));
        assert!(svg.starts_with("<svg id=\"revenue-chart\""), "{svg}");
        assert!(svg.contains(">98 uweave</text>"), "{svg}");
        assert_eq!(svg.matches("<circle").count(), 3);
        // One height only: no division by zero.
        assert!(chart(&BTreeMap::from([(5, 1u128)])).contains("<polyline"));
    }

    #[test]
    fn bonds_are_checked() {
        assert_eq!(bond_terms("1000", "1, 2 3"), Ok((1000, vec![1, 2, 3])));
        assert_eq!(bond_terms("1000", ""), Ok((1000, vec![])));
        assert!(bond_terms("0", "").unwrap_err().contains("positive"));
        assert!(bond_terms("1000", "one")
            .unwrap_err()
            .contains("not a content id"));
    }
}
