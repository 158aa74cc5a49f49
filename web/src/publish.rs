//! The Publish page: a creator picks a file, gives its title, description, tags, price,
//! per-GiB streaming price and split (recipients with basis points whose sum the page
//! shows as it is typed, and which must be 10000), and publishes.
//!
//! 1. The page's script sends the file to `POST /publish/upload` (the body is the
//!    file, the token rides in `X-Weave-Token`), showing the upload's progress; the node
//!    keeps it in a private directory of its own (mode 0700, made fresh under the
//!    system's temporary directory as `weave-web-uploads-<port>-<random>`: the node's
//!    sidecar never adds files from inside the node's home) and answers its name.
//! 2. The form goes to `POST /publish`, which checks everything it can before any
//!    work (the split's sum, the prices, the file) and starts a job, whose page
//!    (`/publish/job/{n}`) shows its progress: the file is encrypted and hashed here
//!    (the meta-hash), registered on chain, and only then cut into the node's slice
//!    store and seeded, as `weaved content add` does. A registration the chain refuses
//!    leaves nothing behind: no slices stored, no key file, the upload removed.
//! 3. After the first publication of a key, the node delivers that creator's content
//!    keys to buyers as `weaved content serve-keys` does (every 2 s).

use std::{
    fmt::Write,
    os::unix::fs::OpenOptionsExt,
    path::{Path as FsPath, PathBuf},
};

use axum::{
    body::{Body, Bytes},
    extract::{Path, RawQuery, State},
    http::{header, HeaderMap, StatusCode},
    response::{Html, IntoResponse, Response},
};
use futures::StreamExt;
use tokio::io::AsyncWriteExt;
use weave_client::{
    content::{
        keys::key_path,
        msg::{check_metadata, guess_mime, SplitChoice},
        sidecar::add_file,
        tx::{register_sealed, seal_file, NewContent},
    },
    keys::{KeyInfo, SigningKey},
};
use weave_kernel::Address;
use weave_proto::weave::content::v1 as pb;
use weave_slices::ContentKey;

use crate::{
    forms::{account, form, no_key, see_other, selected_key},
    html::{self, esc, Flash},
    jobs::{upload_path, Stage},
    state::AppState,
    words::explain,
};

/// The default slice size, as `weaved content add` has it.
const DEFAULT_SLICE_SIZE: u32 = 1 << 20;

/// How many recipient rows the page offers.
const RECIPIENT_ROWS: usize = 4;

/// An address typed in a form: `weave1…`, or the name of a key of the node's key ring.
pub(crate) fn address_of(keys: &[KeyInfo], text: &str) -> Result<Address, String> {
    let text = text.trim();
    match text.parse::<Address>() {
        Ok(a) => Ok(a),
        Err(parse) => keys
            .iter()
            .find(|k| k.name == text)
            .map(|k| k.address)
            .ok_or_else(|| {
                format!(
                    "{text:?} is neither an address ({parse}) nor a key of this node's key ring"
                )
            }),
    }
}

/// The Publish form as posted (`recipient` and `bps` repeat, one per row).
#[derive(Debug, Default)]
pub(crate) struct PublishForm {
    upload: String,
    file_name: String,
    title: String,
    description: String,
    tags: String,
    price: String,
    price_per_gib: String,
    slice_size: String,
    recipient: Vec<String>,
    bps: Vec<String>,
}

impl PublishForm {
    /// The form from its fields in order.
    fn from_pairs(pairs: Vec<(String, String)>) -> Self {
        let mut f = Self::default();
        for (k, v) in pairs {
            match k.as_str() {
                "upload" => f.upload = v,
                "file_name" => f.file_name = v,
                "title" => f.title = v,
                "description" => f.description = v,
                "tags" => f.tags = v,
                "price" => f.price = v,
                "price_per_gib" => f.price_per_gib = v,
                "slice_size" => f.slice_size = v,
                "recipient" => f.recipient.push(v),
                "bps" => f.bps.push(v),
                _ => {}
            }
        }
        f
    }
}

/// A publication, checked.
#[derive(Debug)]
pub(crate) struct Publish {
    file: PathBuf,
    slice_size: u32,
    content: NewContent,
}

/// The sum of the basis points typed, `None` if one is not a number.
fn bps_sum(bps: &[String]) -> Option<u64> {
    bps.iter()
        .filter(|b| !b.trim().is_empty())
        .try_fold(0u64, |sum, b| {
            sum.checked_add(b.trim().parse::<u64>().ok()?)
        })
}

