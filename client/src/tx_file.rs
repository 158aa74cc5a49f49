//! Transactions as files, for offline and multi-party signing, as the Cosmos SDK's CLI
//! does: `weaved tx ... --generate-only` prints the unsigned transaction as Cosmos tx
//! JSON, `weaved tx sign FILE --from KEY` signs it (online, or `--offline` with the
//! account number and sequence given), and `weaved tx broadcast FILE` broadcasts it.
//!
//! The JSON is the Cosmos SDK's: `{"body": {"messages": [...], "memo", "timeout_height",
//! ...}, "auth_info": {"signer_infos": [...], "fee": {...}}, "signatures": [...]}`,
//! messages in the protobuf JSON mapping with their `@type`, 64-bit integers as
//! strings, bytes in base64.
//!
//! Several signers: a transaction whose messages name several signers carries one
//! `SignerInfo` and one signature per signer, in the order the messages first name
//! them. Every signature covers all the signer infos, so `tx sign` with a key whose
//! signer info is not there yet appends it and drops the signatures made before (it
//! says so); with its info already there, it only fills in its own signature. The
//! parties therefore pass the file around twice: each runs `tx sign` once to add its
//! info, then each but the last signs again.

use anyhow::{anyhow, bail, ensure, Context};
use base64::{engine::general_purpose::STANDARD as BASE64, Engine};
use cosmos_sdk_proto::{
    cosmos::{
        base::v1beta1::Coin as ProtoCoin,
        crypto::{ed25519, secp256k1},
        tx::{
            signing::v1beta1::SignMode,
            v1beta1::{mode_info, AuthInfo, Fee, ModeInfo, SignDoc, SignerInfo, TxBody, TxRaw},
        },
    },
    Any,
};
use prost::Message;
use serde_json::{json, Value};

use crate::{
    anyjson::{any_from_json, any_to_json},
    builder::SignerData,
    keys::SigningKey,
};

/// The type URL of a secp256k1 public key.
const SECP256K1: &str = "/cosmos.crypto.secp256k1.PubKey";
/// The type URL of an ed25519 public key.
const ED25519: &str = "/cosmos.crypto.ed25519.PubKey";

/// A transaction as the JSON file holds it, decoded.
#[derive(Debug, Clone, PartialEq)]
pub struct TxFile {
    /// The body: messages, memo, timeout height.
    pub body: TxBody,
    /// The signer infos and the fee.
    pub auth_info: AuthInfo,
    /// One per signer info; an empty one is not signed yet.
    pub signatures: Vec<Vec<u8>>,
}

/// A public key `Any` as JSON.
fn pubkey_json(any: &Any) -> anyhow::Result<Value> {
    let key = match any.type_url.as_str() {
        SECP256K1 => secp256k1::PubKey::decode(any.value.as_slice())?.key,
        ED25519 => ed25519::PubKey::decode(any.value.as_slice())?.key,
        other => bail!("unknown public key type {other:?}"),
    };
    Ok(json!({ "@type": any.type_url, "key": BASE64.encode(key) }))
}

/// A public key from JSON.
fn pubkey_from_json(value: &Value) -> anyhow::Result<Any> {
    let key = BASE64
        .decode(str_field(value, "key")?)
        .context("a public key is not base64")?;
    let type_url = str_field(value, "@type")?;
    let value = match type_url {
        SECP256K1 => secp256k1::PubKey { key }.encode_to_vec(),
        ED25519 => ed25519::PubKey { key }.encode_to_vec(),
        other => bail!("unknown public key type {other:?}"),
    };
    Ok(Any {
        type_url: type_url.to_string(),
        value,
    })
}

/// A string field of a JSON object.
fn str_field<'a>(value: &'a Value, key: &str) -> anyhow::Result<&'a str> {
    value
        .get(key)
        .and_then(Value::as_str)
        .ok_or_else(|| anyhow!("missing string field {key:?} in {value}"))
}

/// A 64-bit integer field, as a string (as the JSON mapping writes it) or a number.
fn u64_field(value: &Value, key: &str) -> anyhow::Result<u64> {
    match value.get(key) {
        None | Some(Value::Null) => Ok(0),
        Some(Value::String(s)) => s.parse().with_context(|| format!("{key}: {s:?}")),
        Some(Value::Number(n)) => n.as_u64().ok_or_else(|| anyhow!("{key}: {n}")),
        Some(other) => bail!("{key}: want an integer, got {other}"),
    }
}

