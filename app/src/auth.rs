//! The `auth` module: the parameters of the ante checks (memo size, signature limit,
//! minimum gas price, gas limit per transaction) and the gas price arithmetic.
//! Accounts themselves live in the bank module.

use prost::Message;
use serde::{Deserialize, Serialize};
use weave_kernel::{
    decode_any, gov_authority, Address, Any, Ctx, Event, GasCosts, KernelError, Module, StateRead,
    TxError,
};
use weave_proto::weave::auth::v1 as pb;

/// The module's name.
pub const MODULE_NAME: &str = "auth";
/// `MsgUpdateParams`' type URL.
pub const MSG_UPDATE_PARAMS: &str = "/weave.auth.v1.MsgUpdateParams";
/// The params query's path.
pub const QUERY_PARAMS: &str = "/weave.auth.v1.Query/Params";
/// The lowest `max_tx_gas` governance may set: room for the votes that could raise it
/// again.
pub const MIN_MAX_TX_GAS: u64 = 1_000_000;
/// The highest cost governance may give one metered operation.
pub const MAX_OP_COST: u64 = 1_000_000;
const PARAMS_KEY: &[u8] = b"auth/params";

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

/// Parameters of the ante checks.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct AuthParams {
    /// Longest memo, in bytes.
    pub max_memo_chars: u64,
    /// Most signatures one transaction may carry.
    pub tx_sig_limit: u64,
    /// The lowest gas price a fee may pay.
    pub min_gas_price: GasPrice,
    /// The highest gas limit one transaction may ask for.
    pub max_tx_gas: u64,
    /// What operations cost.
    pub gas_costs: GasCosts,
}

impl Default for AuthParams {
    fn default() -> Self {
        Self {
            max_memo_chars: 256,
            tx_sig_limit: 7,
            min_gas_price: GasPrice { micro: 25_000 },
            max_tx_gas: 100_000_000,
            gas_costs: GasCosts::default(),
        }
    }
}

impl AuthParams {
    /// Checks the parameters.
    pub fn validate(&self) -> Result<(), String> {
        if !(1..=64).contains(&self.tx_sig_limit) {
            return Err(format!("tx_sig_limit {} must be 1..=64", self.tx_sig_limit));
        }
        if self.max_tx_gas < MIN_MAX_TX_GAS {
            return Err(format!(
                "max_tx_gas {} must be at least {MIN_MAX_TX_GAS}",
                self.max_tx_gas
            ));
        }
        if self.max_memo_chars > 65_536 {
            return Err(format!(
                "max_memo_chars {} must be at most 65536",
                self.max_memo_chars
            ));
        }
        let c = &self.gas_costs;
        let costs = [
            c.read_flat,
            c.read_per_byte,
            c.write_flat,
            c.write_per_byte,
            c.iter_next_flat,
            c.tx_size_per_byte,
            c.sig_verify_secp256k1,
            c.sig_verify_ed25519,
        ];
        if costs.iter().any(|&v| v > MAX_OP_COST) {
            return Err(format!("every gas cost must be at most {MAX_OP_COST}"));
        }
        Ok(())
    }

    /// The wire form.
    pub fn to_proto(&self) -> pb::Params {
        let c = &self.gas_costs;
        pb::Params {
            max_memo_chars: self.max_memo_chars,
            tx_sig_limit: self.tx_sig_limit,
            min_gas_price: self.min_gas_price.to_string(),
            max_tx_gas: self.max_tx_gas,
            gas_costs: Some(pb::GasCosts {
                read_flat: c.read_flat,
                read_per_byte: c.read_per_byte,
                write_flat: c.write_flat,
                write_per_byte: c.write_per_byte,
                iter_next_flat: c.iter_next_flat,
                tx_size_per_byte: c.tx_size_per_byte,
                sig_verify_secp256k1: c.sig_verify_secp256k1,
                sig_verify_ed25519: c.sig_verify_ed25519,
            }),
        }
    }

    /// From the wire form, validated.
    pub fn from_proto(p: pb::Params) -> Result<Self, String> {
        let c = p.gas_costs.ok_or("gas_costs missing")?;
        let params = Self {
            max_memo_chars: p.max_memo_chars,
            tx_sig_limit: p.tx_sig_limit,
            min_gas_price: GasPrice::parse(&p.min_gas_price)?,
            max_tx_gas: p.max_tx_gas,
            gas_costs: GasCosts {
                read_flat: c.read_flat,
                read_per_byte: c.read_per_byte,
                write_flat: c.write_flat,
                write_per_byte: c.write_per_byte,
                iter_next_flat: c.iter_next_flat,
                tx_size_per_byte: c.tx_size_per_byte,
                sig_verify_secp256k1: c.sig_verify_secp256k1,
                sig_verify_ed25519: c.sig_verify_ed25519,
            },
        };
        params.validate()?;
        Ok(params)
    }

