//! The validators module through the whole application: genesis validators from
//! gentxs reach ResponseInitChain, CometBFT's genesis validators pass through when
//! there are none, rewards follow the decided commit, and a MsgCreateValidator
//! reaches ResponseFinalizeBlock's validator_updates; double-sign evidence survives a
//! failing reward distribution.

use prost::Message;
use tendermint_proto::v0_38::{
    abci::{CommitInfo, RequestInitChain, Validator, ValidatorUpdate, VoteInfo},
    crypto::{public_key::Sum, PublicKey},
    types::BlockIdFlag,
};
use weave_genesis::AppState;
use weave_kernel::{consensus_address, Address, Any};
use weave_proto::weave::validators::v1 as pb;
use weave_validators::{bonded_pool, GenesisState, MSG_CREATE_VALIDATOR};

use crate::harness::*;

const POWER: u128 = 1_000_000;

fn consensus_key(seed: u8) -> [u8; 32] {
    ed25519_consensus::SigningKey::from([seed; 32])
        .verification_key()
        .to_bytes()
}

fn create_validator(operator: &Address, key: [u8; 32], self_bond: u128) -> Any {
    Any {
        type_url: MSG_CREATE_VALIDATOR.into(),
        value: pb::MsgCreateValidator {
            operator: operator.to_string(),
            consensus_pubkey: key.to_vec(),
            self_bond: self_bond.to_string(),
            commission: Some(pb::Commission {
                rate_bps: 500,
                max_rate_bps: 2_000,
                max_change_rate_bps: 100,
                updated_at_seconds: 0,
            }),
            description: Some(pb::Description {
                moniker: "genesis".into(),
                ..Default::default()
            }),
            min_self_delegation: "1".into(),
        }
        .encode_to_vec(),
    }
}

/// A gentx: one MsgCreateValidator, sequence 0, signed for account number 0, no fee.
fn gentx(key: &TestKey, consensus: [u8; 32], self_bond: u128) -> Vec<u8> {
    TxBuilder::new(vec![create_validator(&key.address(), consensus, self_bond)])
        .fee_coins(vec![])
        .sign(key)
}

fn update(key: [u8; 32], power: i64) -> ValidatorUpdate {
    ValidatorUpdate {
        pub_key: Some(PublicKey {
            sum: Some(Sum::Ed25519(key.to_vec())),
        }),
        power,
    }
}

fn sorted(mut v: Vec<ValidatorUpdate>) -> Vec<ValidatorUpdate> {
    v.sort_by_key(|u| u.encode_to_vec());
    v
}

fn commit(signers: &[([u8; 32], i64)]) -> CommitInfo {
    CommitInfo {
        round: 0,
        votes: signers
            .iter()
            .map(|(key, power)| VoteInfo {
                validator: Some(Validator {
                    address: consensus_address(key).to_vec().into(),
                    power: *power,
                }),
                block_id_flag: BlockIdFlag::Commit as i32,
            })
            .collect(),
    }
}

fn funded_state(keys: &[TestKey]) -> AppState {
    let addrs: Vec<Address> = keys.iter().map(TestKey::address).collect();
    AppState::with_funded(&addrs, INITIAL_BALANCE).unwrap()
}