/// An array field (absent or null: empty).
fn array_field<'a>(value: &'a Value, key: &str) -> anyhow::Result<&'a [Value]> {
    match value.get(key) {
        None | Some(Value::Null) => Ok(&[]),
        Some(Value::Array(a)) => Ok(a),
        Some(other) => bail!("{key}: want an array, got {other}"),
    }
}

impl TxFile {
    /// An unsigned transaction: no signer infos, no signatures, as `--generate-only`
    /// prints it.
    pub fn unsigned(body: TxBody, fee: Fee) -> Self {
        Self {
            body,
            auth_info: AuthInfo {
                signer_infos: Vec::new(),
                fee: Some(fee),
                ..Default::default()
            },
            signatures: Vec::new(),
        }
    }

    /// The Cosmos tx JSON.
    pub fn to_json(&self) -> anyhow::Result<Value> {
        let messages: Vec<Value> = self
            .body
            .messages
            .iter()
            .map(|m| any_to_json(&m.type_url, &m.value))
            .collect();
        let signer_infos = self
            .auth_info
            .signer_infos
            .iter()
            .map(|s| {
                Ok(json!({
                    "public_key": s.public_key.as_ref().map(pubkey_json).transpose()?,
                    "mode_info": { "single": { "mode": "SIGN_MODE_DIRECT" } },
                    "sequence": s.sequence.to_string(),
                }))
            })
            .collect::<anyhow::Result<Vec<_>>>()?;
        let fee = self.auth_info.fee.clone().unwrap_or_default();
        Ok(json!({
            "body": {
                "messages": messages,
                "memo": self.body.memo,
                "timeout_height": self.body.timeout_height.to_string(),
                "extension_options": [],
                "non_critical_extension_options": [],
            },
            "auth_info": {
                "signer_infos": signer_infos,
                "fee": {
                    "amount": fee.amount.iter().map(|c| json!({"denom": c.denom, "amount": c.amount})).collect::<Vec<_>>(),
                    "gas_limit": fee.gas_limit.to_string(),
                    "payer": fee.payer,
                    "granter": fee.granter,
                },
                "tip": null,
            },
            "signatures": self.signatures.iter().map(|s| BASE64.encode(s)).collect::<Vec<_>>(),
        }))
    }

    /// Reads the Cosmos tx JSON.
    pub fn from_json(value: &Value) -> anyhow::Result<Self> {
        let body = value.get("body").context("no \"body\"")?;
        let auth_info = value.get("auth_info").context("no \"auth_info\"")?;
        ensure!(
            array_field(body, "extension_options")?.is_empty()
                && array_field(body, "non_critical_extension_options")?.is_empty(),
            "extension options are not supported"
        );
        let messages = array_field(body, "messages")?
            .iter()
            .map(any_from_json)
            .collect::<anyhow::Result<Vec<_>>>()?;
        let body = TxBody {
            messages,
            memo: body
                .get("memo")
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_string(),
            timeout_height: u64_field(body, "timeout_height")?,
            ..Default::default()
        };
        let signer_infos = array_field(auth_info, "signer_infos")?
            .iter()
            .map(|s| {
                let mode = s
                    .pointer("/mode_info/single/mode")
                    .and_then(Value::as_str)
                    .unwrap_or("SIGN_MODE_DIRECT");
                ensure!(
                    mode == "SIGN_MODE_DIRECT",
                    "weaved tx sign signs in SIGN_MODE_DIRECT only, not {mode}"
                );
                Ok(SignerInfo {
                    public_key: Some(pubkey_from_json(
                        s.get("public_key")
                            .context("a signer info has no public_key")?,
                    )?),
                    mode_info: Some(direct()),
                    sequence: u64_field(s, "sequence")?,
                })
            })
            .collect::<anyhow::Result<Vec<_>>>()?;
        let fee = auth_info.get("fee").context("no \"fee\"")?;
        let amount = array_field(fee, "amount")?
            .iter()
            .map(|c| {
                Ok(ProtoCoin {
                    denom: str_field(c, "denom")?.to_string(),
                    amount: str_field(c, "amount")?.to_string(),
                })
            })
            .collect::<anyhow::Result<Vec<_>>>()?;
        let fee = Fee {
            amount,
            gas_limit: u64_field(fee, "gas_limit")?,
            payer: fee
                .get("payer")
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_string(),
            granter: fee
                .get("granter")
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_string(),
        };
        let signatures = array_field(value, "signatures")?
            .iter()
            .map(|s| {
                BASE64
                    .decode(s.as_str().context("a signature is not a string")?)
                    .context("a signature is not base64")
            })
            .collect::<anyhow::Result<Vec<_>>>()?;
        Ok(Self {
            body,
            auth_info: AuthInfo {
                signer_infos,
                fee: Some(fee),
                ..Default::default()
            },
            signatures,
        })
    }