/// Checks a posted publication: every mistake a person can make is said in words
/// before any work is done.
pub(crate) fn parse_publish(
    f: &PublishForm,
    uploads: Option<&FsPath>,
    keys: &[KeyInfo],
) -> Result<Publish, String> {
    let file = uploads
        .and_then(|dir| upload_path(dir, f.upload.trim()))
        .filter(|p| p.is_file())
        .ok_or("pick a file to publish (none was uploaded)")?;
    if f.title.trim().is_empty() {
        return Err("give the content a title".into());
    }
    let price = weave_client::tx::parse_uweave(&f.price)
        .map_err(|e| format!("the price {:?}: {e}", f.price))?;
    if price == 0 {
        return Err("the price must be a positive number of uweave".into());
    }
    let price_per_gib = weave_client::tx::parse_uweave(&f.price_per_gib)
        .map_err(|e| format!("the streaming price {:?}: {e}", f.price_per_gib))?;
    let slice_size = if f.slice_size.trim().is_empty() {
        DEFAULT_SLICE_SIZE
    } else {
        f.slice_size
            .trim()
            .parse()
            .map_err(|_| format!("the slice size {:?} is not a number", f.slice_size))?
    };
    if !(4096..=16 << 20).contains(&slice_size) {
        return Err(format!(
            "the slice size {slice_size} is outside 4096 to 16777216 bytes"
        ));
    }
    let mut recipients = Vec::new();
    for (i, who) in f.recipient.iter().enumerate() {
        let bps = f.bps.get(i).map(|b| b.trim()).unwrap_or_default();
        if who.trim().is_empty() && bps.is_empty() {
            continue;
        }
        let address = address_of(keys, who).map_err(|e| format!("recipient {}: {e}", i + 1))?;
        let bps: u32 = bps.parse().map_err(|_| {
            format!(
                "recipient {}: {bps:?} is not a number of basis points",
                i + 1
            )
        })?;
        if bps == 0 {
            return Err(format!("recipient {}: a share must be above 0", i + 1));
        }
        recipients.push((address, bps));
    }
    if recipients.is_empty() {
        return Err("give at least one split recipient".into());
    }
    let sum = bps_sum(&f.bps).unwrap_or(u64::MAX);
    if sum != 10_000 {
        return Err(format!(
            "the split's basis points add up to {sum}, not 10000 (100%)"
        ));
    }
    let recipients = weave_client::splits::sorted_recipients(recipients)
        .map_err(|e| format!("the split: {e:#}"))?;
    let tags: Vec<String> = f
        .tags
        .split(',')
        .map(|t| t.trim().to_lowercase())
        .filter(|t| !t.is_empty())
        .collect();
    let name = FsPath::new(f.file_name.trim());
    let metadata = pb::Metadata {
        title: f.title.trim().to_string(),
        description: f.description.trim().to_string(),
        mime_type: guess_mime(name).to_string(),
        tags,
        ..Default::default()
    };
    check_metadata(&metadata).map_err(|e| format!("{e:#}"))?;
    Ok(Publish {
        file,
        slice_size,
        content: NewContent {
            metadata,
            access_price: price,
            price_per_gib,
            split: SplitChoice::New {
                recipients,
                controller: None,
            },
            tiers: Vec::new(),
        },
    })
}

