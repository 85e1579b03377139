//! Gathers concurrent requests so that one statement serves them all.
//!
//! Every statement costs two thread hops (sqlx runs SQLite on a thread of its own) and, for a
//! write, a commit. Under load many updates want the same statement at once; a batcher runs
//! the first request at once and, while it runs, queues the next ones for the following
//! statement. A lone request waits for nothing.

use std::fmt;
use std::future::Future;

use tokio::sync::{mpsc, oneshot};

use super::{StorageError, StorageResult};

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
