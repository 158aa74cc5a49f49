//! Integration tests of the gov module over the test harness, with a fake staking
//! keeper and a router that executes gov's own messages.

use std::sync::{Arc, Mutex, OnceLock};

use weave_gov::{GovModule, MESSAGE_TYPES, MSG_SUBMIT_PROPOSAL};
use weave_kernel::{
    community_pool, expected::MessageRouter, expected::Staking, gov_authority, Address, Any, Ctx,
    KernelError, Module, TxError,
};
use weave_proto::weave::gov::v1 as pb;
use weave_testkit::{addr, any, Harness};

mod gov;

/// Bonded stake kept outside chain state: validators (tokens, shares) and delegations.
#[derive(Default)]
struct FakeStake {
    validators: Vec<(Address, u128, u128)>,
    delegations: Vec<(Address, Address, u128)>,
}

#[derive(Clone, Default)]
struct FakeStaking(Arc<Mutex<FakeStake>>);

impl FakeStaking {
    fn lock(&self) -> std::sync::MutexGuard<'_, FakeStake> {
        self.0.lock().unwrap_or_else(|e| e.into_inner())
    }
}

impl Staking for FakeStaking {
    fn bonded_validators(&self, _: &mut Ctx<'_>) -> Result<Vec<(Address, u128, u128)>, TxError> {
        Ok(self.lock().validators.clone())
    }
    fn delegations_of(
        &self,
        _: &mut Ctx<'_>,
        delegator: &Address,
    ) -> Result<Vec<(Address, u128)>, TxError> {
        Ok(self
            .lock()
            .delegations
            .iter()
            .filter(|(d, _, _)| d == delegator)
            .map(|(_, v, s)| (*v, *s))
            .collect())
    }
    fn total_bonded(&self, _: &mut Ctx<'_>) -> Result<u128, TxError> {
        Ok(self.lock().validators.iter().map(|v| v.1).sum())
    }
}

/// Routes gov's own gov-only messages back to the gov module.
#[derive(Default)]
struct Router(OnceLock<Arc<dyn Module>>);

impl MessageRouter for Router {
    fn can_execute(&self, type_url: &str) -> bool {
        MESSAGE_TYPES.contains(&type_url) && type_url != MSG_SUBMIT_PROPOSAL
    }
    fn execute(&self, ctx: &mut Ctx<'_>, msg: &Any) -> Result<(), TxError> {
        let m = self
            .0
            .get()
            .ok_or_else(|| KernelError::UnknownMessage(msg.type_url.clone()))?;
        if m.check_message(msg)? != vec![gov_authority()] {
            return Err(KernelError::Unauthorized("not signed by gov".into()).into());
        }
        m.handle(ctx, msg)
    }
}

/// A harness with the gov module, three validators (600, 300, 100 tokens, all
/// self-delegated), a funded proposer and a funded community pool.
pub(crate) struct Env {
    pub(crate) h: Harness,
    pub(crate) gov: Arc<GovModule>,
    stake: FakeStaking,
}

pub(crate) const V1: u8 = 1;
pub(crate) const V2: u8 = 2;
pub(crate) const V3: u8 = 3;
pub(crate) const PROPOSER: u8 = 10;
pub(crate) const DELEGATOR: u8 = 11;
pub(crate) const NOBODY: u8 = 12;
pub(crate) const FUNDS: u128 = 1_000_000;
pub(crate) const POOL: u128 = 50_000;

impl Env {
    pub(crate) fn new() -> Self {
        let stake = FakeStaking::default();
        {
            let mut s = stake.lock();
            for (v, t) in [(V1, 600), (V2, 300), (V3, 100)] {
                s.validators.push((addr(v), t, t));
                s.delegations.push((addr(v), addr(v), t));
            }
        }
        let router = Arc::new(Router::default());
        let bank_h = Harness::new(vec![], &[], serde_json::Value::Null).expect("harness");
        let gov = Arc::new(GovModule::new(
            bank_h.bank(),
            Arc::new(stake.clone()),
            router.clone(),
        ));
        let _ = router.0.set(gov.clone());
        let h = Harness::new(
            vec![gov.clone()],
            &[
                (addr(PROPOSER), FUNDS),
                (addr(DELEGATOR), FUNDS),
                (addr(NOBODY), FUNDS),
                (community_pool(), POOL),
            ],
            serde_json::json!({ "gov": { "params": test_params() } }),
        )
        .expect("genesis");
        Self { h, gov, stake }
    }

    /// Adds a delegation of `shares` (= tokens) from `delegator` to validator `v`.
    pub(crate) fn delegate(&self, delegator: u8, v: u8, amount: u128) {
        let mut s = self.stake.lock();
        for val in s.validators.iter_mut().filter(|x| x.0 == addr(v)) {
            val.1 += amount;
            val.2 += amount;
        }
        s.delegations.push((addr(delegator), addr(v), amount));
    }
}

/// Small numbers: min deposit 1000 (expedited 5000), periods 100 s (expedited 50 s).
pub(crate) fn test_params() -> serde_json::Value {
    serde_json::json!({
        "min_deposit": 1000,
        "expedited_min_deposit": 5000,
        "min_initial_deposit_bps": 2500,
        "max_deposit_period": 100,
        "voting_period": 100,
        "expedited_voting_period": 50,
        "quorum_bps": 3340,
        "threshold_bps": 5000,
        "expedited_threshold_bps": 6670,
        "veto_threshold_bps": 3340,
        "max_messages": 3,
        "max_execution_gas": 10000000,
        "max_ended_per_block": 10
    })
}

pub(crate) fn code(r: Result<(), TxError>) -> (&'static str, u32) {
    let e = r.expect_err("expected an error");
    (e.codespace, e.code)
}

pub(crate) fn to_any(url: &str, m: &impl prost::Message) -> Any {
    any(url, m)
}

pub(crate) fn pb_any(a: &Any) -> prost_types::Any {
    prost_types::Any {
        type_url: a.type_url.clone(),
        value: a.value.clone(),
    }
}

pub(crate) fn proposal(h: &Harness, id: u64) -> Result<pb::Proposal, TxError> {
    let r: pb::QueryProposalResponse = h.query(
        "/weave.gov.v1.Query/Proposal",
        &pb::QueryProposalRequest { proposal_id: id },
    )?;
    r.proposal
        .ok_or_else(|| KernelError::InvalidRequest("empty".into()).into())
}
