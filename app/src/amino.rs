//! Legacy amino JSON signing (`SIGN_MODE_LEGACY_AMINO_JSON`), so that a Ledger, Keplr or
//! CosmJS's amino signers (`Secp256k1HdWallet`) can sign Weave transactions.
//!
//! A signer in this mode signs the Cosmos SDK's `StdSignDoc` as JSON instead of the
//! protobuf `SignDoc`:
//!
//! ```json
//! {"account_number":"7","chain_id":"weave-1",
//!  "fee":{"amount":[{"amount":"5000","denom":"uweave"}],"gas":"200000"},
//!  "memo":"hi","msgs":[{"type":"weave/content/MsgPurchaseAccess","value":{...}}],
//!  "sequence":"3"}
//! ```
//!
//! built as the SDK builds it: keys sorted at every level, no whitespace, 64-bit integers
//! and coin amounts as strings, `timeout_height` only when set, the fee's `payer` and
//! `granter` left out (Weave refuses both), and `<`, `>`, `&` escaped as `\u003c`,
//! `\u003e`, `\u0026` (Go's `encoding/json`, and CosmJS's `serializeSignDoc`).
//!
//! Each message becomes `{"type": <amino name>, "value": <fields>}`. The fields are not
//! written by hand per message: they come from the message's protobuf descriptor
//! ([`weave_proto::FILE_DESCRIPTOR_SET`], read with `prost-reflect`), named by their
//! proto field names, with amino's `omitempty`: a field at its default value (0, `""`,
//! `false`, an empty list, an unset message) is left out. 32-bit integers and enums are
//! JSON numbers, 64-bit integers strings, bytes standard base64, nested messages objects,
//! and a `google.protobuf.Any` (a proposal's messages) is `{"type", "value"}` of the
//! message it carries.
//!
//! Amino names ([`amino_name`]) are derived from the type URL:
//! `/weave.<module>.v1.Msg<Name>` is `weave/<module>/Msg<Name>`, and the Cosmos SDK's
//! `/cosmos.bank.v1beta1.MsgSend` keeps its own `cosmos-sdk/MsgSend`. Every name is at
//! most [`MAX_AMINO_NAME`] characters, as the Ledger app requires.

use std::sync::OnceLock;

use base64::Engine as _;
use prost_reflect::{
    DescriptorPool, DynamicMessage, MessageDescriptor, ReflectMessage as _, Value as Field,
};
use serde_json::{Map, Value};
use weave_kernel::{Any, KernelError};

/// The longest amino name a Ledger accepts.
pub const MAX_AMINO_NAME: usize = 39;

/// The Cosmos SDK's bank send, which Weave accepts too.
const COSMOS_MSG_SEND: &str = "/cosmos.bank.v1beta1.MsgSend";
/// Its amino name in the Cosmos SDK.
const COSMOS_MSG_SEND_AMINO: &str = "cosmos-sdk/MsgSend";
/// Weave's bank send: the same fields, with the same numbers and types, as the Cosmos
/// SDK's, so its descriptor reads both.
const WEAVE_MSG_SEND: &str = "weave.bank.v1.MsgSend";

/// How deeply `Any`s may nest inside a message (a proposal carrying messages is 1).
const MAX_ANY_DEPTH: usize = 4;

/// The amino name of a message type URL, or `None` for a type without one.
pub fn amino_name(type_url: &str) -> Option<String> {
    if type_url == COSMOS_MSG_SEND {
        return Some(COSMOS_MSG_SEND_AMINO.to_string());
    }
    let rest = type_url.strip_prefix("/weave.")?;
    let (module, name) = rest.split_once(".v1.")?;
    let valid = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_alphanumeric());
    if !valid(module) || !valid(name) {
        return None;
    }
    Some(format!("weave/{module}/{name}"))
}

fn pool() -> Result<&'static DescriptorPool, KernelError> {
    static POOL: OnceLock<Result<DescriptorPool, String>> = OnceLock::new();
    POOL.get_or_init(|| {
        DescriptorPool::decode(weave_proto::FILE_DESCRIPTOR_SET).map_err(|e| e.to_string())
    })
    .as_ref()
    .map_err(|e| KernelError::TxDecode(format!("Weave's proto descriptors: {e}")))
}