/// `GET /publish`.
pub(crate) async fn page(
    State(state): State<AppState>,
    headers: HeaderMap,
    RawQuery(query): RawQuery,
) -> Html<String> {
    let (bar, selected) = account(&state, &headers, "/publish");
    let flash = state.flashes.get(query.as_deref());
    let mut body = String::from("<h1>Publish</h1>");
    let me = match &selected {
        Ok((_, key)) => key.address().to_string(),
        Err(why) => {
            body.push_str(&no_key(why));
            return Html(html::page(
                "Publish",
                "Publish",
                &bar,
                flash.as_ref(),
                &body,
            ));
        }
    };
    let mut rows = String::new();
    for i in 0..RECIPIENT_ROWS {
        let (who, bps) = if i == 0 {
            (me.as_str(), "10000")
        } else {
            ("", "")
        };
        let _ = write!(
            rows,
            "<tr><td><input name=recipient id=\"recipient-{i}\" size=48 value=\"{}\" \
             placeholder=\"weave1… or a key name\"></td>\
             <td><input name=bps class=bps id=\"bps-{i}\" size=6 value=\"{bps}\"></td></tr>",
            esc(who)
        );
    }
    let _ = write!(
        body,
        "<form method=post action=\"/publish\" id=\"publish\">\
         <input type=hidden name=token value=\"{token}\">\
         <input type=hidden name=upload id=\"upload\">\
         <input type=hidden name=file_name id=\"file-name\">\
         <table>\
         <tr><th>File</th><td><input type=file id=\"file\"></td></tr>\
         <tr><th>Title</th><td><input name=title id=\"pub-title\" size=48></td></tr>\
         <tr><th>Description</th><td><textarea name=description id=\"pub-description\" rows=3 cols=48></textarea></td></tr>\
         <tr><th>Tags</th><td><input name=tags id=\"pub-tags\" size=48 placeholder=\"film, demo\"></td></tr>\
         <tr><th>Price</th><td><input name=price id=\"pub-price\" size=12> uweave per access token</td></tr>\
         <tr><th>Streaming</th><td><input name=price_per_gib id=\"pub-price-per-gib\" size=12 value=\"0\"> uweave per GiB</td></tr>\
         <tr><th>Slice size</th><td><input name=slice_size id=\"pub-slice-size\" size=12 value=\"{DEFAULT_SLICE_SIZE}\"> bytes</td></tr>\
         </table><h2>Split</h2><table id=\"split\"><tr><th>Recipient</th><th>Basis points</th></tr>{rows}\
         <tr><th>Sum</th><td><span id=\"split-sum\">10000</span> / 10000 \
         <span id=\"split-state\" class=muted>adds up</span></td></tr></table>\
         <p><button id=\"publish-button\">Publish</button> \
         <progress id=\"upload-progress\" max=100 value=0></progress> <span id=\"upload-state\" class=muted></span></p>\
         </form>\
         <script>(function(){{\
         const f=document.getElementById('publish'),sum=document.getElementById('split-sum'),st=document.getElementById('split-state');\
         function total(){{let s=0,bad=false;document.querySelectorAll('input.bps').forEach(function(i){{const v=i.value.trim();\
         if(v==='')return;if(!/^[0-9]+$/.test(v)){{bad=true;return;}}s+=parseInt(v,10);}});\
         sum.textContent=bad?'?':String(s);const ok=!bad&&s===10000;st.textContent=ok?'adds up':'must add up to 10000';\
         st.className=ok?'muted':'bad';return ok;}}\
         document.querySelectorAll('input.bps').forEach(function(i){{i.addEventListener('input',total);}});total();\
         f.addEventListener('submit',function(ev){{const file=document.getElementById('file').files[0];\
         if(!file||document.getElementById('upload').value)return;ev.preventDefault();\
         const x=new XMLHttpRequest(),bar=document.getElementById('upload-progress'),us=document.getElementById('upload-state');\
         x.open('POST','/publish/upload');x.setRequestHeader('X-Weave-Token','{token}');\
         x.setRequestHeader('Content-Type','application/octet-stream');\
         x.upload.onprogress=function(e){{if(e.lengthComputable){{bar.value=Math.round(100*e.loaded/e.total);\
         us.textContent='uploading '+e.loaded+' / '+e.total+' bytes';}}}};\
         x.onload=function(){{if(x.status!==200){{us.textContent='upload failed: '+x.responseText;return;}}\
         const r=JSON.parse(x.responseText);document.getElementById('upload').value=r.upload;\
         document.getElementById('file-name').value=file.name;us.textContent='uploaded '+r.bytes+' bytes';f.submit();}};\
         x.onerror=function(){{us.textContent='upload failed';}};x.send(file);}});}})();</script>",
        token = esc(&state.token),
    );
    Html(html::page(
        "Publish",
        "Publish",
        &bar,
        flash.as_ref(),
        &body,
    ))
}

/// `POST /publish/upload`: the body is the file; answers `{"upload": NAME, "bytes": N}`.
pub(crate) async fn upload(
    State(state): State<AppState>,
    headers: HeaderMap,
    body: Body,
) -> Response {
    let token = headers
        .get("x-weave-token")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    if !state.guard.form_token_ok(token) {
        return (
            StatusCode::FORBIDDEN,
            "an upload needs the token in X-Weave-Token",
        )
            .into_response();
    }
    let dir = match state.jobs.uploads(state.guard.port()) {
        Ok(d) => d,
        Err(e) => {
            return (
                StatusCode::INTERNAL_SERVER_ERROR,
                format!("making the upload directory: {e}"),
            )
                .into_response()
        }
    };
    match save_upload(dir, body).await {
        Ok((name, bytes)) => (
            [(header::CONTENT_TYPE, "application/json")],
            serde_json::json!({ "upload": name, "bytes": bytes }).to_string(),
        )
            .into_response(),
        Err(e) => (StatusCode::INTERNAL_SERVER_ERROR, format!("{e:#}")).into_response(),
    }
}

