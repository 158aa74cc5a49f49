//! Determinism and restarts: replaying the same blocks from genesis gives the same app
//! hash at every height; a restart, or a crash between FinalizeBlock and Commit, picks
//! up exactly where the committed state left off.

use rand::{rngs::StdRng, Rng, SeedableRng};
use weave_kernel::Address;

use crate::harness::*;

const BLOCKS: usize = 12;

/// Seeded random blocks of sends and multi-sends among the default accounts and some
/// fresh addresses; about one in six moves more than the sender has (and fails after
/// paying its fee). Every transaction passes the ante checks, so sequences are known.
fn random_blocks(chain: &TestChain, seed: u64, blocks: usize) -> Vec<Vec<Vec<u8>>> {
    let mut rng = StdRng::seed_from_u64(seed);
    let n = chain.keys.len();
    let numbers: Vec<u64> = (0..n)
        .map(|i| chain.account(&chain.addr(i)).unwrap().account_number)
        .collect();
    let mut seqs = vec![0u64; n];
    let fresh: Vec<Address> = (0..3).map(|_| Address::new(rng.gen())).collect();
    (0..blocks)
        .map(|_| {
            (0..rng.gen_range(0..=4))
                .map(|_| {
                    let from = rng.gen_range(0..n);
                    let pick_to = |rng: &mut StdRng| {
                        if rng.gen_bool(0.2) {
                            fresh[rng.gen_range(0..fresh.len())]
                        } else {
                            chain.addr(rng.gen_range(0..n))
                        }
                    };
                    let amount = |rng: &mut StdRng| {
                        if rng.gen_ratio(1, 6) {
                            INITIAL_BALANCE * 10
                        } else {
                            rng.gen_range(1..=1_000_000u128)
                        }
                    };
                    let sender = chain.addr(from);
                    let m = if rng.gen_bool(0.25) {
                        let outs: Vec<(Address, u128)> = (0..rng.gen_range(1..=3))
                            .map(|_| (pick_to(&mut rng), amount(&mut rng)))
                            .collect();
                        msg::multi_send(&sender, &outs)
                    } else {
                        msg::send(&sender, &pick_to(&mut rng), amount(&mut rng))
                    };
                    let mut b = TxBuilder::new(vec![m]).sequence(seqs[from]);
                    b.account_number = numbers[from];
                    seqs[from] += 1;
                    b.sign(&chain.keys[from])
                })
                .collect()
        })
        .collect()
}

struct Run {
    hashes: Vec<Vec<u8>>,
    codes: Vec<Vec<u32>>,
}

fn run(chain: &mut TestChain, blocks: &[Vec<Vec<u8>>]) -> Run {
    let mut out = Run {
        hashes: Vec::new(),
        codes: Vec::new(),
    };
    for txs in blocks {
        let res = chain.deliver_block(txs);
        assert_eq!(chain.info().last_block_app_hash, res.app_hash);
        out.hashes.push(res.app_hash.to_vec());
        out.codes
            .push(res.tx_results.iter().map(|r| r.code).collect());
    }
    out
}

#[test]
fn replaying_the_same_blocks_from_genesis_gives_the_same_hashes() {
    let mut a = TestChain::new();
    let blocks = random_blocks(&a, 0x5eed, BLOCKS);
    let first = run(&mut a, &blocks);
    let all: Vec<u32> = first.codes.iter().flatten().copied().collect();
    assert!(
        all.iter().filter(|&&c| c == 0).count() >= 5,
        "the workload mostly succeeds: {all:?}"
    );
    assert!(all.contains(&5), "the workload has failing sends: {all:?}");
    // Every block with a transaction changes the state.
    for (i, txs) in blocks.iter().enumerate().skip(1) {
        if !txs.is_empty() {
            assert_ne!(first.hashes[i], first.hashes[i - 1], "block {}", i + 1);
        }
    }

    let mut b = TestChain::new();
    assert_eq!(a.genesis_hash, b.genesis_hash);
    let second = run(&mut b, &blocks);
    assert_eq!(first.hashes, second.hashes);
    assert_eq!(first.codes, second.codes);
    for i in 0..a.keys.len() {
        assert_eq!(a.balance(&a.addr(i)), b.balance(&b.addr(i)));
    }

    // Another workload leads elsewhere.
    let mut c = TestChain::new();
    let other_blocks = random_blocks(&c, 0xd1ff, BLOCKS);
    let other = run(&mut c, &other_blocks);
    assert_ne!(other.hashes.last(), first.hashes.last());
}

