//! The sidecar API's guard over a real gRPC server and a real sidecar: the token, and
//! `AddFile` refusing the node's own files (issue 15, item 4).

use std::{path::Path, sync::Arc, time::Duration};

use tendermint_proto::v0_38::abci::RequestInitChain;
use tonic::{transport::Channel, Code};
use weave_app::{store::StorageConfig, App};
use weave_client::sidecar_auth::{load_or_create_token, local_sidecar, SidecarToken};
use weave_proto::weave::sidecar::v1::{
    sidecar_client::SidecarClient, AddFileRequest, StatusRequest,
};
use weave_sidecar::{Sidecar, SidecarConfig};

struct Server {
    channel: Channel,
    stop: tokio::sync::oneshot::Sender<()>,
    _state: tempfile::TempDir,
}

/// A gRPC server over a fresh application and a sidecar, guarded for `home`.
async fn serve(home: &Path) -> Server {
    let state = tempfile::tempdir().expect("tempdir");
    let app = App::open(&state.path().join("app"), StorageConfig::default()).expect("app");
    app.init_chain(RequestInitChain {
        chain_id: "weave-test".into(),
        initial_height: 1,
        app_state_bytes: b"{}".to_vec().into(),
        ..Default::default()
    })
    .expect("init chain");
    let sidecar = Sidecar::start(SidecarConfig::new(state.path().join("slices")))
        .await
        .expect("sidecar");
    let token = load_or_create_token(home).expect("token");
    let guard = crate::grpc::SidecarGuard::new(home, &token).expect("guard");
    let addr = std::net::TcpListener::bind("127.0.0.1:0")
        .expect("port")
        .local_addr()
        .expect("addr");
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    tokio::spawn(crate::grpc::serve(
        crate::grpc::bind(addr).expect("bind"),
        Arc::new(app),
        "http://127.0.0.1:1".into(),
        Some(sidecar),
        guard,
        crate::health::Liveness {
            blocks: Default::default(),
            max_block_age: std::time::Duration::from_secs(60),
        },
        None,
        async {
            let _ = stopped.await;
        },
    ));
    let url = format!("http://{addr}");
    for _ in 0..200 {
        if let Ok(channel) = weave_client::chain::connect(&url).await {
            return Server {
                channel,
                stop,
                _state: state,
            };
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    panic!("the gRPC server did not come up");
}

fn add(path: &Path) -> AddFileRequest {
    AddFileRequest {
        path: path.display().to_string(),
        key: vec![9; 32],
        slice_size: weave_slices::MIN_SLICE_SIZE,
    }
}

#[tokio::test]
async fn the_sidecar_api_needs_the_token() {
    let home = tempfile::tempdir().expect("home");
    let server = serve(home.path()).await;

    let err = SidecarClient::new(server.channel.clone())
        .status(StatusRequest {})
        .await
        .expect_err("no token");
    assert_eq!(err.code(), Code::Unauthenticated, "{err:?}");
    assert!(err.message().contains("sidecar-token"), "{err:?}");

    let wrong = "0".repeat(64);
    let err = SidecarClient::with_interceptor(server.channel.clone(), SidecarToken::new(&wrong))
        .status(StatusRequest {})
        .await
        .expect_err("wrong token");
    assert_eq!(err.code(), Code::PermissionDenied, "{err:?}");

    // The token's prefix is not the token.
    let token = load_or_create_token(home.path()).expect("token");
    let err =
        SidecarClient::with_interceptor(server.channel.clone(), SidecarToken::new(&token[..32]))
            .status(StatusRequest {})
            .await
            .expect_err("prefix");
    assert_eq!(err.code(), Code::PermissionDenied, "{err:?}");

    // Without the token nothing is added either.
    let outside = tempfile::tempdir().expect("outside");
    let file = outside.path().join("movie.bin");
    std::fs::write(&file, vec![5u8; 100_000]).expect("write");
    let err = SidecarClient::new(server.channel.clone())
        .add_file(add(&file))
        .await
        .expect_err("add without token");
    assert_eq!(err.code(), Code::Unauthenticated, "{err:?}");

    // The client library reads the token from the home.
    let status = local_sidecar(server.channel.clone(), home.path())
        .status(StatusRequest {})
        .await
        .expect("status with the token")
        .into_inner();
    assert!(!status.peer_id.is_empty());
    let _ = server.stop.send(());
}

#[tokio::test]
async fn add_file_refuses_the_nodes_own_files() {
    let home = tempfile::tempdir().expect("home");
    let server = serve(home.path()).await;
    let mut client = local_sidecar(server.channel.clone(), home.path());

    let secret = vec![1u8; 5000];
    let validator_key = home.path().join("config").join("priv_validator_key.json");
    let cometbft_key = home
        .path()
        .join("cometbft")
        .join("config")
        .join("priv_validator_key.json");
    let ring = home.path().join("keyring-test");
    for dir in [
        validator_key.parent().expect("dir"),
        cometbft_key.parent().expect("dir"),
        ring.as_path(),
    ] {
        std::fs::create_dir_all(dir).expect("mkdir");
    }
    std::fs::write(&validator_key, &secret).expect("write");
    std::fs::write(&cometbft_key, &secret).expect("write");
    let alice = ring.join("alice.json");
    std::fs::write(&alice, &secret).expect("write");

    let outside = tempfile::tempdir().expect("outside");
    let link = outside.path().join("innocent.bin");
    std::os::unix::fs::symlink(&validator_key, &link).expect("symlink");
    let ring_link = outside.path().join("ring");
    std::os::unix::fs::symlink(&ring, &ring_link).expect("symlink");
    let home_name = home.path().file_name().expect("name");
    let dotted = outside
        .path()
        .join("..")
        .join(home_name)
        .join("config")
        .join("priv_validator_key.json");

    for path in [
        validator_key.clone(),
        cometbft_key,
        alice,
        link,
        ring_link.join("alice.json"),
        dotted,
        weave_client::sidecar_auth::token_path(home.path()),
    ] {
        let err = client
            .add_file(add(&path))
            .await
            .expect_err("a file of the node's home");
        assert_eq!(err.code(), Code::PermissionDenied, "{path:?}: {err:?}");
        assert!(err.message().contains("inside the node's home"), "{err:?}");
    }
    let err = client
        .add_file(add(Path::new("/proc/self/environ")))
        .await
        .expect_err("the node's environment");
    assert_eq!(err.code(), Code::PermissionDenied, "{err:?}");
    let status = client
        .status(StatusRequest {})
        .await
        .expect("status")
        .into_inner();
    assert!(status.contents.is_empty(), "{:?}", status.contents);

    // A file outside the home is added.
    let file = outside.path().join("movie.bin");
    std::fs::write(&file, vec![5u8; 100_000]).expect("write");
    let meta = client
        .add_file(add(&file))
        .await
        .expect("a file outside the home")
        .into_inner();
    assert_eq!(meta.meta_hash.expect("meta").plaintext_len, 100_000);
    let _ = server.stop.send(());
}
