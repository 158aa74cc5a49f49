//! Seeders that want to be paid: a downloader with a payment channel pays each seeder
//! slice by slice with cumulative vouchers; one without is refused; a seeder stops a
//! peer that runs past its credit window; bad vouchers are refused with a reason.
//!
//! The chain-side check is a stand-in that verifies the signature against the
//! channel's key and the price, as the node's check does with the channel read from
//! state (the node's check runs against a real chain in `tests/tests/payments.rs`).

use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use anyhow::{anyhow, Result};
use ed25519_consensus::{SigningKey, VerificationKey};
use futures::future::BoxFuture;
use futures::FutureExt;
use rand::{rngs::StdRng, RngCore, SeedableRng};
use weave_kernel::Address;
use weave_proto::weave::channels::v1::SignedVoucher;
use weave_sidecar::payment::{ChannelPayer, SeederPayments, VoucherCheck};
use weave_sidecar::protocol::{ErrorCode, Request, Response, SIGNATURE_LEN};
use weave_sidecar::{
    DownloadError, DownloadOptions, Multiaddr, Sidecar, SidecarConfig, SidecarHandle,
};
use weave_slices::{seal, ContentKey, MerkleTree, MetaHash};
use weave_voucher::{Voucher, GIB};

const DEADLINE: Duration = Duration::from_secs(180);
const SLICE: u32 = 64 * 1024;
/// 1 uweave per KiB.
const PRICE_PER_GIB: u128 = 1 << 20;
const CHAIN: &str = "weave-test";

struct Content {
    slices: Vec<Vec<u8>>,
    tree: MerkleTree,
    meta: MetaHash,
}

fn content(seed: u64, len: usize) -> Content {
    let mut rng = StdRng::seed_from_u64(seed);
    let mut plaintext = vec![0u8; len];
    rng.fill_bytes(&mut plaintext);
    let (slices, tree, meta) =
        seal(&ContentKey::from_bytes([9; 32]), &plaintext, SLICE).expect("seal");
    Content { slices, tree, meta }
}

/// Channel 1's key; the check also refuses other chains and underpriced vouchers.
struct Check {
    key: VerificationKey,
}

impl VoucherCheck for Check {
    fn check(&self, v: Voucher, signed: SignedVoucher) -> BoxFuture<'static, Result<(), String>> {
        let key = self.key;
        async move {
            if v.chain_id != CHAIN {
                return Err(format!("voucher for chain {}", v.chain_id));
            }
            if v.channel_id != 1 {
                return Err(format!("no channel {}", v.channel_id));
            }
            let sig: [u8; 64] = signed
                .signature
                .as_slice()
                .try_into()
                .map_err(|_| "signature length")?;
            key.verify(&sig.into(), &weave_voucher::sign_bytes(&signed.voucher))
                .map_err(|_| "bad signature".to_string())?;
            if v.cumulative_amount * GIB < u128::from(v.cumulative_bytes) * PRICE_PER_GIB {
                return Err("underpriced".into());
            }
            Ok(())
        }
        .boxed()
    }
}

fn voucher_key() -> SigningKey {
    SigningKey::from([3; 32])
}

async fn paid_seeder(
    dir: &Path,
    c: &Content,
    payee: Address,
    window: u64,
) -> Result<SidecarHandle> {
    let mut config = SidecarConfig::new(dir);
    config.payments = Some(SeederPayments {
        payee,
        credit_window: window,
        check: Arc::new(Check {
            key: voucher_key().verification_key(),
        }),
    });
    let node = Sidecar::start(config).await?;
    node.store().import_sealed(&c.meta, &c.slices, &c.tree)?;
    node.seed(c.meta.root).await?;
    Ok(node)
}

async fn addr(node: &SidecarHandle) -> Result<Multiaddr> {
    let a = node
        .listen_addrs()
        .await?
        .into_iter()
        .next()
        .ok_or_else(|| anyhow!("not listening"))?;
    a.with_p2p(node.peer_id()).map_err(|_| anyhow!("address"))
}

fn payer() -> Arc<Mutex<ChannelPayer>> {
    Arc::new(Mutex::new(ChannelPayer::new(
        CHAIN.into(),
        1,
        voucher_key(),
        PRICE_PER_GIB,
    )))
}

