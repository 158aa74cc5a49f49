//! Every call the pages make to the chain and to the node's sidecar, through the client
//! library. Kept to these few small functions so they can be re-pointed when the
//! client library's per-module API moves.

use std::path::{Path, PathBuf};

use anyhow::{anyhow, bail, Context};
use clap::{Parser, ValueEnum};
use cosmos_sdk_proto::{
    cosmos::tx::v1beta1::{service_client::ServiceClient, GetTxRequest},
    Any,
};
use tonic::transport::{Channel, Endpoint};
use weave_client::{
    builder::to_any,
    content::{keys, query as content_query},
    gov::{
        query::{self as gov_query, Tally},
        ParamsModule,
    },
    keys::{KeyInfo, Keyring, KeyringBackend, SigningKey, PASSPHRASE_ENV},
    opts::{GlobalOpts, OutputFormat},
    sidecar_auth::{local_sidecar, LocalSidecar},
    tx::{sign_and_submit, TxOpts, TxPlan},
};
use weave_kernel::{Address, Coin, Coins, DENOM};
use weave_proto::weave::{
    base::v1::PageRequest,
    content::v1::{self as pb, query_client::QueryClient as ContentQuery},
    gov::v1 as gov_pb,
    search::v1::{self as search_pb, search_client::SearchClient},
    social::v1 as social_pb,
};
use weave_slices::{open_key, ContentKey};
use zeroize::Zeroizing;

/// How many missing channel ids in a row end the scan for an account's channels.
const CHANNEL_SCAN_MISSES: u32 = 3;
/// The most channel ids that scan reads.
const CHANNEL_SCAN_MAX: u64 = 256;

/// How many contents the feed reads.
const FEED_LIMIT: u32 = 200;

/// The key ring backend `[web] keyring_backend` names (empty: `test` if the home has a
/// test key ring, else `file`).
pub(crate) fn keyring_backend(home: &Path, name: &str) -> Result<KeyringBackend, String> {
    match name {
        "test" => Ok(KeyringBackend::Test),
        "file" => Ok(KeyringBackend::File),
        "" if home.join("keyring-test").is_dir() => Ok(KeyringBackend::Test),
        "" => Ok(KeyringBackend::File),
        other => Err(format!(
            "keyring_backend = {other:?}: want \"test\" or \"file\""
        )),
    }
}

/// The node as the pages reach it: its gRPC API and its sidecar, its key ring.
pub(crate) struct Node {
    home: PathBuf,
    chain_id: String,
    backend: KeyringBackend,
    /// For queries and transactions (calls time out).
    calls: Channel,
    /// For sidecar fetches (no deadline: they last as long as the download).
    streams: Channel,
    /// CometBFT's RPC, `http://HOST:PORT`, for `tx_search` and `tx`.
    rpc: String,
    /// Held while a transaction is signed and waited for, so that two of this node's
    /// transactions (a page's and the key daemon's) never take the same sequence.
    tx_lock: tokio::sync::Mutex<()>,
    /// The `file` key ring's passphrase, as given on the Unlock page (or, for scripts,
    /// `WEAVE_KEYRING_PASSPHRASE` at start). Only ever in this process's memory.
    passphrase: std::sync::RwLock<Option<Zeroizing<String>>>,
}

/// Why a key cannot be used yet: the `file` key ring's passphrase was not given.
#[derive(Debug, thiserror::Error)]
#[error("the key ring is locked: give its passphrase on the Unlock page (/unlock)")]
pub(crate) struct Locked;

/// A transaction in a block.
#[derive(Debug, Clone)]
pub(crate) struct Included {
    /// Its hash.
    pub(crate) hash: String,
    /// The fee it paid, in uweave.
    pub(crate) fee: u128,
}

/// `TxOpts` as the command line would parse them: the client library's defaults
/// (gas by simulation × 1.3, 0.025uweave a unit), waiting for the block.
#[derive(Debug, Parser)]
struct PlanArgs {
    #[command(flatten)]
    opts: TxOpts,
}

impl Node {
    pub(crate) fn new(
        home: &Path,
        grpc_url: &str,
        rpc_url: &str,
        chain_id: &str,
        backend: KeyringBackend,
    ) -> anyhow::Result<Self> {
        let endpoint = Endpoint::from_shared(grpc_url.to_string())
            .with_context(|| format!("invalid gRPC URL {grpc_url:?}"))?
            .connect_timeout(std::time::Duration::from_secs(5));
        Ok(Self {
            home: home.to_path_buf(),
            chain_id: chain_id.to_string(),
            backend,
            calls: endpoint
                .clone()
                .timeout(std::time::Duration::from_secs(30))
                .connect_lazy(),
            streams: endpoint.connect_lazy(),
            rpc: rpc_url
                .strip_prefix("tcp://")
                .map(|r| format!("http://{r}"))
                .unwrap_or_else(|| rpc_url.to_string()),
            tx_lock: tokio::sync::Mutex::new(()),
            passphrase: std::sync::RwLock::new(match backend {
                KeyringBackend::File => std::env::var(PASSPHRASE_ENV).ok().map(Zeroizing::new),
                KeyringBackend::Test => None,
            }),
        })
    }

