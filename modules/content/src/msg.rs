//! Domain messages, built from the wire types with their shape checked. Everything
//! that can be checked without state is checked here, so CheckTx rejects it early.

use weave_kernel::{decode_any, Address, Any, KernelError, TxError};
use weave_proto::weave::{content::v1 as pb, splits::v1 as splits_pb};
use weave_slices::{MetaHash, SEALED_KEY_LEN};

use crate::{
    record::{check_metadata, check_tiers, meta_from_wire, optional_amount, price},
    ContentError, Params,
};

macro_rules! type_urls {
    ($($name:ident = $url:literal;)*) => {
        $(
            #[doc = concat!("`", $url, "`")]
            pub const $name: &str = $url;
        )*
        pub(crate) const MESSAGE_TYPES: &[&str] = &[$($name),*];
    };
}

type_urls! {
    MSG_REGISTER_CONTENT = "/weave.content.v1.MsgRegisterContent";
    MSG_UPDATE_CONTENT = "/weave.content.v1.MsgUpdateContent";
    MSG_RETIRE_CONTENT = "/weave.content.v1.MsgRetireContent";
    MSG_PURCHASE_ACCESS = "/weave.content.v1.MsgPurchaseAccess";
    MSG_TRANSFER_ACCESS = "/weave.content.v1.MsgTransferAccess";
    MSG_TIP = "/weave.content.v1.MsgTip";
    MSG_SET_SUBSCRIPTION_TERMS = "/weave.content.v1.MsgSetSubscriptionTerms";
    MSG_SUBSCRIBE = "/weave.content.v1.MsgSubscribe";
    MSG_REGISTER_BUYER_KEY = "/weave.content.v1.MsgRegisterBuyerKey";
    MSG_DELIVER_KEY = "/weave.content.v1.MsgDeliverKey";
    MSG_UPDATE_PARAMS = "/weave.content.v1.MsgUpdateParams";
}

/// Where a registration's payments go.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SplitChoice {
    /// An existing table.
    Existing(u64),
    /// A new table from (address, basis points) pairs; None controller: immutable.
    New {
        /// Recipients, as given (the splits module checks them).
        recipients: Vec<(Address, u32)>,
        /// Who may change the new table.
        controller: Option<Address>,
    },
}

/// Whom a tip pays.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TipTarget {
    /// A content, through its split.
    Content(u64),
    /// A creator, through its subscription split (or directly).
    Creator(Address),
}

/// A content message whose shape is valid.
#[derive(Debug, Clone, PartialEq)]
#[allow(missing_docs)]
pub enum ContentMsg {
    Register {
        creator: Address,
        meta: MetaHash,
        metadata: pb::Metadata,
        access_price: u128,
        price_per_gib: u128,
        split: SplitChoice,
        tiers: Vec<pb::RightsTier>,
    },
    Update {
        creator: Address,
        content_id: u64,
        metadata: Option<pb::Metadata>,
        access_price: Option<u128>,
        price_per_gib: Option<u128>,
    },
    Retire {
        creator: Address,
        content_id: u64,
    },
    Purchase {
        buyer: Address,
        content_id: u64,
        quantity: u64,
        max_total_price: Option<u128>,
    },
    Transfer {
        from: Address,
        to: Address,
        content_id: u64,
        quantity: u64,
    },
    Tip {
        tipper: Address,
        target: TipTarget,
        amount: u128,
    },
    /// `price` None stops new subscriptions.
    SetTerms {
        creator: Address,
        price: Option<u128>,
        period_blocks: u64,
        split_id: u64,
    },
    Subscribe {
        subscriber: Address,
        creator: Address,
        periods: u64,
        max_total_price: Option<u128>,
    },
    RegisterBuyerKey {
        owner: Address,
        key: [u8; 32],
    },
    DeliverKey {
        creator: Address,
        content_id: u64,
        holder: Address,
        sealed: Vec<u8>,
    },
    UpdateParams {
        authority: Address,
        params: Params,
    },
}

fn address(s: &str, field: &str) -> Result<Address, KernelError> {
    s.parse()
        .map_err(|e| KernelError::InvalidAddress(format!("{field}: {e}")))
}

fn optional_price(field: &str, s: &str) -> Result<Option<u128>, ContentError> {
    if s.is_empty() {
        Ok(None)
    } else {
        price(field, s).map(Some)
    }
}

/// `max_total_price` of a purchase or subscription: required, so that a creator who
/// raises its price between the buyer's signature and inclusion cannot overcharge.
fn required_bound(s: &str) -> Result<Option<u128>, ContentError> {
    if s.is_empty() {
        return Err(ContentError::InvalidAmount(
            "max_total_price is required (the most the signer agrees to pay)".into(),
        ));
    }
    optional_amount("max_total_price", s)
}

