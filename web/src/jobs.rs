//! The web application's publications in progress: their stages, and the private
//! directory their uploads are written to. A leaf module (the app state holds [`Jobs`],
//! the Publish page drives them).

use std::{
    collections::{BTreeMap, BTreeSet},
    os::unix::fs::DirBuilderExt,
    path::{Path as FsPath, PathBuf},
    sync::Mutex,
};

/// How many jobs are remembered.
const JOBS_KEPT: usize = 50;

/// Makes a fresh private directory for uploads: `<tmp>/weave-web-uploads-<port>-<random>`,
/// mode 0700 (never an existing one, which someone else could have prepared).
pub(crate) fn make_upload_dir(port: u16) -> std::io::Result<PathBuf> {
    let mut raw = [0u8; 8];
    rand_core::RngCore::fill_bytes(&mut rand_core::OsRng, &mut raw);
    let dir = std::env::temp_dir().join(format!("weave-web-uploads-{port}-{}", hex::encode(raw)));
    std::fs::DirBuilder::new().mode(0o700).create(&dir)?;
    Ok(dir)
}

/// The file of upload `name` in `dir`, if the name is one this node gives (hex).
pub(crate) fn upload_path(dir: &FsPath, name: &str) -> Option<PathBuf> {
    let ok = name.len() == 32 && name.bytes().all(|b| b.is_ascii_hexdigit());
    ok.then(|| dir.join(name))
}

/// What a publication is at.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Stage {
    Encrypting,
    Registering,
    Seeding,
    Done {
        content_id: u64,
        hash: String,
    },
    /// Why, and whether the content was registered before it failed.
    Failed(String, bool),
}

impl Stage {
    /// Percent of the bar, and the words.
    pub(crate) fn shown(&self) -> (u32, String) {
        match self {
            Stage::Encrypting => (20, "encrypting and hashing the slices".into()),
            Stage::Registering => (55, "registering on chain".into()),
            Stage::Seeding => (80, "storing the slices in the node and seeding".into()),
            Stage::Done { content_id, .. } => (100, format!("published as content {content_id}")),
            Stage::Failed(..) => (100, "failed".into()),
        }
    }
}

/// The publications of this run, by number.
#[derive(Default)]
pub(crate) struct Jobs {
    /// The upload directory, made at the first upload.
    pub(crate) uploads: std::sync::OnceLock<PathBuf>,
    pub(crate) jobs: Mutex<(u64, BTreeMap<u64, Stage>)>,
    /// Keys whose content keys this node delivers.
    pub(crate) key_daemons: Mutex<BTreeSet<String>>,
}

impl Jobs {
    /// The upload directory (made on first use).
    pub(crate) fn uploads(&self, port: u16) -> std::io::Result<&FsPath> {
        if self.uploads.get().is_none() {
            let made = make_upload_dir(port)?;
            if let Err(made) = self.uploads.set(made) {
                // Another upload made one first: use that one.
                let _ = std::fs::remove_dir(made);
            }
        }
        self.uploads
            .get()
            .map(PathBuf::as_path)
            .ok_or_else(|| std::io::Error::other("no upload directory"))
    }

    /// The upload directory if one was made.
    pub(crate) fn uploads_made(&self) -> Option<&FsPath> {
        self.uploads.get().map(PathBuf::as_path)
    }

    pub(crate) fn start(&self) -> u64 {
        let Ok(mut g) = self.jobs.lock() else {
            return 0;
        };
        g.0 = g.0.wrapping_add(1);
        let n = g.0;
        g.1.insert(n, Stage::Encrypting);
        while g.1.len() > JOBS_KEPT {
            g.1.pop_first();
        }
        n
    }

    pub(crate) fn set(&self, n: u64, stage: Stage) {
        if let Ok(mut g) = self.jobs.lock() {
            g.1.insert(n, stage);
        }
    }

    pub(crate) fn get(&self, n: u64) -> Option<Stage> {
        self.jobs.lock().ok()?.1.get(&n).cloned()
    }
}