    /// The key ring; never prompts on the node's terminal: a locked `file` key ring is
    /// [`Locked`] until the Unlock page gives its passphrase.
    fn keyring(&self) -> anyhow::Result<Keyring> {
        match self.backend {
            KeyringBackend::Test => Keyring::open(&self.home, KeyringBackend::Test),
            KeyringBackend::File => {
                let passphrase = self
                    .passphrase
                    .read()
                    .map_err(|_| anyhow!("the passphrase lock is poisoned"))?
                    .as_ref()
                    .map(|p| p.to_string())
                    .ok_or(Locked)?;
                Keyring::open_with_passphrase(&self.home, KeyringBackend::File, Some(passphrase))
            }
        }
    }

    /// Whether the key ring is `file`, the one that needs a passphrase.
    pub(crate) fn needs_passphrase(&self) -> bool {
        self.backend == KeyringBackend::File
    }

    /// Whether signing waits for the passphrase (a `file` key ring not unlocked yet).
    pub(crate) fn is_locked(&self) -> bool {
        self.needs_passphrase() && self.passphrase.read().map_or(true, |p| p.is_none())
    }

    /// Checks `passphrase` by opening the first key of the `file` key ring with it, and
    /// keeps it (in memory only) if it opens; the key's name. Argon2id makes this take a
    /// moment, so it runs off the async threads.
    pub(crate) async fn unlock(&self, passphrase: Zeroizing<String>) -> anyhow::Result<String> {
        if !self.needs_passphrase() {
            bail!("this node's key ring is the test one, which needs no passphrase");
        }
        if passphrase.is_empty() {
            bail!("the passphrase is empty");
        }
        let home = self.home.clone();
        let given = passphrase.clone();
        let name = tokio::task::spawn_blocking(move || -> anyhow::Result<String> {
            let ring = Keyring::open_with_passphrase(
                &home,
                KeyringBackend::File,
                Some(given.to_string()),
            )?;
            let first = ring.list()?.into_iter().next().ok_or_else(|| {
                anyhow!("the node's key ring has no keys: add one with `weaved keys add`")
            })?;
            ring.signing_key(&first.name)?;
            Ok(first.name)
        })
        .await
        .map_err(|e| anyhow!("checking the passphrase: {e}"))??;
        *self
            .passphrase
            .write()
            .map_err(|_| anyhow!("the passphrase lock is poisoned"))? = Some(passphrase);
        Ok(name)
    }

    /// Forgets the passphrase: signing waits for the Unlock page again.
    pub(crate) fn lock(&self) {
        if let Ok(mut p) = self.passphrase.write() {
            *p = None;
        }
    }

    /// The keys of the node's key ring (listing needs no passphrase, so this works while
    /// it is locked).
    pub(crate) fn keys(&self) -> anyhow::Result<Vec<KeyInfo>> {
        Keyring::open(&self.home, self.backend)?.list()
    }

    /// The signing key named `name`.
    pub(crate) fn signing_key(&self, name: &str) -> anyhow::Result<SigningKey> {
        self.keyring()?.signing_key(name)
    }

    /// The newest contents, newest first.
    pub(crate) async fn feed(&self) -> anyhow::Result<Vec<pb::Content>> {
        let r = ContentQuery::new(self.calls.clone())
            .feed(pb::QueryFeedRequest {
                page: Some(PageRequest {
                    key: Vec::new(),
                    limit: FEED_LIMIT,
                }),
            })
            .await
            .map_err(weave_client::chain::status_error)?
            .into_inner();
        Ok(r.contents)
    }

    /// Contents carrying `tag`, newest first.
    pub(crate) async fn by_tag(&self, tag: &str) -> anyhow::Result<Vec<pb::Content>> {
        let r = ContentQuery::new(self.calls.clone())
            .content_by_tag(pb::QueryContentByTagRequest {
                tag: tag.to_string(),
                page: Some(PageRequest {
                    key: Vec::new(),
                    limit: FEED_LIMIT,
                }),
            })
            .await
            .map_err(weave_client::chain::status_error)?
            .into_inner();
        Ok(r.contents)
    }