#[test]
fn gentxs_choose_the_genesis_validators_and_create_validator_updates_the_set() {
    let keys = default_keys();
    let mut state = funded_state(&keys);
    let (k1, k2, k3) = (consensus_key(101), consensus_key(102), consensus_key(103));
    state.validators.gen_txs = vec![
        GenesisState::encode_gen_tx(&gentx(&keys[1], k1, 10 * POWER)),
        GenesisState::encode_gen_tx(&gentx(&keys[2], k2, 20 * POWER)),
    ];
    let mut chain = TestChain::before_genesis(keys.clone(), &state);
    let res = chain.init_chain_response().unwrap();
    assert_eq!(
        sorted(res.validators.clone()),
        sorted(vec![update(k1, 10), update(k2, 20)])
    );
    chain.genesis_hash = res.app_hash.to_vec();
    // CometBFT may repeat InitChain after a crash before block 1: same answer.
    let again = chain.init_chain_response().unwrap();
    assert_eq!(again.validators, res.validators);
    assert_eq!(again.app_hash, res.app_hash);

    // The gentxs ran: self-bonds in the bonded pool, the signers' sequences used.
    assert_eq!(chain.balance(&bonded_pool()), 30 * POWER);
    assert_eq!(
        chain.balance(&keys[1].address()),
        INITIAL_BALANCE - 10 * POWER
    );
    assert_eq!(chain.sequence(&keys[1].address()), 1);
    let set: pb::QueryValidatorSetResponse = chain.query(
        "/weave.validators.v1.Query/ValidatorSet",
        &pb::QueryValidatorSetRequest {},
    );
    assert_eq!(set.validators.len(), 2);

    // Block 1 carries no commit; block 2 the commit of both: the block reward is
    // minted and shared.
    let supply = chain.total_supply();
    let res = chain.deliver_block(&[]);
    assert!(res.validator_updates.is_empty());
    assert_eq!(chain.total_supply(), supply);
    let res = chain.finalize_with(&[], Some(commit(&[(k1, 10), (k2, 20)])), Vec::new());
    chain.commit();
    assert!(res
        .events
        .iter()
        .any(|e| e.r#type == "weave.validators.v1.EventRewardsDistributed"));
    assert_eq!(chain.total_supply(), supply + 1_000_000);

    // A new validator joins with MsgCreateValidator: FinalizeBlock reports it.
    let op = &keys[3];
    let tx = chain
        .tx(op, vec![create_validator(&op.address(), k3, 5 * POWER)])
        .sign(op);
    let res = chain.deliver_block(&[tx]);
    assert_ok(&res.tx_results[0]);
    assert_eq!(res.validator_updates, vec![update(k3, 5)]);
    // Nothing changed since: nothing reported.
    assert!(chain.deliver_block(&[]).validator_updates.is_empty());
}

#[test]
fn without_gentxs_cometbfts_validators_pass_through() {
    let keys = default_keys();
    let mut chain = TestChain::before_genesis(keys.clone(), &funded_state(&keys));
    let cometbft = vec![update(consensus_key(50), 10)];
    let res = chain
        .app()
        .init_chain(RequestInitChain {
            chain_id: CHAIN_ID.into(),
            app_state_bytes: chain.genesis.clone().into(),
            initial_height: 1,
            validators: cometbft.clone(),
            time: Some(tendermint_proto::google::protobuf::Timestamp {
                seconds: GENESIS_TIME,
                nanos: 0,
            }),
            ..Default::default()
        })
        .unwrap();
    assert_eq!(res.validators, cometbft);
    chain.genesis_hash = res.app_hash.to_vec();
    // CometBFT's own validator signs; the module knows nothing of it: no reward.
    let supply = chain.total_supply();
    chain.finalize_with(&[], Some(commit(&[(consensus_key(50), 10)])), Vec::new());
    chain.commit();
    assert_eq!(chain.total_supply(), supply);
    // A validator created by transaction is still reported.
    let op = &keys[0];
    let tx = chain
        .tx(
            op,
            vec![create_validator(
                &op.address(),
                consensus_key(51),
                3 * POWER,
            )],
        )
        .sign(op);
    let res = chain.deliver_block(&[tx]);
    assert_ok(&res.tx_results[0]);
    assert_eq!(res.validator_updates, vec![update(consensus_key(51), 3)]);
}

#[test]
fn bad_gentxs_make_the_genesis_unusable() {
    let keys = default_keys();
    let signed_for_real_account = TxBuilder::new(vec![create_validator(
        &keys[2].address(),
        consensus_key(1),
        POWER,
    )])
    .fee_coins(vec![])
    .sign(&keys[1]); // signed by another key than the operator's
    let too_big = gentx(&keys[1], consensus_key(2), INITIAL_BALANCE + 1);
    let mut numbered = TxBuilder::new(vec![create_validator(
        &keys[3].address(),
        consensus_key(3),
        POWER,
    )])
    .fee_coins(vec![]);
    numbered.account_number = 3;
    let numbered = numbered.sign(&keys[3]);
    let same_key = [
        gentx(&keys[1], consensus_key(4), POWER),
        gentx(&keys[2], consensus_key(4), POWER),
    ];
    for txs in [
        vec![signed_for_real_account],
        vec![too_big],
        vec![numbered],
        same_key.to_vec(),
    ] {
        let mut state = funded_state(&keys);
        state.validators.gen_txs = txs.iter().map(|t| GenesisState::encode_gen_tx(t)).collect();
        let chain = TestChain::before_genesis(keys.clone(), &state);
        let err = chain.init_chain_response().unwrap_err();
        assert!(matches!(err, weave_app::AppError::Genesis(_)), "{err}");
        // Nothing was committed.
        assert_eq!(chain.info().last_block_height, 0);
        assert!(chain.info().last_block_app_hash.is_empty());
    }
    // A gentx that carries anything but one MsgCreateValidator is refused by the
    // genesis check itself.
    let send = TxBuilder::new(vec![msg::send(&keys[0].address(), &keys[1].address(), 1)])
        .fee_coins(vec![])
        .sign(&keys[0]);
    let mut state = funded_state(&keys);
    state.validators.gen_txs = vec![GenesisState::encode_gen_tx(&send)];
    assert!(state.validate().is_err());
    let chain = TestChain::before_genesis(keys, &state);
    assert!(chain.init_chain_response().is_err());
}

/// Double-sign evidence commits even when the rest of the validators' begin-block
/// work fails in the same block: here the block reward is so large that minting it
/// overflows the supply, so every reward distribution fails (and drops its writes),
/// yet the validator reported for a double sign is slashed and tombstoned.
#[test]
fn double_sign_evidence_survives_a_failing_reward_distribution() {
    use tendermint_proto::v0_38::abci::{Misbehavior, MisbehaviorType};
    let keys = default_keys();
    let mut state = funded_state(&keys);
    state.validators.params.block_reward = u128::MAX;
    let (k1, k2) = (consensus_key(101), consensus_key(102));
    state.validators.gen_txs = vec![
        GenesisState::encode_gen_tx(&gentx(&keys[1], k1, 10 * POWER)),
        GenesisState::encode_gen_tx(&gentx(&keys[2], k2, 20 * POWER)),
    ];
    let mut chain = TestChain::with_genesis(keys.clone(), &state);
    chain.deliver_block(&[]);
    let supply = chain.total_supply();
    let evidence = Misbehavior {
        r#type: MisbehaviorType::DuplicateVote as i32,
        validator: Some(Validator {
            address: consensus_address(&k1).to_vec().into(),
            power: 10,
        }),
        height: 1,
        time: Some(time_at(1)),
        total_voting_power: 30,
    };
    let res = chain.finalize_with(&[], Some(commit(&[(k1, 10), (k2, 20)])), vec![evidence]);
    chain.commit();
    // The evidence applied: 1 is jailed for ever, tombstoned and slashed (5 %).
    let v: pb::QueryValidatorResponse = chain.query(
        "/weave.validators.v1.Query/Validator",
        &pb::QueryValidatorRequest {
            operator: keys[1].address().to_string(),
        },
    );
    let v = v.validator.unwrap();
    assert!(v.jailed && v.tombstoned, "{v:?}");
    assert_eq!(v.tokens, (10 * POWER - 10 * POWER / 20).to_string());
    assert_eq!(chain.total_supply(), supply - 10 * POWER / 20);
    // The reward step failed and says so; nothing was minted.
    let failed: Vec<_> = res
        .events
        .iter()
        .filter(|e| e.r#type == "hook_failed")
        .collect();
    assert_eq!(failed.len(), 1, "{:?}", res.events);
    assert!(failed[0]
        .attributes
        .iter()
        .any(|a| a.key == "step" && a.value == "rewards"));
}
