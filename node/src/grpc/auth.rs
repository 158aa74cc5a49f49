//! `cosmos.auth.v1beta1.Query`: accounts (answered by the bank module, which keeps
//! them), the ante parameters, and the address helpers.

use cosmos_sdk_proto::cosmos::auth::v1beta1::{
    query_server::Query, AddressBytesToStringRequest, AddressBytesToStringResponse,
    AddressStringToBytesRequest, AddressStringToBytesResponse, BaseAccount, Bech32PrefixRequest,
    Bech32PrefixResponse, Params, QueryAccountAddressByIdRequest, QueryAccountAddressByIdResponse,
    QueryAccountInfoRequest, QueryAccountInfoResponse, QueryAccountRequest, QueryAccountResponse,
    QueryAccountsRequest, QueryAccountsResponse, QueryModuleAccountByNameRequest,
    QueryModuleAccountByNameResponse, QueryModuleAccountsRequest, QueryModuleAccountsResponse,
    QueryParamsRequest, QueryParamsResponse,
};
use prost::Message;
use tonic::{Request, Response, Status};
use weave_app::auth::AuthParams;
use weave_kernel::{Address, BECH32_PREFIX};

use super::{
    common::{not_served, Node},
    status::abci_status,
};

const ACCOUNT: &str = "/cosmos.auth.v1beta1.Query/Account";
/// The `Any` type URL of the accounts the bank module returns.
const BASE_ACCOUNT_TYPE: &str = "/cosmos.auth.v1beta1.BaseAccount";

/// Weave's ante parameters in the Cosmos SDK's shape.
fn cosmos_params(p: &AuthParams) -> Params {
    Params {
        max_memo_characters: p.max_memo_chars,
        tx_sig_limit: p.tx_sig_limit,
        tx_size_cost_per_byte: p.gas_costs.tx_size_per_byte,
        sig_verify_cost_ed25519: p.gas_costs.sig_verify_ed25519,
        sig_verify_cost_secp256k1: p.gas_costs.sig_verify_secp256k1,
    }
}

/// `cosmos.auth.v1beta1.Query`.
#[derive(Debug, Clone)]
pub(super) struct AuthQuery {
    node: Node,
}

impl AuthQuery {
    pub(super) fn new(node: Node) -> Self {
        Self { node }
    }
}

#[tonic::async_trait]
impl Query for AuthQuery {
    async fn accounts(
        &self,
        _: Request<QueryAccountsRequest>,
    ) -> Result<Response<QueryAccountsResponse>, Status> {
        Err(not_served("cosmos.auth.v1beta1.Query/Accounts"))
    }

    async fn account(
        &self,
        request: Request<QueryAccountRequest>,
    ) -> Result<Response<QueryAccountResponse>, Status> {
        self.node.query(ACCOUNT, request).await
    }

    async fn account_address_by_id(
        &self,
        _: Request<QueryAccountAddressByIdRequest>,
    ) -> Result<Response<QueryAccountAddressByIdResponse>, Status> {
        Err(not_served("cosmos.auth.v1beta1.Query/AccountAddressByID"))
    }

    /// Weave keeps these parameters in its `auth` module, which answers no ABCI query
    /// path; they are read from the latest state directly.
    async fn params(
        &self,
        _: Request<QueryParamsRequest>,
    ) -> Result<Response<QueryParamsResponse>, Status> {
        let params = self
            .node
            .blocking("auth params", |app| {
                AuthParams::load(app.storage().state().as_ref())
            })
            .await?
            .map_err(|e| {
                tracing::error!(code = e.code, log = %e.log, "reading the auth parameters failed");
                abci_status(e.codespace, e.code, &e.log)
            })?;
        Ok(Response::new(QueryParamsResponse {
            params: Some(cosmos_params(&params)),
        }))
    }

    async fn module_accounts(
        &self,
        _: Request<QueryModuleAccountsRequest>,
    ) -> Result<Response<QueryModuleAccountsResponse>, Status> {
        Err(not_served("cosmos.auth.v1beta1.Query/ModuleAccounts"))
    }

    async fn module_account_by_name(
        &self,
        _: Request<QueryModuleAccountByNameRequest>,
    ) -> Result<Response<QueryModuleAccountByNameResponse>, Status> {
        Err(not_served(
            "cosmos.auth.v1beta1.Query/ModuleAccountByName (use weave.bank.v1.Query/ModuleAccount)",
        ))
    }