    /// Reads the parameters from state (defaults before genesis).
    pub fn load(state: &dyn StateRead) -> Result<Self, TxError> {
        match state.get(PARAMS_KEY)? {
            Some(b) => serde_json::from_slice(&b).map_err(|e| {
                KernelError::InvalidRequest(format!("corrupt auth params: {e}")).into()
            }),
            None => Ok(Self::default()),
        }
    }
}

fn store_params(ctx: &mut Ctx<'_>, params: &AuthParams) -> Result<(), TxError> {
    let bytes = serde_json::to_vec(params)
        .map_err(|e| KernelError::InvalidRequest(format!("auth params: {e}")))?;
    ctx.put(PARAMS_KEY.to_vec(), bytes)
}

/// The auth module: genesis of its parameters, and their change by governance
/// (`MsgUpdateParams`, sdk:4 from anyone but the gov authority, sdk:18 for params that
/// fail validation).
#[derive(Debug, Default, Clone, Copy)]
pub struct AuthModule;

impl Module for AuthModule {
    fn name(&self) -> &'static str {
        MODULE_NAME
    }

    fn message_types(&self) -> &'static [&'static str] {
        &[MSG_UPDATE_PARAMS]
    }

    fn governance_message_types(&self) -> &'static [&'static str] {
        &[MSG_UPDATE_PARAMS]
    }

    fn init_genesis(&self, ctx: &mut Ctx<'_>, genesis: &serde_json::Value) -> Result<(), TxError> {
        #[derive(Deserialize, Default)]
        struct Genesis {
            #[serde(default)]
            params: AuthParams,
        }
        let g: Genesis = if genesis.is_null() {
            Genesis::default()
        } else {
            serde_json::from_value(genesis.clone())
                .map_err(|e| KernelError::InvalidRequest(format!("invalid auth genesis: {e}")))?
        };
        g.params
            .validate()
            .map_err(|e| KernelError::InvalidRequest(format!("invalid auth params: {e}")))?;
        store_params(ctx, &g.params)
    }

    fn query_paths(&self) -> &'static [&'static str] {
        &[QUERY_PARAMS]
    }

    fn query(&self, state: &dyn StateRead, path: &str, request: &[u8]) -> Result<Vec<u8>, TxError> {
        if path != QUERY_PARAMS {
            return Err(KernelError::UnknownMessage(path.to_string()).into());
        }
        pb::QueryParamsRequest::decode(request)
            .map_err(|e| KernelError::InvalidRequest(format!("{path}: {e}")))?;
        Ok(pb::QueryParamsResponse {
            params: Some(AuthParams::load(state)?.to_proto()),
        }
        .encode_to_vec())
    }

    fn check_message(&self, msg: &Any) -> Result<Vec<Address>, TxError> {
        let m = decode_update(msg)?;
        let authority: Address = m
            .authority
            .parse()
            .map_err(|e| KernelError::InvalidAddress(format!("authority: {e}")))?;
        Ok(vec![authority])
    }

    fn handle(&self, ctx: &mut Ctx<'_>, msg: &Any) -> Result<(), TxError> {
        let m = decode_update(msg)?;
        let expected = gov_authority();
        if m.authority != expected.to_string() {
            return Err(KernelError::Unauthorized(format!(
                "invalid authority {}: only the gov module account {expected} may update params",
                m.authority
            ))
            .into());
        }
        let params = AuthParams::from_proto(m.params.unwrap_or_default())
            .map_err(|e| KernelError::InvalidRequest(format!("invalid auth params: {e}")))?;
        store_params(ctx, &params)?;
        ctx.emit(
            Event::new("weave.auth.v1.EventParamsUpdated")
                .attr("params", serde_json::to_string(&params).unwrap_or_default()),
        );
        Ok(())
    }
}

fn decode_update(msg: &Any) -> Result<pb::MsgUpdateParams, TxError> {
    if msg.type_url != MSG_UPDATE_PARAMS {
        return Err(KernelError::UnknownMessage(msg.type_url.clone()).into());
    }
    Ok(decode_any(msg)?)
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
