//! `/store/key` queries with `prove`: an ICS23 proof of the JMT that verifies against
//! the app hash of the height asked for.

use ics23::{CommitmentProof, HostFunctionsManager};
use prost::Message;
use tendermint_proto::v0_38::abci::{RequestQuery, ResponseQuery};
use weave_kernel::Address;

use crate::harness::*;

fn store_query(chain: &TestChain, key: &[u8], height: i64, prove: bool) -> ResponseQuery {
    chain.app().query(RequestQuery {
        data: key.to_vec().into(),
        path: "/store/key".into(),
        height,
        prove,
    })
}

fn proof_of(res: &ResponseQuery, key: &[u8]) -> CommitmentProof {
    assert_eq!(res.code, 0, "{}", res.log);
    let ops = res.proof_ops.as_ref().expect("a proof").ops.clone();
    assert_eq!(ops.len(), 1);
    assert_eq!(ops[0].r#type, "ics23:jmt");
    assert_eq!(ops[0].r#type, weave_app::PROOF_OP_TYPE);
    assert_eq!(ops[0].key, key);
    CommitmentProof::decode(ops[0].data.as_slice()).unwrap()
}

fn verifies(proof: &CommitmentProof, root: &[u8], key: &[u8], value: &[u8]) -> bool {
    ics23::verify_membership::<HostFunctionsManager>(
        proof,
        &jmt::ics23_spec(),
        &root.to_vec(),
        key,
        value,
    )
}

#[test]
fn store_query_proofs_verify_against_the_app_hash() {
    let mut chain = TestChain::new();
    let b = chain.addr(1);
    let block1 = chain.deliver_block(&[chain.send(0, &b, 1_000)]);
    let root1 = block1.app_hash.to_vec();
    let key = weave_bank::state_key::balance(&b, DENOM);
    let value1 = (INITIAL_BALANCE + 1_000).to_be_bytes().to_vec();

    let res = store_query(&chain, &key, 0, true);
    assert_eq!(res.height, 1);
    assert_eq!(res.value.to_vec(), value1);
    let proof = proof_of(&res, &key);
    assert_eq!(chain.info().last_block_app_hash.to_vec(), root1);
    assert!(verifies(&proof, &root1, &key, &value1));
    // A proof is bound to its value, key and root.
    assert!(!verifies(
        &proof,
        &root1,
        &key,
        &(INITIAL_BALANCE + 1).to_be_bytes()
    ));
    assert!(!verifies(&proof, &chain.genesis_hash, &key, &value1));
    let other_key = weave_bank::state_key::balance(&chain.addr(2), DENOM);
    assert!(!verifies(&proof, &root1, &other_key, &value1));

    // Without `prove` the same value comes back, without a proof.
    let plain = store_query(&chain, &key, 0, false);
    assert_eq!(plain.value.to_vec(), value1);
    assert!(plain.proof_ops.is_none());

    // After the next block, the old height still answers with its own value and proof.
    let block2 = chain.deliver_block(&[chain.send(2, &b, 5)]);
    let root2 = block2.app_hash.to_vec();
    assert_ne!(root1, root2);
    let value2 = (INITIAL_BALANCE + 1_005).to_be_bytes().to_vec();
    let latest = store_query(&chain, &key, 2, true);
    assert_eq!(latest.value.to_vec(), value2);
    assert!(verifies(&proof_of(&latest, &key), &root2, &key, &value2));
    let old = store_query(&chain, &key, 1, true);
    assert_eq!(old.height, 1);
    assert_eq!(old.value.to_vec(), value1);
    assert!(verifies(&proof_of(&old, &key), &root1, &key, &value1));
    // Height 0 means the latest.
    assert_eq!(store_query(&chain, &key, 0, true).height, 2);

    // A key that does not exist gets a proof of absence.
    let absent = weave_bank::state_key::balance(&Address::new([0xab; 20]), DENOM);
    let res = store_query(&chain, &absent, 0, true);
    assert!(res.value.is_empty());
    let proof = proof_of(&res, &absent);
    assert!(ics23::verify_non_membership::<HostFunctionsManager>(
        &proof,
        &jmt::ics23_spec(),
        &root2,
        &absent
    ));
}

#[test]
fn store_queries_at_heights_not_committed_fail_cleanly() {
    let mut chain = TestChain::new();
    chain.deliver_block(&[]);
    let key = weave_bank::state_key::balance(&chain.addr(0), DENOM);
    let future = store_query(&chain, &key, 99, true);
    assert_ne!(future.code, 0);
    assert!(future.proof_ops.is_none());
    let empty = store_query(&chain, &[], 0, true);
    assert_ne!(empty.code, 0);
    // Module queries answer only at the latest height, and never with proofs.
    let res = chain.app().query(RequestQuery {
        data: vec![].into(),
        path: "/cosmos.bank.v1beta1.Query/TotalSupply".into(),
        height: 0,
        prove: true,
    });
    assert_ne!(res.code, 0);
}