    /// Reads a file of Cosmos tx JSON (`-` for stdin).
    pub fn read(path: &std::path::Path) -> anyhow::Result<Self> {
        let text = if path.as_os_str() == "-" {
            std::io::read_to_string(std::io::stdin()).context("reading stdin")?
        } else {
            std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?
        };
        let value: Value = serde_json::from_str(&text)
            .with_context(|| format!("{} is not JSON", path.display()))?;
        Self::from_json(&value).with_context(|| format!("{} is not a Cosmos tx", path.display()))
    }

    /// Signs as `key` with `signer` (account number, sequence, chain): fills in the
    /// key's signature if its signer info is there, else appends its signer info
    /// (dropping the signatures made before, which no longer cover the signer infos)
    /// and signs. Returns how many signatures were dropped.
    pub fn sign(&mut self, key: &SigningKey, signer: &SignerData) -> usize {
        let public_key = key.public_key_any();
        let public_key = Any {
            type_url: public_key.type_url,
            value: public_key.value,
        };
        let mut dropped = 0;
        let index = match self
            .auth_info
            .signer_infos
            .iter()
            .position(|s| s.public_key.as_ref() == Some(&public_key))
        {
            Some(index) => {
                self.auth_info.signer_infos[index].sequence = signer.sequence;
                index
            }
            None => {
                dropped = self.signatures.iter().filter(|s| !s.is_empty()).count();
                self.signatures.clear();
                self.auth_info.signer_infos.push(SignerInfo {
                    public_key: Some(public_key),
                    mode_info: Some(direct()),
                    sequence: signer.sequence,
                });
                self.auth_info.signer_infos.len() - 1
            }
        };
        let sign_doc = SignDoc {
            body_bytes: self.body.encode_to_vec(),
            auth_info_bytes: self.auth_info.encode_to_vec(),
            chain_id: signer.chain_id.clone(),
            account_number: signer.account_number,
        };
        let signature = key.sign(&sign_doc.encode_to_vec());
        self.signatures
            .resize(self.auth_info.signer_infos.len(), Vec::new());
        self.signatures[index] = signature;
        dropped
    }

    /// The `TxRaw` bytes to broadcast; every signer must have signed.
    pub fn tx_raw(&self) -> anyhow::Result<Vec<u8>> {
        ensure!(
            !self.auth_info.signer_infos.is_empty(),
            "the transaction is not signed: run `weaved tx sign FILE --from KEY` first"
        );
        let missing = (0..self.auth_info.signer_infos.len())
            .filter(|i| self.signatures.get(*i).is_none_or(|s| s.is_empty()))
            .count();
        ensure!(
            missing == 0,
            "{missing} of {} signers have not signed yet",
            self.auth_info.signer_infos.len()
        );
        Ok(TxRaw {
            body_bytes: self.body.encode_to_vec(),
            auth_info_bytes: self.auth_info.encode_to_vec(),
            signatures: self.signatures.clone(),
        }
        .encode_to_vec())
    }
}

/// `SIGN_MODE_DIRECT`.
fn direct() -> ModeInfo {
    ModeInfo {
        sum: Some(mode_info::Sum::Single(mode_info::Single {
            mode: SignMode::Direct as i32,
        })),
    }
}