/// Streams `body` into a new private file in the upload directory `dir`.
async fn save_upload(dir: &FsPath, body: Body) -> anyhow::Result<(String, u64)> {
    let mut raw = [0u8; 16];
    rand_core::RngCore::fill_bytes(&mut rand_core::OsRng, &mut raw);
    let name = hex::encode(raw);
    let path = dir.join(&name);
    let file = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(&path)?;
    let mut file = tokio::fs::File::from_std(file);
    let mut stream = body.into_data_stream();
    let mut bytes = 0u64;
    let result = async {
        while let Some(chunk) = stream.next().await {
            let chunk = chunk.map_err(|e| anyhow::anyhow!("the upload broke off: {e}"))?;
            bytes = bytes.saturating_add(chunk.len() as u64);
            file.write_all(&chunk).await?;
        }
        file.flush().await?;
        anyhow::ensure!(bytes > 0, "the file is empty");
        Ok(())
    }
    .await;
    if let Err(e) = result {
        let _ = std::fs::remove_file(&path);
        return Err(e);
    }
    Ok((name, bytes))
}

/// `POST /publish`: checks the form and starts the publication.
pub(crate) async fn publish(
    State(state): State<AppState>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let f = match form::<Vec<(String, String)>>(&state, &body) {
        Ok(pairs) => PublishForm::from_pairs(pairs),
        Err(r) => return r.into_response(),
    };
    let checked = (|| {
        let (name, key) = selected_key(&state, &headers).map_err(|e| format!("{e:#}"))?;
        let keys = state.node.keys().map_err(|e| format!("{e:#}"))?;
        let p = parse_publish(&f, state.jobs.uploads_made(), &keys)?;
        Ok::<_, String>((name, key, p))
    })();
    let (name, key, p) = match checked {
        Ok(x) => x,
        Err(e) => {
            // Nothing was done: the upload (if any) is dropped.
            if let Some(path) = state
                .jobs
                .uploads_made()
                .and_then(|dir| upload_path(dir, f.upload.trim()))
            {
                let _ = std::fs::remove_file(path);
            }
            let n = state
                .flashes
                .put(Flash::Err("Publishing".into(), explain(&e)));
            return see_other(&format!("/publish?flash={n}"));
        }
    };
    let n = state.jobs.start();
    let st = state.clone();
    tokio::spawn(async move {
        let stage = match run_job(&st, n, &key, &p).await {
            Ok(done) => {
                serve_keys(&st, &name);
                done
            }
            Err((e, registered)) => Stage::Failed(format!("{e:#}"), registered),
        };
        let _ = std::fs::remove_file(&p.file);
        st.jobs.set(n, stage);
    });
    see_other(&format!("/publish/job/{n}"))
}

/// Encrypt and hash, register, then store and seed. Fails with whether the content
/// was registered.
async fn run_job(
    state: &AppState,
    n: u64,
    key: &SigningKey,
    p: &Publish,
) -> Result<Stage, (anyhow::Error, bool)> {
    let (content_id, hash, content_key) =
        register(state, n, key, p).await.map_err(|e| (e, false))?;
    state.jobs.set(n, Stage::Seeding);
    let home = state.node.home();
    let seeded = async {
        let stored = add_file(
            state.node.streams(),
            home,
            &p.file,
            &content_key,
            p.slice_size,
        )
        .await?;
        let content = state.node.content(content_id).await?;
        let root = weave_client::content::keys::root_of(&content)?;
        anyhow::ensure!(
            stored.root == root,
            "the node sliced the file into another root than the one registered"
        );
        Ok(())
    }
    .await;
    match seeded {
        Ok(()) => Ok(Stage::Done { content_id, hash }),
        Err(e) => Err((
            e.context(format!(
                "content {content_id} is registered (transaction {hash}), but the node could \
                 not store and seed it; `weaved content add` of the same file can"
            )),
            true,
        )),
    }
}

