//! A gas price: a fixed-point decimal number of `uweave` per unit of gas.

use serde::{Deserialize, Serialize};

/// Decimal places of a gas price.
const PRICE_DECIMALS: u32 = 6;
const PRICE_SCALE: u128 = 10u128.pow(PRICE_DECIMALS);

/// A price per unit of gas in `uweave`, with six decimal places, written as a decimal
/// string such as `"0.025"`. Fixed point, never a float.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct GasPrice {
    /// The price times 10^6.
    micro: u128,
}

impl GasPrice {
    /// Parses `"0.025"`, `"1"` or `"0.000001"`.
    pub fn parse(s: &str) -> Result<Self, String> {
        let (int, frac) = match s.split_once('.') {
            Some((i, f)) => (i, f),
            None => (s, ""),
        };
        let digits_ok = |p: &str| p.bytes().all(|b| b.is_ascii_digit());
        if int.is_empty()
            || !digits_ok(int)
            || !digits_ok(frac)
            || frac.len() > PRICE_DECIMALS as usize
        {
            return Err(format!(
                "invalid gas price {s:?}: want a decimal with at most 6 places"
            ));
        }
        let int: u128 = int
            .parse()
            .map_err(|_| format!("gas price {s:?} too large"))?;
        let mut frac_v: u128 = if frac.is_empty() {
            0
        } else {
            frac.parse().map_err(|_| format!("bad gas price {s:?}"))?
        };
        frac_v *= 10u128.pow(PRICE_DECIMALS - frac.len() as u32);
        let micro = int
            .checked_mul(PRICE_SCALE)
            .and_then(|v| v.checked_add(frac_v))
            .ok_or_else(|| format!("gas price {s:?} too large"))?;
        Ok(Self { micro })
    }

    /// The smallest fee that pays for `gas` at this price, rounded up.
    pub fn fee_for(&self, gas: u64) -> u128 {
        let total = self.micro.saturating_mul(gas as u128);
        total.div_ceil(PRICE_SCALE)
    }
}

impl std::fmt::Display for GasPrice {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let int = self.micro / PRICE_SCALE;
        let frac = self.micro % PRICE_SCALE;
        if frac == 0 {
            write!(f, "{int}")
        } else {
            let s = format!("{frac:06}");
            write!(f, "{int}.{}", s.trim_end_matches('0'))
        }
    }
}

impl Serialize for GasPrice {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.to_string())
    }
}

impl<'de> Deserialize<'de> for GasPrice {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        GasPrice::parse(&s).map_err(serde::de::Error::custom)
    }
}

impl GasPrice {
    /// A price of `micro` millionths of `uweave` per unit of gas.
    pub const fn from_micro(micro: u128) -> Self {
        Self { micro }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gas_price_parses_and_rounds_up() {
        let p = GasPrice::parse("0.025").unwrap();
        assert_eq!(p.to_string(), "0.025");
        assert_eq!(p.fee_for(200_000), 5_000);
        assert_eq!(p.fee_for(1), 1);
        assert_eq!(GasPrice::parse("2").unwrap().fee_for(3), 6);
        for bad in ["", ".5", "1.1234567", "-1", "1e3", "0x1"] {
            assert!(GasPrice::parse(bad).is_err(), "{bad}");
        }
    }
}
