//! Simulate: the gas a transaction would use, with no state change.

use crate::harness::*;

#[test]
fn simulate_reports_gas_and_changes_nothing() {
    let mut chain = TestChain::new();
    let (a, b) = (chain.addr(0), chain.addr(1));
    let tx = chain.send(0, &b, 1_000);

    let sim = chain.app().simulate(&tx);
    assert!(sim.outcome.result.is_ok(), "{:?}", sim.outcome.result);
    assert!(sim.gas_used > 0);
    assert_eq!(sim.outcome.gas_wanted, GAS_LIMIT);
    // Simulating twice gives the same answer: the first left nothing behind.
    assert_eq!(chain.app().simulate(&tx).gas_used, sim.gas_used);
    assert_eq!(chain.balance(&a), INITIAL_BALANCE);
    assert_eq!(chain.balance(&b), INITIAL_BALANCE);
    assert_eq!(chain.balance(&fee_collector()), 0);
    assert_eq!(chain.sequence(&a), 0);
    assert!(chain.account(&a).unwrap().pub_key.is_none());
    let info_before = chain.info();
    assert_eq!(info_before.last_block_height, 0);
    assert_eq!(info_before.last_block_app_hash.to_vec(), chain.genesis_hash);

    // Signatures are charged but not checked: a zeroed signature simulates the same.
    let mut unsigned = chain
        .tx(&chain.keys[0], vec![msg::send(&a, &b, 1_000)])
        .sign_raw(&chain.keys[0]);
    unsigned.signatures[0] = vec![0; 64];
    let unsigned = prost::Message::encode_to_vec(&unsigned);
    let sim_unsigned = chain.app().simulate(&unsigned);
    assert!(sim_unsigned.outcome.result.is_ok());
    assert_eq!(sim_unsigned.gas_used, sim.gas_used);

    // The mempool still takes the real transaction at sequence 0, and delivering it
    // uses exactly the simulated gas.
    assert_eq!(chain.check(&tx).code, 0);
    let res = chain.deliver_block(&[tx]);
    assert_ok(&res.tx_results[0]);
    assert_eq!(res.tx_results[0].gas_used, sim.gas_used as i64);
}

#[test]
fn simulate_reports_failures_with_their_codes() {
    let chain = TestChain::new();
    let b = chain.addr(1);
    let sim = chain
        .app()
        .simulate(&chain.send(0, &b, 10 * INITIAL_BALANCE));
    let err = sim.outcome.result.unwrap_err();
    assert_eq!((err.codespace, err.code), ("sdk", 5));
    assert!(sim.gas_used > 0);
    assert_eq!(chain.balance(&chain.addr(0)), INITIAL_BALANCE);

    let garbage = chain.app().simulate(b"nope");
    assert_eq!(garbage.outcome.result.unwrap_err().code, 2);
    assert_eq!(garbage.gas_used, 0);
}