    /// A creator's contents, newest first.
    pub(crate) async fn by_creator(&self, creator: &str) -> anyhow::Result<Vec<pb::Content>> {
        let r = ContentQuery::new(self.calls.clone())
            .content_by_creator(pb::QueryContentByCreatorRequest {
                creator: creator.to_string(),
                page: Some(PageRequest {
                    key: Vec::new(),
                    limit: FEED_LIMIT,
                }),
            })
            .await
            .map_err(weave_client::chain::status_error)?
            .into_inner();
        Ok(r.contents)
    }

    /// One content.
    pub(crate) async fn content(&self, id: u64) -> anyhow::Result<pb::Content> {
        content_query::fetch_content(&self.calls, id).await
    }

    /// The access tokens `who` holds for content `id`.
    pub(crate) async fn access(&self, id: u64, who: &Address) -> anyhow::Result<u64> {
        let r = ContentQuery::new(self.calls.clone())
            .access(pb::QueryAccessRequest {
                content_id: id,
                address: who.to_string(),
            })
            .await
            .map_err(weave_client::chain::status_error)?
            .into_inner();
        Ok(r.tokens)
    }

    /// Every balance of `who`, as `(denom, amount)`.
    pub(crate) async fn balances(&self, who: &Address) -> anyhow::Result<Vec<(String, String)>> {
        weave_client::bank::query::all_balances(self.calls.clone(), *who).await
    }

    /// The key of a content as `key` holds it: delivered on chain and opened with its
    /// buyer key, or, for the creator, its own key file. `None` while none was delivered.
    pub(crate) async fn content_key(
        &self,
        content: &pb::Content,
        key: &SigningKey,
    ) -> anyhow::Result<Option<ContentKey>> {
        let holder = key.address();
        let root = keys::root_of(content)?;
        if content.creator == holder.to_string() {
            if let Some(k) = keys::load_key(&self.home, &root)? {
                return Ok(Some(k));
            }
        }
        let Some(sealed) =
            content_query::fetch_sealed_key(&self.calls, content.id, &holder).await?
        else {
            return Ok(None);
        };
        let opened = open_key(
            &keys::buyer_secret(key),
            &sealed.sealed,
            &keys::sealing_context(&root, &holder),
        )
        .map_err(|e| anyhow!("the key delivered to {holder}: {e}"))?;
        Ok(Some(opened))
    }

    /// Buys `quantity` access tokens for at most `max_total_price`, registering the
    /// account's buyer key in the same transaction if it has none (so the creator's
    /// node can deliver the content key).
    pub(crate) async fn purchase(
        &self,
        key: &SigningKey,
        id: u64,
        quantity: u64,
        max_total_price: u128,
    ) -> anyhow::Result<Included> {
        let buyer = key.address();
        let mut messages = Vec::new();
        if content_query::fetch_buyer_key(&self.calls, &buyer)
            .await
            .is_err()
        {
            messages.push(to_any(
                weave_content::MSG_REGISTER_BUYER_KEY,
                &pb::MsgRegisterBuyerKey {
                    owner: buyer.to_string(),
                    x25519_public_key: keys::buyer_secret(key).public_key().to_vec(),
                },
            ));
        }
        messages.push(to_any(
            weave_content::MSG_PURCHASE_ACCESS,
            &pb::MsgPurchaseAccess {
                buyer: buyer.to_string(),
                content_id: id,
                quantity,
                max_total_price: max_total_price.to_string(),
            },
        ));
        self.submit(key, messages).await
    }

    /// The proposals, newest first, each with its tally (the running one while it
    /// votes, the final one after).
    pub(crate) async fn proposals(&self) -> anyhow::Result<Vec<(gov_pb::Proposal, Tally)>> {
        let page = gov_query::proposals(
            &self.calls,
            gov_pb::ProposalStatus::Unspecified,
            PageRequest {
                key: Vec::new(),
                limit: FEED_LIMIT,
            },
        )
        .await?;
        let mut out = Vec::with_capacity(page.entries.len());
        for p in page.entries.into_iter().rev() {
            let tally = gov_query::tally(&self.calls, p.id).await?;
            out.push((p, tally));
        }
        Ok(out)
    }

    /// How `voter` voted on a proposal, `None` if it has not (the node answers
    /// "vote of … not found").
    pub(crate) async fn my_vote(
        &self,
        proposal_id: u64,
        voter: &Address,
    ) -> anyhow::Result<Option<gov_pb::Vote>> {
        match gov_query::vote(&self.calls, proposal_id, voter).await {
            Ok(v) => Ok(Some(v)),
            Err(e) if format!("{e:#}").contains("not found") => Ok(None),
            Err(e) => Err(e),
        }
    }