fn content_id(id: u64) -> Result<u64, ContentError> {
    if id == 0 {
        Err(ContentError::InvalidRequest(
            "content_id must be set".into(),
        ))
    } else {
        Ok(id)
    }
}

fn quantity(field: &str, q: u64) -> Result<u64, ContentError> {
    if q == 0 {
        Err(ContentError::InvalidQuantity(format!(
            "{field} must be positive"
        )))
    } else {
        Ok(q)
    }
}

fn split_choice(m: &pb::MsgRegisterContent) -> Result<SplitChoice, TxError> {
    match (m.split_id, m.split_recipients.is_empty()) {
        (0, true) => Err(ContentError::InvalidSplit(
            "give either split_id or split_recipients".into(),
        )
        .into()),
        (id, true) => {
            if !m.split_controller.is_empty() {
                return Err(ContentError::InvalidSplit(
                    "split_controller applies only to new split_recipients".into(),
                )
                .into());
            }
            Ok(SplitChoice::Existing(id))
        }
        (0, false) => {
            if m.split_recipients.len() > MAX_SPLIT_RECIPIENTS {
                return Err(ContentError::InvalidSplit(format!(
                    "{} recipients, limit {}",
                    m.split_recipients.len(),
                    MAX_SPLIT_RECIPIENTS
                ))
                .into());
            }
            let recipients = m
                .split_recipients
                .iter()
                .map(|r: &splits_pb::Recipient| {
                    Ok((address(&r.address, "split_recipients")?, r.bps))
                })
                .collect::<Result<Vec<_>, KernelError>>()?;
            let controller = if m.split_controller.is_empty() {
                None
            } else {
                Some(address(&m.split_controller, "split_controller")?)
            };
            Ok(SplitChoice::New {
                recipients,
                controller,
            })
        }
        (_, false) => Err(ContentError::InvalidSplit(
            "give split_id or split_recipients, not both".into(),
        )
        .into()),
    }
}

/// The splits module's recipient limit, restated so that the shape check bounds the
/// list before parsing each entry; the splits module checks the table itself.
const MAX_SPLIT_RECIPIENTS: usize = 32;