/// Encrypts and hashes the file, then registers it: the content id, the transaction
/// and the key. A refusal leaves no key file behind.
async fn register(
    state: &AppState,
    n: u64,
    key: &SigningKey,
    p: &Publish,
) -> anyhow::Result<(u64, String, ContentKey)> {
    let home = state.node.home().to_path_buf();
    let content_key = ContentKey::generate();
    let (file, slice_size) = (p.file.clone(), p.slice_size);
    let ck = content_key.clone();
    let meta = tokio::task::spawn_blocking(move || seal_file(&file, &ck, slice_size)).await??;
    state.jobs.set(n, Stage::Registering);
    let plan = state.node.plan()?;
    let registered = {
        let _one_at_a_time = state.node.tx_lock().await;
        register_sealed(
            state.node.calls(),
            &plan,
            key,
            &home,
            p.content.clone(),
            &content_key,
            &meta,
        )
        .await
    };
    let refused = match &registered {
        Ok(r) => r.tx.outcome().err(),
        Err(_) => None,
    };
    match (registered, refused) {
        (Ok(r), None) => match r.content_id {
            Some(id) => Ok((id, r.tx.hash, content_key)),
            None => anyhow::bail!("transaction {} is not in a block yet", r.tx.hash),
        },
        (Ok(_), Some(e)) | (Err(e), _) => {
            let _ = std::fs::remove_file(key_path(&home, &meta.root));
            Err(e)
        }
    }
}

/// Delivers `name`'s content keys to buyers every 2 s from now on (once per key).
fn serve_keys(state: &AppState, name: &str) {
    let fresh = state
        .jobs
        .key_daemons
        .lock()
        .map(|mut d| d.insert(name.to_string()))
        .unwrap_or(false);
    if !fresh {
        return;
    }
    let (Ok(key), Ok(plan)) = (state.node.signing_key(name), state.node.plan()) else {
        return;
    };
    let st = state.clone();
    let mut daemon = weave_client::content::serve::KeyDaemon::new(
        st.node.calls().clone(),
        plan.waiting(),
        key,
        st.node.home(),
    );
    tokio::spawn(async move {
        loop {
            {
                let _one_at_a_time = st.node.tx_lock().await;
                let (delivered, errors) = daemon.pass().await;
                if delivered > 0 {
                    tracing::info!(delivered, "content keys delivered");
                }
                for e in errors {
                    tracing::warn!(error = %e, "delivering content keys");
                }
            }
            tokio::time::sleep(std::time::Duration::from_secs(2)).await;
        }
    });
}