    /// The current parameters of every module, as JSON.
    pub(crate) async fn all_params(&self) -> Vec<(String, anyhow::Result<serde_json::Value>)> {
        let mut out = Vec::new();
        for m in ParamsModule::value_variants() {
            let name = m
                .to_possible_value()
                .map(|v| v.get_name().to_string())
                .unwrap_or_default();
            out.push((name, gov_query::current_params(&self.calls, *m).await));
        }
        out
    }

    /// Votes `option` on a proposal.
    pub(crate) async fn vote(
        &self,
        key: &SigningKey,
        proposal_id: u64,
        option: gov_pb::VoteOption,
    ) -> anyhow::Result<Included> {
        let msg = weave_client::gov::msg::vote(&key.address(), proposal_id, option, String::new())?;
        self.submit(key, vec![msg]).await
    }

    /// The gov parameters (the minimum deposits).
    pub(crate) async fn gov_params(&self) -> anyhow::Result<gov_pb::Params> {
        gov_query::gov_params(&self.calls).await
    }

    /// Deposits `amount` uweave on a proposal (in its deposit period, or while it votes).
    pub(crate) async fn deposit(
        &self,
        key: &SigningKey,
        proposal_id: u64,
        amount: u128,
    ) -> anyhow::Result<Included> {
        let msg = weave_client::gov::msg::deposit(&key.address(), proposal_id, amount)?;
        self.submit(key, vec![msg]).await
    }

    /// Submits a proposal file's JSON (checked by the client library as `tx gov
    /// submit-proposal` checks it, its `pin_params` read now) with its initial deposit;
    /// the transaction and the new proposal's id.
    pub(crate) async fn submit_proposal(
        &self,
        key: &SigningKey,
        file: &serde_json::Value,
    ) -> anyhow::Result<(Included, Option<u64>)> {
        let proposal = weave_client::gov::Proposal::parse(&file.to_string())?;
        let plan = self.plan()?;
        let submitted = {
            let _one_at_a_time = self.tx_lock.lock().await;
            weave_client::gov::tx::submit_proposal(&self.calls, &plan, key, &proposal).await?
        };
        let id = submitted.proposal_id;
        Ok((self.included(submitted.tx).await?, id))
    }

    /// The contents `who` holds access tokens for (with the tiers they reach), as
    /// `(content, tokens, rights)`, newest first. There is no query by holder, so this
    /// asks for every content of the feed.
    pub(crate) async fn holdings(
        &self,
        who: &Address,
    ) -> anyhow::Result<Vec<(pb::Content, u64, Vec<String>)>> {
        let mut out = Vec::new();
        for c in self.feed().await? {
            let a = content_query::access(&self.calls, c.id, who).await?;
            if a.tokens > 0 {
                out.push((c, a.tokens, a.rights));
            }
        }
        Ok(out)
    }

    /// The subscriptions of `who`.
    pub(crate) async fn subscriptions(
        &self,
        who: &Address,
    ) -> anyhow::Result<Vec<pb::Subscription>> {
        let page = content_query::subscriptions(
            &self.calls,
            who,
            PageRequest {
                key: Vec::new(),
                limit: FEED_LIMIT,
            },
        )
        .await?;
        Ok(page.entries)
    }

    /// Sends `amount` uweave from `key` to `to`.
    pub(crate) async fn send(
        &self,
        key: &SigningKey,
        to: &Address,
        amount: u128,
    ) -> anyhow::Result<Included> {
        let coins = Coins::new(vec![Coin {
            denom: DENOM.to_string(),
            amount,
        }])
        .map_err(|e| anyhow!("{e}"))?;
        let msg = weave_client::bank::msg::msg_send(&key.address(), to, &coins);
        self.submit(key, vec![msg]).await
    }

    /// Signs, broadcasts and waits for the block, as `weaved tx … --wait` does; fails
    /// with the chain's `codespace:code` if CheckTx or the block refused it.
    async fn submit(&self, key: &SigningKey, messages: Vec<Any>) -> anyhow::Result<Included> {
        let plan = self.plan()?;
        let submitted = {
            let _one_at_a_time = self.tx_lock.lock().await;
            sign_and_submit(&self.calls, &plan, key, messages).await?
        };
        submitted.outcome()?;
        if !submitted.is_included() {
            bail!("transaction {} is not in a block", submitted.hash);
        }
        let fee = self.fee_of(&submitted.hash).await?;
        Ok(Included {
            hash: submitted.hash,
            fee,
        })
    }

    /// How transactions are signed: the client library's defaults, waiting for the
    /// block.
    pub(crate) fn plan(&self) -> anyhow::Result<TxPlan> {
        let args = PlanArgs::try_parse_from(["web", "--chain-id", &self.chain_id, "--wait"])
            .map_err(|e| anyhow!("{e}"))?;
        let g = GlobalOpts {
            home: self.home.clone(),
            keyring_backend: self.backend,
            output: OutputFormat::Text,
        };
        TxPlan::resolve(&args.opts, &g)
    }

