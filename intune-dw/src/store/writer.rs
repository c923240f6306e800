//! The store on a thread of its own: the one writer, to which the collections being synced send
//! work.

use std::path::Path;
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;

use anyhow::{Context, Result, anyhow};

use super::Store;
use crate::schema::ApiVersion;

type Job = Box<dyn FnOnce(&mut Store) + Send>;

/// The store, owned by one writer thread; collections send it work.
#[derive(Debug, Clone)]
pub struct SqliteWriter {
    jobs: std::sync::mpsc::Sender<Job>,
    thread: Arc<Mutex<Option<JoinHandle<()>>>>,
}

impl SqliteWriter {
    /// Opens the store on its own thread.
    pub async fn open(path: &Path, version: ApiVersion) -> Result<SqliteWriter> {
        let (jobs, queue) = std::sync::mpsc::channel::<Job>();
        let (opened, ready) = tokio::sync::oneshot::channel();
        let path = path.to_owned();
        let thread = std::thread::Builder::new()
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
        Ok(SqliteWriter { jobs, thread: Arc::new(Mutex::new(Some(thread))) })
    }

    /// Waits, once every other handle is dropped, until the thread has closed the store and
    /// released its lock: a sync that returns has let go of its file, and the next may start.
    pub async fn close(self) {
        let SqliteWriter { jobs, thread } = self;
        drop(jobs);
        let thread = thread.lock().unwrap_or_else(|e| e.into_inner()).take();
        if let Some(thread) = thread {
            let _ = tokio::task::spawn_blocking(move || thread.join()).await;
        }
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