fn best(node: &SidecarHandle) -> Vec<Voucher> {
    node.best_vouchers()
        .iter()
        .map(|s| Voucher::decode(&s.voucher).expect("a voucher the seeder kept decodes"))
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_paid_seeders_are_paid_for_exactly_what_each_served() -> Result<()> {
    tokio::time::timeout(DEADLINE, async {
        let tmp = tempfile::tempdir()?;
        // 40 slices and a bit: the last slice is short.
        let c = content(1, 40 * SLICE as usize + 1000);
        let (s1, s2) = (Address::new([1; 20]), Address::new([2; 20]));
        let a = paid_seeder(&tmp.path().join("a"), &c, s1, 8 * u64::from(SLICE)).await?;
        let b = paid_seeder(&tmp.path().join("b"), &c, s2, 8 * u64::from(SLICE)).await?;
        let viewer = Sidecar::start(SidecarConfig::new(tmp.path().join("v"))).await?;
        viewer.dial(addr(&a).await?).await?;
        viewer.dial(addr(&b).await?).await?;

        // Without a channel the download is refused, with the reason.
        let err = viewer
            .download(
                c.meta,
                DownloadOptions {
                    announce: false,
                    ..DownloadOptions::default()
                },
            )
            .await
            .expect_err("no payer");
        assert!(
            matches!(err, DownloadError::PaymentRequired { seeders: 2, .. }),
            "{err}"
        );
        assert!(err.to_string().contains("payment channel"), "{err}");

        let payer = payer();
        let report = viewer
            .download(
                c.meta,
                DownloadOptions {
                    payer: Some(payer.clone()),
                    announce: false,
                    ..DownloadOptions::default()
                },
            )
            .await?;
        assert_eq!(report.slices_fetched, c.meta.slice_count);
        let got = viewer.stats().snapshot();
        assert_eq!(got.slices_verified, c.meta.slice_count);
        assert_eq!(got.slices_failed, 0);
        let served: u64 = [&a, &b]
            .iter()
            .map(|n| n.stats().snapshot().slices_served)
            .sum();
        assert!(served >= c.meta.slice_count, "{served}");

        // Every plaintext byte is paid once, to whoever served it.
        let lanes = payer.lock().unwrap().lanes();
        let total: u64 = lanes.iter().map(|l| l.2.bytes).sum();
        assert_eq!(total, c.meta.plaintext_len);
        for (seeder, node) in [(s1, &a), (s2, &b)] {
            let served = report.peer(&node.peer_id()).map_or(0, |p| p.slices);
            let lane = lanes.iter().find(|l| l.0 == seeder);
            // The seeder holds the payer's latest voucher for its lane (vouchers are
            // sent as slices land; the last may still be on its way: wait for it).
            if let Some(lane) = lane {
                let want = lane.2;
                for _ in 0..100 {
                    if best(node).first().is_some_and(|v| v.nonce == want.nonce) {
                        break;
                    }
                    tokio::time::sleep(Duration::from_millis(50)).await;
                }
                let v = best(node);
                assert_eq!(v.len(), 1);
                assert_eq!(
                    (
                        v[0].cumulative_bytes,
                        v[0].cumulative_amount,
                        v[0].nonce,
                        v[0].seeder
                    ),
                    (want.bytes, want.amount, want.nonce, seeder)
                );
                assert!(want.nonce >= served, "one voucher per slice at least");
                assert!(node.stats().snapshot().vouchers_accepted >= 1);
            } else {
                assert_eq!(served, 0);
            }
        }
        viewer.shutdown().await?;
        a.shutdown().await?;
        b.shutdown().await?;
        Ok(())
    })
    .await
    .map_err(|_| anyhow!("timed out"))?
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_peer_that_does_not_pay_is_cut_off_and_bad_vouchers_are_refused() -> Result<()> {
    tokio::time::timeout(DEADLINE, async {
        let tmp = tempfile::tempdir()?;
        let c = content(2, 10 * SLICE as usize);
        let payee = Address::new([1; 20]);
        let a = paid_seeder(&tmp.path().join("a"), &c, payee, 3 * u64::from(SLICE)).await?;
        let peer = Sidecar::start(SidecarConfig::new(tmp.path().join("p"))).await?;
        peer.dial(addr(&a).await?).await?;
        let root = c.meta.root;

        // The bitfield says where to pay and how much credit there is.
        let Response::Bitfield { payee: Some(p), .. } = peer.request(a.peer_id(), Request::Have { root }).await? else {
            return Err(anyhow!("no payee in the bitfield"));
        };
        assert_eq!((p.address, p.credit_window), (*payee.as_bytes(), 3 * u64::from(SLICE)));

        let get = |index| peer.request(a.peer_id(), Request::Get { root, index });
        for i in 0..3 {
            assert!(matches!(get(i).await?, Response::Slice { .. }));
        }
        let refused = get(3).await?;
        assert!(
            matches!(&refused, Response::Error { code: ErrorCode::PaymentRequired, message } if message.contains("voucher")),
            "{refused:?}"
        );

        let pay = |signed: SignedVoucher| {
            let mut signature = [0u8; SIGNATURE_LEN];
            signature.copy_from_slice(&signed.signature);
            peer.request(a.peer_id(), Request::Pay { voucher: signed.voucher, signature })
        };
        let refusal = |r: Response| match r {
            Response::Error { code: ErrorCode::BadVoucher, message } => message,
            other => panic!("expected a refused voucher, got {other:?}"),
        };
        let voucher = |chain: &str, seeder: Address, bytes: u64, amount: u128, nonce: u64| Voucher {
            chain_id: chain.into(),
            channel_id: 1,
            seeder,
            content_root: root,
            cumulative_bytes: bytes,
            cumulative_amount: amount,
            nonce,
        };
        let two = 2 * u64::from(SLICE);
        let price = |b: u64| (u128::from(b) * PRICE_PER_GIB).div_ceil(GIB);

        // Forged (signed by another key), another chain, another seeder, underpriced.
        let forged = voucher(CHAIN, payee, two, price(two), 1).sign(&SigningKey::from([4; 32]));
        assert!(refusal(pay(forged).await?).contains("signature"));
        let other_chain = voucher("other", payee, two, price(two), 1).sign(&voucher_key());
        assert!(refusal(pay(other_chain).await?).contains("chain"));
        let other_seeder = voucher(CHAIN, Address::new([8; 20]), two, price(two), 1).sign(&voucher_key());
        assert!(refusal(pay(other_seeder).await?).contains("this seeder is paid at"));
        let cheap = voucher(CHAIN, payee, two, price(two) - 1, 1).sign(&voucher_key());
        assert!(refusal(pay(cheap).await?).contains("underpriced"));
        let mut garbage = voucher(CHAIN, payee, two, price(two), 1).sign(&voucher_key());
        garbage.voucher.truncate(5);
        assert!(!refusal(pay(garbage).await?).is_empty());
        // Still cut off.
        assert!(matches!(get(3).await?, Response::Error { code: ErrorCode::PaymentRequired, .. }));

        // A good voucher for two slices buys two more; a replay is refused as stale.
        let good = voucher(CHAIN, payee, two, price(two), 1).sign(&voucher_key());
        assert_eq!(pay(good.clone()).await?, Response::Paid { paid_bytes: two });
        assert!(refusal(pay(good).await?).contains("stale"));
        assert!(matches!(get(3).await?, Response::Slice { .. }));
        assert!(matches!(get(4).await?, Response::Slice { .. }));
        assert!(matches!(get(5).await?, Response::Error { code: ErrorCode::PaymentRequired, .. }));
        // A slice it does not have is not charged.
        assert!(matches!(get(99).await?, Response::Error { code: ErrorCode::OutOfRange, .. }));
        assert_eq!(best(&a).len(), 1);

        peer.shutdown().await?;
        a.shutdown().await?;
        Ok(())
    })
    .await
    .map_err(|_| anyhow!("timed out"))?
}

/// A check that takes its time, as one waiting for the node to see a new channel does.
struct Slow;

impl VoucherCheck for Slow {
    fn check(&self, _: Voucher, _: SignedVoucher) -> BoxFuture<'static, Result<(), String>> {
        async {
            tokio::time::sleep(Duration::from_millis(1500)).await;
            Err("no channel 1 (yet)".to_string())
        }
        .boxed()
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_peer_cannot_keep_more_than_a_bounded_number_of_vouchers_in_checking() -> Result<()> {
    tokio::time::timeout(DEADLINE, async {
        let tmp = tempfile::tempdir()?;
        let c = content(3, 2 * SLICE as usize);
        let payee = Address::new([1; 20]);
        let mut config = SidecarConfig::new(tmp.path().join("a"));
        config.payments = Some(SeederPayments {
            payee,
            credit_window: u64::from(SLICE),
            check: Arc::new(Slow),
        });
        let a = Sidecar::start(config).await?;
        a.store().import_sealed(&c.meta, &c.slices, &c.tree)?;
        let peer = Sidecar::start(SidecarConfig::new(tmp.path().join("p"))).await?;
        peer.dial(addr(&a).await?).await?;

        // 100 vouchers at once, each for a different nonce so none is stale.
        let sends = (1..=100u64).map(|nonce| {
            let signed = Voucher {
                chain_id: CHAIN.into(),
                channel_id: 1,
                seeder: payee,
                content_root: c.meta.root,
                cumulative_bytes: nonce,
                cumulative_amount: u128::from(nonce),
                nonce,
            }
            .sign(&voucher_key());
            let mut signature = [0u8; SIGNATURE_LEN];
            signature.copy_from_slice(&signed.signature);
            peer.request(
                a.peer_id(),
                Request::Pay {
                    voucher: signed.voucher,
                    signature,
                },
            )
        });
        let answers = futures::future::join_all(sends).await;
        let (mut busy, mut refused) = (0, 0);
        for answer in answers {
            match answer? {
                Response::Error {
                    code: ErrorCode::Busy,
                    ..
                } => busy += 1,
                Response::Error {
                    code: ErrorCode::BadVoucher,
                    message,
                } if message.contains("no channel") => refused += 1,
                other => return Err(anyhow!("unexpected answer {other:?}")),
            }
        }
        // At most 64 were checked (and refused by the check); the rest were told Busy.
        assert!(refused <= 64 && refused > 0, "{refused} checked");
        assert_eq!(busy + refused, 100);
        peer.shutdown().await?;
        a.shutdown().await?;
        Ok(())
    })
    .await
    .map_err(|_| anyhow!("timed out"))?
}