    /// The node's home.
    pub(crate) fn home(&self) -> &Path {
        &self.home
    }

    /// The channel for queries and transactions.
    pub(crate) fn calls(&self) -> &Channel {
        &self.calls
    }

    /// The channel without deadline, for long sidecar calls (adding a file).
    pub(crate) fn streams(&self) -> Channel {
        self.streams.clone()
    }

    /// Holds the transaction lock (for a daemon that signs with its own flow).
    pub(crate) async fn tx_lock(&self) -> tokio::sync::MutexGuard<'_, ()> {
        self.tx_lock.lock().await
    }

    /// Tips a content `amount` uweave (through its split).
    pub(crate) async fn tip(
        &self,
        key: &SigningKey,
        content_id: u64,
        amount: u128,
    ) -> anyhow::Result<Included> {
        let msg = weave_client::content::msg::tip(
            &key.address(),
            weave_client::content::msg::TipTarget::Content(content_id),
            amount,
        )?;
        self.submit(key, vec![msg]).await
    }

    /// A creator's subscription terms: `(price, period_blocks)`, `None` if it takes no
    /// subscriptions.
    pub(crate) async fn subscription_terms(
        &self,
        creator: &Address,
    ) -> anyhow::Result<Option<(u128, u64)>> {
        match content_query::subscription_terms(&self.calls, creator).await {
            Ok(t) if t.period_blocks > 0 => {
                let price = weave_kernel::parse_amount(&t.price)
                    .map_err(|e| anyhow!("price {:?}: {e}", t.price))?;
                Ok(Some((price, t.period_blocks)))
            }
            Ok(_) => Ok(None),
            // `content:16`: the creator never set terms.
            Err(e)
                if crate::words::explain(&format!("{e:#}")).code.as_deref()
                    == Some("content:16") =>
            {
                Ok(None)
            }
            Err(e) if format!("{e:#}").contains("not found") => Ok(None),
            Err(e) => Err(e),
        }
    }

    /// Subscribes to `creator` for `periods` periods, paying at most `max_total_price`
    /// (registering the buyer key in the same transaction if there is none, so the
    /// creator's node can deliver keys).
    pub(crate) async fn subscribe(
        &self,
        key: &SigningKey,
        creator: &Address,
        periods: u64,
        max_total_price: u128,
    ) -> anyhow::Result<Included> {
        let me = key.address();
        let mut messages = Vec::new();
        if content_query::fetch_buyer_key(&self.calls, &me)
            .await
            .is_err()
        {
            messages.push(weave_client::content::msg::register_buyer_key(
                &me,
                &keys::buyer_secret(key).public_key(),
            )?);
        }
        messages.push(weave_client::content::msg::subscribe(
            &me,
            creator,
            periods,
            max_total_price,
        )?);
        self.submit(key, messages).await
    }

    /// Gives `quantity` access tokens of a content to `to`.
    pub(crate) async fn transfer_access(
        &self,
        key: &SigningKey,
        content_id: u64,
        to: &Address,
        quantity: u64,
    ) -> anyhow::Result<Included> {
        let msg =
            weave_client::content::msg::transfer_access(&key.address(), to, content_id, quantity)?;
        self.submit(key, vec![msg]).await
    }

    /// Opens a payment channel with `deposit` uweave, closing `blocks` blocks from now;
    /// its id.
    pub(crate) async fn open_channel(
        &self,
        key: &SigningKey,
        deposit: u128,
        blocks: u64,
    ) -> anyhow::Result<(Included, Option<u64>)> {
        let height = weave_client::chain::latest_height(&self.calls).await?;
        let expiry = height
            .checked_add(blocks)
            .ok_or_else(|| anyhow!("height {height} + {blocks} overflows"))?;
        let msg = weave_client::channels::msg::open_channel(
            &key.address(),
            deposit,
            &weave_client::channels::voucher::voucher_public_key(key),
            expiry,
            0,
        )?;
        let done = self.submit(key, vec![msg]).await?;
        let id = self.tx_events(&done.hash).await.ok().and_then(|events| {
            events
                .iter()
                .find(|e| e.kind == "weave.channels.v1.EventChannelOpened")
                .and_then(|e| e.get("channel_id"))
                .and_then(|v| v.parse().ok())
        });
        Ok((done, id))
    }

    /// Adds `amount` uweave to a channel.
    pub(crate) async fn top_up(
        &self,
        key: &SigningKey,
        channel_id: u64,
        amount: u128,
    ) -> anyhow::Result<Included> {
        let msg = weave_client::channels::msg::top_up(&key.address(), channel_id, amount)?;
        self.submit(key, vec![msg]).await
    }

    /// Closes a channel (its challenge period starts).
    pub(crate) async fn close_channel(
        &self,
        key: &SigningKey,
        channel_id: u64,
    ) -> anyhow::Result<Included> {
        let msg = weave_client::channels::msg::close_channel(&key.address(), channel_id)?;
        self.submit(key, vec![msg]).await
    }

    /// A channel and its lanes.
    pub(crate) async fn channel(
        &self,
        channel_id: u64,
    ) -> anyhow::Result<(
        weave_client::channels::query::ChannelView,
        Vec<weave_client::channels::query::LaneView>,
    )> {
        let c = weave_client::channels::query::channel(&self.calls, channel_id).await?;
        let lanes = weave_client::channels::query::lanes(
            &self.calls,
            channel_id,
            PageRequest {
                key: Vec::new(),
                limit: FEED_LIMIT,
            },
        )
        .await?;
        Ok((
            c,
            lanes
                .entries
                .iter()
                .map(weave_client::channels::query::LaneView::from)
                .collect(),
        ))
    }

    /// The seeder record of `who`, `None` if it never bonded.
    pub(crate) async fn seeder(
        &self,
        who: &Address,
    ) -> anyhow::Result<Option<weave_proto::weave::seeders::v1::Seeder>> {
        match weave_client::seeders::query::seeder(&self.calls, who).await {
            Ok(s) => Ok(Some(s)),
            Err(e) if format!("{e:#}").contains("not found") => Ok(None),
            Err(e) => Err(e),
        }
    }

    /// What `who` earned through vouchers as a seeder.
    pub(crate) async fn seeder_earnings(
        &self,
        who: &Address,
    ) -> anyhow::Result<weave_client::channels::query::EarningsView> {
        weave_client::channels::query::earnings(&self.calls, who).await
    }

    /// Bonds `amount` uweave as a seeder of `contents` with this node's sidecar.
    pub(crate) async fn bond(
        &self,
        key: &SigningKey,
        amount: u128,
        contents: &[u64],
    ) -> anyhow::Result<Included> {
        let refs: Vec<weave_client::seeders::ContentRef> = contents
            .iter()
            .map(|id| weave_client::seeders::ContentRef::Id(*id))
            .collect();
        let plan = self.plan()?;
        let bonded = {
            let _one_at_a_time = self.tx_lock.lock().await;
            weave_client::seeders::tx::bond(
                &self.calls,
                &plan,
                key,
                &self.home,
                amount,
                &refs,
                None,
                Vec::new(),
            )
            .await?
        };
        self.included(bonded.tx).await
    }

    /// Starts unbonding the seeder bond.
    pub(crate) async fn unbond(&self, key: &SigningKey) -> anyhow::Result<Included> {
        let msg = weave_client::seeders::msg::unbond_seeder(&key.address())?;
        self.submit(key, vec![msg]).await
    }

    /// Claims (or, with `count_only`, counts) the vouchers this node's sidecar holds
    /// for `key`'s seeder.
    pub(crate) async fn claim_now(
        &self,
        key: SigningKey,
        count_only: bool,
    ) -> anyhow::Result<weave_client::channels::claimd::ClaimNow> {
        let plan = self.plan()?;
        let _one_at_a_time = if count_only {
            None
        } else {
            Some(self.tx_lock.lock().await)
        };
        Ok(weave_client::channels::claimd::claim_now(
            self.calls.clone(),
            &self.home,
            plan,
            key,
            count_only,
        )
        .await)
    }

    /// A submitted transaction, checked and with its fee.
    async fn included(&self, submitted: weave_client::tx::Submitted) -> anyhow::Result<Included> {
        submitted.outcome()?;
        if !submitted.is_included() {
            bail!("transaction {} is not in a block", submitted.hash);
        }
        let fee = self.fee_of(&submitted.hash).await?;
        Ok(Included {
            hash: submitted.hash,
            fee,
        })
    }

    /// `GET` on CometBFT's RPC: the `result` of its JSON answer.
    async fn rpc_get(&self, path_and_query: &str) -> anyhow::Result<serde_json::Value> {
        crate::rpc::get(&self.rpc, path_and_query).await
    }

    /// The committed transactions matching a CometBFT event query, newest first (at
    /// most `limit`).
    pub(crate) async fn tx_search(
        &self,
        query: &str,
        limit: u8,
    ) -> anyhow::Result<Vec<crate::rpc::TxRecord>> {
        let v = self
            .rpc_get(&format!(
                "/tx_search?query={}&per_page={limit}&order_by=%22desc%22",
                crate::rpc::quote(query)
            ))
            .await?;
        crate::rpc::tx_records(&v)
    }

    /// One committed transaction by hash.
    pub(crate) async fn tx_record(&self, hash: &str) -> anyhow::Result<crate::rpc::TxRecord> {
        let v = self.rpc_get(&format!("/tx?hash=0x{hash}")).await?;
        crate::rpc::tx_record(&v)
    }

    /// The events of a committed transaction.
    async fn tx_events(&self, hash: &str) -> anyhow::Result<Vec<crate::rpc::TxEvent>> {
        Ok(self.tx_record(hash).await?.events)
    }

    /// The uweave fee a committed transaction paid.
    async fn fee_of(&self, hash: &str) -> anyhow::Result<u128> {
        let r = ServiceClient::new(self.calls.clone())
            .get_tx(GetTxRequest {
                hash: hash.to_string(),
            })
            .await
            .map_err(weave_client::chain::status_error)?
            .into_inner();
        let coins =
            r.tx.and_then(|t| t.auth_info)
                .and_then(|a| a.fee)
                .map(|f| f.amount)
                .unwrap_or_default();
        coins
            .iter()
            .filter(|c| c.denom == DENOM)
            .try_fold(0u128, |sum, c| {
                let a: u128 = c.amount.parse().ok()?;
                sum.checked_add(a)
            })
            .ok_or_else(|| anyhow!("transaction {hash} carries a malformed fee"))
    }

    /// The node's sidecar API, with the node's token.
    /// The open payment channels `payer` pays from, for the content page's choice of
    /// channel. The chain has no index of channels by payer, so this reads channels by
    /// id from 1 until [`CHANNEL_SCAN_MISSES`] ids in a row are missing (or
    /// [`CHANNEL_SCAN_MAX`] were read).
    pub(crate) async fn open_channels(
        &self,
        payer: &Address,
    ) -> Vec<weave_client::channels::query::ChannelView> {
        let me = payer.to_string();
        let mut found = Vec::new();
        let mut misses = 0;
        for id in 1..=CHANNEL_SCAN_MAX {
            match weave_client::channels::query::channel(&self.calls, id).await {
                Ok(c) => {
                    misses = 0;
                    if c.payer == me && c.status == "open" {
                        found.push(c);
                    }
                }
                Err(_) => {
                    misses += 1;
                    if misses >= CHANNEL_SCAN_MISSES {
                        break;
                    }
                }
            }
        }
        found
    }

    pub(crate) fn sidecar(&self) -> LocalSidecar {
        local_sidecar(self.streams.clone(), &self.home)
    }
}

