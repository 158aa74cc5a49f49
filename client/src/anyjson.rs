//! Protobuf messages as JSON with their `"@type"`, through the embedded descriptors
//! (`prost-reflect`): what governance drafts and transaction files are written in. A
//! leaf module.

use std::sync::OnceLock;

use anyhow::{anyhow, bail, Context};
use cosmos_sdk_proto::Any;
use prost::Message;
use prost_reflect::{
    DescriptorPool, DynamicMessage, MessageDescriptor, ReflectMessage as _, SerializeOptions,
};
use serde_json::{Map, Value};

/// Every Weave proto message type, from the embedded descriptors; loaded once.
pub(crate) fn pool() -> anyhow::Result<DescriptorPool> {
    static POOL: OnceLock<Result<DescriptorPool, String>> = OnceLock::new();
    POOL.get_or_init(|| {
        DescriptorPool::decode(weave_proto::FILE_DESCRIPTOR_SET).map_err(|e| e.to_string())
    })
    .clone()
    .map_err(|e| anyhow!("the embedded proto descriptors do not load: {e}"))
}

/// The descriptor of the message a type URL (`/weave.bank.v1.MsgUpdateParams`, or
/// the full name alone) names.
pub(crate) fn descriptor(type_url: &str) -> anyhow::Result<MessageDescriptor> {
    let name = type_url.rsplit('/').next().unwrap_or(type_url);
    pool()?
        .get_message_by_name(name)
        .ok_or_else(|| anyhow!("unknown message type {type_url:?}"))
}

/// A message as protobuf JSON: proto field names, default values written out.
pub(crate) fn message_json(message: &DynamicMessage) -> anyhow::Result<Value> {
    let options = SerializeOptions::new()
        .use_proto_field_name(true)
        .skip_default_fields(false);
    message
        .serialize_with_options(serde_json::value::Serializer, &options)
        .with_context(|| format!("writing a {} as JSON", message.descriptor().full_name()))
}

/// The protobuf bytes of a message of type `full_name` as JSON.
pub fn bytes_json(full_name: &str, bytes: &[u8]) -> anyhow::Result<Value> {
    let message = DynamicMessage::decode(descriptor(full_name)?, bytes)
        .with_context(|| format!("decoding a {full_name}"))?;
    message_json(&message)
}

/// A message given as JSON with its `"@type"`, packed into an `Any`.
pub fn any_from_json(value: &Value) -> anyhow::Result<Any> {
    let Value::Object(map) = value else {
        bail!("want a JSON object with \"@type\", got {value}");
    };
    let mut fields = map.clone();
    let type_url = match fields.remove("@type") {
        Some(Value::String(t)) => t,
        Some(other) => bail!("\"@type\" must be a string, got {other}"),
        None => bail!("no \"@type\": name the message, e.g. \"/weave.bank.v1.MsgUpdateParams\""),
    };
    let desc = descriptor(&type_url)?;
    let message = DynamicMessage::deserialize(desc.clone(), Value::Object(fields))
        .map_err(|e| anyhow!("{}: {e}", desc.full_name()))?;
    Ok(Any {
        type_url: format!("/{}", desc.full_name()),
        value: message.encode_to_vec(),
    })
}

/// An `Any` as JSON with its `"@type"`: the message in the protobuf JSON mapping, or,
/// for a type the descriptors do not know, its bytes in base64 under `"value"`.
pub fn any_to_json(type_url: &str, value: &[u8]) -> Value {
    let mut json = match bytes_json(type_url, value) {
        Ok(Value::Object(map)) => map,
        _ => {
            use base64::{engine::general_purpose::STANDARD as BASE64, Engine};
            let mut map = Map::new();
            map.insert("value".into(), Value::String(BASE64.encode(value)));
            map
        }
    };
    json.insert("@type".into(), Value::String(type_url.to_string()));
    Value::Object(json)
}