/// Prints `tx` as `--generate-only` does.
pub fn print_generated(tx: &TxFile) -> anyhow::Result<()> {
    println!("{}", serde_json::to_string_pretty(&tx.to_json()?)?);
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{bank::msg::msg_send, builder::build_signed_tx, keys::KeyAlgo};
    use weave_kernel::Address;

    fn key(seed: u8, algo: KeyAlgo) -> SigningKey {
        SigningKey::from_secret_bytes(algo, &[seed; 32]).unwrap()
    }

    fn fee() -> Fee {
        Fee {
            amount: vec![ProtoCoin {
                denom: "uweave".into(),
                amount: "5000".into(),
            }],
            gas_limit: 100_000,
            payer: String::new(),
            granter: String::new(),
        }
    }

    fn unsigned(from: &SigningKey) -> TxFile {
        let send = msg_send(
            &from.address(),
            &Address::new([9; 20]),
            &weave_kernel::Coins::parse([("uweave", "7")]).unwrap(),
        );
        TxFile::unsigned(
            TxBody {
                messages: vec![send],
                memo: "hi".into(),
                timeout_height: 50,
                ..Default::default()
            },
            fee(),
        )
    }

    #[test]
    fn the_json_round_trips_and_reads_as_cosmos_tx_json() {
        let alice = key(5, KeyAlgo::Secp256k1);
        let tx = unsigned(&alice);
        let json = tx.to_json().unwrap();
        assert_eq!(
            json["body"]["messages"][0]["@type"],
            "/weave.bank.v1.MsgSend"
        );
        assert_eq!(json["body"]["timeout_height"], "50");
        assert_eq!(json["auth_info"]["fee"]["gas_limit"], "100000");
        assert_eq!(json["auth_info"]["signer_infos"], json!([]));
        assert_eq!(TxFile::from_json(&json).unwrap(), tx);
        let mut signed = tx.clone();
        signed.sign(
            &key(6, KeyAlgo::Ed25519),
            &SignerData {
                account_number: 1,
                sequence: 2,
                chain_id: "c".into(),
            },
        );
        let json = signed.to_json().unwrap();
        assert_eq!(
            json["auth_info"]["signer_infos"][0]["public_key"]["@type"],
            ED25519
        );
        assert_eq!(json["auth_info"]["signer_infos"][0]["sequence"], "2");
        assert_eq!(TxFile::from_json(&json).unwrap(), signed);
        assert!(TxFile::from_json(&json!({"body": {}})).is_err());
    }

    #[test]
    fn signing_the_file_gives_the_bytes_the_cli_broadcasts() {
        let alice = key(5, KeyAlgo::Secp256k1);
        let mut tx = unsigned(&alice);
        assert!(tx.tx_raw().is_err(), "an unsigned tx is refused");
        let signer = SignerData {
            account_number: 4,
            sequence: 2,
            chain_id: "test-1".into(),
        };
        assert_eq!(tx.sign(&alice, &signer), 0);
        let direct = build_signed_tx(
            &alice,
            tx.body.messages.clone(),
            &signer,
            5000,
            100_000,
            "hi",
            50,
        );
        assert_eq!(tx.tx_raw().unwrap(), direct);
    }

    #[test]
    fn a_second_signer_is_appended_and_earlier_signatures_are_redone() {
        let alice = key(5, KeyAlgo::Secp256k1);
        let bob = key(7, KeyAlgo::Secp256k1);
        let at = |sequence| SignerData {
            account_number: 1,
            sequence,
            chain_id: "c".into(),
        };
        let mut tx = unsigned(&alice);
        assert_eq!(tx.sign(&alice, &at(0)), 0);
        // Bob's info changes what Alice signed: her signature goes.
        assert_eq!(tx.sign(&bob, &at(3)), 1);
        assert_eq!(tx.auth_info.signer_infos.len(), 2);
        assert!(tx.tx_raw().is_err(), "alice has to sign again");
        let before = tx.auth_info.clone();
        assert_eq!(tx.sign(&alice, &at(0)), 0);
        assert_eq!(tx.auth_info, before, "re-signing keeps the signer infos");
        assert_eq!(tx.signatures.iter().filter(|s| !s.is_empty()).count(), 2);
        let raw = TxRaw::decode(tx.tx_raw().unwrap().as_slice()).unwrap();
        assert_eq!(raw.signatures.len(), 2);
    }
}