impl ContentMsg {
    /// Decodes and checks a message.
    pub fn decode(any: &Any) -> Result<Self, TxError> {
        Ok(match any.type_url.as_str() {
            MSG_REGISTER_CONTENT => {
                let m: pb::MsgRegisterContent = decode_any(any)?;
                let meta =
                    meta_from_wire(m.meta_hash.as_ref().ok_or_else(|| {
                        ContentError::InvalidMetaHash("meta_hash missing".into())
                    })?)?;
                let metadata = m
                    .metadata
                    .clone()
                    .ok_or_else(|| ContentError::InvalidMetadata("metadata missing".into()))?;
                check_metadata(&metadata)?;
                check_tiers(&m.tiers)?;
                Self::Register {
                    creator: address(&m.creator, "creator")?,
                    meta,
                    metadata,
                    access_price: price("access_price", &m.access_price)?,
                    price_per_gib: price("price_per_gib", &m.price_per_gib)?,
                    split: split_choice(&m)?,
                    tiers: m.tiers,
                }
            }
            MSG_UPDATE_CONTENT => {
                let m: pb::MsgUpdateContent = decode_any(any)?;
                if let Some(md) = &m.metadata {
                    check_metadata(md)?;
                }
                let msg = Self::Update {
                    creator: address(&m.creator, "creator")?,
                    content_id: content_id(m.content_id)?,
                    access_price: optional_price("access_price", &m.access_price)?,
                    price_per_gib: optional_price("price_per_gib", &m.price_per_gib)?,
                    metadata: m.metadata,
                };
                if let Self::Update {
                    metadata: None,
                    access_price: None,
                    price_per_gib: None,
                    ..
                } = msg
                {
                    return Err(ContentError::InvalidRequest(
                        "nothing to update: give metadata or a price".into(),
                    )
                    .into());
                }
                msg
            }
            MSG_RETIRE_CONTENT => {
                let m: pb::MsgRetireContent = decode_any(any)?;
                Self::Retire {
                    creator: address(&m.creator, "creator")?,
                    content_id: content_id(m.content_id)?,
                }
            }
            MSG_PURCHASE_ACCESS => {
                let m: pb::MsgPurchaseAccess = decode_any(any)?;
                Self::Purchase {
                    buyer: address(&m.buyer, "buyer")?,
                    content_id: content_id(m.content_id)?,
                    quantity: quantity("quantity", m.quantity)?,
                    max_total_price: required_bound(&m.max_total_price)?,
                }
            }
            MSG_TRANSFER_ACCESS => {
                let m: pb::MsgTransferAccess = decode_any(any)?;
                let from = address(&m.from, "from")?;
                let to = address(&m.to, "to")?;
                if from == to {
                    return Err(
                        ContentError::InvalidRequest("from and to are the same".into()).into(),
                    );
                }
                Self::Transfer {
                    from,
                    to,
                    content_id: content_id(m.content_id)?,
                    quantity: quantity("quantity", m.quantity)?,
                }
            }
            MSG_TIP => {
                let m: pb::MsgTip = decode_any(any)?;
                let target = match (m.content_id, m.creator.is_empty()) {
                    (0, false) => TipTarget::Creator(address(&m.creator, "creator")?),
                    (id, true) if id != 0 => TipTarget::Content(id),
                    _ => {
                        return Err(ContentError::InvalidRequest(
                            "a tip needs exactly one of content_id and creator".into(),
                        )
                        .into())
                    }
                };
                Self::Tip {
                    tipper: address(&m.tipper, "tipper")?,
                    target,
                    amount: price("amount", &m.amount)?,
                }
            }
            MSG_SET_SUBSCRIPTION_TERMS => {
                let m: pb::MsgSetSubscriptionTerms = decode_any(any)?;
                let p = weave_kernel::parse_amount(&m.price).map_err(|e| {
                    ContentError::InvalidAmount(format!("price {:?}: {e}", m.price))
                })?;
                if p > 0 && m.period_blocks == 0 {
                    return Err(ContentError::InvalidQuantity(
                        "period_blocks must be positive".into(),
                    )
                    .into());
                }
                Self::SetTerms {
                    creator: address(&m.creator, "creator")?,
                    price: (p > 0).then_some(p),
                    period_blocks: m.period_blocks,
                    split_id: m.split_id,
                }
            }
            MSG_SUBSCRIBE => {
                let m: pb::MsgSubscribe = decode_any(any)?;
                Self::Subscribe {
                    subscriber: address(&m.subscriber, "subscriber")?,
                    creator: address(&m.creator, "creator")?,
                    periods: quantity("periods", m.periods)?,
                    max_total_price: required_bound(&m.max_total_price)?,
                }
            }
            MSG_REGISTER_BUYER_KEY => {
                let m: pb::MsgRegisterBuyerKey = decode_any(any)?;
                let key: [u8; 32] = m.x25519_public_key.as_slice().try_into().map_err(|_| {
                    ContentError::InvalidKey(format!(
                        "x25519_public_key must be 32 bytes, got {}",
                        m.x25519_public_key.len()
                    ))
                })?;
                if key == [0; 32] {
                    return Err(ContentError::InvalidKey("x25519_public_key is zero".into()).into());
                }
                Self::RegisterBuyerKey {
                    owner: address(&m.owner, "owner")?,
                    key,
                }
            }
            MSG_DELIVER_KEY => {
                let m: pb::MsgDeliverKey = decode_any(any)?;
                if m.sealed_key.len() != SEALED_KEY_LEN {
                    return Err(ContentError::InvalidKey(format!(
                        "sealed_key must be {SEALED_KEY_LEN} bytes, got {}",
                        m.sealed_key.len()
                    ))
                    .into());
                }
                Self::DeliverKey {
                    creator: address(&m.creator, "creator")?,
                    content_id: content_id(m.content_id)?,
                    holder: address(&m.holder, "holder")?,
                    sealed: m.sealed_key,
                }
            }
            MSG_UPDATE_PARAMS => {
                let m: pb::MsgUpdateParams = decode_any(any)?;
                let params: Params = m
                    .params
                    .ok_or_else(|| KernelError::InvalidRequest("params missing".into()))?
                    .into();
                params.validate()?;
                Self::UpdateParams {
                    authority: address(&m.authority, "authority")?,
                    params,
                }
            }
            other => return Err(KernelError::UnknownMessage(other.to_string()).into()),
        })
    }

    /// The addresses that must sign.
    pub fn signers(&self) -> Vec<Address> {
        vec![match self {
            Self::Register { creator, .. }
            | Self::Update { creator, .. }
            | Self::Retire { creator, .. }
            | Self::SetTerms { creator, .. }
            | Self::DeliverKey { creator, .. } => *creator,
            Self::Purchase { buyer, .. } => *buyer,
            Self::Transfer { from, .. } => *from,
            Self::Tip { tipper, .. } => *tipper,
            Self::Subscribe { subscriber, .. } => *subscriber,
            Self::RegisterBuyerKey { owner, .. } => *owner,
            Self::UpdateParams { authority, .. } => *authority,
        }]
    }
}

impl weave_kernel::ModuleMsg for ContentMsg {
    fn decode(any: &Any) -> Result<Self, TxError> {
        ContentMsg::decode(any)
    }

    fn signers(&self) -> Vec<Address> {
        ContentMsg::signers(self)
    }
}
