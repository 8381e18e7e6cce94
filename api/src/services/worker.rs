//! The one worker loop of the durable queues (`store::lease`): background
//! jobs, the mail outbox and webhook deliveries. Each process runs one
//! worker per queue beside the HTTP server. The loop polls with a read
//! (an idle worker takes no write lock), claims due items in a write,
//! works them, and when nothing was due waits for the poll interval
//! (or a wake-up from this process); after an error it backs off for the
//! same interval. It stops when told (`Stop`): an item in hand is finished,
//! items claimed but not started are given back, and nothing new is claimed.

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use tokio::sync::{Notify, watch};

use crate::store::StoreError;

/// A durable queue as the loop sees it.
pub trait Queue {
    /// A claimed item.
    type Item;
    /// What the log calls the queue.
    const NAME: &'static str;
    /// Whether claimed items are worked all at once (each waits on another
    /// server) rather than one after another.
    const CONCURRENT: bool;

    /// Whether anything is due: a read, so an idle poll takes no write lock.
    fn any_due(&self) -> impl Future<Output = Result<bool, StoreError>>;
    /// Claims due items for `owner` (a write).
    fn claim(&self, owner: &str) -> impl Future<Output = Result<Vec<Self::Item>, StoreError>>;
    /// Works one claimed item to its outcome. Long work (a job's chunks)
    /// checks `stop` between its steps and gives the item back.
    fn run(&self, owner: &str, item: Self::Item, stop: &Stop) -> impl Future<Output = ()>;
    /// Gives back items claimed and not started: due again at once.
    fn release(&self, owner: &str, items: Vec<Self::Item>) -> impl Future<Output = Result<usize, StoreError>>;
}

/// How a worker paces itself.
#[derive(Debug, Clone)]
pub struct Pace {
    /// The wait when nothing was due, and after an error.
    pub poll: Duration,
    /// Wakes the worker before the poll interval is over (work enqueued in
    /// this process).
    pub wake: Option<Arc<Notify>>,
}

/// Told to the workers when the service stops; cheap to clone.
#[derive(Debug, Clone)]
pub struct Stop(watch::Receiver<bool>);

/// Tells every [`Stop`] made with it.
#[derive(Debug)]
pub struct Stopper(watch::Sender<bool>);

/// A stopper and the signal it sends.
pub fn stop_signal() -> (Stopper, Stop) {
    let (sender, receiver) = watch::channel(false);
    (Stopper(sender), Stop(receiver))
}

impl Stopper {
    pub fn stop(&self) {
        self.0.send_replace(true);
    }
}

impl Stop {
    /// Whether the workers were told to stop (or whoever could tell them is gone).
    pub fn is_stopped(&self) -> bool {
        *self.0.borrow() || self.0.has_changed().is_err()
    }

    /// Resolves once the workers are told to stop.
    pub async fn stopped(&self) {
        let mut receiver = self.0.clone();
        // An error: the stopper is gone, which is a stop too.
        let _ = receiver.wait_for(|stopped| *stopped).await;
    }

    /// Sleeps for `wait`, cut short by a stop.
    pub async fn sleep(&self, wait: Duration) {
        tokio::select! {
            () = self.stopped() => {}
            () = tokio::time::sleep(wait) => {}
        }
    }
}

/// The workers of one process: their stop and their tasks.
pub struct Workers {
    stopper: Stopper,
    tasks: Vec<tokio::task::JoinHandle<()>>,
}

impl Workers {
    pub fn new(stopper: Stopper, tasks: Vec<tokio::task::JoinHandle<()>>) -> Self {
        Self { stopper, tasks }
    }

    /// Tells every worker to stop and waits until each has.
    pub async fn stop(self) {
        self.stopper.stop();
        for task in self.tasks {
            if let Err(error) = task.await {
                tracing::warn!(%error, "a worker ended abnormally");
            }
        }
    }
}

/// The loop: claims and works `queue`'s due items until `stop`.
pub async fn run<Q: Queue>(queue: Q, pace: Pace, stop: Stop) {
    let owner = uuid::Uuid::new_v4().to_string();
    tracing::info!(worker = %owner, queue = Q::NAME, "worker started");
    while !stop.is_stopped() {
        let claimed = match queue.any_due().await {
            Ok(true) => queue.claim(&owner).await,
            Ok(false) => Ok(Vec::new()),
            Err(error) => Err(error),
        };
        match claimed {
            Ok(items) if !items.is_empty() => work(&queue, &owner, items, &stop).await,
            Ok(_) => {
                let woken = async {
                    match &pace.wake {
                        Some(wake) => wake.notified().await,
                        None => std::future::pending().await,
                    }
                };
                tokio::select! {
                    () = stop.sleep(pace.poll) => {}
                    () = woken => {}
                }
            }
            Err(error) => {
                tracing::warn!(%error, queue = Q::NAME, "the queue could not be read");
                stop.sleep(pace.poll).await;
            }
        }
    }
    tracing::info!(worker = %owner, queue = Q::NAME, "worker stopped");
}