/// `GET /publish/job/{n}`.
pub(crate) async fn job(
    State(state): State<AppState>,
    Path(n): Path<u64>,
    headers: HeaderMap,
) -> Html<String> {
    let (bar, _) = account(&state, &headers, "/publish");
    let mut body = String::from("<h1>Publishing</h1>");
    match state.jobs.get(n) {
        None => body.push_str(&html::error_box(
            "Finding the publication",
            &explain(&format!(
                "there is no publication {n} on this node (it restarted?)"
            )),
        )),
        Some(stage) => {
            let (percent, words) = stage.shown();
            let _ = write!(
                body,
                "<p><progress id=\"publish-progress\" max=100 value={percent}></progress> \
                 <span id=\"publish-stage\">{}</span></p>",
                esc(&words)
            );
            match &stage {
                Stage::Done { content_id, hash } => {
                    let _ = write!(
                        body,
                        "<div class=\"flash ok\" id=\"published\" data-content=\"{content_id}\">Published: \
                         <a href=\"/content/{content_id}\">content {content_id}</a>, transaction \
                         <a href=\"/tx/{h}\">{h}</a>. This node seeds it and delivers its key to buyers.</div>",
                        h = esc(hash)
                    );
                }
                Stage::Failed(why, registered) => {
                    body.push_str(&html::error_box("Publishing", &explain(why)));
                    if !registered {
                        body.push_str(
                            "<p class=muted>Nothing was registered or stored. \
                             <a href=\"/publish\">Try again</a>.</p>",
                        );
                    }
                }
                _ => {
                    body.push_str("<script>setTimeout(function(){location.reload()},700)</script>")
                }
            }
        }
    }
    Html(html::page("Publishing", "Publish", &bar, None, &body))
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use std::os::unix::fs::PermissionsExt;

    fn upload(dir: &FsPath) -> String {
        let name = "0123456789abcdef0123456789abcdef";
        std::fs::write(dir.join(name), b"film").unwrap();
        name.to_string()
    }

    #[test]
    fn upload_directories_are_fresh_and_private() {
        let a = crate::jobs::make_upload_dir(1).unwrap();
        let b = crate::jobs::make_upload_dir(1).unwrap();
        assert_ne!(a, b);
        let mode = std::fs::metadata(&a).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o700);
        assert!(a
            .file_name()
            .unwrap()
            .to_string_lossy()
            .starts_with("weave-web-uploads-1-"));
        std::fs::remove_dir(a).unwrap();
        std::fs::remove_dir(b).unwrap();
    }

    #[test]
    fn repeated_fields_become_rows() {
        let pairs: Vec<(String, String)> =
            serde_urlencoded::from_str("title=T&recipient=a&bps=7000&recipient=b&bps=3000&x=1")
                .unwrap();
        let f = PublishForm::from_pairs(pairs);
        assert_eq!(f.title, "T");
        assert_eq!(f.recipient, vec!["a", "b"]);
        assert_eq!(f.bps, vec!["7000", "3000"]);
    }

    fn good(upload: &str) -> PublishForm {
        PublishForm {
            upload: upload.into(),
            file_name: "pattern.mp4".into(),
            title: "Test pattern".into(),
            tags: "Film, demo,".into(),
            price: "100000".into(),
            price_per_gib: "10".into(),
            slice_size: "65536".into(),
            recipient: vec![
                Address::new([1; 20]).to_string(),
                "collab".into(),
                String::new(),
            ],
            bps: vec!["7000".into(), "3000".into(), String::new()],
            ..Default::default()
        }
    }

    fn keys() -> Vec<KeyInfo> {
        vec![KeyInfo {
            name: "collab".into(),
            address: Address::new([2; 20]),
            algo: Default::default(),
            pubkey: Vec::new(),
        }]
    }

    #[test]
    fn a_good_publication_is_checked_into_its_content() {
        let home = tempfile::tempdir().unwrap();
        let name = upload(home.path());
        let p = parse_publish(&good(&name), Some(home.path()), &keys()).unwrap();
        assert_eq!(p.slice_size, 65536);
        assert_eq!(p.content.access_price, 100_000);
        assert_eq!(p.content.price_per_gib, 10);
        assert_eq!(p.content.metadata.mime_type, "video/mp4");
        assert_eq!(p.content.metadata.tags, vec!["film", "demo"]);
        let SplitChoice::New { recipients, .. } = &p.content.split else {
            panic!("a new split")
        };
        assert_eq!(recipients.len(), 2);
    }

    #[test]
    fn bad_publications_are_refused_in_words() {
        let home = tempfile::tempdir().unwrap();
        let name = upload(home.path());
        let check = |edit: &dyn Fn(&mut PublishForm)| {
            let mut f = good(&name);
            f.recipient[1] = Address::new([2; 20]).to_string();
            edit(&mut f);
            parse_publish(&f, Some(home.path()), &[]).unwrap_err()
        };
        assert!(check(&|f| f.bps[1] = "2999".into()).contains("add up to 9999, not 10000"));
        assert!(check(&|f| f.bps[1] = "lots".into()).contains("not a number of basis points"));
        assert!(check(&|f| f.bps[1] = "0".into()).contains("above 0"));
        assert!(check(&|f| f.upload = String::new()).contains("pick a file"));
        assert!(check(&|f| f.upload = "../../etc/passwd".into()).contains("pick a file"));
        assert!(
            check(&|f| f.upload = "ffffffffffffffffffffffffffffffff".into())
                .contains("pick a file")
        );
        assert!(check(&|f| f.title = " ".into()).contains("title"));
        assert!(check(&|f| f.price = "0".into()).contains("positive"));
        assert!(check(&|f| f.price = "ten".into()).contains("the price"));
        assert!(check(&|f| f.price_per_gib = "-1".into()).contains("streaming price"));
        assert!(check(&|f| f.slice_size = "100".into()).contains("slice size"));
        assert!(check(&|f| f.recipient[1] = "nobody".into()).contains("recipient 2"));
        assert!(check(&|f| {
            f.recipient = vec![String::new()];
            f.bps = vec![String::new()];
        })
        .contains("at least one"));
        // No upload directory yet: no file.
        assert!(parse_publish(&good(&name), None, &[])
            .unwrap_err()
            .contains("pick a file"));
        assert_eq!(
            bps_sum(&["7000".into(), " 3000 ".into(), String::new()]),
            Some(10_000)
        );
        assert_eq!(bps_sum(&["x".into()]), None);
    }
}
