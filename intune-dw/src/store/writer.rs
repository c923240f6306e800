//! The store on a thread of its own: the one writer, to which the collections being synced send
//! work.

use std::path::Path;

use anyhow::{Context, Result, anyhow};

use super::Store;
use crate::schema::ApiVersion;

type Job = Box<dyn FnOnce(&mut Store) + Send>;

/// The store, owned by one writer thread; collections send it work.
#[derive(Debug, Clone)]
pub struct SqliteWriter {
    jobs: std::sync::mpsc::Sender<Job>,
}

impl SqliteWriter {
    /// Opens the store on its own thread.
    pub async fn open(path: &Path, version: ApiVersion) -> Result<SqliteWriter> {
        let (jobs, queue) = std::sync::mpsc::channel::<Job>();
        let (opened, ready) = tokio::sync::oneshot::channel();
        let path = path.to_owned();
        std::thread::Builder::new()
            .name("intune-dw-store".into())
            .spawn(move || match Store::open(&path, version) {
                Ok(mut store) => {
                    let _ = opened.send(Ok(()));
                    // Ends when every handle is dropped.
                    while let Ok(job) = queue.recv() {
                        job(&mut store);
                    }
                }
                Err(e) => {
                    let _ = opened.send(Err(e));
                }
            })
            .context("cannot start the store thread")?;
        ready.await.context("the store thread stopped")??;
        Ok(SqliteWriter { jobs })
    }

    /// Runs `f` on the store and returns its result.
    pub async fn call<R: Send + 'static>(&self, f: impl FnOnce(&mut Store) -> R + Send + 'static) -> Result<R> {
        let (reply, result) = tokio::sync::oneshot::channel();
        self.jobs
            .send(Box::new(move |store| {
                let _ = reply.send(f(store));
            }))
            .map_err(|_| anyhow!("the store thread stopped"))?;
        result.await.map_err(|_| anyhow!("the store thread stopped"))
    }
}