/// The descriptor that reads a message type URL.
fn descriptor(type_url: &str) -> Result<MessageDescriptor, KernelError> {
    let full_name = if type_url == COSMOS_MSG_SEND {
        WEAVE_MSG_SEND
    } else {
        type_url.strip_prefix('/').unwrap_or(type_url)
    };
    pool()?
        .get_message_by_name(full_name)
        .ok_or_else(|| KernelError::UnknownMessage(type_url.to_string()))
}

fn decode_error(type_url: &str, why: impl std::fmt::Display) -> KernelError {
    KernelError::TxDecode(format!("{type_url} as amino JSON: {why}"))
}

/// A message as amino JSON: `{"type": <amino name>, "value": <fields>}`.
pub fn message_json(msg: &Any) -> Result<Value, KernelError> {
    any_json(&msg.type_url, &msg.value, 0)
}

fn any_json(type_url: &str, value: &[u8], depth: usize) -> Result<Value, KernelError> {
    if depth > MAX_ANY_DEPTH {
        return Err(decode_error(type_url, "messages nested too deeply"));
    }
    let name = amino_name(type_url)
        .ok_or_else(|| decode_error(type_url, "the message type has no amino name"))?;
    let message = DynamicMessage::decode(descriptor(type_url)?, value)
        .map_err(|e| decode_error(type_url, e))?;
    let mut object = Map::new();
    object.insert("type".into(), Value::String(name));
    object.insert("value".into(), fields_json(type_url, &message, depth)?);
    Ok(Value::Object(object))
}

/// The fields of a message that are not at their default value, by proto field name.
fn fields_json(
    type_url: &str,
    message: &DynamicMessage,
    depth: usize,
) -> Result<Value, KernelError> {
    // Fields amino JSON would drop could change without breaking the signature.
    if message.unknown_fields().next().is_some() {
        return Err(decode_error(type_url, "unknown fields"));
    }
    if message.descriptor().full_name() == "google.protobuf.Any" {
        let inner_url = match message.get_field_by_name("type_url").as_deref() {
            Some(Field::String(s)) => s.clone(),
            _ => String::new(),
        };
        let inner = match message.get_field_by_name("value").as_deref() {
            Some(Field::Bytes(b)) => b.to_vec(),
            _ => Vec::new(),
        };
        return any_json(&inner_url, &inner, depth + 1);
    }
    let mut object = Map::new();
    for field in message.descriptor().fields() {
        if !message.has_field(&field) {
            continue;
        }
        let value = match &*message.get_field(&field) {
            Field::List(items) => Value::Array(
                items
                    .iter()
                    .map(|v| value_json(type_url, v, depth))
                    .collect::<Result<_, _>>()?,
            ),
            other => value_json(type_url, other, depth)?,
        };
        object.insert(field.name().to_string(), value);
    }
    Ok(Value::Object(object))
}

fn value_json(type_url: &str, value: &Field, depth: usize) -> Result<Value, KernelError> {
    Ok(match value {
        Field::Bool(b) => Value::Bool(*b),
        Field::I32(n) => Value::from(*n),
        Field::U32(n) => Value::from(*n),
        Field::EnumNumber(n) => Value::from(*n),
        Field::I64(n) => Value::String(n.to_string()),
        Field::U64(n) => Value::String(n.to_string()),
        Field::String(s) => Value::String(s.clone()),
        Field::Bytes(b) => Value::String(base64::engine::general_purpose::STANDARD.encode(b)),
        Field::Message(m) => fields_json(type_url, m, depth)?,
        Field::F32(_) | Field::F64(_) | Field::List(_) | Field::Map(_) => {
            return Err(decode_error(type_url, "a field amino JSON cannot carry"))
        }
    })
}

/// Everything of a `StdSignDoc` that all of a transaction's signers share: `fee`,
/// `memo`, `msgs` and `timeout_height`. Built once per transaction.
#[derive(Debug, Clone, PartialEq)]
pub struct AminoBody(Map<String, Value>);