/// The most comments (and replies per comment) a content page shows at once.
pub(crate) const COMMENTS_PER_PAGE: u32 = 20;

/// The social module (profiles, follows, reactions, comments, views) and the node's
/// search index (`weave.search.v1.Search`).
impl Node {
    /// An account's profile (`None` if it has none) and its follow counts.
    pub(crate) async fn profile(
        &self,
        who: &Address,
    ) -> anyhow::Result<(Option<social_pb::Profile>, social_pb::FollowCounts)> {
        let r = weave_client::social::query::profile(self.calls.clone(), who).await?;
        Ok((r.profile, r.counts.unwrap_or_default()))
    }

    /// The address holding `handle`, `None` if no profile holds it.
    pub(crate) async fn address_of_handle(&self, handle: &str) -> anyhow::Result<Option<Address>> {
        let r = weave_client::social::query::profile_by_handle(self.calls.clone(), handle).await?;
        if r.profile.is_none() || r.address.is_empty() {
            return Ok(None);
        }
        let a = r
            .address
            .parse()
            .map_err(|e| anyhow!("the node answered address {:?}: {e}", r.address))?;
        Ok(Some(a))
    }

    /// Whether `follower` follows `followee`: the first entry of the follower's listing
    /// from the follow's own key.
    pub(crate) async fn follows(
        &self,
        follower: &Address,
        followee: &Address,
    ) -> anyhow::Result<bool> {
        let r = weave_client::social::query::follows(
            self.calls.clone(),
            follower,
            false,
            PageRequest {
                key: weave_social::state_key::follow(follower, followee),
                limit: 1,
            },
        )
        .await?;
        let them = followee.to_string();
        Ok(r.follows.iter().any(|f| f.followee == them))
    }

