//! The auth parameters: the limits of the ante checks, the minimum gas price and the
//! gas costs. They are stored as JSON at `auth/params`.

use serde::{Deserialize, Serialize};
use weave_kernel::{Ctx, Event, GasCosts, KernelError, ModuleParams, StateRead, TxError};
use weave_proto::weave::auth::v1 as pb;

use crate::{AuthError, GasPrice, MAX_OP_COST, MIN_MAX_TX_GAS};

/// Where the parameters are stored.
const PARAMS_KEY: &[u8] = b"auth/params";

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
            min_gas_price: GasPrice::from_micro(25_000),
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
        Self::from_stored(state.get(PARAMS_KEY)?.as_deref())
    }

    /// The parameters stored as `stored` (defaults when nothing is).
    fn from_stored(stored: Option<&[u8]>) -> Result<Self, TxError> {
        match stored {
            Some(b) => serde_json::from_slice(b).map_err(|e| {
                KernelError::InvalidRequest(format!("corrupt auth params: {e}")).into()
            }),
            None => Ok(Self::default()),
        }
    }
}

/// [`AuthParams::load`] without parsing the same stored bytes twice: it remembers the
/// last bytes read and what they parsed to. Every call still reads the stored bytes,
/// so a change in any overlay, mid-block included, is seen at once; the cache only
/// skips the JSON parse, a pure function of those bytes. Node-local, never state.
#[derive(Debug, Default)]
pub struct ParamsCache {
    last: std::sync::Mutex<Option<(Option<Vec<u8>>, AuthParams)>>,
}

impl ParamsCache {
    /// What [`AuthParams::load`] answers for `state`.
    pub fn load(&self, state: &dyn StateRead) -> Result<AuthParams, TxError> {
        let stored = state.get(PARAMS_KEY)?;
        if let Ok(last) = self.last.lock() {
            if let Some((bytes, params)) = last.as_ref() {
                if *bytes == stored {
                    return Ok(params.clone());
                }
            }
        }
        let params = AuthParams::from_stored(stored.as_deref())?;
        if let Ok(mut last) = self.last.lock() {
            *last = Some((stored, params.clone()));
        }
        Ok(params)
    }
}

impl ModuleParams for AuthParams {
    type Error = AuthError;

    fn store(&self, ctx: &mut Ctx<'_>) -> Result<(), TxError> {
        let bytes = serde_json::to_vec(self)
            .map_err(|e| KernelError::InvalidRequest(format!("auth params: {e}")))?;
        ctx.put(PARAMS_KEY.to_vec(), bytes)
    }

    fn updated_event(&self) -> Event {
        Event::from_proto(&weave_proto::weave::auth::v1::EventParamsUpdated {
            params: serde_json::to_string(self).unwrap_or_default(),
        })
    }
}

#[cfg(test)]
mod tests {
    use weave_kernel::{EmptyState, Overlay};

    use super::*;

    /// The cache answers what a fresh load answers, before genesis, after a store and
    /// after a change in the same overlay, and corrupt bytes stay an error.
    #[test]
    fn the_cache_answers_what_load_answers() {
        let cache = ParamsCache::default();
        let mut state = Overlay::new(std::sync::Arc::new(EmptyState));
        assert_eq!(cache.load(&state).unwrap(), AuthParams::default());
        let mut changed = AuthParams {
            max_memo_chars: 17,
            ..AuthParams::default()
        };
        state.put(PARAMS_KEY.to_vec(), serde_json::to_vec(&changed).unwrap());
        assert_eq!(cache.load(&state).unwrap(), changed);
        assert_eq!(
            cache.load(&state).unwrap(),
            AuthParams::load(&state).unwrap()
        );
        changed.tx_sig_limit = 3;
        state.put(PARAMS_KEY.to_vec(), serde_json::to_vec(&changed).unwrap());
        assert_eq!(cache.load(&state).unwrap().tx_sig_limit, 3);
        state.put(PARAMS_KEY.to_vec(), b"{not json".to_vec());
        assert!(cache.load(&state).is_err());
        assert!(cache.load(&state).is_err());
        state.delete(PARAMS_KEY.to_vec());
        assert_eq!(cache.load(&state).unwrap(), AuthParams::default());
    }
}