impl AminoBody {
    /// Builds the shared part from the transaction's messages, memo, fee coins
    /// (`(denom, amount)` exactly as the transaction carries them), gas limit and
    /// timeout height.
    pub fn new<'a>(
        messages: &[Any],
        memo: &str,
        fee: impl IntoIterator<Item = (&'a str, &'a str)>,
        gas_limit: u64,
        timeout_height: u64,
    ) -> Result<Self, KernelError> {
        let msgs = messages
            .iter()
            .map(message_json)
            .collect::<Result<Vec<_>, _>>()?;
        let amount = fee
            .into_iter()
            .map(|(denom, amount)| {
                let mut coin = Map::new();
                coin.insert("amount".into(), Value::String(amount.to_string()));
                coin.insert("denom".into(), Value::String(denom.to_string()));
                Value::Object(coin)
            })
            .collect();
        let mut fee = Map::new();
        fee.insert("amount".into(), Value::Array(amount));
        fee.insert("gas".into(), Value::String(gas_limit.to_string()));
        let mut body = Map::new();
        body.insert("fee".into(), Value::Object(fee));
        body.insert("memo".into(), Value::String(memo.to_string()));
        body.insert("msgs".into(), Value::Array(msgs));
        if timeout_height != 0 {
            body.insert(
                "timeout_height".into(),
                Value::String(timeout_height.to_string()),
            );
        }
        Ok(Self(body))
    }

    /// The bytes one signer signs: the `StdSignDoc` for this chain, account number and
    /// sequence, as sorted, compact JSON.
    pub fn sign_bytes(&self, chain_id: &str, account_number: u64, sequence: u64) -> Vec<u8> {
        let mut doc = self.0.clone();
        doc.insert(
            "account_number".into(),
            Value::String(account_number.to_string()),
        );
        doc.insert("chain_id".into(), Value::String(chain_id.to_string()));
        doc.insert("sequence".into(), Value::String(sequence.to_string()));
        let mut out = String::new();
        write_sorted(&Value::Object(doc), &mut out);
        out.into_bytes()
    }
}

/// Compact JSON with every object's keys in byte order, and `<`, `>`, `&` escaped as Go's
/// `encoding/json` escapes them (they occur only inside strings).
fn write_sorted(value: &Value, out: &mut String) {
    match value {
        Value::Object(map) => {
            let mut keys: Vec<&String> = map.keys().collect();
            keys.sort();
            out.push('{');
            for (i, key) in keys.into_iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write_string(key, out);
                out.push(':');
                if let Some(v) = map.get(key) {
                    write_sorted(v, out);
                }
            }
            out.push('}');
        }
        Value::Array(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write_sorted(item, out);
            }
            out.push(']');
        }
        Value::String(s) => write_string(s, out),
        other => out.push_str(&other.to_string()),
    }
}

fn write_string(s: &str, out: &mut String) {
    let quoted = Value::String(s.to_string()).to_string();
    for c in quoted.chars() {
        match c {
            '<' => out.push_str("\\u003c"),
            '>' => out.push_str("\\u003e"),
            '&' => out.push_str("\\u0026"),
            c => out.push(c),
        }
    }
}

#[cfg(test)]
mod tests {
    use prost::Message;
    use weave_proto::weave::content::v1 as content;

    use super::*;

    const ALICE: &str = "weave1qypqxpq9qcrsszg2pvxq6rs0zqg3yyc5lzv7xu";

    fn any<M: Message>(type_url: &str, m: &M) -> Any {
        Any {
            type_url: type_url.into(),
            value: m.encode_to_vec(),
        }
    }

    #[test]
    fn names_are_derived_from_type_urls_and_fit_a_ledger() {
        assert_eq!(
            amino_name("/weave.content.v1.MsgPurchaseAccess").as_deref(),
            Some("weave/content/MsgPurchaseAccess")
        );
        assert_eq!(
            amino_name("/cosmos.bank.v1beta1.MsgSend").as_deref(),
            Some("cosmos-sdk/MsgSend")
        );
        assert_eq!(amino_name("/weave.content.v1.sub.MsgX"), None);
        assert_eq!(amino_name("/cosmos.gov.v1.MsgVote"), None);
        assert_eq!(amino_name("/weave..v1.MsgX"), None);
    }

