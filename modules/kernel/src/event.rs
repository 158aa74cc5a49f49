//! Typed events. Each module builds its events with constructors in its `event.rs`;
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