#[test]
fn a_restarted_app_reports_its_last_block_and_continues_identically() {
    let mut reference = TestChain::new();
    let blocks = random_blocks(&reference, 7, BLOCKS);
    let expected = run(&mut reference, &blocks);

    let mut chain = TestChain::new();
    let half = BLOCKS / 2;
    run(&mut chain, &blocks[..half]);
    let info = chain.reopen();
    assert_eq!(info.last_block_height, half as i64);
    assert_eq!(info.last_block_app_hash.to_vec(), expected.hashes[half - 1]);
    assert_eq!(info.app_version, weave_app::APP_VERSION);
    assert_eq!(chain.app().chain_id(), CHAIN_ID);
    let rest = run(&mut chain, &blocks[half..]);
    assert_eq!(rest.hashes, expected.hashes[half..].to_vec());
    assert_eq!(rest.codes, expected.codes[half..].to_vec());
    for i in 0..chain.keys.len() {
        assert_eq!(
            chain.balance(&chain.addr(i)),
            reference.balance(&reference.addr(i))
        );
    }
    assert_eq!(
        chain.balance(&fee_collector()),
        reference.balance(&fee_collector())
    );
}

#[test]
fn a_crash_between_finalize_and_commit_loses_only_the_uncommitted_block() {
    let mut reference = TestChain::new();
    let blocks = random_blocks(&reference, 11, BLOCKS);
    let expected = run(&mut reference, &blocks);
    let half = BLOCKS / 2;
    assert!(
        !blocks[half].is_empty(),
        "the lost block must change state; pick another seed"
    );
    let sender = signer_of(&blocks[half][0]);
    let committed_txs = blocks[..half]
        .iter()
        .flatten()
        .filter(|tx| signer_of(tx) == sender)
        .count() as u64;

    let mut chain = TestChain::new();
    run(&mut chain, &blocks[..half]);
    let finalized = chain.finalize(&blocks[half]);
    assert_eq!(finalized.app_hash.to_vec(), expected.hashes[half]);
    // Crash: the process dies before Commit.
    let info = chain.reopen();
    assert_eq!(info.last_block_height, half as i64);
    assert_eq!(info.last_block_app_hash.to_vec(), expected.hashes[half - 1]);
    assert_eq!(chain.sequence(&sender), committed_txs);
    // CometBFT replays the block; the result is the same.
    let rest = run(&mut chain, &blocks[half..]);
    assert_eq!(rest.hashes, expected.hashes[half..].to_vec());
    assert_eq!(rest.codes, expected.codes[half..].to_vec());
}

#[test]
fn init_chain_again_with_the_same_genesis_is_a_no_op_and_another_genesis_is_refused() {
    let mut chain = TestChain::new();
    let info = chain.reopen();
    assert_eq!(info.last_block_height, 0);
    assert_eq!(info.last_block_app_hash.to_vec(), chain.genesis_hash);
    // CometBFT calls InitChain again if it crashed before block 1: the same genesis
    // returns the committed hash and writes nothing.
    assert_eq!(chain.init_chain().unwrap(), chain.genesis_hash);
    assert_eq!(chain.info().last_block_height, 0);
    chain.genesis = b"{}".to_vec();
    assert!(chain.init_chain().is_err());
}

fn signer_of(tx: &[u8]) -> Address {
    use cosmos_sdk_proto::cosmos::tx::v1beta1::{AuthInfo, TxRaw};
    use prost::Message;
    let raw = TxRaw::decode(tx).unwrap();
    let auth = AuthInfo::decode(raw.auth_info_bytes.as_slice()).unwrap();
    let pk = weave_bank::decode_pubkey(auth.signer_infos[0].public_key.as_ref().unwrap()).unwrap();
    pk.address()
}