    /// A doc worked out by hand from the SDK's rules: sorted keys at every level,
    /// omitted empty fields (`collaborators`), 64-bit integers as strings, 32-bit as
    /// numbers, compact, `&` escaped.
    #[test]
    fn a_purchase_signs_as_the_sdk_would_build_its_std_sign_doc() {
        let msg = content::MsgPurchaseAccess {
            buyer: ALICE.into(),
            content_id: 42,
            quantity: 2,
            max_total_price: "2000".into(),
        };
        let body = AminoBody::new(
            &[any("/weave.content.v1.MsgPurchaseAccess", &msg)],
            "tea & cake",
            [("uweave", "5000")],
            200_000,
            0,
        )
        .expect("body");
        let doc = String::from_utf8(body.sign_bytes("weave-test", 7, 3)).expect("utf8");
        assert_eq!(
            doc,
            format!(
                concat!(
                    r#"{{"account_number":"7","chain_id":"weave-test","#,
                    r#""fee":{{"amount":[{{"amount":"5000","denom":"uweave"}}],"gas":"200000"}},"#,
                    r#""memo":"tea \u0026 cake","#,
                    r#""msgs":[{{"type":"weave/content/MsgPurchaseAccess","value":{{"buyer":"{}","content_id":"42","max_total_price":"2000","quantity":"2"}}}}],"#,
                    r#""sequence":"3"}}"#
                ),
                ALICE
            )
        );
    }

    fn value_of(m: &Any) -> String {
        let mut out = String::new();
        write_sorted(&message_json(m).expect("amino json"), &mut out);
        out
    }

    /// Enums are numbers, a proto3 `optional` set to zero is kept, nested messages are
    /// objects, and a proposal's `Any` messages become `{type, value}` themselves.
    #[test]
    fn enums_optionals_nested_messages_and_anys() {
        use weave_proto::weave::{bank::v1 as bank, gov::v1 as gov, validators::v1 as val};
        let vote = gov::MsgVote {
            proposal_id: 3,
            voter: ALICE.into(),
            option: gov::VoteOption::NoWithVeto as i32,
            metadata: String::new(),
        };
        assert_eq!(
            value_of(&any("/weave.gov.v1.MsgVote", &vote)),
            format!(
                r#"{{"type":"weave/gov/MsgVote","value":{{"option":4,"proposal_id":"3","voter":"{ALICE}"}}}}"#
            )
        );
        let edit = val::MsgEditValidator {
            operator: ALICE.into(),
            description: Some(val::Description {
                moniker: "m".into(),
                ..Default::default()
            }),
            commission_rate_bps: Some(0),
            min_self_delegation: String::new(),
        };
        assert_eq!(
            value_of(&any("/weave.validators.v1.MsgEditValidator", &edit)),
            format!(
                r#"{{"type":"weave/validators/MsgEditValidator","value":{{"commission_rate_bps":0,"description":{{"moniker":"m"}},"operator":"{ALICE}"}}}}"#
            )
        );
        let update = bank::MsgUpdateParams {
            authority: ALICE.into(),
            params: Some(bank::Params {
                send_enabled: false,
            }),
        };
        let proposal = gov::MsgSubmitProposal {
            messages: vec![prost_types::Any {
                type_url: "/weave.bank.v1.MsgUpdateParams".into(),
                value: update.encode_to_vec(),
            }],
            initial_deposit: "10".into(),
            proposer: ALICE.into(),
            title: "t".into(),
            expedited: true,
            ..Default::default()
        };
        assert_eq!(
            value_of(&any("/weave.gov.v1.MsgSubmitProposal", &proposal)),
            format!(
                concat!(
                    r#"{{"type":"weave/gov/MsgSubmitProposal","value":{{"expedited":true,"initial_deposit":"10","#,
                    r#""messages":[{{"type":"weave/bank/MsgUpdateParams","value":{{"authority":"{a}","params":{{}}}}}}],"#,
                    r#""proposer":"{a}","title":"t"}}}}"#
                ),
                a = ALICE
            )
        );
    }

    #[test]
    fn unknown_fields_and_unknown_types_are_refused() {
        let mut bytes = content::MsgPurchaseAccess {
            buyer: ALICE.into(),
            content_id: 1,
            quantity: 1,
            max_total_price: "1".into(),
        }
        .encode_to_vec();
        // Field 15, varint 1: prost ignores it, so amino JSON must not sign around it.
        bytes.extend([0x78, 0x01]);
        let m = Any {
            type_url: "/weave.content.v1.MsgPurchaseAccess".into(),
            value: bytes,
        };
        assert_eq!(message_json(&m).unwrap_err().code(), 2);
        let m = Any {
            type_url: "/weave.content.v1.MsgNothing".into(),
            value: vec![],
        };
        assert!(message_json(&m).is_err());
    }
}
