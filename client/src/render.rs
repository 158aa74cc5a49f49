//! How client commands print: text for humans, or one JSON document per command with
//! `--output json`. The JSON is built by hand because the protobuf types carry no serde.

use cosmos_sdk_proto::cosmos::{base::abci::v1beta1::TxResponse, tx::v1beta1::Tx};
use prost::Message;
use serde_json::{json, Value};
use tendermint_proto::abci::Event;

/// The type URL of a `Tx` packed in a `TxResponse`.
const TX_TYPE_URL: &str = "/cosmos.tx.v1beta1.Tx";

/// Prints one JSON document on stdout.
pub fn print_json(value: &Value) -> anyhow::Result<()> {
    println!("{}", serde_json::to_string(value)?);
    Ok(())
}

/// Prints one value: with `--output json`, a document holding it under `field`;
/// otherwise `text`.
pub fn print_one(
    g: &crate::opts::GlobalOpts,
    field: &str,
    value: Value,
    text: String,
) -> anyhow::Result<()> {
    if g.json() {
        print_json(&json!({ field: value }))
    } else {
        println!("{text}");
        Ok(())
    }
}

/// A coin list as JSON: `[{"denom": "uweave", "amount": "1000"}]` (amounts stay
/// strings: they may exceed 2^53).
pub fn coins_json<'a>(coins: impl IntoIterator<Item = (&'a str, &'a str)>) -> Value {
    Value::Array(
        coins
            .into_iter()
            .map(|(denom, amount)| json!({ "denom": denom, "amount": amount }))
            .collect(),
    )
}

