//! The narrow interfaces through which modules use each other ("expected keepers").
//! A module never builds another module's state keys; it calls one of these.

use crate::{Address, Any, Coins, Ctx, TxError};

/// A public key that can sign transactions.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum PubKey {
    /// A compressed secp256k1 key (33 bytes).
    Secp256k1(Vec<u8>),
    /// An ed25519 key (32 bytes).
    Ed25519(Vec<u8>),
}

impl PubKey {
    /// The account address this key controls.
    pub fn address(&self) -> Address {
        match self {
            PubKey::Secp256k1(k) => Address::from_secp256k1(k),
            PubKey::Ed25519(k) => Address::from_ed25519(k),
        }
    }
}

/// An account: its number, its next sequence and, once it has signed, its key.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Account {
    /// The address.
    pub address: Address,
    /// Assigned once, when the account is first seen.
    pub account_number: u64,
    /// The sequence the next transaction must sign.
    pub sequence: u64,
    /// The public key, set by the account's first transaction.
    pub pub_key: Option<PubKey>,
}

/// Accounts, as the ante checks need them.
pub trait Accounts: Send + Sync {
    /// The account at an address, if it exists.
    fn account(&self, ctx: &mut Ctx<'_>, address: &Address) -> Result<Option<Account>, TxError>;
    /// Creates the account with the next account number if it does not exist.
    fn ensure_account(&self, ctx: &mut Ctx<'_>, address: &Address) -> Result<Account, TxError>;
    /// Stores an account.
    fn set_account(&self, ctx: &mut Ctx<'_>, account: &Account) -> Result<(), TxError>;
}

/// Moving money, for every module that pays or charges.
pub trait Bank: Send + Sync {
    /// The balance of one denomination.
    fn balance(&self, ctx: &mut Ctx<'_>, address: &Address, denom: &str) -> Result<u128, TxError>;
    /// Moves coins between accounts, failing with `InsufficientFunds` and changing
    /// nothing if `from` cannot pay.
    fn transfer(
        &self,
        ctx: &mut Ctx<'_>,
        from: &Address,
        to: &Address,
        coins: &Coins,
    ) -> Result<(), TxError>;
    /// Creates coins in an account and adds them to the supply.
    fn mint(&self, ctx: &mut Ctx<'_>, to: &Address, coins: &Coins) -> Result<(), TxError>;
    /// Destroys coins from an account and removes them from the supply.
    fn burn(&self, ctx: &mut Ctx<'_>, from: &Address, coins: &Coins) -> Result<(), TxError>;
}

/// Where a payout goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PayTo {
    /// Through a split table, by id.
    Split(u64),
    /// To one account, as if through a one-recipient table (the protocol fee is still
    /// taken).
    Account(Address),
}

/// Revenue splits: the one way every module pays people.
pub trait Splits: Send + Sync {
    /// Whether a split table exists.
    fn split_exists(&self, ctx: &mut Ctx<'_>, split_id: u64) -> Result<bool, TxError>;
    /// Creates a split table and returns its id. `recipients` are (address, basis
    /// points) pairs; `controller` None makes the table immutable.
    fn create_split(
        &self,
        ctx: &mut Ctx<'_>,
        creator: &Address,
        recipients: Vec<(Address, u32)>,
        controller: Option<Address>,
    ) -> Result<u64, TxError>;
    /// Pays `amount` of the base denomination from `payer` by the split: the protocol
    /// fee to the community pool, then each share. Returns the protocol fee. Changes
    /// nothing if `payer` cannot pay the whole amount.
    fn pay(
        &self,
        ctx: &mut Ctx<'_>,
        payer: &Address,
        amount: u128,
        to: PayTo,
        reason: &str,
    ) -> Result<u128, TxError>;
}

/// What a content charges for streaming, as channels need it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StreamingTerms {
    /// The content's id.
    pub content_id: u64,
    /// uweave per GiB streamed.
    pub price_per_gib: u128,
    /// The split every payment for it goes through.
    pub split_id: u64,
}

/// The content registry, as payment channels and seeders see it.
pub trait ContentRegistry: Send + Sync {
    /// The streaming terms of the content registered with `root`, if any.
    fn streaming_terms(
        &self,
        ctx: &mut Ctx<'_>,
        root: &[u8; 32],
    ) -> Result<Option<StreamingTerms>, TxError>;
    /// The number of slices of the content registered with `root` (from its
    /// meta-hash), if any: the leaf count of the Merkle tree whose root it is.
    fn slice_count(&self, ctx: &mut Ctx<'_>, root: &[u8; 32]) -> Result<Option<u64>, TxError>;
    /// The lowest `price_per_gib` in force at any height from `since_height` to now
    /// for the content registered with `root`, if any: what a voucher signed in that
    /// window may have been priced at. The default knows only the current price.
    fn lowest_price_per_gib_since(
        &self,
        ctx: &mut Ctx<'_>,
        root: &[u8; 32],
        since_height: u64,
    ) -> Result<Option<u128>, TxError> {
        let _ = since_height;
        Ok(self.streaming_terms(ctx, root)?.map(|t| t.price_per_gib))
    }
}

/// Where payment channels report the bandwidth each accepted voucher paid for, so that
/// seeders' reputation can count it.
pub trait PaidBandwidth: Send + Sync {
    /// Records that `payer`'s vouchers paid `seeder` for `bytes` more bytes and that
    /// their payout left `fee` uweave of protocol fee in the community pool (the only
    /// part of a payment that cannot flow back to payer, seeder or content owner). It
    /// is called once per accepted voucher with its bytes and no fee, inside the
    /// voucher's atomic write (an error rejects the voucher and leaves no write
    /// behind), and once per payer when the claim pays out, with the fee and no bytes.
    fn record(
        &self,
        ctx: &mut Ctx<'_>,
        seeder: &Address,
        payer: &Address,
        bytes: u64,
        fee: u128,
    ) -> Result<(), TxError>;
}

/// A registered content as the social module needs it: who made it and how long it
/// is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ContentFacts {
    /// The content's id.
    pub content_id: u64,
    /// Its creator (who may hide comments on it).
    pub creator: Address,
    /// Its plaintext length in bytes, from its meta-hash.
    pub length: u64,
}

/// Contents by id, as the social module looks them up (reactions, comments, avatars
/// and views name contents by id).
pub trait ContentDirectory: Send + Sync {
    /// The content with this id, if one is registered.
    fn content_facts(
        &self,
        ctx: &mut Ctx<'_>,
        content_id: u64,
    ) -> Result<Option<ContentFacts>, TxError>;
}

/// Where paid access to a content is reported, so that views are counted only when
/// paid: the content module reports purchases, the channels module the bytes of
/// claimed vouchers. Both call it inside the paying message's atomic write, so an
/// error fails the payment and leaves no write behind.
pub trait PaidViews: Send + Sync {
    /// `buyer` paid `amount` uweave (positive) for access tokens of the content.
    fn purchased(
        &self,
        ctx: &mut Ctx<'_>,
        content_id: u64,
        buyer: &Address,
        amount: u128,
    ) -> Result<(), TxError>;
    /// A claimed voucher of `payer`'s drew payment for `bytes` more bytes of the
    /// content.
    fn streamed(
        &self,
        ctx: &mut Ctx<'_>,
        content_id: u64,
        payer: &Address,
        bytes: u64,
    ) -> Result<(), TxError>;
}

/// The payment channels' parameters, as the seeders module needs them.
pub trait ChannelsParams: Send + Sync {
    /// The blocks between a channel's close and its settlement, as in force; `None`
    /// while the channels module has no params in state (before its genesis ran).
    fn challenge_period_blocks(&self, ctx: &mut Ctx<'_>) -> Result<Option<u64>, TxError>;
}

/// The seeders' parameters, as the channels module needs them.
pub trait SeedersParams: Send + Sync {
    /// The blocks a seeder's bond stays after it unbonds, as in force; `None` while
    /// the seeders module has no params in state.
    fn unbonding_period_blocks(&self, ctx: &mut Ctx<'_>) -> Result<Option<u64>, TxError>;
}

/// Bonded stake, as governance needs it to tally votes.
pub trait Staking: Send + Sync {
    /// Every bonded validator: (operator, bonded tokens, total delegator shares), in a
    /// deterministic order.
    fn bonded_validators(&self, ctx: &mut Ctx<'_>) -> Result<Vec<(Address, u128, u128)>, TxError>;
    /// A delegator's delegations: (validator operator, shares), in a deterministic order.
    fn delegations_of(
        &self,
        ctx: &mut Ctx<'_>,
        delegator: &Address,
    ) -> Result<Vec<(Address, u128)>, TxError>;
    /// The total bonded tokens.
    fn total_bonded(&self, ctx: &mut Ctx<'_>) -> Result<u128, TxError>;
}

/// Runs messages on behalf of governance: the application routes each one to its
/// module, with the gov authority as the only signer.
pub trait MessageRouter: Send + Sync {
    /// Whether some module handles this type URL and governance may execute it.
    fn can_execute(&self, type_url: &str) -> bool;
    /// Checks the message's shape (its signers must be exactly the gov authority) and
    /// executes it. The caller makes the whole proposal atomic.
    fn execute(&self, ctx: &mut Ctx<'_>, msg: &Any) -> Result<(), TxError>;
}
