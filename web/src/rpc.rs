//! CometBFT's RPC, read for what the chain's state does not keep: the transactions an
//! account sent or received (`tx_search` over the events every transaction emits),
//! and one transaction with its events (`tx`). A plain HTTP/1.0 `GET` on loopback; the
//! answers are CometBFT v0.38's JSON, whose event attributes are plain strings.

use anyhow::{anyhow, bail, Context};
use serde_json::Value;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// The most an RPC answer may hold.
const MAX_ANSWER: u64 = 32 * 1024 * 1024;

/// An event of a committed transaction.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct TxEvent {
    /// Its type, e.g. `weave.splits.v1.EventShare`.
    pub(crate) kind: String,
    /// Its attributes, in order.
    pub(crate) attributes: Vec<(String, String)>,
}

impl TxEvent {
    /// The first attribute named `key`.
    pub(crate) fn get(&self, key: &str) -> Option<&str> {
        self.attributes
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    }
}

/// A committed transaction as CometBFT reports it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct TxRecord {
    /// Its hash, upper-case hex.
    pub(crate) hash: String,
    /// Its block.
    pub(crate) height: u64,
    /// 0 when it succeeded; else the code in `codespace`.
    pub(crate) code: u32,
    pub(crate) codespace: String,
    /// The log (the refusal's text when it failed).
    pub(crate) log: String,
    pub(crate) events: Vec<TxEvent>,
}

/// A query string value, quoted for CometBFT (`"…"`) and percent-encoded.
pub(crate) fn quote(query: &str) -> String {
    let mut out = String::from("%22");
    for b in query.bytes() {
        if b.is_ascii_alphanumeric() || b"-_.~".contains(&b) {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out.push_str("%22");
    out
}

/// `GET base + path_and_query`; the answer's `result`, or its `error` as an error.
pub(crate) async fn get(base: &str, path_and_query: &str) -> anyhow::Result<Value> {
    let hostport = base
        .strip_prefix("http://")
        .ok_or_else(|| anyhow!("CometBFT's RPC {base:?} is not an http:// address"))?
        .trim_end_matches('/');
    let mut s = tokio::time::timeout(
        std::time::Duration::from_secs(10),
        tokio::net::TcpStream::connect(hostport),
    )
    .await
    .map_err(|_| anyhow!("cannot connect to CometBFT's RPC at {base}: timed out"))?
    .with_context(|| format!("cannot connect to CometBFT's RPC at {base}"))?;
    s.write_all(
        format!(
            "GET {path_and_query} HTTP/1.0\r\nHost: {hostport}\r\nAccept: application/json\r\n\r\n"
        )
        .as_bytes(),
    )
    .await?;
    let mut raw = Vec::new();
    tokio::time::timeout(
        std::time::Duration::from_secs(30),
        (&mut s).take(MAX_ANSWER).read_to_end(&mut raw),
    )
    .await
    .map_err(|_| anyhow!("CometBFT's RPC at {base} did not answer in time"))??;
    let text = String::from_utf8_lossy(&raw);
    let (_, body) = text
        .split_once("\r\n\r\n")
        .ok_or_else(|| anyhow!("a malformed answer from CometBFT's RPC"))?;
    let v: Value = serde_json::from_str(body).with_context(|| {
        format!(
            "CometBFT's RPC answered {:?}",
            body.chars().take(200).collect::<String>()
        )
    })?;
    if let Some(e) = v.get("error") {
        let data = e["data"].as_str().unwrap_or_default();
        let message = e["message"].as_str().unwrap_or_default();
        bail!("CometBFT's RPC: {message} {data}");
    }
    Ok(v["result"].clone())
}

fn number(v: &Value) -> u64 {
    v.as_u64()
        .or_else(|| v.as_str().and_then(|s| s.parse().ok()))
        .unwrap_or(0)
}

/// One transaction of a `tx` answer (or of `tx_search`'s `txs`).
pub(crate) fn tx_record(v: &Value) -> anyhow::Result<TxRecord> {
    let r = &v["tx_result"];
    let hash = v["hash"]
        .as_str()
        .ok_or_else(|| anyhow!("a transaction without a hash"))?
        .to_string();
    let events = r["events"]
        .as_array()
        .map(|events| {
            events
                .iter()
                .map(|e| TxEvent {
                    kind: e["type"].as_str().unwrap_or_default().to_string(),
                    attributes: e["attributes"]
                        .as_array()
                        .map(|a| {
                            a.iter()
                                .map(|kv| {
                                    (
                                        kv["key"].as_str().unwrap_or_default().to_string(),
                                        kv["value"].as_str().unwrap_or_default().to_string(),
                                    )
                                })
                                .collect()
                        })
                        .unwrap_or_default(),
                })
                .collect()
        })
        .unwrap_or_default();
    Ok(TxRecord {
        hash,
        height: number(&v["height"]),
        code: u32::try_from(number(&r["code"])).unwrap_or(u32::MAX),
        codespace: r["codespace"].as_str().unwrap_or_default().to_string(),
        log: r["log"].as_str().unwrap_or_default().to_string(),
        events,
    })
}

/// The transactions of a `tx_search` answer.
pub(crate) fn tx_records(v: &Value) -> anyhow::Result<Vec<TxRecord>> {
    v["txs"]
        .as_array()
        .ok_or_else(|| anyhow!("a tx_search answer without txs"))?
        .iter()
        .map(tx_record)
        .collect()
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn queries_are_quoted_and_answers_read() {
        assert_eq!(
            quote("message.sender='weave1x'"),
            "%22message.sender%3D%27weave1x%27%22"
        );
        let v = serde_json::json!({"txs": [{
            "hash": "AB12", "height": "7",
            "tx_result": {"code": 0, "codespace": "", "log": "", "events": [
                {"type": "weave.splits.v1.EventShare", "attributes": [
                    {"key": "recipient", "value": "weave1x", "index": true},
                    {"key": "amount", "value": "42", "index": true}]}]}
        }], "total_count": "1"});
        let txs = tx_records(&v).unwrap();
        assert_eq!(txs.len(), 1);
        assert_eq!((txs[0].height, txs[0].code), (7, 0));
        assert_eq!(txs[0].events[0].get("amount"), Some("42"));
        assert!(tx_records(&serde_json::json!({})).is_err());
    }
}
