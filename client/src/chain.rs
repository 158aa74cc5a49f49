//! Talking to a node over gRPC: connecting, errors as the user sees them, and the
//! account a signer needs.

use std::time::Duration;

use anyhow::{anyhow, bail, Context};
use cosmos_sdk_proto::cosmos::auth::v1beta1::{
    query_client::QueryClient as AuthQueryClient, BaseAccount, ModuleAccount, QueryAccountRequest,
};
use cosmos_sdk_proto::cosmos::base::tendermint::v1beta1::{
    service_client::ServiceClient, GetLatestBlockRequest,
};
use prost::Message;
use tonic::{
    transport::{Channel, Endpoint},
    Code,
};
use weave_kernel::Address;

use crate::builder::SignerData;

/// How long connecting to the node may take.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(5);

/// How long one gRPC call may take.
const CALL_TIMEOUT: Duration = Duration::from_secs(30);

/// Opens a gRPC channel to `url`, failing fast when nothing answers.
pub async fn connect(url: &str) -> anyhow::Result<Channel> {
    let endpoint = Endpoint::from_shared(url.to_string())
        .with_context(|| format!("invalid node URL {url:?}"))?
        .connect_timeout(CONNECT_TIMEOUT)
        .timeout(CALL_TIMEOUT);
    endpoint
        .connect()
        .await
        .with_context(|| format!("cannot connect to node {url}"))
}

/// A gRPC error as the user sees it: the status message alone (the code's description
/// when the message is empty).
pub fn status_error(status: tonic::Status) -> anyhow::Error {
    if status.message().is_empty() {
        anyhow!("{}", status.code())
    } else {
        anyhow!("{}", status.message())
    }
}

/// The type URL of a plain account.
const BASE_ACCOUNT_TYPE_URL: &str = "/cosmos.auth.v1beta1.BaseAccount";

/// The type URL of a module account.
const MODULE_ACCOUNT_TYPE_URL: &str = "/cosmos.auth.v1beta1.ModuleAccount";

/// The account at `address` (`cosmos.auth.v1beta1.Query/Account`), or `None` if the
/// chain has never seen it.
pub async fn query_account(
    channel: &Channel,
    address: &Address,
) -> anyhow::Result<Option<BaseAccount>> {
    query_account_at(channel, address, crate::opts::AtHeight::default()).await
}

/// [`query_account`] at the height `at` asks for.
pub async fn query_account_at(
    channel: &Channel,
    address: &Address,
    at: crate::opts::AtHeight,
) -> anyhow::Result<Option<BaseAccount>> {
    let request = at.request(QueryAccountRequest {
        address: address.to_string(),
    });
    let response = match AuthQueryClient::new(channel.clone()).account(request).await {
        Ok(response) => response.into_inner(),
        Err(status) if status.code() == Code::NotFound => return Ok(None),
        Err(status) => return Err(status_error(status)),
    };
    let any = response
        .account
        .ok_or_else(|| anyhow!("the node returned no account for {address}"))?;
    decode_account(&any).map(Some)
}

/// Decodes the `Any` of an account: a `BaseAccount`, or the base of a `ModuleAccount`.
fn decode_account(any: &cosmos_sdk_proto::Any) -> anyhow::Result<BaseAccount> {
    match any.type_url.as_str() {
        BASE_ACCOUNT_TYPE_URL => {
            BaseAccount::decode(any.value.as_slice()).context("decoding the account")
        }
        MODULE_ACCOUNT_TYPE_URL => ModuleAccount::decode(any.value.as_slice())
            .context("decoding the module account")?
            .base_account
            .ok_or_else(|| anyhow!("module account without a base account")),
        other => bail!("unsupported account type {other}"),
    }
}

/// The account number and next sequence of `address`, which must exist on chain, for
/// signing on `chain_id`.
pub async fn fetch_signer_data(
    channel: &Channel,
    address: &Address,
    chain_id: &str,
) -> anyhow::Result<SignerData> {
    let account = query_account(channel, address)
        .await?
        .ok_or_else(|| anyhow!("account {address} not found on chain: fund it first"))?;
    Ok(SignerData {
        account_number: account.account_number,
        sequence: account.sequence,
        chain_id: chain_id.to_string(),
    })
}

/// The height of the latest block.
pub async fn latest_height(channel: &Channel) -> anyhow::Result<u64> {
    let block = ServiceClient::new(channel.clone())
        .get_latest_block(GetLatestBlockRequest {})
        .await
        .map_err(status_error)?
        .into_inner();
    let height = block
        .sdk_block
        .and_then(|b| b.header)
        .map(|h| h.height)
        .ok_or_else(|| anyhow!("the node returned no latest block"))?;
    u64::try_from(height).map_err(|_| anyhow!("the node returned height {height}"))
}

/// A runtime for one command's gRPC calls.
pub fn runtime() -> anyhow::Result<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .context("starting the async runtime")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::mock;

    const ADDR: &str = "weave1pafa9xct2zxsks824wuud2lpygj2vsf4p8dggy";

    #[tokio::test]
    async fn unknown_accounts_are_none_and_known_ones_decode() {
        let mut state = mock::ChainState::new();
        state.accounts.insert(ADDR.into(), (3, 9));
        let (_chain, channel) = mock::serve(state).await;
        let known: Address = ADDR.parse().unwrap();
        let account = query_account(&channel, &known).await.unwrap().unwrap();
        assert_eq!((account.account_number, account.sequence), (3, 9));
        let signer = fetch_signer_data(&channel, &known, "test-1").await.unwrap();
        assert_eq!(
            signer,
            SignerData {
                account_number: 3,
                sequence: 9,
                chain_id: "test-1".into()
            }
        );

        let unknown = Address::new([1; 20]);
        assert!(query_account(&channel, &unknown).await.unwrap().is_none());
        let e = fetch_signer_data(&channel, &unknown, "test-1")
            .await
            .unwrap_err();
        assert_eq!(
            e.to_string(),
            format!("account {unknown} not found on chain: fund it first")
        );
    }

    #[tokio::test]
    async fn a_dead_node_is_a_clear_error() {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        drop(listener);
        let e = connect(&url).await.unwrap_err();
        assert!(
            format!("{e:#}").starts_with(&format!("cannot connect to node {url}")),
            "{e:#}"
        );
    }
}
