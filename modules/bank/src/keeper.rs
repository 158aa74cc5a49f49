//! Typed reads and writes of the bank module's state. This is the only place that
//! turns the module's stored bytes into types.

use cosmos_sdk_proto::cosmos::{
    auth::v1beta1::BaseAccount,
    crypto::{ed25519, secp256k1},
};
use prost::Message;
use weave_kernel::{
    expected::{Account, Accounts, Bank, PubKey},
    prefix_end, Address, Coin, Coins, Ctx, KernelError, ModuleError, Store, TxError,
};
use weave_proto::weave::bank::v1 as pb;

use crate::{event, state_key, BankError, Params};

/// Most denominations one account can hold that a scan will read.
pub(crate) const MAX_DENOMS_PER_ACCOUNT: usize = 1024;

/// `/cosmos.crypto.secp256k1.PubKey`
pub const SECP256K1_PUBKEY_TYPE: &str = "/cosmos.crypto.secp256k1.PubKey";
/// `/cosmos.crypto.ed25519.PubKey`
pub const ED25519_PUBKEY_TYPE: &str = "/cosmos.crypto.ed25519.PubKey";

/// Reads and writes bank state. It holds no data; it is cheap to clone.
#[derive(Debug, Default, Clone, Copy)]
pub struct Keeper;

fn decode_amount(key: &[u8], bytes: &[u8]) -> Result<u128, TxError> {
    let arr: [u8; 16] = bytes
        .try_into()
        .map_err(|_| BankError::corrupt_state(key))?;
    Ok(u128::from_be_bytes(arr))
}

/// Encodes an account as the Cosmos SDK's `BaseAccount`, which is also what
/// `cosmos.auth.v1beta1.Query/Account` returns.
pub fn encode_account(a: &Account) -> BaseAccount {
    BaseAccount {
        address: a.address.to_string(),
        ..encode_account_fields(a)
    }
}

/// Every field of the stored account but its address.
fn encode_account_fields(a: &Account) -> BaseAccount {
    let pub_key = a.pub_key.as_ref().map(|k| match k {
        PubKey::Secp256k1(key) => weave_kernel::Any {
            type_url: SECP256K1_PUBKEY_TYPE.into(),
            value: secp256k1::PubKey { key: key.clone() }.encode_to_vec(),
        },
        PubKey::Ed25519(key) => weave_kernel::Any {
            type_url: ED25519_PUBKEY_TYPE.into(),
            value: ed25519::PubKey { key: key.clone() }.encode_to_vec(),
        },
    });
    BaseAccount {
        address: String::new(),
        pub_key,
        account_number: a.account_number,
        sequence: a.sequence,
    }
}

/// Decodes a public key carried as an `Any`.
pub fn decode_pubkey(any: &weave_kernel::Any) -> Result<PubKey, KernelError> {
    match any.type_url.as_str() {
        SECP256K1_PUBKEY_TYPE => {
            let k = secp256k1::PubKey::decode(any.value.as_slice())
                .map_err(|e| KernelError::InvalidPubKey(e.to_string()))?;
            if k.key.len() != 33 {
                return Err(KernelError::InvalidPubKey(format!(
                    "secp256k1 key must be 33 bytes, got {}",
                    k.key.len()
                )));
            }
            Ok(PubKey::Secp256k1(k.key))
        }
        ED25519_PUBKEY_TYPE => {
            let k = ed25519::PubKey::decode(any.value.as_slice())
                .map_err(|e| KernelError::InvalidPubKey(e.to_string()))?;
            if k.key.len() != 32 {
                return Err(KernelError::InvalidPubKey(format!(
                    "ed25519 key must be 32 bytes, got {}",
                    k.key.len()
                )));
            }
            Ok(PubKey::Ed25519(k.key))
        }
        other => Err(KernelError::InvalidPubKey(format!(
            "unsupported key type {other:?}"
        ))),
    }
}

/// An account, metered or not. The address comes from the key it is stored under, so
/// a read does not parse bech32 (it is the hottest read of every transaction).
pub(crate) fn account(s: &mut impl Store, address: &Address) -> Result<Option<Account>, TxError> {
    let key = state_key::account(address);
    let Some(b) = s.get_proto::<BankError, BaseAccount>(&key)? else {
        return Ok(None);
    };
    let pub_key = match &b.pub_key {
        Some(any) => Some(decode_pubkey(any).map_err(|_| BankError::corrupt_state(&key))?),
        None => None,
    };
    Ok(Some(Account {
        address: *address,
        account_number: b.account_number,
        sequence: b.sequence,
        pub_key,
    }))
}

