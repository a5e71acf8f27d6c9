//! A thread that owns something (the log's writer, the engine) and serves
//! jobs from a channel. Stopping it closes the channel, lets the thread
//! finish what is queued, and waits for it.

use tokio::sync::mpsc;

pub(crate) struct Service<J> {
    sender: Option<mpsc::Sender<J>>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl<J: Send + 'static> Service<J> {
    /// Starts `run` on a thread named `name`, fed by a channel of `capacity` jobs.
    pub fn start(name: &str, capacity: usize, run: impl FnOnce(mpsc::Receiver<J>) + Send + 'static) -> Service<J> {
        let (sender, receiver) = mpsc::channel(capacity.max(1));
        let thread = std::thread::Builder::new()
            .name(name.into())
            .spawn(move || run(receiver))
            .expect("spawn a service thread");
        Service {
            sender: Some(sender),
            thread: Some(thread),
        }
    }

    /// A sender of jobs; once stopped, one whose sends fail.
    pub fn sender(&self) -> mpsc::Sender<J> {
        self.sender.clone().unwrap_or_else(|| mpsc::channel(1).0)
    }

    pub fn stop(&mut self) {
        self.sender.take();
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

impl<J> Drop for Service<J> {
    fn drop(&mut self) {
        self.sender.take();
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}