    /// The social module's parameters.
    pub(crate) async fn social_params(&self) -> anyhow::Result<social_pb::Params> {
        weave_client::social::query::params(self.calls.clone()).await
    }

    /// A content's reaction counts and `me`'s reaction kind (0: none).
    pub(crate) async fn reactions(
        &self,
        content_id: u64,
        me: Option<&Address>,
    ) -> anyhow::Result<(Vec<social_pb::ReactionCount>, i32)> {
        let r = weave_client::social::query::reactions(self.calls.clone(), content_id, me).await?;
        Ok((r.counts, r.reaction.map_or(0, |x| x.kind)))
    }

    /// A page of a content's top-level comments (or of a comment's replies), newest
    /// first, from `after` (a page key; empty: the newest), with the next page's key
    /// (empty: none) and the content's total.
    pub(crate) async fn comments(
        &self,
        content_id: u64,
        replies_to: Option<u64>,
        after: Vec<u8>,
    ) -> anyhow::Result<(Vec<social_pb::Comment>, Vec<u8>, u64)> {
        let r = weave_client::social::query::comments(
            self.calls.clone(),
            content_id,
            replies_to,
            PageRequest {
                key: after,
                limit: COMMENTS_PER_PAGE,
            },
        )
        .await?;
        Ok((
            r.comments,
            r.page.map(|p| p.next_key).unwrap_or_default(),
            r.total,
        ))
    }

