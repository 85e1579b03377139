//! Gathers concurrent requests so that one statement serves them all.
//!
//! Every statement costs two thread hops (sqlx runs SQLite on a thread of its own) and, for a
//! write, a commit. Under load many updates want the same statement at once; a batcher runs
//! the first request at once and, while it runs, queues the next ones for the following
//! statement. A lone request waits for nothing.
//!
//! A batched statement takes its rows as one JSON array of named structs (`json_rows`), bound
//! as a single parameter and read back by field name: `SELECT value ->> '$.chat_id' … FROM
//! json_each(?)`. `QueryBuilder::push_values` would also fit (a dialogue save binds 8
//! variables, 2,048 for a batch of 256, within the 32766 of the bundled SQLite), but it
//! writes new SQL text, and so prepares a new statement, for every batch size; one JSON
//! parameter keeps one prepared statement.

use std::fmt;
use std::future::Future;

use serde::Serialize;
use tokio::sync::{mpsc, oneshot};

use super::{StorageError, StorageResult, corrupt};

/// `rows` as the JSON array a batched statement reads with `json_each`: each row an object
/// whose fields the statement names, or a lone id.
pub(crate) fn json_rows<T: Serialize>(rows: &[T]) -> StorageResult<String> {
    serde_json::to_string(rows).map_err(corrupt)
}

type Reply<Out> = oneshot::Sender<StorageResult<Out>>;

pub(crate) struct Batcher<In, Out> {
    queue: mpsc::UnboundedSender<(In, Reply<Out>)>,
}

impl<In, Out> Clone for Batcher<In, Out> {
    fn clone(&self) -> Self {
        Batcher { queue: self.queue.clone() }
    }
}

impl<In, Out> fmt::Debug for Batcher<In, Out> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Batcher").finish_non_exhaustive()
    }
}

impl<In: Send + 'static, Out: Send + 'static> Batcher<In, Out> {
    /// Starts the task that runs `run` on up to `max` requests at a time. `run` answers each
    /// request, in order. The task ends when the last handle is dropped.
    pub(crate) fn spawn<F, Fut>(max: usize, run: F) -> Batcher<In, Out>
    where
        F: Fn(Vec<In>) -> Fut + Send + 'static,
        Fut: Future<Output = StorageResult<Vec<Out>>> + Send,
    {
        let (queue, mut requests) = mpsc::unbounded_channel::<(In, Reply<Out>)>();
        tokio::spawn(async move {
            while let Some(first) = requests.recv().await {
                let mut inputs = vec![first.0];
                let mut replies = vec![first.1];
                while inputs.len() < max {
                    let Ok((input, reply)) = requests.try_recv() else { break };
                    inputs.push(input);
                    replies.push(reply);
                }
                let error = match run(inputs).await {
                    Ok(outputs) if outputs.len() == replies.len() => {
                        for (reply, output) in replies.into_iter().zip(outputs) {
                            let _ = reply.send(Ok(output));
                        }
                        continue;
                    }
                    Ok(outputs) => format!("{} answers to {} requests", outputs.len(), replies.len()),
                    Err(err) => err.to_string(),
                };
                for reply in replies {
                    let _ = reply.send(Err(StorageError::Batch(error.clone())));
                }
            }
        });
        Batcher { queue }
    }

    pub(crate) async fn call(&self, input: In) -> StorageResult<Out> {
        let (reply, answer) = oneshot::channel();
        self.queue.send((input, reply)).map_err(|_| StorageError::Batch("the batcher has stopped".into()))?;
        answer.await.map_err(|_| StorageError::Batch("the batcher dropped the request".into()))?
    }
}
