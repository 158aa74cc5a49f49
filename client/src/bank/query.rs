//! Typed queries of the bank module over gRPC (`cosmos.bank.v1beta1.Query`).

use anyhow::{anyhow, bail, ensure};
use cosmos_sdk_proto::cosmos::{
    bank::v1beta1::{
        query_client::QueryClient as CosmosBankClient, QueryAllBalancesRequest, QueryBalanceRequest,
    },
    base::query::v1beta1::PageRequest,
};
use tonic::transport::Channel;
use weave_kernel::Address;
use weave_proto::weave::{
    bank::v1::{
        query_client::QueryClient as WeaveBankClient, Params, QueryModuleAccountRequest,
        QueryParamsRequest, QueryTotalSupplyRequest,
    },
    base::v1::Coin,
};

use crate::{chain::status_error, opts::AtHeight};

/// How many pages a listing may take before the client gives up.
const MAX_PAGES: usize = 10_000;

/// One balance (`cosmos.bank.v1beta1.Query/Balance`) as `(denom, amount)`.
pub async fn balance(
    channel: Channel,
    address: Address,
    denom: String,
) -> anyhow::Result<(String, String)> {
    balance_at(channel, address, denom, AtHeight::default()).await
}

/// [`balance`] at the height `at` asks for.
pub async fn balance_at(
    channel: Channel,
    address: Address,
    denom: String,
    at: AtHeight,
) -> anyhow::Result<(String, String)> {
    let request = QueryBalanceRequest {
        address: address.to_string(),
        denom: denom.clone(),
    };
    let response = CosmosBankClient::new(channel)
        .balance(at.request(request))
        .await
        .map_err(status_error)?
        .into_inner();
    Ok(match response.balance {
        Some(coin) => (coin.denom, coin.amount),
        None => (denom, "0".into()),
    })
}

/// Every balance (`cosmos.bank.v1beta1.Query/AllBalances`, all pages) as
/// `(denom, amount)` pairs.
pub async fn all_balances(
    channel: Channel,
    address: Address,
) -> anyhow::Result<Vec<(String, String)>> {
    all_balances_at(channel, address, AtHeight::default()).await
}

/// [`all_balances`] at the height `at` asks for.
pub async fn all_balances_at(
    channel: Channel,
    address: Address,
    at: AtHeight,
) -> anyhow::Result<Vec<(String, String)>> {
    let mut client = CosmosBankClient::new(channel);
    let mut balances = Vec::new();
    let mut key = Vec::new();
    for _ in 0..MAX_PAGES {
        let request = QueryAllBalancesRequest {
            address: address.to_string(),
            pagination: Some(PageRequest {
                key: key.clone(),
                ..Default::default()
            }),
            resolve_denom: false,
        };
        let response = client
            .all_balances(at.request(request))
            .await
            .map_err(status_error)?
            .into_inner();
        balances.extend(response.balances.into_iter().map(|c| (c.denom, c.amount)));
        let next = response.pagination.map(|p| p.next_key).unwrap_or_default();
        if next.is_empty() {
            return Ok(balances);
        }
        ensure!(next != key, "the node repeated a page of balances");
        key = next;
    }
    bail!("more than {MAX_PAGES} pages of balances")
}

/// The total supply of every denomination (`weave.bank.v1.Query/TotalSupply`).
pub async fn total_supply(channel: Channel) -> anyhow::Result<Vec<Coin>> {
    let response = WeaveBankClient::new(channel)
        .total_supply(QueryTotalSupplyRequest {})
        .await
        .map_err(status_error)?
        .into_inner();
    Ok(response.supply)
}

/// The address of the module account `name`, such as `community_pool`.
pub async fn module_account(channel: Channel, name: String) -> anyhow::Result<String> {
    let response = WeaveBankClient::new(channel)
        .module_account(QueryModuleAccountRequest { name })
        .await
        .map_err(status_error)?
        .into_inner();
    Ok(response.address)
}

/// The bank module's parameters.
pub async fn params(channel: Channel) -> anyhow::Result<Params> {
    WeaveBankClient::new(channel)
        .params(QueryParamsRequest {})
        .await
        .map_err(status_error)?
        .into_inner()
        .params
        .ok_or_else(|| anyhow!("the node returned no parameters"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn all_balances_reads_every_page() {
        let mut state = crate::mock::ChainState::new();
        let page = |pairs: &[(&str, &str)]| {
            pairs
                .iter()
                .map(|(d, a)| (d.to_string(), a.to_string()))
                .collect::<Vec<_>>()
        };
        state.balance_pages = vec![
            page(&[("ua", "1"), ("ub", "2")]),
            page(&[("uc", "3")]),
            page(&[("uweave", "4")]),
        ];
        let (_chain, channel) = crate::mock::serve(state).await;
        let balances = all_balances(channel, Address::new([1; 20])).await.unwrap();
        assert_eq!(
            balances,
            page(&[("ua", "1"), ("ub", "2"), ("uc", "3"), ("uweave", "4")])
        );
    }
}
