//! Typed events. Each module builds its events from the generated types of its
//! `event.proto` ([`Event::from_proto`]), in its `event.rs`;
//! the application turns them into ABCI events, which CometBFT indexes.

/// One key/value attribute of an event.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EventAttribute {
    /// The attribute key.
    pub key: String,
    /// The attribute value.
    pub value: String,
    /// Whether CometBFT should index it for `tx_search`.
    pub index: bool,
}

/// An event: a kind (such as `weave.bank.v1.EventTransfer`) and its attributes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Event {
    /// The event's type.
    pub kind: String,
    /// Its attributes, in order.
    pub attributes: Vec<EventAttribute>,
}

impl Event {
    /// Starts an event of a kind.
    pub fn new(kind: impl Into<String>) -> Self {
        Self {
            kind: kind.into(),
            attributes: Vec::new(),
        }
    }

    /// Adds an indexed attribute.
    pub fn attr(mut self, key: impl Into<String>, value: impl ToString) -> Self {
        self.attributes.push(EventAttribute {
            key: key.into(),
            value: value.to_string(),
            index: true,
        });
        self
    }

    /// The value of the first attribute with this key.
    pub fn get(&self, key: &str) -> Option<&str> {
        self.attributes
            .iter()
            .find(|a| a.key == key)
            .map(|a| a.value.as_str())
    }
}

/// The descriptors of Weave's proto files, which name events and their attributes.
fn descriptors() -> Option<&'static prost_reflect::DescriptorPool> {
    static POOL: std::sync::OnceLock<Option<prost_reflect::DescriptorPool>> =
        std::sync::OnceLock::new();
    POOL.get_or_init(|| {
        prost_reflect::DescriptorPool::decode(weave_proto::FILE_DESCRIPTOR_SET).ok()
    })
    .as_ref()
}

impl Event {
    /// The event of a generated proto type (a message of a module's `event.proto`): its
    /// kind is the message's full name, its attributes are the message's fields in
    /// field-number order, each keyed by the field's name and always present (a field
    /// left at its default shows its default). Values are rendered as text: strings as
    /// they are, numbers in decimal, booleans as `true`/`false`, enums by their value's
    /// name (`UNKNOWN` for a number the enum does not name); other kinds are not used in
    /// events and render empty.
    pub fn from_proto<M: prost::Message + prost::Name>(msg: &M) -> Self {
        let mut event = Event::new(M::full_name());
        let Some(desc) = descriptors().and_then(|p| p.get_message_by_name(&M::full_name())) else {
            return event;
        };
        let Ok(dynamic) =
            prost_reflect::DynamicMessage::decode(desc.clone(), msg.encode_to_vec().as_slice())
        else {
            return event;
        };
        for field in desc.fields() {
            let value = dynamic.get_field(&field);
            event = event.attr(field.name(), render(&field, &value));
        }
        event
    }
}

fn render(field: &prost_reflect::FieldDescriptor, value: &prost_reflect::Value) -> String {
    use prost_reflect::Value;
    match value {
        Value::String(s) => s.clone(),
        Value::Bool(b) => b.to_string(),
        Value::I32(n) => n.to_string(),
        Value::I64(n) => n.to_string(),
        Value::U32(n) => n.to_string(),
        Value::U64(n) => n.to_string(),
        Value::EnumNumber(n) => field
            .kind()
            .as_enum()
            .and_then(|e| e.get_value(*n))
            .map_or_else(|| "UNKNOWN".to_string(), |v| v.name().to_string()),
        _ => String::new(),
    }
}

#[cfg(test)]
mod tests {
    use weave_proto::weave::{bank::v1 as bank, gov::v1 as gov};

    use super::*;

    #[test]
    fn an_event_from_its_proto_type_names_every_field_in_order() {
        let e = Event::from_proto(&bank::EventTransfer {
            sender: "a".into(),
            recipient: String::new(),
            amount: "5uweave".into(),
        });
        assert_eq!(e.kind, "weave.bank.v1.EventTransfer");
        let attrs: Vec<_> = e
            .attributes
            .iter()
            .map(|a| (a.key.as_str(), a.value.as_str(), a.index))
            .collect();
        assert_eq!(
            attrs,
            [
                ("sender", "a", true),
                ("recipient", "", true),
                ("amount", "5uweave", true)
            ]
        );
        let e = Event::from_proto(&bank::EventParamsUpdated {
            send_enabled: false,
        });
        assert_eq!(e.get("send_enabled"), Some("false"));
    }

    #[test]
    fn enums_render_by_name() {
        let e = Event::from_proto(&gov::EventProposalFinished {
            proposal_id: 7,
            status: gov::ProposalStatus::Passed as i32,
            failure_reason: String::new(),
        });
        assert_eq!(e.get("proposal_id"), Some("7"));
        assert_eq!(
            e.get("status"),
            Some(gov::ProposalStatus::Passed.as_str_name())
        );
        let e = Event::from_proto(&gov::EventProposalFinished {
            proposal_id: 7,
            status: 99,
            failure_reason: String::new(),
        });
        assert_eq!(e.get("status"), Some("UNKNOWN"));
    }
}