/// ABCI events as JSON: `[{"type": ..., "attributes": [{"key", "value", "index"}]}]`.
fn events_json(events: &[Event]) -> Value {
    Value::Array(
        events
            .iter()
            .map(|e| {
                let attributes: Vec<Value> = e
                    .attributes
                    .iter()
                    .map(|a| json!({ "key": a.key, "value": a.value, "index": a.index }))
                    .collect();
                json!({ "type": e.r#type, "attributes": attributes })
            })
            .collect(),
    )
}

/// The type URLs of a transaction's messages: from `tx` if given, else from the `Tx`
/// packed in the response. Empty when neither is present (a broadcast response).
fn message_types(response: &TxResponse, tx: Option<&Tx>) -> Vec<String> {
    if let Some(body) = tx.and_then(|t| t.body.as_ref()) {
        return body.messages.iter().map(|m| m.type_url.clone()).collect();
    }
    let Some(any) = response.tx.as_ref() else {
        return Vec::new();
    };
    if any.type_url != TX_TYPE_URL {
        return Vec::new();
    }
    // A packed transaction that does not decode has no messages to show; the rest of
    // the response still prints.
    Tx::decode(any.value.as_slice())
        .ok()
        .and_then(|tx| tx.body)
        .map(|body| body.messages.into_iter().map(|m| m.type_url).collect())
        .unwrap_or_default()
}

/// The memo of a transaction, if the response carries the transaction.
fn memo(tx: Option<&Tx>) -> Option<&str> {
    tx.and_then(|t| t.body.as_ref())
        .map(|b| b.memo.as_str())
        .filter(|m| !m.is_empty())
}

/// A `TxResponse` (from `BroadcastTx` or `GetTx`) as JSON. Messages and memo appear
/// when the transaction itself is known.
pub fn tx_response_json(response: &TxResponse, tx: Option<&Tx>) -> Value {
    let mut value = json!({
        "txhash": response.txhash,
        "height": response.height,
        "code": response.code,
        "codespace": response.codespace,
        "raw_log": response.raw_log,
        "info": response.info,
        "gas_wanted": response.gas_wanted,
        "gas_used": response.gas_used,
        "timestamp": response.timestamp,
        "events": events_json(&response.events),
    });
    let messages = message_types(response, tx);
    if let Some(map) = value.as_object_mut() {
        if !messages.is_empty() {
            map.insert("messages".into(), json!(messages));
        }
        if let Some(memo) = memo(tx) {
            map.insert("memo".into(), json!(memo));
        }
    }
    value
}

/// A broadcast response as text: hash, code and log.
pub fn broadcast_text(response: &TxResponse) -> String {
    let mut out = format!("txhash: {}\ncode: {}\n", response.txhash, response.code);
    if !response.codespace.is_empty() {
        out.push_str(&format!("codespace: {}\n", response.codespace));
    }
    out.push_str(&format!("raw_log: {}", response.raw_log));
    out
}

/// A transaction in a block as text: hash, height, result, gas, messages and events.
pub fn tx_result_text(response: &TxResponse, tx: Option<&Tx>) -> String {
    let mut lines = vec![
        format!("txhash: {}", response.txhash),
        format!("height: {}", response.height),
        format!("code: {}", response.code),
    ];
    if !response.codespace.is_empty() {
        lines.push(format!("codespace: {}", response.codespace));
    }
    if !response.raw_log.is_empty() {
        lines.push(format!("raw_log: {}", response.raw_log));
    }
    lines.push(format!(
        "gas: {} used / {} wanted",
        response.gas_used, response.gas_wanted
    ));
    if !response.timestamp.is_empty() {
        lines.push(format!("timestamp: {}", response.timestamp));
    }
    if let Some(memo) = memo(tx) {
        lines.push(format!("memo: {memo}"));
    }
    let messages = message_types(response, tx);
    if !messages.is_empty() {
        lines.push("messages:".into());
        lines.extend(messages.iter().map(|m| format!("  - {m}")));
    }
    if !response.events.is_empty() {
        lines.push("events:".into());
        for event in &response.events {
            let attributes: Vec<String> = event
                .attributes
                .iter()
                .map(|a| format!("{}={}", a.key, a.value))
                .collect();
            lines.push(format!("  - {}: {}", event.r#type, attributes.join(" ")));
        }
    }
    lines.join("\n")
}

/// Why a transaction failed, in one line: `codespace bank, code 5: insufficient funds`.
pub fn failure(response: &TxResponse) -> String {
    let codespace = if response.codespace.is_empty() {
        "(none)"
    } else {
        response.codespace.as_str()
    };
    format!(
        "codespace {codespace}, code {}: {}",
        response.code, response.raw_log
    )
}

/// Basis points as a percentage with two decimals: `2500` is `25.00%`.
pub fn percent(bps: u32) -> String {
    format!("{}.{:02}%", bps / 100, bps % 100)
}

/// An optional `u128` amount as a decimal string (or null), for serde.
pub fn opt_u128_string<S: serde::Serializer>(
    amount: &Option<u128>,
    s: S,
) -> Result<S::Ok, S::Error> {
    match amount {
        Some(a) => s.serialize_str(&a.to_string()),
        None => s.serialize_none(),
    }
}

/// A `u128` amount as a decimal string, for serde (JSON numbers lose precision above
/// 2^53).
pub fn u128_string<S: serde::Serializer>(amount: &u128, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(&amount.to_string())
}

#[cfg(test)]
mod tests {
    #[test]
    fn percentages_have_two_decimals() {
        assert_eq!(super::percent(2500), "25.00%");
        assert_eq!(super::percent(1), "0.01%");
        assert_eq!(super::percent(10_000), "100.00%");
    }

    use cosmos_sdk_proto::cosmos::tx::v1beta1::TxBody;
    use tendermint_proto::abci::EventAttribute;

    use super::*;

    fn response() -> TxResponse {
        TxResponse {
            txhash: "AB".into(),
            height: 12,
            code: 5,
            codespace: "bank".into(),
            raw_log: "insufficient funds".into(),
            gas_wanted: 100,
            gas_used: 80,
            events: vec![Event {
                r#type: "tx".into(),
                attributes: vec![EventAttribute {
                    key: "fee".into(),
                    value: "5uweave".into(),
                    index: true,
                }],
            }],
            ..Default::default()
        }
    }

    fn tx() -> Tx {
        Tx {
            body: Some(TxBody {
                messages: vec![cosmos_sdk_proto::Any {
                    type_url: "/weave.bank.v1.MsgSend".into(),
                    value: vec![],
                }],
                memo: "hi".into(),
                ..Default::default()
            }),
            ..Default::default()
        }
    }

    #[test]
    fn json_carries_result_events_and_messages() {
        let v = tx_response_json(&response(), Some(&tx()));
        assert_eq!(v["height"], 12);
        assert_eq!(v["code"], 5);
        assert_eq!(v["codespace"], "bank");
        assert_eq!(v["gas_used"], 80);
        assert_eq!(v["events"][0]["type"], "tx");
        assert_eq!(v["events"][0]["attributes"][0]["value"], "5uweave");
        assert_eq!(v["messages"][0], "/weave.bank.v1.MsgSend");
        assert_eq!(v["memo"], "hi");
    }

    #[test]
    fn messages_come_from_the_packed_tx_when_not_given() {
        let mut r = response();
        r.tx = Some(cosmos_sdk_proto::Any {
            type_url: TX_TYPE_URL.into(),
            value: tx().encode_to_vec(),
        });
        assert_eq!(message_types(&r, None), vec!["/weave.bank.v1.MsgSend"]);
        let text = tx_result_text(&r, None);
        assert!(text.contains("  - /weave.bank.v1.MsgSend"), "{text}");
        assert!(text.contains("  - tx: fee=5uweave"), "{text}");
        assert!(text.contains("gas: 80 used / 100 wanted"), "{text}");
    }

    #[test]
    fn failure_names_codespace_code_and_log() {
        assert_eq!(
            failure(&response()),
            "codespace bank, code 5: insufficient funds"
        );
    }

    #[test]
    fn coins_render_as_json_with_string_amounts() {
        let coins = [("uweave", "10"), ("ufoo", "2")];
        assert_eq!(coins_json(coins)[1]["denom"], "ufoo");
        assert_eq!(coins_json(coins)[1]["amount"], "2");
    }
}