async fn work<Q: Queue>(queue: &Q, owner: &str, items: Vec<Q::Item>, stop: &Stop) {
    if Q::CONCURRENT {
        futures_util::future::join_all(items.into_iter().map(|item| queue.run(owner, item, stop))).await;
        return;
    }
    let mut items = items.into_iter();
    while let Some(item) = items.next() {
        queue.run(owner, item, stop).await;
        if stop.is_stopped() {
            let rest: Vec<Q::Item> = items.collect();
            if rest.is_empty() {
                return;
            }
            match queue.release(owner, rest).await {
                Ok(released) => tracing::info!(queue = Q::NAME, released, "stopping: gave back what was claimed and not started"),
                Err(error) => tracing::warn!(queue = Q::NAME, %error, "stopping: the claims could not be given back; their leases will run out"),
            }
            return;
        }
    }
}

#[cfg(test)]
mod tests {
    use std::cell::{Cell, RefCell};
    use std::time::Duration;

    use crate::services::worker::{Pace, Queue, Stop, Stopper, run, stop_signal};
    use crate::store::StoreError;

    /// A queue in memory: each claim takes what is due; running an item
    /// can tell the stopper to stop.
    #[derive(Default)]
    struct Fake {
        due: RefCell<Vec<u32>>,
        claims: Cell<u32>,
        ran: RefCell<Vec<u32>>,
        released: RefCell<Vec<u32>>,
        stop_while_running: Option<Stopper>,
    }

    impl Queue for &Fake {
        type Item = u32;
        const NAME: &'static str = "fake";
        const CONCURRENT: bool = false;

        async fn any_due(&self) -> Result<bool, StoreError> {
            Ok(true)
        }

        async fn claim(&self, _owner: &str) -> Result<Vec<u32>, StoreError> {
            self.claims.set(self.claims.get() + 1);
            Ok(std::mem::take(&mut *self.due.borrow_mut()))
        }

        async fn run(&self, _owner: &str, item: u32, _stop: &Stop) {
            if let Some(stopper) = &self.stop_while_running {
                stopper.stop();
            }
            // The item in hand is finished even after the stop.
            tokio::task::yield_now().await;
            self.ran.borrow_mut().push(item);
        }

        async fn release(&self, _owner: &str, items: Vec<u32>) -> Result<usize, StoreError> {
            self.released.borrow_mut().extend(&items);
            Ok(items.len())
        }
    }

    fn pace(poll: Duration) -> Pace {
        Pace { poll, wake: None }
    }

    #[tokio::test]
    async fn an_idle_worker_stops_at_once_and_claims_nothing_after() {
        let fake = Fake::default();
        let (stopper, stop) = stop_signal();
        // An hour's poll: only the stop can end the wait.
        let worker = run(&fake, pace(Duration::from_secs(3600)), stop);
        let stopping = async {
            while fake.claims.get() == 0 {
                tokio::task::yield_now().await;
            }
            stopper.stop();
        };
        let ((), ()) = tokio::time::timeout(Duration::from_secs(5), async { tokio::join!(worker, stopping) }).await.expect("the worker stopped");
        assert_eq!(fake.claims.get(), 1, "nothing is claimed after the stop");
    }

    #[tokio::test]
    async fn a_stop_finishes_the_item_in_hand_and_gives_back_the_rest() {
        let (stopper, stop) = stop_signal();
        let fake = Fake { due: RefCell::new(vec![1, 2, 3]), stop_while_running: Some(stopper), ..Fake::default() };
        tokio::time::timeout(Duration::from_secs(5), run(&fake, pace(Duration::from_millis(1)), stop)).await.expect("the worker stopped");
        assert_eq!(*fake.ran.borrow(), [1]);
        assert_eq!(*fake.released.borrow(), [2, 3]);
        assert_eq!(fake.claims.get(), 1, "no claim after the stop");
    }

    #[tokio::test]
    async fn a_worker_whose_stopper_is_gone_stops() {
        let fake = Fake::default();
        let (stopper, stop) = stop_signal();
        drop(stopper);
        tokio::time::timeout(Duration::from_secs(5), run(&fake, pace(Duration::from_secs(3600)), stop)).await.expect("the worker stopped");
        assert_eq!(fake.claims.get(), 0);
    }
}