/// A balance, metered or not.
pub(crate) fn balance(s: &mut impl Store, address: &Address, denom: &str) -> Result<u128, TxError> {
    Ok(
        s.get_u128::<BankError>(&state_key::balance(address, denom))?
            .unwrap_or(0),
    )
}

/// The total supply of a denomination, metered or not.
pub(crate) fn supply(s: &mut impl Store, denom: &str) -> Result<u128, TxError> {
    Ok(s.get_u128::<BankError>(&state_key::supply(denom))?
        .unwrap_or(0))
}

/// Up to `limit` balances of an account starting at denom `from` (queries).
pub(crate) fn balances(
    s: &mut impl Store,
    address: &Address,
    from: &str,
    limit: usize,
) -> Result<Vec<Coin>, TxError> {
    let prefix = state_key::balances_of(address);
    let start = state_key::balance(address, from);
    let end = prefix_end(&prefix);
    s.scan(&start, end.as_deref(), limit)?
        .into_iter()
        .map(|(k, v)| {
            let denom = String::from_utf8_lossy(&k[prefix.len()..]).into_owned();
            Ok(Coin {
                denom,
                amount: decode_amount(&k, &v)?,
            })
        })
        .collect()
}

/// The supply of every denomination (queries).
pub(crate) fn supplies(s: &mut impl Store) -> Result<Vec<Coin>, TxError> {
    let prefix = state_key::supplies();
    s.scan_prefix(&prefix, MAX_DENOMS_PER_ACCOUNT)?
        .into_iter()
        .map(|(k, v)| {
            Ok(Coin {
                denom: String::from_utf8_lossy(&k[prefix.len()..]).into_owned(),
                amount: decode_amount(&k, &v)?,
            })
        })
        .collect()
}

/// The parameters (defaults before genesis), metered or not.
pub(crate) fn params(s: &mut impl Store) -> Result<Params, TxError> {
    Ok(s.get_proto::<BankError, pb::Params>(&state_key::params())?
        .map(Params::from)
        .unwrap_or_default())
}

impl Keeper {
    /// The parameters.
    pub fn params(&self, ctx: &mut Ctx<'_>) -> Result<Params, TxError> {
        params(ctx)
    }

    /// Stores the parameters.
    pub fn set_params(&self, ctx: &mut Ctx<'_>, params: &Params) -> Result<(), TxError> {
        weave_kernel::ModuleParams::store(params, ctx)
    }

    fn set_balance(
        &self,
        ctx: &mut Ctx<'_>,
        address: &Address,
        denom: &str,
        amount: u128,
    ) -> Result<(), TxError> {
        let key = state_key::balance(address, denom);
        if amount == 0 {
            ctx.delete(key)
        } else {
            ctx.put(key, amount.to_be_bytes().to_vec())
        }
    }

    /// The total supply of a denomination.
    pub fn supply(&self, ctx: &mut Ctx<'_>, denom: &str) -> Result<u128, TxError> {
        supply(ctx, denom)
    }

    fn set_supply(&self, ctx: &mut Ctx<'_>, denom: &str, amount: u128) -> Result<(), TxError> {
        let key = state_key::supply(denom);
        if amount == 0 {
            ctx.delete(key)
        } else {
            ctx.put(key, amount.to_be_bytes().to_vec())
        }
    }

    fn debit(&self, ctx: &mut Ctx<'_>, from: &Address, coins: &Coins) -> Result<(), TxError> {
        // Check every denomination before writing any, so a failure writes nothing.
        let mut next = Vec::new();
        for c in coins.iter() {
            let have = self.balance(ctx, from, &c.denom)?;
            let left = have.checked_sub(c.amount).ok_or_else(|| {
                KernelError::InsufficientFunds(format!("{from} has {have}{}, needs {}", c.denom, c))
            })?;
            next.push((c.denom.as_str(), left));
        }
        for (denom, left) in next {
            self.set_balance(ctx, from, denom, left)?;
        }
        Ok(())
    }