    async fn bech32_prefix(
        &self,
        _: Request<Bech32PrefixRequest>,
    ) -> Result<Response<Bech32PrefixResponse>, Status> {
        Ok(Response::new(Bech32PrefixResponse {
            bech32_prefix: BECH32_PREFIX.into(),
        }))
    }

    async fn address_bytes_to_string(
        &self,
        request: Request<AddressBytesToStringRequest>,
    ) -> Result<Response<AddressBytesToStringResponse>, Status> {
        let bytes = request.into_inner().address_bytes;
        let address = Address::from_slice(&bytes)
            .map_err(|e| Status::invalid_argument(format!("invalid address bytes: {e}")))?;
        Ok(Response::new(AddressBytesToStringResponse {
            address_string: address.to_string(),
        }))
    }

    async fn address_string_to_bytes(
        &self,
        request: Request<AddressStringToBytesRequest>,
    ) -> Result<Response<AddressStringToBytesResponse>, Status> {
        let text = request.into_inner().address_string;
        let address: Address = text
            .parse()
            .map_err(|e| Status::invalid_argument(format!("invalid address {text:?}: {e}")))?;
        Ok(Response::new(AddressStringToBytesResponse {
            address_bytes: address.as_bytes().to_vec(),
        }))
    }

    async fn account_info(
        &self,
        request: Request<QueryAccountInfoRequest>,
    ) -> Result<Response<QueryAccountInfoResponse>, Status> {
        let (metadata, extensions, req) = request.into_parts();
        let account = Request::from_parts(
            metadata,
            extensions,
            QueryAccountRequest {
                address: req.address,
            },
        );
        let (metadata, res, extensions) = self
            .node
            .query::<_, QueryAccountResponse>(ACCOUNT, account)
            .await?
            .into_parts();
        let any = res
            .account
            .ok_or_else(|| Status::internal("the account query returned no account"))?;
        if any.type_url != BASE_ACCOUNT_TYPE {
            return Err(Status::internal(format!(
                "unexpected account type {}",
                any.type_url
            )));
        }
        let info = BaseAccount::decode(any.value.as_slice())
            .map_err(|e| Status::internal(format!("undecodable account: {e}")))?;
        Ok(Response::from_parts(
            metadata,
            QueryAccountInfoResponse { info: Some(info) },
            extensions,
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::grpc::test_support::{self, FUNDED};

    #[tokio::test]
    async fn account_is_served_and_missing_accounts_are_not_found() {
        let (node, _dir) = test_support::node();
        let svc = AuthQuery::new(node);
        let res = svc
            .account_info(Request::new(QueryAccountInfoRequest {
                address: FUNDED.to_string(),
            }))
            .await
            .expect("funded account")
            .into_inner();
        assert_eq!(res.info.expect("info").address, FUNDED.to_string());

        let missing = Address::new([9u8; 20]).to_string();
        let err = svc
            .account(Request::new(QueryAccountRequest { address: missing }))
            .await
            .expect_err("missing");
        assert_eq!(err.code(), tonic::Code::NotFound);
        assert!(err.message().starts_with("sdk:22: "), "{}", err.message());

        let err = svc
            .account(Request::new(QueryAccountRequest {
                address: "cosmos1xyz".into(),
            }))
            .await
            .expect_err("bad address");
        assert_eq!(err.code(), tonic::Code::InvalidArgument);
    }

    #[tokio::test]
    async fn params_and_address_helpers() {
        let (node, _dir) = test_support::node();
        let svc = AuthQuery::new(node);
        let params = svc
            .params(Request::new(QueryParamsRequest {}))
            .await
            .expect("params")
            .into_inner()
            .params
            .expect("params set");
        assert_eq!(params, cosmos_params(&AuthParams::default()));

        let s = svc
            .address_bytes_to_string(Request::new(AddressBytesToStringRequest {
                address_bytes: FUNDED.as_bytes().to_vec(),
            }))
            .await
            .expect("to string")
            .into_inner()
            .address_string;
        assert_eq!(s, FUNDED.to_string());
        let b = svc
            .address_string_to_bytes(Request::new(AddressStringToBytesRequest {
                address_string: s,
            }))
            .await
            .expect("to bytes")
            .into_inner()
            .address_bytes;
        assert_eq!(b, FUNDED.as_bytes().to_vec());
        let err = svc
            .accounts(Request::new(QueryAccountsRequest::default()))
            .await
            .expect_err("not served");
        assert_eq!(err.code(), tonic::Code::Unimplemented);
    }
}
