//! Sends that succeed: exact balances, supply, fees and sequences.

use crate::harness::*;

#[test]
fn sends_multisend_cosmos_send_and_ed25519_move_exact_amounts() {
    let mut chain = TestChain::new();
    let (a, b, c, d, e) = (
        chain.addr(0),
        chain.addr(1),
        chain.addr(2),
        chain.addr(3),
        chain.addr(4),
    );
    let fresh = TestKey::secp256k1(200);
    let f = fresh.address();
    let supply = chain.total_supply();
    assert_eq!(supply, 5 * INITIAL_BALANCE);
    assert_eq!(chain.balance(&fee_collector()), 0);
    assert!(chain.account(&f).is_none());

    let ed = &chain.keys[4];
    assert!(matches!(ed, TestKey::Ed25519(_)));
    let txs = vec![
        // weave MsgSend, secp256k1
        chain.send(0, &b, 1_000),
        // multi-send to three accounts
        chain
            .tx(
                &chain.keys[2],
                vec![msg::multi_send(&c, &[(a, 10), (b, 20), (d, 30)])],
            )
            .sign(&chain.keys[2]),
        // the Cosmos SDK's MsgSend type URL, signed with ed25519
        chain.tx(ed, vec![msg::cosmos_send(&e, &a, 777)]).sign(ed),
        // a send that creates a new account
        chain
            .tx(&chain.keys[3], vec![msg::cosmos_send(&d, &f, 50_000)])
            .sign(&chain.keys[3]),
    ];
    // The mempool admits them, in order, on the check state.
    for tx in &txs {
        let r = chain.check(tx);
        assert_eq!(r.code, 0, "{}", r.log);
        assert!(r.gas_wanted == GAS_LIMIT as i64 && r.gas_used > 0);
    }
    let res = chain.deliver_block(&txs);
    for r in &res.tx_results {
        assert_ok(r);
        assert!(
            r.gas_used > 0 && r.gas_used <= r.gas_wanted,
            "gas {} of {}",
            r.gas_used,
            r.gas_wanted
        );
    }
    // The send's transfer event names both parties and the amount.
    let transfer = &res.tx_results[0];
    assert!(
        event_attr(transfer, "weave.bank.v1.EventTransfer", "recipient")
            .contains(&b.to_string().as_str())
    );
    assert!(event_attr(transfer, "weave.bank.v1.EventTransfer", "amount").contains(&"1000uweave"));
    assert_eq!(event_attr(transfer, "tx", "fee"), vec!["5000uweave"]);

    assert_eq!(chain.balance(&a), INITIAL_BALANCE - 1_000 - FEE + 10 + 777);
    assert_eq!(chain.balance(&b), INITIAL_BALANCE + 1_000 + 20);
    assert_eq!(chain.balance(&c), INITIAL_BALANCE - 60 - FEE);
    assert_eq!(chain.balance(&d), INITIAL_BALANCE + 30 - 50_000 - FEE);
    assert_eq!(chain.balance(&e), INITIAL_BALANCE - 777 - FEE);
    assert_eq!(chain.balance(&f), 50_000);
    assert_eq!(chain.balance(&fee_collector()), 4 * FEE);
    assert_eq!(chain.total_supply(), supply);
    let sum: u128 = [a, b, c, d, e, f, fee_collector()]
        .iter()
        .map(|x| chain.balance(x))
        .sum();
    assert_eq!(sum, supply);

    for (i, addr) in [a, b, c, d, e].iter().enumerate() {
        let expected = if i == 1 { 0 } else { 1 };
        assert_eq!(chain.sequence(addr), expected, "account {i}");
    }
    // Signing stored the public keys; the recipient got an account without one.
    assert_eq!(
        chain.account(&e).unwrap().pub_key.unwrap().type_url,
        "/cosmos.crypto.ed25519.PubKey"
    );
    let new_account = chain.account(&f).unwrap();
    assert!(new_account.pub_key.is_none());
    assert_eq!(new_account.sequence, 0);

    // Block 2: two txs of one account in one block (sequences 1 and 2), and the new
    // account's first transaction, which carries its key.
    let a_key = &chain.keys[0];
    let t1 = chain.tx(a_key, vec![msg::send(&a, &c, 1)]).sign(a_key);
    let t2 = chain
        .tx(a_key, vec![msg::send(&a, &c, 2)])
        .sequence(2)
        .sign(a_key);
    let t3 = chain
        .tx(&fresh, vec![msg::send(&f, &a, 40_000)])
        .sign(&fresh);
    for tx in [&t1, &t2, &t3] {
        let r = chain.check(tx);
        assert_eq!(r.code, 0, "{}", r.log);
    }
    let res = chain.deliver_block(&[t1, t2, t3]);
    res.tx_results.iter().for_each(assert_ok);
    assert_eq!(chain.sequence(&a), 3);
    assert_eq!(chain.sequence(&f), 1);
    assert_eq!(chain.balance(&f), 50_000 - 40_000 - FEE);
    assert_eq!(chain.balance(&c), INITIAL_BALANCE - 60 - FEE + 3);
    assert_eq!(chain.balance(&fee_collector()), 7 * FEE);
    assert_eq!(chain.total_supply(), supply);
    assert_eq!(chain.info().last_block_height, 2);
    assert_eq!(chain.info().last_block_app_hash, res.app_hash);
}

