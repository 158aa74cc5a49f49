//! A transaction whose message fails inside a block: its fee is charged and its
//! sequence bumped, nothing else moves, and the block commits.

use crate::harness::*;

#[test]
fn failed_message_in_a_block_charges_the_fee_and_bumps_the_sequence_only() {
    let mut chain = TestChain::new();
    let (a, b, c) = (chain.addr(0), chain.addr(1), chain.addr(2));
    // Delivered straight to FinalizeBlock, bypassing CheckTx, with a good tx after it.
    let overdraft = chain.send(0, &b, INITIAL_BALANCE);
    let good = chain.send(2, &b, 7);
    let res = chain.deliver_block(&[overdraft, good]);

    let failed = &res.tx_results[0];
    assert_eq!(
        (failed.code, failed.codespace.as_str()),
        (5, "sdk"),
        "{}",
        failed.log
    );
    assert!(failed.log.contains("insufficient funds"), "{}", failed.log);
    assert!(failed.gas_used > 0);
    assert!(paid_fee(failed));
    // The only transfer it made is its fee.
    assert_eq!(
        event_attr(failed, "weave.bank.v1.EventTransfer", "recipient"),
        vec![fee_collector().to_string().as_str()]
    );
    assert!(event_attr(failed, "message", "action").is_empty());
    assert_ok(&res.tx_results[1]);

    assert_eq!(chain.balance(&a), INITIAL_BALANCE - FEE);
    assert_eq!(chain.balance(&b), INITIAL_BALANCE + 7);
    assert_eq!(chain.balance(&c), INITIAL_BALANCE - 7 - FEE);
    assert_eq!(chain.balance(&fee_collector()), 2 * FEE);
    assert_eq!(chain.sequence(&a), 1);
    assert_eq!(chain.total_supply(), 5 * INITIAL_BALANCE);

    // The block committed.
    let info = chain.info();
    assert_eq!(info.last_block_height, 1);
    assert_eq!(info.last_block_app_hash, res.app_hash);

    // The next transaction of the same account must use the bumped sequence.
    let next = chain.send(0, &b, 1);
    assert_eq!(chain.check(&next).code, 0);
    assert_ok(&chain.deliver_block(&[next]).tx_results[0]);
    assert_eq!(chain.balance(&b), INITIAL_BALANCE + 8);
}

#[test]
fn a_failing_later_message_undoes_the_earlier_ones() {
    let mut chain = TestChain::new();
    let (a, b, c) = (chain.addr(0), chain.addr(1), chain.addr(2));
    let key = &chain.keys[0];
    let tx = chain
        .tx(
            key,
            vec![msg::send(&a, &b, 100), msg::send(&a, &c, INITIAL_BALANCE)],
        )
        .sign(key);
    let res = chain.deliver_block(&[tx]);
    let r = &res.tx_results[0];
    assert_eq!(r.code, 5, "{}", r.log);
    assert!(r.log.contains("message 1"), "{}", r.log);
    assert_eq!(chain.balance(&b), INITIAL_BALANCE);
    assert_eq!(chain.balance(&c), INITIAL_BALANCE);
    assert_eq!(chain.balance(&a), INITIAL_BALANCE - FEE);
    assert_eq!(chain.sequence(&a), 1);
}

#[test]
fn a_multisend_whose_input_cannot_cover_every_output_moves_nothing() {
    let mut chain = TestChain::new();
    let (a, b, c) = (chain.addr(0), chain.addr(1), chain.addr(2));
    let key = &chain.keys[0];
    // The first output alone is affordable; together they are not.
    let half = INITIAL_BALANCE / 2;
    let tx = chain
        .tx(key, vec![msg::multi_send(&a, &[(b, half), (c, half)])])
        .sign(key);
    let res = chain.deliver_block(&[tx]);
    assert_eq!(res.tx_results[0].code, 5, "{}", res.tx_results[0].log);
    assert_eq!(chain.balance(&b), INITIAL_BALANCE);
    assert_eq!(chain.balance(&c), INITIAL_BALANCE);
    assert_eq!(chain.balance(&a), INITIAL_BALANCE - FEE);
}

#[test]
fn a_fee_the_payer_cannot_afford_is_not_charged_and_the_sequence_stays() {
    let poor = TestKey::secp256k1(77);
    let rich = TestKey::secp256k1(78);
    let mut state =
        weave_genesis::AppState::with_funded(&[rich.address()], INITIAL_BALANCE).unwrap();
    state.add_balance(poor.address(), FEE - 1).unwrap();
    let mut chain = TestChain::with_genesis(vec![rich, poor], &state);
    let (r, p) = (chain.addr(0), chain.addr(1));
    let tx = chain.send(1, &r, 1);
    let check = chain.check(&tx);
    assert_eq!(check.code, 5, "{}", check.log);
    let res = chain.deliver_block(&[tx]);
    assert_eq!(res.tx_results[0].code, 5);
    assert!(!paid_fee(&res.tx_results[0]));
    assert_eq!(chain.balance(&p), FEE - 1);
    assert_eq!(chain.sequence(&p), 0);
    assert_eq!(chain.balance(&fee_collector()), 0);
}

#[test]
fn running_out_of_gas_in_a_message_charges_the_fee_and_moves_nothing() {
    let mut chain = TestChain::new();
    let (a, b, c) = (chain.addr(0), chain.addr(1), chain.addr(2));
    let key = &chain.keys[0];
    // What one and two sends cost; a limit halfway through the second message lets
    // the ante checks and the first message pass and the second run out.
    let one = chain
        .app()
        .simulate(&chain.tx(key, vec![msg::send(&a, &b, 1)]).sign(key))
        .gas_used;
    let two_msgs = vec![msg::send(&a, &b, 1), msg::send(&a, &c, 1)];
    let two = chain
        .app()
        .simulate(&chain.tx(key, two_msgs.clone()).sign(key))
        .gas_used;
    assert!(two > one + 2_000, "a message costs gas: {one} vs {two}");
    let limit = one + (two - one) / 2;
    let fee = (limit as u128 * 25).div_ceil(1000);
    let tx = chain.tx(key, two_msgs).gas(limit).fee(fee).sign(key);

    let check = chain.check(&tx);
    assert_eq!(
        (check.code, check.codespace.as_str()),
        (11, "sdk"),
        "{}",
        check.log
    );
    let res = chain.deliver_block(&[tx]);
    let r = &res.tx_results[0];
    assert_eq!((r.code, r.codespace.as_str()), (11, "sdk"), "{}", r.log);
    assert_eq!(r.gas_used, limit as i64);
    assert!(paid_fee(r));
    assert_eq!(chain.balance(&a), INITIAL_BALANCE - fee);
    assert_eq!(chain.balance(&b), INITIAL_BALANCE);
    assert_eq!(chain.balance(&c), INITIAL_BALANCE);
    assert_eq!(chain.balance(&fee_collector()), fee);
    assert_eq!(chain.sequence(&a), 1);
}

#[test]
fn abci_calls_out_of_order_are_refused() {
    let mut chain = TestChain::new();
    assert!(
        chain.app().commit().is_err(),
        "Commit without FinalizeBlock"
    );
    chain.height = 4;
    let wrong = chain
        .app()
        .finalize_block(tendermint_proto::v0_38::abci::RequestFinalizeBlock {
            height: 5,
            ..Default::default()
        });
    assert!(wrong.is_err(), "FinalizeBlock must be for the next height");
    chain.height = 0;
    chain.deliver_block(&[]);
    assert_eq!(chain.info().last_block_height, 1);
}
