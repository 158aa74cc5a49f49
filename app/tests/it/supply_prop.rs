//! Layer 5: for random blocks of sends and multi-sends (many of them failing), the
//! supply is conserved, it equals the sum of every balance, and every balance equals a
//! simple model driven by the transaction results.

use std::collections::BTreeMap;

use proptest::prelude::*;
use weave_genesis::AppState;
use weave_kernel::Address;

use crate::harness::*;

const FUNDED: u128 = 1_000_000;

#[derive(Debug, Clone)]
enum Op {
    Send {
        from: usize,
        to: usize,
        amount: u128,
    },
    MultiSend {
        from: usize,
        outputs: Vec<(usize, u128)>,
    },
    /// Inputs and outputs differ: rejected before the fee.
    Unbalanced {
        from: usize,
        to: usize,
        amount: u128,
    },
    /// A signature from the wrong sequence.
    StaleSequence {
        from: usize,
        to: usize,
        amount: u128,
    },
}

/// Senders: three secp256k1 accounts, an ed25519 one, and one that cannot pay a fee.
fn keys() -> Vec<TestKey> {
    vec![
        TestKey::secp256k1(11),
        TestKey::secp256k1(12),
        TestKey::secp256k1(13),
        TestKey::ed25519(14),
        TestKey::secp256k1(15),
    ]
}

/// Recipients: the senders, two addresses nobody holds a key for, and the fee collector.
fn recipients(keys: &[TestKey]) -> Vec<Address> {
    let mut r: Vec<Address> = keys.iter().map(TestKey::address).collect();
    r.push(Address::new([0xa1; 20]));
    r.push(Address::new([0xa2; 20]));
    r.push(fee_collector());
    r
}

fn amount() -> impl Strategy<Value = u128> {
    prop_oneof![
        6 => 1..=300_000u128,
        1 => Just(FUNDED),
        1 => FUNDED..=u128::MAX / 4,
    ]
}

fn op() -> impl Strategy<Value = Op> {
    let from = 0..5usize;
    let to = 0..8usize;
    prop_oneof![
        5 => (from.clone(), to.clone(), amount()).prop_map(|(from, to, amount)| Op::Send { from, to, amount }),
        3 => (from.clone(), prop::collection::vec((to.clone(), amount()), 1..4))
            .prop_map(|(from, outputs)| Op::MultiSend { from, outputs }),
        1 => (from.clone(), to.clone(), 2..1000u128)
            .prop_map(|(from, to, amount)| Op::Unbalanced { from, to, amount }),
        1 => (from, to, 1..1000u128).prop_map(|(from, to, amount)| Op::StaleSequence { from, to, amount }),
    ]
}

/// Recipients and amounts.
type Outputs = Vec<(Address, u128)>;

/// Blocks of operations.
fn blocks() -> impl Strategy<Value = Vec<Vec<Op>>> {
    prop::collection::vec(prop::collection::vec(op(), 0..5), 1..5)
}

fn check_supply_conserved(blocks: Vec<Vec<Op>>) {
    let keys = keys();
    let rcpt = recipients(&keys);
    let mut genesis = AppState::with_funded(&rcpt[..4], FUNDED).unwrap();
    genesis.add_balance(rcpt[4], FEE - 1).unwrap();
    let mut chain = TestChain::with_genesis(keys.clone(), &genesis);
    let supply = chain.total_supply();
    assert_eq!(supply, 4 * FUNDED + FEE - 1);

    // The model: balances, moved by the results the chain reports.
    let mut model: BTreeMap<Address, u128> = rcpt.iter().map(|a| (*a, chain.balance(a))).collect();

    for ops in blocks {
        let numbers: Vec<u64> = (0..keys.len())
            .map(|i| chain.account(&keys[i].address()).unwrap().account_number)
            .collect();
        // Sequences as the chain has them, bumped as this block uses them.
        let mut seqs: Vec<u64> = (0..keys.len())
            .map(|i| chain.sequence(&keys[i].address()))
            .collect();
        let mut txs = Vec::new();
        let mut moves: Vec<(Address, Outputs, &Op)> = Vec::new();
        for op in &ops {
            let (from, sequence, m, outs) = match op {
                Op::Send { from, to, amount } => (
                    *from,
                    seqs[*from],
                    msg::send(&keys[*from].address(), &rcpt[*to], *amount),
                    vec![(rcpt[*to], *amount)],
                ),
                Op::MultiSend { from, outputs } => {
                    let outs: Vec<(Address, u128)> =
                        outputs.iter().map(|(to, a)| (rcpt[*to], *a)).collect();
                    (
                        *from,
                        seqs[*from],
                        msg::multi_send(&keys[*from].address(), &outs),
                        outs,
                    )
                }
                Op::Unbalanced { from, to, amount } => (
                    *from,
                    seqs[*from],
                    msg::multi_send_with_input(
                        &keys[*from].address(),
                        amount - 1,
                        &[(rcpt[*to], *amount)],
                    ),
                    vec![],
                ),
                Op::StaleSequence { from, to, amount } => (
                    *from,
                    seqs[*from] + 1,
                    msg::send(&keys[*from].address(), &rcpt[*to], *amount),
                    vec![],
                ),
            };
            let mut b = TxBuilder::new(vec![m]).sequence(sequence);
            b.account_number = numbers[from];
            txs.push(b.sign(&keys[from]));
            moves.push((keys[from].address(), outs, op));
            if sequence == seqs[from] {
                seqs[from] += 1;
            }
        }

        let res = chain.deliver_block(&txs);
        for (r, (sender, outs, op)) in res.tx_results.iter().zip(&moves) {
            if paid_fee(r) {
                let bal = model.get_mut(sender).unwrap();
                *bal = bal
                    .checked_sub(FEE)
                    .expect("the chain charged a fee the sender did not have");
                *model.get_mut(&fee_collector()).unwrap() += FEE;
            }
            if r.code == 0 {
                assert!(paid_fee(r), "a successful transaction paid its fee");
                for (to, amount) in outs {
                    let bal = model.get_mut(sender).unwrap();
                    *bal = bal
                        .checked_sub(*amount)
                        .expect("the chain moved more than the sender had");
                    *model.get_mut(to).unwrap() += amount;
                }
            } else {
                assert!(!r.codespace.is_empty());
            }
            match op {
                Op::Unbalanced { .. } => {
                    assert_eq!((r.codespace.as_str(), r.code), ("bank", 3), "{}", r.log);
                    assert!(!paid_fee(r));
                }
                Op::StaleSequence { .. } => {
                    // Refused at the fee (a poor sender) or at the sequence; either way
                    // before anything is charged.
                    assert!(r.code == 32 || r.code == 5, "{}", r.log);
                    assert!(!paid_fee(r));
                }
                _ => {}
            }
        }

        assert_eq!(chain.total_supply(), supply, "supply changed");
        let mut sum = 0u128;
        for a in &rcpt {
            let all = chain.all_balances(a);
            assert!(all.iter().all(|(d, amount)| d == DENOM && *amount > 0));
            let bal: u128 = all.iter().map(|(_, x)| *x).sum();
            assert_eq!(bal, model[a], "balance of {a}");
            sum += bal;
        }
        assert_eq!(sum, supply, "the balances do not add up to the supply");
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 32, ..ProptestConfig::default() })]

    #[test]
    fn supply_is_conserved_and_equals_the_sum_of_balances(blocks in blocks()) {
        check_supply_conserved(blocks);
    }
}
