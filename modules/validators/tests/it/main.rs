//! Validators module integration tests (layer 2): every message and error code
//! through the `Module` trait over an in-memory overlay with the real bank module,
//! block by block with CometBFT's commit votes and misbehaviour, plus a property test
//! that stake and supply are conserved.
#![allow(clippy::unwrap_used, missing_docs, unreachable_pub)]

mod props;
mod rewards;
mod set;
mod slashing;
mod staking;

use std::sync::Arc;

use ed25519_consensus::SigningKey;
use weave_kernel::{
    consensus_address, expected::Bank, Address, Any, Coin, Coins, ConsensusAddress, Misbehavior,
    MisbehaviorKind, TxError, ValidatorUpdate, VoteInfo,
};
use weave_proto::weave::validators::v1 as pb;
use weave_testkit::{addr, any, Harness};
use weave_validators::{
    ValidatorsModule, MSG_CREATE_VALIDATOR, MSG_DELEGATE, MSG_EDIT_VALIDATOR, MSG_REDELEGATE,
    MSG_UNDELEGATE, MSG_UNJAIL, MSG_WITHDRAW_REWARDS,
};

/// Every test account starts with this much.
pub const FUNDS: u128 = 1_000_000_000_000;
/// One unit of voting power.
pub const POWER: u128 = 1_000_000;
/// The genesis block time of the harness.
pub const GENESIS_TIME: i64 = 1_700_000_000;

/// Parameters that make the interesting things happen within a few blocks.
pub fn test_params() -> serde_json::Value {
    serde_json::json!({
        "unbonding_time_seconds": 100,
        "max_validators": 3,
        "max_entries": 3,
        "max_matured_per_block": 100,
        "block_reward": "1000000",
        "signed_blocks_window": 10,
        "min_signed_per_window_bps": 5000,
        "downtime_jail_seconds": 60,
        "slash_fraction_double_sign_bps": 500,
        "slash_fraction_downtime_bps": 100
    })
}

/// The 32-byte consensus key of validator `n`.
pub fn ckey(n: u8) -> [u8; 32] {
    SigningKey::from([n; 32]).verification_key().to_bytes()
}

/// The consensus address of validator key `n`.
pub fn cons(n: u8) -> ConsensusAddress {
    consensus_address(&ckey(n))
}

pub struct Chain {
    pub h: Harness,
    pub bank: Arc<dyn Bank>,
}

/// A chain with the test parameters and accounts 1..=20 funded.
pub fn setup() -> Chain {
    setup_with(test_params())
}

pub fn setup_with(params: serde_json::Value) -> Chain {
    let bank = Harness::new(vec![], &[], serde_json::Value::Null)
        .unwrap()
        .bank();
    let module = ValidatorsModule::new(bank.clone());
    let funded: Vec<(Address, u128)> = (1..=20).map(|n| (addr(n), FUNDS)).collect();
    let h = Harness::new(
        vec![Arc::new(module)],
        &funded,
        serde_json::json!({ "validators": { "params": params } }),
    )
    .unwrap();
    Chain { h, bank }
}

pub fn commission(rate: u32, max: u32, max_change: u32) -> pb::Commission {
    pb::Commission {
        rate_bps: rate,
        max_rate_bps: max,
        max_change_rate_bps: max_change,
        updated_at_seconds: 0,
    }
}

pub fn create_msg(op: u8, key: u8, self_bond: u128) -> pb::MsgCreateValidator {
    pb::MsgCreateValidator {
        operator: addr(op).to_string(),
        consensus_pubkey: ckey(key).to_vec(),
        self_bond: self_bond.to_string(),
        commission: Some(commission(1_000, 2_000, 100)),
        description: Some(pb::Description {
            moniker: format!("validator-{op}"),
            ..Default::default()
        }),
        min_self_delegation: "1".into(),
    }
}

/// The error's codespace and code.
pub fn code(r: Result<(), TxError>) -> (&'static str, u32) {
    let e = r.expect_err("expected an error");
    (e.codespace, e.code)
}

pub const V: &str = "validators";

impl Chain {
    pub fn exec(
        &mut self,
        signer: u8,
        type_url: &str,
        m: &impl prost::Message,
    ) -> Result<(), TxError> {
        let msg: Any = any(type_url, m);
        self.h.exec_checked(addr(signer), &msg)
    }

    /// Creates validator `op` with consensus key `op` (10% commission, max 20%,
    /// max change 1%, min self-delegation 1).
    pub fn create(&mut self, op: u8, self_bond: u128) -> Result<(), TxError> {
        self.exec(op, MSG_CREATE_VALIDATOR, &create_msg(op, op, self_bond))
    }

    pub fn delegate(&mut self, del: u8, val: u8, amount: u128) -> Result<(), TxError> {
        self.exec(
            del,
            MSG_DELEGATE,
            &pb::MsgDelegate {
                delegator: addr(del).to_string(),
                validator: addr(val).to_string(),
                amount: amount.to_string(),
            },
        )
    }

    pub fn undelegate(&mut self, del: u8, val: u8, amount: u128) -> Result<(), TxError> {
        self.exec(
            del,
            MSG_UNDELEGATE,
            &pb::MsgUndelegate {
                delegator: addr(del).to_string(),
                validator: addr(val).to_string(),
                amount: amount.to_string(),
            },
        )
    }

    pub fn redelegate(&mut self, del: u8, src: u8, dst: u8, amount: u128) -> Result<(), TxError> {
        self.exec(
            del,
            MSG_REDELEGATE,
            &pb::MsgRedelegate {
                delegator: addr(del).to_string(),
                src_validator: addr(src).to_string(),
                dst_validator: addr(dst).to_string(),
                amount: amount.to_string(),
            },
        )
    }

