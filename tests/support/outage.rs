//! A database that goes away mid-session, or answers slowly: a TCP relay in front of the test
//! database, which the test stops (connections dropped, new ones refused), starts again on the
//! same port, or slows down (each answer held back).

use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};

use tokio::net::{TcpListener, TcpStream};
use tokio::sync::watch;
use tokio::task::JoinSet;

/// The relay: `uri()` reaches the database through it while it is up.
pub struct Outage {
    addr: SocketAddr,
    up: watch::Sender<bool>,
    /// Milliseconds each chunk of the server's answers is held back.
    delay_ms: Arc<AtomicU64>,
    task: tokio::task::JoinHandle<()>,
}

impl Outage {
    /// A relay to the server of `uri` (`mongodb://host:port/…`).
    pub async fn start(uri: &str) -> Self {
        let upstream = uri
            .trim_start_matches("mongodb://")
            .split(['/', '?'])
            .next()
            .unwrap()
            .rsplit('@')
            .next()
            .unwrap()
            .split(',')
            .next()
            .unwrap()
            .to_string();
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let (up, watch) = watch::channel(true);
        let delay_ms = Arc::new(AtomicU64::new(0));
        let task = tokio::spawn(serve(
            listener,
            addr,
            Arc::new(upstream),
            watch,
            Arc::clone(&delay_ms),
        ));
        Self {
            addr,
            up,
            delay_ms,
            task,
        }
    }

    /// The URI the app is given: straight to this relay, failing fast when it is down.
    pub fn uri(&self) -> String {
        format!(
            "mongodb://{}/?directConnection=true&serverSelectionTimeoutMS=1500&connectTimeoutMS=1500",
            self.addr
        )
    }

    /// The database "stops": every open connection is dropped and new ones are refused.
    pub fn stop(&self) {
        let _ = self.up.send(false);
    }

    /// Every answer from now on arrives `delay` late (a slow or distant server).
    pub fn slow_down(&self, delay: Duration) {
        self.delay_ms
            .store(delay.as_millis() as u64, Ordering::Relaxed);
    }

    /// It comes back on the same port.
    pub fn resume(&self) {
        let _ = self.up.send(true);
    }
}

impl Drop for Outage {
    fn drop(&mut self) {
        self.task.abort();
    }
}

async fn serve(
    listener: TcpListener,
    addr: SocketAddr,
    upstream: Arc<String>,
    mut watch: watch::Receiver<bool>,
    delay_ms: Arc<AtomicU64>,
) {
    let mut listener = Some(listener);
    loop {
        let Some(open) = listener.take() else {
            // Down: nothing listens (connections are refused) until it is up again.
            if watch.wait_for(|up| *up).await.is_err() {
                return;
            }
            listener = Some(TcpListener::bind(addr).await.unwrap());
            continue;
        };
        let mut connections = JoinSet::new();
        loop {
            tokio::select! {
                accepted = open.accept() => {
                    let Ok((client, _)) = accepted else { continue };
                    let upstream = Arc::clone(&upstream);
                    let delay_ms = Arc::clone(&delay_ms);
                    connections.spawn(async move {
                        if let Ok(server) = TcpStream::connect(upstream.as_str()).await {
                            relay(client, server, delay_ms).await;
                        }
                    });
                }
                changed = watch.changed() => {
                    if changed.is_err() {
                        return;
                    }
                    if !*watch.borrow() {
                        break;
                    }
                }
            }
        }
        // Dropping the listener and aborting the relays: refused and reset, like a dead server.
        drop(open);
        connections.abort_all();
    }
}

async fn relay(client: TcpStream, server: TcpStream, delay_ms: Arc<AtomicU64>) {
    let (mut client_read, mut client_write) = client.into_split();
    let (mut server_read, mut server_write) = server.into_split();
    let requests = async { tokio::io::copy(&mut client_read, &mut server_write).await };
    let answers = async {
        let mut buf = vec![0_u8; 64 * 1024];
        loop {
            let n = server_read.read(&mut buf).await?;
            if n == 0 {
                return Ok::<_, std::io::Error>(());
            }
            let delay = delay_ms.load(Ordering::Relaxed);
            if delay > 0 {
                tokio::time::sleep(Duration::from_millis(delay)).await;
            }
            client_write.write_all(&buf[..n]).await?;
        }
    };
    // Either side ending ends the relay, closing both sockets: nobody waits on a half-open one.
    tokio::select! {
        _ = requests => {}
        _ = answers => {}
    }
}
