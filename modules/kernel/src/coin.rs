//! Coins in the base denomination. Amounts are `u128`; on the wire they are decimal
//! strings, as in the Cosmos SDK.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

/// The base denomination of the chain's token.
pub const DENOM: &str = "uweave";

/// Why a coin or amount is invalid.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CoinError {
    /// The amount is not a decimal integer that fits in 128 bits.
    #[error("invalid amount {0:?}: must be a decimal integer below 2^128")]
    InvalidAmount(String),
    /// The denomination is malformed.
    #[error("invalid denom {0:?}")]
    InvalidDenom(String),
    /// The same denomination appears twice in one list.
    #[error("duplicate denom {0:?}")]
    DuplicateDenom(String),
    /// A zero amount where a positive one is required.
    #[error("zero amount for denom {0:?}")]
    ZeroAmount(String),
    /// Adding the coins overflows 128 bits.
    #[error("amount overflow for denom {0:?}")]
    Overflow(String),
}

/// Parses a decimal amount string into `u128`, rejecting signs, spaces, empty
/// strings and overflow.
pub fn parse_amount(s: &str) -> Result<u128, CoinError> {
    if s.is_empty() || s.len() > 39 || !s.bytes().all(|b| b.is_ascii_digit()) {
        return Err(CoinError::InvalidAmount(s.to_string()));
    }
    s.parse::<u128>()
        .map_err(|_| CoinError::InvalidAmount(s.to_string()))
}

/// Checks a denomination as the Cosmos SDK does: 3 to 128 characters, starting with a
/// letter, then letters, digits or `/:._-`.
pub fn validate_denom(denom: &str) -> Result<(), CoinError> {
    let bytes = denom.as_bytes();
    let ok = (3..=128).contains(&bytes.len())
        && bytes[0].is_ascii_alphabetic()
        && bytes[1..]
            .iter()
            .all(|b| b.is_ascii_alphanumeric() || b"/:._-".contains(b));
    if ok {
        Ok(())
    } else {
        Err(CoinError::InvalidDenom(denom.to_string()))
    }
}

/// An amount of one denomination.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Coin {
    /// The denomination, for example `uweave`.
    pub denom: String,
    /// The amount, serialized as a decimal string.
    #[serde(with = "amount_string")]
    pub amount: u128,
}

impl Coin {
    /// A coin of the base denomination.
    pub fn base(amount: u128) -> Self {
        Self {
            denom: DENOM.to_string(),
            amount,
        }
    }

    /// Builds a coin from wire strings, checking both fields.
    pub fn parse(denom: &str, amount: &str) -> Result<Self, CoinError> {
        validate_denom(denom)?;
        Ok(Self {
            denom: denom.to_string(),
            amount: parse_amount(amount)?,
        })
    }
}

impl std::fmt::Display for Coin {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}{}", self.amount, self.denom)
    }
}

/// A validated list of coins: unique denominations, every amount positive, sorted by
/// denomination.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Coins(Vec<Coin>);

impl Coins {
    /// Validates and sorts a list of coins.
    pub fn new(mut coins: Vec<Coin>) -> Result<Self, CoinError> {
        coins.sort_by(|a, b| a.denom.cmp(&b.denom));
        for pair in coins.windows(2) {
            if pair[0].denom == pair[1].denom {
                return Err(CoinError::DuplicateDenom(pair[0].denom.clone()));
            }
        }
        for c in &coins {
            validate_denom(&c.denom)?;
            if c.amount == 0 {
                return Err(CoinError::ZeroAmount(c.denom.clone()));
            }
        }
        Ok(Self(coins))
    }

    /// Parses `(denom, amount)` wire pairs.
    pub fn parse<'a>(
        pairs: impl IntoIterator<Item = (&'a str, &'a str)>,
    ) -> Result<Self, CoinError> {
        let coins = pairs
            .into_iter()
            .map(|(d, a)| Coin::parse(d, a))
            .collect::<Result<Vec<_>, _>>()?;
        Self::new(coins)
    }

    /// The coins, sorted by denomination.
    pub fn iter(&self) -> impl Iterator<Item = &Coin> {
        self.0.iter()
    }

    /// True if there are no coins.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// The amount of one denomination, zero if absent.
    pub fn amount_of(&self, denom: &str) -> u128 {
        self.0
            .iter()
            .find(|c| c.denom == denom)
            .map_or(0, |c| c.amount)
    }

    /// Sums several coin lists per denomination, failing on overflow.
    pub fn sum<'a>(lists: impl IntoIterator<Item = &'a Coins>) -> Result<Coins, CoinError> {
        let mut totals: BTreeMap<String, u128> = BTreeMap::new();
        for list in lists {
            for c in list.iter() {
                let t = totals.entry(c.denom.clone()).or_insert(0);
                *t = t
                    .checked_add(c.amount)
                    .ok_or_else(|| CoinError::Overflow(c.denom.clone()))?;
            }
        }
        Ok(Coins(
            totals
                .into_iter()
                .map(|(denom, amount)| Coin { denom, amount })
                .collect(),
        ))
    }
}

impl std::fmt::Display for Coins {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let parts: Vec<String> = self.0.iter().map(|c| c.to_string()).collect();
        f.write_str(&parts.join(","))
    }
}

mod amount_string {
    use serde::{Deserialize, Deserializer, Serializer};

    pub(super) fn serialize<S: Serializer>(v: &u128, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&v.to_string())
    }

    pub(super) fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<u128, D::Error> {
        let s = String::deserialize(d)?;
        super::parse_amount(&s).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn amounts_parse_strictly() {
        assert_eq!(parse_amount("0"), Ok(0));
        assert_eq!(
            parse_amount("340282366920938463463374607431768211455"),
            Ok(u128::MAX)
        );
        for bad in [
            "",
            "-1",
            "+1",
            "1.5",
            " 1",
            "340282366920938463463374607431768211456",
            "1e3",
        ] {
            assert!(parse_amount(bad).is_err(), "{bad:?} should be rejected");
        }
    }

    #[test]
    fn coins_reject_duplicates_and_zero() {
        assert!(matches!(
            Coins::parse([("uweave", "1"), ("uweave", "2")]),
            Err(CoinError::DuplicateDenom(_))
        ));
        assert!(matches!(
            Coins::parse([("uweave", "0")]),
            Err(CoinError::ZeroAmount(_))
        ));
        assert!(matches!(
            Coins::parse([("u", "1")]),
            Err(CoinError::InvalidDenom(_))
        ));
        let c = Coins::parse([("zzz", "1"), ("aaa", "2")]).unwrap();
        assert_eq!(c.iter().next().unwrap().denom, "aaa");
    }

    #[test]
    fn sum_detects_overflow() {
        let a = Coins::new(vec![Coin::base(u128::MAX)]).unwrap();
        let b = Coins::new(vec![Coin::base(1)]).unwrap();
        assert!(matches!(Coins::sum([&a, &b]), Err(CoinError::Overflow(_))));
    }
}
