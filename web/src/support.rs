//! A content page's *Tip* and *Subscribe*: a tip goes through the content's split;
//! a subscription to its creator pays the creator's price per period for the periods
//! chosen, bounded by the total the page showed (the chain refuses it if the price
//! rose since).

use std::fmt::Write;

use axum::{
    body::Bytes,
    extract::{Path, State},
    http::HeaderMap,
    response::{IntoResponse, Response},
};
use serde::Deserialize;
use weave_kernel::Address;

use crate::{
    forms::{form, see_other, selected_key},
    html::{esc, Flash},
    state::AppState,
    words::explain,
};

/// The most periods one subscription buys from the page.
const MAX_PERIODS: u64 = 1000;

/// The Tip and Subscribe forms of content `id` by `creator`, as HTML.
pub(crate) async fn forms(state: &AppState, id: u64, creator: &str, retired: bool) -> String {
    let token = esc(&state.token);
    let mut out = String::from("<div id=\"support\">");
    if !retired {
        let _ = write!(
            out,
            "<form method=post action=\"/content/{id}/tip\" id=\"tip\">\
             <input type=hidden name=token value=\"{token}\">\
             <label>Tip <input name=amount id=\"tip-amount\" size=10> uweave</label> \
             <button id=\"tip-button\">Tip</button> <span class=muted>(through the content's split)</span></form>"
        );
    }
    let terms = match creator.parse::<Address>() {
        Ok(c) => state.node.subscription_terms(&c).await,
        Err(e) => Err(anyhow::anyhow!("creator {creator:?}: {e}")),
    };
    match terms {
        Ok(Some((price, period))) => {
            let _ = write!(
                out,
                "<form method=post action=\"/content/{id}/subscribe\" id=\"subscribe\">\
                 <input type=hidden name=token value=\"{token}\">\
                 <input type=hidden name=price value=\"{price}\">\
                 <label>Subscribe to the creator for <input name=periods id=\"periods\" size=4 value=1> \
                 period(s) of {period} blocks</label> at <span id=\"subscription-price\">{price}</span> uweave each \
                 <button id=\"subscribe-button\">Subscribe</button></form>"
            );
        }
        Ok(None) => out.push_str(
            "<p class=muted id=\"no-subscription\">The creator takes no subscriptions.</p>",
        ),
        Err(e) => {
            let _ = write!(
                out,
                "<p class=muted>Subscriptions: {}</p>",
                esc(&explain(&format!("{e:#}")).words)
            );
        }
    }
    out.push_str("</div>");
    out
}

#[derive(Deserialize)]
struct TipForm {
    amount: String,
}

/// Checks a tip's amount.
fn tip_amount(text: &str) -> Result<u128, String> {
    let amount = weave_client::tx::parse_uweave(text)
        .map_err(|e| format!("the tip {:?}: {e}", text.trim()))?;
    if amount == 0 {
        return Err("a tip must be a positive number of uweave".into());
    }
    Ok(amount)
}

/// `POST /content/{id}/tip`.
pub(crate) async fn tip(
    State(state): State<AppState>,
    Path(id): Path<u64>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let f: TipForm = match form(&state, &body) {
        Ok(f) => f,
        Err(r) => return r.into_response(),
    };
    let result = async {
        let amount = tip_amount(&f.amount).map_err(|e| anyhow::anyhow!(e))?;
        let (_, key) = selected_key(&state, &headers)?;
        let done = state.node.tip(&key, id, amount).await?;
        Ok::<_, anyhow::Error>((amount, done))
    }
    .await;
    let flash = match result {
        Ok((amount, done)) => Flash::Ok(
            format!(
                "Tipped {amount} uweave; fee {} uweave; transaction {}.",
                done.fee, done.hash
            ),
            Some((done.hash, done.fee)),
        ),
        Err(e) => Flash::Err("The tip".into(), explain(&format!("{e:#}"))),
    };
    let n = state.flashes.put(flash);
    see_other(&format!("/content/{id}?flash={n}"))
}

#[derive(Deserialize)]
struct SubscribeForm {
    periods: String,
    price: String,
}

/// The periods and the most a subscription may cost.
fn subscription_total(periods: &str, price: &str) -> Result<(u64, u128), String> {
    let periods: u64 = periods
        .trim()
        .parse()
        .map_err(|_| format!("{:?} is not a number of periods", periods.trim()))?;
    if periods == 0 || periods > MAX_PERIODS {
        return Err(format!("subscribe for 1 to {MAX_PERIODS} periods"));
    }
    let price = weave_kernel::parse_amount(price.trim())
        .map_err(|e| format!("the price {price:?}: {e}"))?;
    let total = price
        .checked_mul(u128::from(periods))
        .ok_or("the price times the periods is too large")?;
    Ok((periods, total))
}

/// `POST /content/{id}/subscribe`: subscribes to the content's creator.
pub(crate) async fn subscribe(
    State(state): State<AppState>,
    Path(id): Path<u64>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let f: SubscribeForm = match form(&state, &body) {
        Ok(f) => f,
        Err(r) => return r.into_response(),
    };
    let result = async {
        let (periods, total) =
            subscription_total(&f.periods, &f.price).map_err(|e| anyhow::anyhow!(e))?;
        let (_, key) = selected_key(&state, &headers)?;
        let c = state.node.content(id).await?;
        let creator: Address = c
            .creator
            .parse()
            .map_err(|e| anyhow::anyhow!("creator {:?}: {e}", c.creator))?;
        let done = state.node.subscribe(&key, &creator, periods, total).await?;
        Ok::<_, anyhow::Error>((periods, total, done))
    }
    .await;
    let flash = match result {
        Ok((periods, total, done)) => Flash::Ok(
            format!(
                "Subscribed for {periods} period(s), at most {total} uweave; fee {} uweave; transaction {}.",
                done.fee, done.hash
            ),
            Some((done.hash, done.fee)),
        ),
        Err(e) => Flash::Err("The subscription".into(), explain(&format!("{e:#}"))),
    };
    let n = state.flashes.put(flash);
    see_other(&format!("/content/{id}?flash={n}"))
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn tips_and_subscriptions_check_their_numbers() {
        assert_eq!(tip_amount(" 250 "), Ok(250));
        assert_eq!(tip_amount("250uweave"), Ok(250));
        assert!(tip_amount("0").unwrap_err().contains("positive"));
        assert!(tip_amount("").is_err());
        assert!(tip_amount("-5").is_err());
        assert_eq!(subscription_total("3", "100"), Ok((3, 300)));
        assert!(subscription_total("0", "100").unwrap_err().contains("1 to"));
        assert!(subscription_total("1001", "100").is_err());
        assert!(subscription_total("x", "100")
            .unwrap_err()
            .contains("periods"));
        assert!(subscription_total("2", &u128::MAX.to_string())
            .unwrap_err()
            .contains("too large"));
    }
}