    fn credit(&self, ctx: &mut Ctx<'_>, to: &Address, coins: &Coins) -> Result<(), TxError> {
        for c in coins.iter() {
            let have = self.balance(ctx, to, &c.denom)?;
            let sum = have.checked_add(c.amount).ok_or_else(|| {
                KernelError::InvalidCoins(format!("balance overflow for {}", c.denom))
            })?;
            self.set_balance(ctx, to, &c.denom, sum)?;
        }
        Ok(())
    }

    /// Takes the whole input from its owner first, then pays each output: the owner
    /// must hold the full input even when it is also one of the recipients.
    pub(crate) fn multi_send(
        &self,
        ctx: &mut Ctx<'_>,
        input: &(Address, Coins),
        outputs: &[(Address, Coins)],
    ) -> Result<(), TxError> {
        self.debit(ctx, &input.0, &input.1)?;
        for (to, coins) in outputs {
            self.credit(ctx, to, coins)?;
            self.ensure_account(ctx, to)?;
            ctx.emit(event::transfer(&input.0, to, coins));
        }
        Ok(())
    }

    /// The next account number, advancing the counter.
    fn take_account_number(&self, ctx: &mut Ctx<'_>) -> Result<u64, TxError> {
        ctx.next_sequence(state_key::next_account_number(), 0)
    }
}

impl Accounts for Keeper {
    fn account(&self, ctx: &mut Ctx<'_>, address: &Address) -> Result<Option<Account>, TxError> {
        account(ctx, address)
    }

    fn ensure_account(&self, ctx: &mut Ctx<'_>, address: &Address) -> Result<Account, TxError> {
        if let Some(a) = self.account(ctx, address)? {
            return Ok(a);
        }
        let account = Account {
            address: *address,
            account_number: self.take_account_number(ctx)?,
            sequence: 0,
            pub_key: None,
        };
        self.set_account(ctx, &account)?;
        Ok(account)
    }

    fn set_account(&self, ctx: &mut Ctx<'_>, account: &Account) -> Result<(), TxError> {
        ctx.put(
            state_key::account(&account.address),
            // Stored without its bech32 address, which the key already holds:
            // encoding bech32 on every write cost more than the write itself.
            encode_account_fields(account).encode_to_vec(),
        )
    }
}

impl Bank for Keeper {
    fn balance(&self, ctx: &mut Ctx<'_>, address: &Address, denom: &str) -> Result<u128, TxError> {
        balance(ctx, address, denom)
    }

    fn transfer(
        &self,
        ctx: &mut Ctx<'_>,
        from: &Address,
        to: &Address,
        coins: &Coins,
    ) -> Result<(), TxError> {
        if coins.is_empty() {
            return Ok(());
        }
        self.debit(ctx, from, coins)?;
        self.credit(ctx, to, coins)?;
        // A recipient seen for the first time gets an account number, as in Cosmos.
        self.ensure_account(ctx, to)?;
        ctx.emit(event::transfer(from, to, coins));
        Ok(())
    }

    fn mint(&self, ctx: &mut Ctx<'_>, to: &Address, coins: &Coins) -> Result<(), TxError> {
        for c in coins.iter() {
            let s = self.supply(ctx, &c.denom)?;
            let s = s.checked_add(c.amount).ok_or_else(|| {
                KernelError::InvalidCoins(format!("supply overflow for {}", c.denom))
            })?;
            self.set_supply(ctx, &c.denom, s)?;
        }
        self.credit(ctx, to, coins)?;
        self.ensure_account(ctx, to)?;
        ctx.emit(event::mint(to, coins));
        Ok(())
    }

    fn burn(&self, ctx: &mut Ctx<'_>, from: &Address, coins: &Coins) -> Result<(), TxError> {
        self.debit(ctx, from, coins)?;
        for c in coins.iter() {
            let s = self.supply(ctx, &c.denom)?;
            let s = s.checked_sub(c.amount).ok_or_else(|| {
                BankError::CorruptState(format!("supply of {} below zero", c.denom))
            })?;
            self.set_supply(ctx, &c.denom, s)?;
        }
        ctx.emit(event::burn(from, coins));
        Ok(())
    }
}