    pub fn unjail(&mut self, op: u8) -> Result<(), TxError> {
        self.exec(
            op,
            MSG_UNJAIL,
            &pb::MsgUnjail {
                operator: addr(op).to_string(),
            },
        )
    }

    pub fn withdraw(&mut self, del: u8, val: u8) -> Result<(), TxError> {
        self.exec(
            del,
            MSG_WITHDRAW_REWARDS,
            &pb::MsgWithdrawRewards {
                delegator: addr(del).to_string(),
                validator: addr(val).to_string(),
            },
        )
    }

    pub fn edit(&mut self, op: u8, m: pb::MsgEditValidator) -> Result<(), TxError> {
        let m = pb::MsgEditValidator {
            operator: addr(op).to_string(),
            ..m
        };
        self.exec(op, MSG_EDIT_VALIDATOR, &m)
    }

    pub fn q<Req: prost::Message, Resp: prost::Message + Default>(
        &self,
        method: &str,
        req: &Req,
    ) -> Result<Resp, TxError> {
        self.h
            .query(&format!("/weave.validators.v1.Query/{method}"), req)
    }

    pub fn validator(&self, op: u8) -> pb::Validator {
        let r: pb::QueryValidatorResponse = self
            .q(
                "Validator",
                &pb::QueryValidatorRequest {
                    operator: addr(op).to_string(),
                },
            )
            .unwrap();
        r.validator.unwrap()
    }

    pub fn tokens(&self, op: u8) -> u128 {
        self.validator(op).tokens.parse().unwrap()
    }

    /// The tokens `del`'s delegation to `val` is worth (0 without one).
    pub fn delegation(&self, del: u8, val: u8) -> u128 {
        let r: Result<pb::QueryDelegationResponse, _> = self.q(
            "Delegation",
            &pb::QueryDelegationRequest {
                delegator: addr(del).to_string(),
                validator: addr(val).to_string(),
            },
        );
        r.map_or(0, |r| r.delegation.unwrap().tokens.parse().unwrap())
    }

    pub fn rewards(&self, del: u8, val: u8) -> pb::QueryRewardsResponse {
        self.q(
            "Rewards",
            &pb::QueryRewardsRequest {
                delegator: addr(del).to_string(),
                validator: addr(val).to_string(),
            },
        )
        .unwrap()
    }

    pub fn active_set(&self) -> Vec<pb::ActiveValidator> {
        let r: pb::QueryValidatorSetResponse = self
            .q("ValidatorSet", &pb::QueryValidatorSetRequest {})
            .unwrap();
        r.validators
    }

    pub fn unbondings(&self, del: u8) -> Vec<pb::UnbondingEntry> {
        let r: pb::QueryDelegatorUnbondingsResponse = self
            .q(
                "DelegatorUnbondings",
                &pb::QueryDelegatorUnbondingsRequest {
                    delegator: addr(del).to_string(),
                    page: None,
                },
            )
            .unwrap();
        r.entries
    }

    pub fn totals(&self) -> pb::Totals {
        let r: pb::QueryTotalsResponse = self.q("Totals", &pb::QueryTotalsRequest {}).unwrap();
        r.totals.unwrap()
    }

    pub fn balance(&mut self, a: &Address) -> u128 {
        self.h.balance(a)
    }

    /// The votes of a commit by the active set, `missing` not signing.
    pub fn commit(&self, missing: &[u8]) -> Vec<VoteInfo> {
        let missing: Vec<[u8; 32]> = missing.iter().map(|n| ckey(*n)).collect();
        self.active_set()
            .iter()
            .map(|v| {
                let key: [u8; 32] = v.consensus_pubkey.as_slice().try_into().unwrap();
                VoteInfo {
                    validator_address: consensus_address(&key),
                    power: v.power,
                    signed: !missing.contains(&key),
                }
            })
            .collect()
    }

    /// Ends the block and begins the next with a commit of the active set in which
    /// `missing` did not sign. Returns the validator updates of the block that ended.
    pub fn block(&mut self, missing: &[u8]) -> Vec<ValidatorUpdate> {
        let votes = self.commit(missing);
        self.h.next_block_with(votes, Vec::new()).unwrap()
    }

    /// Ends the block and begins the next with no commit votes (no rewards, no
    /// liveness).
    pub fn quiet_block(&mut self) -> Vec<ValidatorUpdate> {
        self.h.next_block_with(Vec::new(), Vec::new()).unwrap()
    }

    /// Ends the block and begins the next reporting a double sign by key `n` at
    /// `height` and `time`.
    pub fn evidence_block(&mut self, n: u8, height: u64, time: i64) -> Vec<ValidatorUpdate> {
        let votes = self.commit(&[]);
        let m = Misbehavior {
            kind: MisbehaviorKind::DuplicateVote,
            validator_address: cons(n),
            power: 1,
            height,
            time_seconds: time,
            total_voting_power: 1,
        };
        self.h.next_block_with(votes, vec![m]).unwrap()
    }

    /// Puts uweave in the fee collector, as transaction fees would.
    pub fn pay_fees(&mut self, from: u8, amount: u128) {
        let bank = self.bank.clone();
        self.h
            .with_ctx(|ctx| {
                bank.transfer(
                    ctx,
                    &addr(from),
                    &weave_validators::fee_collector(),
                    &Coins::new(vec![Coin::base(amount)]).unwrap(),
                )
            })
            .unwrap();
    }
}
