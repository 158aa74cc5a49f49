//! PrepareProposal keeps only transactions that still pass, in order, within
//! `max_tx_bytes`; ProcessProposal rejects blocks carrying bytes that are not
//! transactions.

use crate::harness::*;

#[test]
fn prepare_proposal_drops_failing_transactions_and_keeps_order() {
    let mut chain = TestChain::new();
    let (a, b, c) = (chain.addr(0), chain.addr(1), chain.addr(2));
    let key_a = &chain.keys[0];
    let good_a0 = chain.send(0, &b, 1);
    let good_a1 = chain
        .tx(key_a, vec![msg::send(&a, &b, 2)])
        .sequence(1)
        .sign(key_a);
    let mut bad_sig = chain
        .tx(&chain.keys[1], vec![msg::send(&b, &a, 3)])
        .sign_raw(&chain.keys[1]);
    bad_sig.signatures[0][5] ^= 0x80;
    let bad_sig = prost::Message::encode_to_vec(&bad_sig);
    let bad_seq = chain
        .tx(&chain.keys[2], vec![msg::send(&c, &a, 4)])
        .sequence(7)
        .sign(&chain.keys[2]);
    let replay_a0 = good_a0.clone();
    let overdraft = chain.send(4, &a, 10 * INITIAL_BALANCE);
    let garbage = b"not a transaction".to_vec();
    let good_d = chain.send(3, &c, 5);

    let offered = vec![
        good_a0.clone(),
        bad_sig,
        bad_seq,
        good_a1.clone(),
        replay_a0,
        garbage,
        overdraft,
        good_d.clone(),
    ];
    let res = chain.prepare(&offered, 1 << 20);
    let kept: Vec<Vec<u8>> = res.txs.iter().map(|t| t.to_vec()).collect();
    assert_eq!(kept, vec![good_a0, good_a1, good_d]);

    // Preparing wrote nothing: neither the committed state nor the mempool's view.
    assert_eq!(chain.sequence(&a), 0);
    assert_eq!(chain.balance(&b), INITIAL_BALANCE);
    assert_eq!(chain.check(&kept[0]).code, 0);

    assert!(chain.process(&kept));
    let block = chain.deliver_block(&kept);
    block.tx_results.iter().for_each(assert_ok);
    assert_eq!(chain.balance(&b), INITIAL_BALANCE + 3);
}

/// The size CometBFT counts for a transaction in a block (`ComputeProtoSizeForTxs`): the
/// bytes, a field tag and the length as a varint.
fn framed(tx: &[u8]) -> usize {
    let mut varint = 1;
    let mut rest = tx.len() >> 7;
    while rest > 0 {
        varint += 1;
        rest >>= 7;
    }
    tx.len() + 1 + varint
}

#[test]
fn prepare_proposal_respects_max_tx_bytes() {
    let chain = TestChain::new();
    let b = chain.addr(1);
    let t: Vec<Vec<u8>> = [0, 2, 3].iter().map(|&i| chain.send(i, &b, 1)).collect();
    let len = t[0].len();
    assert!(
        t.iter().all(|x| x.len() == len),
        "same-shaped txs have one size"
    );
    let f = framed(&t[0]);
    assert!(f > len);

    let kept = |max: usize, txs: &[Vec<u8>]| -> Vec<Vec<u8>> {
        let res = chain.prepare(txs, max as i64);
        let got: Vec<Vec<u8>> = res.txs.iter().map(|x| x.to_vec()).collect();
        assert!(got.iter().map(|x| framed(x)).sum::<usize>() <= max);
        got
    };
    assert_eq!(kept(3 * f, &t), t);
    assert_eq!(kept(2 * f, &t), t[..2].to_vec());
    assert_eq!(kept(2 * f - 1, &t), t[..1].to_vec());
    // The raw bytes of two transactions would fit, but CometBFT counts their framing.
    assert_eq!(kept(2 * len, &t), t[..1].to_vec());
    assert_eq!(kept(f - 1, &t), Vec::<Vec<u8>>::new());
    assert_eq!(kept(0, &t), Vec::<Vec<u8>>::new());

    // A transaction too large to fit is skipped; smaller ones after it still go in.
    let key = &chain.keys[4];
    let outputs: Vec<_> = (0..8).map(|_| (b, 1u128)).collect();
    let big = chain
        .tx(key, vec![msg::multi_send(&key.address(), &outputs)])
        .sign(key);
    assert!(framed(&big) > 2 * f);
    let with_big = vec![big.clone(), t[0].clone(), t[1].clone()];
    assert_eq!(kept(2 * f, &with_big), t[..2].to_vec());
    assert_eq!(kept(framed(&big), &with_big), vec![big]);
}

#[test]
fn process_proposal_rejects_garbage_and_accepts_good_blocks() {
    let chain = TestChain::new();
    let b = chain.addr(1);
    let good = vec![chain.send(0, &b, 1), chain.send(2, &b, 1)];
    assert!(chain.process(&good));
    assert!(chain.process(&[]));

    let mut with_garbage = good.clone();
    with_garbage.push(vec![0xde, 0xad, 0xbe, 0xef]);
    assert!(!chain.process(&with_garbage));
    assert!(!chain.process(&[vec![0xff; 64]]));

    let key = &chain.keys[0];
    let unknown = weave_kernel::Any {
        type_url: "/weave.nope.v1.MsgNope".into(),
        value: vec![],
    };
    assert!(!chain.process(&[chain.tx(key, vec![unknown]).sign(key)]));
    let too_long_memo = chain
        .tx(key, vec![msg::send(&key.address(), &b, 1)])
        .memo("m".repeat(257))
        .sign(key);
    assert!(!chain.process(&[too_long_memo]));
}

/// FinalizeBlock takes the decoding of the proposal ProcessProposal accepted when the
/// transactions and the state are the same, and decodes again otherwise: either way
/// the block's results and app hash are those of a chain that never saw a proposal.
#[test]
fn finalize_after_process_answers_what_finalize_alone_answers() {
    let mut with_process = TestChain::new();
    let mut alone = TestChain::new();
    let (a, b) = (alone.addr(0), alone.addr(1));
    let block1 = vec![
        alone.send(0, &b, 7),
        alone.send(1, &a, 3),
        b"not a transaction".to_vec(),
    ];
    assert!(!with_process.process(&block1));
    let block1 = vec![alone.send(0, &b, 7), alone.send(1, &a, 3)];
    assert!(with_process.process(&block1));
    let r1 = with_process.deliver_block(&block1);
    let s1 = alone.deliver_block(&block1);
    assert_eq!(r1, s1);
    // A different proposal was processed last: the block is decoded again.
    let key_a = &alone.keys[0];
    let next = alone
        .tx(key_a, vec![msg::send(&a, &b, 11)])
        .sequence(1)
        .sign(key_a);
    assert!(with_process.process(std::slice::from_ref(&next)));
    let other = vec![alone.send(2, &a, 1)];
    let r2 = with_process.deliver_block(&other);
    let s2 = alone.deliver_block(&other);
    assert_eq!(r2, s2);
    // Processed again at its own height: taken, with the same results.
    assert!(with_process.process(std::slice::from_ref(&next)));
    let r3 = with_process.deliver_block(std::slice::from_ref(&next));
    let s3 = alone.deliver_block(std::slice::from_ref(&next));
    assert_eq!(r3, s3);
    r3.tx_results.iter().for_each(assert_ok);
    assert_eq!(with_process.balance(&b), alone.balance(&b));
}