    /// A content's verified views and distinct paying viewers.
    pub(crate) async fn views(&self, content_id: u64) -> anyhow::Result<social_pb::ViewStats> {
        let r = weave_client::social::query::views(self.calls.clone(), content_id, None).await?;
        Ok(r.stats.unwrap_or_default())
    }

    /// Sets the profile of `key`'s account.
    pub(crate) async fn set_profile(
        &self,
        key: &SigningKey,
        fields: weave_client::social::msg::ProfileFields,
    ) -> anyhow::Result<Included> {
        let msg = weave_client::social::msg::set_profile(&key.address(), fields)?;
        self.submit(key, vec![msg]).await
    }

    /// Follows (or, with `follow` false, unfollows) `whom`.
    pub(crate) async fn follow(
        &self,
        key: &SigningKey,
        whom: &Address,
        follow: bool,
    ) -> anyhow::Result<Included> {
        let msg = weave_client::social::msg::follow(&key.address(), whom, follow)?;
        self.submit(key, vec![msg]).await
    }

    /// Reacts `kind` to a content, or with `None` removes the reaction.
    pub(crate) async fn react(
        &self,
        key: &SigningKey,
        content_id: u64,
        kind: Option<social_pb::ReactionKind>,
    ) -> anyhow::Result<Included> {
        let me = key.address();
        let msg = match kind {
            Some(k) => weave_client::social::msg::react(&me, content_id, k)?,
            None => weave_client::social::msg::remove_reaction(&me, content_id)?,
        };
        self.submit(key, vec![msg]).await
    }

    /// Comments on a content (or replies to `parent_id`, 0: none).
    pub(crate) async fn comment(
        &self,
        key: &SigningKey,
        content_id: u64,
        parent_id: u64,
        text: &str,
    ) -> anyhow::Result<Included> {
        let msg = weave_client::social::msg::comment(&key.address(), content_id, parent_id, text)?;
        self.submit(key, vec![msg]).await
    }

    /// Hides (or shows again) a comment on one of `key`'s contents.
    pub(crate) async fn hide_comment(
        &self,
        key: &SigningKey,
        comment_id: u64,
        hidden: bool,
    ) -> anyhow::Result<Included> {
        let msg = weave_client::social::msg::hide_comment(&key.address(), comment_id, hidden)?;
        self.submit(key, vec![msg]).await
    }

    /// Ranked full-text search with filters, from the node's search index.
    pub(crate) async fn search(
        &self,
        request: search_pb::SearchRequest,
    ) -> anyhow::Result<search_pb::SearchResponse> {
        Ok(SearchClient::new(self.calls.clone())
            .search(request)
            .await
            .map_err(weave_client::chain::status_error)?
            .into_inner())
    }

    /// The newest contents of the accounts `who` follows.
    pub(crate) async fn following_feed(
        &self,
        who: &Address,
    ) -> anyhow::Result<search_pb::FeedResponse> {
        Ok(SearchClient::new(self.calls.clone())
            .feed(search_pb::FeedRequest {
                address: who.to_string(),
                limit: FEED_LIMIT,
            })
            .await
            .map_err(weave_client::chain::status_error)?
            .into_inner())
    }

    /// The contents with the most paid views over the last `window` blocks.
    pub(crate) async fn trending(
        &self,
        window: u64,
        limit: u32,
    ) -> anyhow::Result<search_pb::TrendingResponse> {
        Ok(SearchClient::new(self.calls.clone())
            .trending(search_pb::TrendingRequest { window, limit })
            .await
            .map_err(weave_client::chain::status_error)?
            .into_inner())
    }
}