#[test]
fn memo_at_the_limit_and_a_fee_above_the_minimum_are_accepted() {
    let mut chain = TestChain::new();
    let (a, b) = (chain.addr(0), chain.addr(1));
    let key = &chain.keys[0];
    let tx = chain
        .tx(key, vec![msg::send(&a, &b, 5)])
        .memo("m".repeat(256))
        .fee(FEE + 1)
        .sign(key);
    assert_eq!(chain.check(&tx).code, 0);
    assert_ok(&chain.deliver_block(&[tx]).tx_results[0]);
    assert_eq!(chain.balance(&fee_collector()), FEE + 1);
    assert_eq!(chain.balance(&a), INITIAL_BALANCE - 5 - FEE - 1);
}

#[test]
fn sending_to_oneself_only_costs_the_fee() {
    let mut chain = TestChain::new();
    let a = chain.addr(0);
    let tx = chain.send(0, &a, 123);
    assert_ok(&chain.deliver_block(&[tx]).tx_results[0]);
    assert_eq!(chain.balance(&a), INITIAL_BALANCE - FEE);
    assert_eq!(chain.total_supply(), 5 * INITIAL_BALANCE);
}

#[test]
fn the_mempool_view_follows_blocks() {
    let mut chain = TestChain::new();
    let (a, b) = (chain.addr(0), chain.addr(1));
    let key = &chain.keys[0];
    let t0 = chain.tx(key, vec![msg::send(&a, &b, 1)]).sign(key);
    let t1 = chain
        .tx(key, vec![msg::send(&a, &b, 2)])
        .sequence(1)
        .sign(key);
    let t0_again = chain.tx(key, vec![msg::send(&a, &b, 3)]).sign(key);
    assert_eq!(chain.check(&t0).code, 0);
    assert_eq!(chain.check(&t1).code, 0);
    // The check state already used sequence 0.
    assert_eq!(chain.check(&t0_again).code, 32);
    // Sequence 2 is not reached yet; a gap is refused.
    let t3 = chain
        .tx(key, vec![msg::send(&a, &b, 4)])
        .sequence(3)
        .sign(key);
    assert_eq!(chain.check(&t3).code, 32);

    // A block with only t0 commits; the check state starts over from it, and the
    // recheck keeps t1 and evicts the other spender of sequence 0.
    assert_ok(&chain.deliver_block(std::slice::from_ref(&t0)).tx_results[0]);
    assert_eq!(chain.recheck(&t1).code, 0);
    assert_eq!(chain.recheck(&t0_again).code, 32);
    assert_eq!(
        chain.check(&t0).code,
        32,
        "a committed transaction cannot come back"
    );
    assert_ok(&chain.deliver_block(&[t1]).tx_results[0]);
    assert_eq!(chain.balance(&b), INITIAL_BALANCE + 3);
    assert_eq!(chain.sequence(&a), 2);
}
