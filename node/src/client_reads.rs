//! The reads the client library makes, against this node's gRPC server over a real
//! application (the client crate cannot start a server itself).

use serde_json::json;
use weave_client::gov::{
    query::{current_params, gov_params, read_store_key},
    ParamsModule,
};

/// The reads `tx gov` makes (raw state for pin_params, a module's params for
/// draft-proposal) against the node's gRPC server over a real application.
#[tokio::test]
async fn state_and_params_are_read_from_the_node() {
    use std::{sync::Arc, time::Duration};

    use tendermint_proto::v0_38::abci::RequestInitChain;
    use weave_app::{store::StorageConfig, App};

    let dir = tempfile::tempdir().unwrap();
    let app = App::open(dir.path(), StorageConfig::default()).unwrap();
    app.init_chain(RequestInitChain {
        chain_id: "weave-test".into(),
        initial_height: 1,
        app_state_bytes: b"{}".to_vec().into(),
        ..Default::default()
    })
    .unwrap();
    let addr = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap();
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let server = tokio::spawn(crate::grpc::serve(
        crate::grpc::bind(addr).expect("bind"),
        Arc::new(app),
        "http://127.0.0.1:1".into(),
        None,
        crate::grpc::SidecarGuard::new(dir.path(), "token").unwrap(),
        crate::health::Liveness {
            blocks: Default::default(),
            max_block_age: Duration::from_secs(60),
        },
        None,
        async {
            let _ = stopped.await;
        },
    ));
    let url = format!("http://{addr}");
    let mut channel = None;
    for _ in 0..100 {
        if let Ok(c) = weave_client::chain::connect(&url).await {
            channel = Some(c);
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let channel = channel.expect("the server came up");

    let bank = current_params(&channel, ParamsModule::Bank).await.unwrap();
    assert_eq!(bank, json!({ "send_enabled": true }));
    let gov = current_params(&channel, ParamsModule::Gov).await.unwrap();
    assert_eq!(gov["min_deposit"], "10000000");
    assert_eq!(gov_params(&channel).await.unwrap().min_deposit, "10000000");
    for module in [
        ParamsModule::Splits,
        ParamsModule::Content,
        ParamsModule::Channels,
        ParamsModule::Validators,
    ] {
        let params = current_params(&channel, module).await.unwrap();
        assert!(
            params.as_object().is_some_and(|m| !m.is_empty()),
            "{module:?}"
        );
    }
    // Raw state: what the chain compares a pinned precondition with.
    let raw = read_store_key(&channel, b"bank/params").await.unwrap();
    assert!(!raw.is_empty());
    assert!(read_store_key(&channel, b"bank/nothing-here")
        .await
        .unwrap()
        .is_empty());
    let e = read_store_key(&channel, b"").await.unwrap_err();
    assert!(format!("{e:#}").contains("sdk:"), "{e:#}");

    stop.send(()).unwrap();
    server.await.unwrap().unwrap();
}
